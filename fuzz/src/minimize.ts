/**
 * Shrinks a failing input while it keeps failing the same check (delta debugging, greedy, with a time
 * budget): one chunk instead of many, fewer records (rewritten as pcap when the file parses), then
 * fewer bytes. For stream inputs: fewer and shorter pieces. The result is what goes into reproducers/.
 */
import { writePcap, writePcapng, type Packet } from './capture-io.js';
import type { CaptureInput, Failure, FuzzInput, StreamOp } from './harness.js';
import type { FuzzModules } from './modules.js';
import { signature } from './reproducers.js';

export type Runner = (input: FuzzInput) => Failure | null;

/** The records a (possibly damaged) file yields; null when it yields none. */
function records(m: FuzzModules, bytes: Uint8Array): Packet[] | null {
  const out: Packet[] = [];
  try {
    const p = new m.CaptureParser({
      record: (r) => {
        const rr = r as unknown as { ts: { sec: number; nsec: number }; linkType: number; data: Uint8Array; origLen: number };
        out.push({ sec: rr.ts.sec, nsec: rr.ts.nsec, linkType: rr.linkType, data: rr.data.slice(), origLen: rr.origLen });
      },
      diagnostic: () => {},
    });
    p.push(bytes);
    p.end();
  } catch {
    return null;
  }
  return out.length === 0 ? null : out;
}

function rewrite(ps: readonly Packet[]): Uint8Array {
  const mixed = ps.some((p) => p.linkType !== ps[0]?.linkType);
  return mixed ? writePcapng(ps) : writePcap(ps);
}

/** Removes pieces of a list while `fails` holds (ddmin-style: halves, then quarters, … then single items). */
function shrinkList<T>(items: readonly T[], fails: (xs: readonly T[]) => boolean, deadline: number): T[] {
  let cur = [...items];
  let n = 2;
  while (cur.length >= 2 && Date.now() < deadline) {
    const size = Math.ceil(cur.length / n);
    let removed = false;
    for (let at = 0; at < cur.length && Date.now() < deadline; at += size) {
      const next = [...cur.slice(0, at), ...cur.slice(at + size)];
      if (next.length > 0 && fails(next)) {
        cur = next;
        removed = true;
        break;
      }
    }
    if (removed) n = Math.max(2, n - 1);
    else if (size === 1) break;
    else n = Math.min(cur.length, n * 2);
  }
  return cur;
}

function minimizeCapture(m: FuzzModules, input: CaptureInput, same: (i: FuzzInput) => boolean, deadline: number): CaptureInput {
  let cur: CaptureInput = input;
  const whole = (bytes: Uint8Array): CaptureInput => ({ kind: 'capture', bytes, chunks: [bytes.length], render: cur.render });
  // One chunk, no second plan, no rendering, when the failure does not need them.
  if (cur.chunks.length > 1 && same(whole(cur.bytes))) cur = whole(cur.bytes);
  if (cur.recheck && cur.chunks.length <= 1) { /* the chunking check needs its plans */ }
  else if (cur.render) { const x = { ...cur, render: false }; if (same(x)) cur = x; }
  if (cur.chunks.length > 1) return cur; // the failure depends on the chunking: keep the bytes as they are
  // Fewer records, written back as a plain pcap (when the records alone still fail the same way).
  const recs = records(m, cur.bytes);
  if (recs && same(whole(rewrite(recs)))) {
    const kept = shrinkList(recs, (xs) => same(whole(rewrite(xs))), deadline);
    cur = { ...whole(rewrite(kept)), render: cur.render };
  }
  // Fewer bytes: cut the tail, then delete ranges.
  let bytes = cur.bytes;
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi && Date.now() < deadline) {
    const mid = Math.floor((lo + hi) / 2);
    if (same({ ...cur, bytes: bytes.subarray(0, mid), chunks: [mid] })) hi = mid;
    else lo = mid + 1;
  }
  bytes = bytes.slice(0, hi);
  for (let size = Math.max(1, bytes.length >> 2); size >= 1 && Date.now() < deadline; size >>= 1) {
    for (let at = 0; at + size <= bytes.length && Date.now() < deadline;) {
      const next = new Uint8Array(bytes.length - size);
      next.set(bytes.subarray(0, at), 0);
      next.set(bytes.subarray(at + size), at);
      if (same({ ...cur, bytes: next, chunks: [next.length] })) bytes = next;
      else at += size;
    }
  }
  return { ...cur, bytes, chunks: [bytes.length] };
}

function minimizeOps(ops: readonly StreamOp[], fails: (ops: readonly StreamOp[]) => boolean, deadline: number): StreamOp[] {
  // Join neighbouring data pieces first when the chunking does not matter.
  const joined: StreamOp[] = [];
  for (const op of ops) {
    const last = joined[joined.length - 1];
    if (last && 'data' in last && 'data' in op) {
      const d = new Uint8Array(last.data.length + op.data.length);
      d.set(last.data, 0);
      d.set(op.data, last.data.length);
      joined[joined.length - 1] = { data: d };
    } else joined.push(op);
  }
  let cur = fails(joined) ? joined : [...ops];
  cur = shrinkList(cur, fails, deadline);
  // Shorter pieces.
  for (let i = 0; i < cur.length && Date.now() < deadline; i++) {
    const op = cur[i]!;
    if (!('data' in op)) continue;
    let d = op.data;
    for (let size = Math.max(1, d.length >> 1); size >= 1 && Date.now() < deadline; size >>= 1) {
      for (let at = 0; at + size <= d.length && Date.now() < deadline;) {
        const next = new Uint8Array(d.length - size);
        next.set(d.subarray(0, at), 0);
        next.set(d.subarray(at + size), at);
        const trial = [...cur];
        trial[i] = { data: next };
        if (next.length > 0 && fails(trial)) { d = next; cur = trial; }
        else at += size;
      }
    }
  }
  return cur;
}

export function minimize(m: FuzzModules, run: Runner, input: FuzzInput, failure: Failure, budgetMs = 20_000): FuzzInput {
  const deadline = Date.now() + budgetMs;
  const want = signature(failure);
  const same = (i: FuzzInput): boolean => {
    try {
      const f = run(i);
      return f !== null && signature(f) === want;
    } catch {
      return false;
    }
  };
  switch (input.kind) {
    case 'capture': return minimizeCapture(m, input, same, deadline);
    case 'mqtt-stream': {
      if (input.recheck) return input;
      return { ...input, ops: minimizeOps(input.ops, (ops) => same({ ...input, ops }), deadline) };
    }
    case 'ws-stream': {
      // The recovery check needs the garbage to end at a frame boundary: cutting bytes would break that.
      if (input.recheck || (input.validFrame && failure.check === 'recovery')) return input;
      return { ...input, ops: minimizeOps(input.ops, (ops) => same({ ...input, ops }), deadline) };
    }
  }
}
