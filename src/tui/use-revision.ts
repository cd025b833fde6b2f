/**
 * The store's revision as React state, updated at most every `intervalMs` (with a trailing update):
 * a live capture commits many batches a second, the UI re-renders a few times a second.
 */
import { useEffect, useState } from 'react';
import type { CaptureStore } from './store.js';

export const RENDER_INTERVAL_MS = 100;

export function useRevision(store: CaptureStore, intervalMs = RENDER_INTERVAL_MS): number {
  const [revision, setRevision] = useState(store.revision);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const fire = (): void => {
      timer = null;
      last = Date.now();
      setRevision(store.revision);
    };
    const unsubscribe = store.subscribe(() => {
      if (timer !== null) return;
      timer = setTimeout(fire, Math.max(0, last + intervalMs - Date.now()));
    });
    // A commit may have happened between the first render and this effect.
    if (store.revision !== revision) fire();
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- subscribe once per store
  }, [store, intervalMs]);
  return revision;
}
