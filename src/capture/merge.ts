/**
 * Several capture files read as one, in timestamp order: the pieces of a rotated capture
 * (`tcpdump -C` / `-G`) or captures of one exchange taken at two points.
 *
 * A k-way merge, pull-based: each input is read only when its next record is needed, so at most one
 * read chunk's worth of records waits per input (memory stays bounded however long the files). Ties
 * in time go to the earlier input; records of one file keep their file order.
 *
 * Frame numbers: Wireshark's mergecap writes a new file and so renumbers; we number records in
 * merged order too (`frame`, 1-based, what every layer below reports), and keep where each came
 * from in `input` (index into `sources`) and `fileFrame` (its number in its own file), so a frame can
 * be found in the original file as well. A single input is passed through untouched (no `input` or
 * `fileFrame`), exactly as readCapture delivers it.
 */
import { CaptureInput } from './input.js';
import { readCapture } from './read.js';
import type { CaptureDiagnostic, CaptureHandlers, CaptureInfo, CaptureRecord } from './types.js';

/** One input of a merged read: its name (for messages) and its bytes. */
export interface NamedSource {
  readonly name: string;
  readonly source: AsyncIterable<Uint8Array>;
}

/** Options of a merged read. */
export interface MergeOptions {
  /** Resolves when the user interrupts: reading stops where it is. */
  readonly stop?: Promise<void>;
}

/**
 * Reads every source, delivering their records merged in timestamp order, and resolves to one
 * CaptureInfo per source (same order). Rejects with CaptureInputError when an input is not a
 * capture or cannot be read; every input is opened before the first record is delivered, so that
 * error comes before any record.
 */
export async function readCaptures(sources: readonly NamedSource[], handlers: CaptureHandlers,
  opts: MergeOptions = {}): Promise<CaptureInfo[]> {
  if (sources.length === 1) {
    const s = sources[0]!;
    return [await readCapture(s.source, handlers, { name: s.name, ...(opts.stop ? { stop: opts.stop } : {}) })];
  }
  const lanes = sources.map((s, i) => new Lane(i, s, opts.stop));
  try {
    await merge(lanes, handlers);
  } finally {
    for (const lane of lanes) lane.input.cancel();
  }
  return lanes.map((l) => l.input.info());
}

async function merge(lanes: readonly Lane[], handlers: CaptureHandlers): Promise<void> {
  for (const lane of lanes) {
    await lane.fill();
    if (lane.input.interrupted) return;
  }
  const heap = new LaneHeap();
  for (const lane of lanes) {
    lane.flushDiagnostics(handlers);
    if (lane.queued > 0) heap.push(lane);
  }
  let frame = 0;
  for (let lane = heap.pop(); lane !== undefined; lane = heap.pop()) {
    lane.deliverRecord(++frame, handlers);
    lane.flushDiagnostics(handlers);
    if (lane.queued === 0) {
      await lane.fill();
      if (lane.input.interrupted) return;
      lane.flushDiagnostics(handlers);
    }
    if (lane.queued > 0) heap.push(lane);
  }
}

/** One input of the merge with the records it decoded but the merge has not delivered yet. */
class Lane implements CaptureHandlers {
  readonly input: CaptureInput;
  private items: (CaptureRecord | CaptureDiagnostic)[] = [];
  private head = 0;
  /** Records waiting in `items`. */
  queued = 0;
  private lastFileFrame = 0;
  private lastFrame = 0;
  private firstShortFileFrame = 0;
  private firstShortFrame = 0;

  constructor(readonly index: number, s: NamedSource, stop: Promise<void> | undefined) {
    this.input = new CaptureInput(s.source, this, { name: s.name, ...(stop ? { stop } : {}) });
  }

  record(r: CaptureRecord): void {
    this.items.push(r);
    this.queued++;
  }

  diagnostic(d: CaptureDiagnostic): void {
    this.items.push(d);
  }

  /** Pulls chunks until a record is waiting or the input is finished. */
  async fill(): Promise<void> {
    while (this.queued === 0 && await this.input.pull()) {
      // Each pull parses one chunk.
    }
  }

  /** The waiting record at the head (only when `queued` > 0 and the diagnostics before it were flushed). */
  headRecord(): CaptureRecord {
    return this.items[this.head] as CaptureRecord;
  }

  /** Delivers the head record under merged frame number `frame`. */
  deliverRecord(frame: number, handlers: CaptureHandlers): void {
    const r = this.items[this.head++] as CaptureRecord;
    this.queued--;
    this.compact();
    this.lastFileFrame = r.frame;
    this.lastFrame = frame;
    if (r.capLen < r.origLen && this.firstShortFrame === 0) {
      this.firstShortFileFrame = r.frame;
      this.firstShortFrame = frame;
    }
    handlers.record({ frame, ts: r.ts, linkType: r.linkType, iface: r.iface, data: r.data, capLen: r.capLen,
      origLen: r.origLen, fileOffset: r.fileOffset, input: this.index, fileFrame: r.frame });
  }

  /**
   * Delivers the diagnostics now at the head (they carry no time: they go out as soon as the records
   * before them in their file have). A frame they name is renumbered when it was delivered.
   */
  flushDiagnostics(handlers: CaptureHandlers): void {
    for (;;) {
      const d = this.items[this.head];
      if (d === undefined || 'capLen' in d) return;
      this.head++;
      this.compact();
      const f = d.frame;
      const frame = f === undefined ? undefined
        : f === this.lastFileFrame ? this.lastFrame
          : f === this.firstShortFileFrame ? this.firstShortFrame : undefined;
      handlers.diagnostic({
        code: d.code, fileOffset: d.fileOffset,
        ...(frame !== undefined ? { frame } : {}),
        ...(d.detail !== undefined ? { detail: d.detail } : {}),
        input: this.index,
        ...(f !== undefined ? { fileFrame: f } : {}),
      });
    }
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
  }
}

/** Min-heap of lanes by their head record's time, then by input index. */
class LaneHeap {
  private readonly a: Lane[] = [];

  push(lane: Lane): void {
    const a = this.a;
    let i = a.push(lane) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): Lane | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l]!, a[m]!)) m = l;
      if (r < a.length && before(a[r]!, a[m]!)) m = r;
      if (m === i) return top;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}

function before(x: Lane, y: Lane): boolean {
  const a = x.headRecord().ts;
  const b = y.headRecord().ts;
  if (a.sec !== b.sec) return a.sec < b.sec;
  if (a.nsec !== b.nsec) return a.nsec < b.nsec;
  return x.index < y.index;
}
