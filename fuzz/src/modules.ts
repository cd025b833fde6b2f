/**
 * What the fuzzer needs from mqtt-autopsy, described structurally (the shapes of ARCHITECTURE.md, not
 * the source types), so that the same harness runs against the built `dist/` (`npm run fuzz`) and
 * against `src/` in vitest (the regression tests). Nothing here imports the project: the runner loads
 * `dist/` with `loadDist()`, the tests pass the `src/` modules in.
 */

export interface Span {
  readonly offset: number;
  readonly length: number;
}

export interface TimestampLike {
  readonly sec: number;
  readonly nsec: number;
}

export interface CaptureRecordLike {
  readonly frame: number;
  readonly ts: TimestampLike;
  readonly data: Uint8Array;
}

export interface CaptureDiagnosticLike {
  readonly code: string;
  readonly fileOffset: number;
  readonly frame?: number;
}

export interface CaptureHandlersLike {
  record(r: CaptureRecordLike): void;
  diagnostic(d: CaptureDiagnosticLike): void;
}

export interface CaptureParserLike {
  push(chunk: Uint8Array): void;
  end(): void;
  readonly frames: number;
}

export interface AnomalyLike {
  readonly code: string;
  readonly severity: string;
  readonly conn: string | null;
  readonly frame: number;
  readonly offset: number;
  readonly length: number;
  readonly detail?: string;
}

export interface ConnectionLike {
  readonly id: string;
  readonly anomalies: readonly AnomalyLike[];
  readonly transport?: string;
  readonly mqttVersion?: number | null;
  readonly ws?: { readonly deflate: boolean; readonly closes?: readonly { readonly reason: string }[] } | null;
}

export interface PacketEventLike {
  readonly conn: ConnectionLike;
  readonly dir: string;
  readonly packet: { readonly type: string };
  readonly frame: number;
  readonly frames: readonly number[];
  readonly bytes: Uint8Array;
  readonly ref: { readonly frame: number; readonly firstFrame: number; readonly frameOffset: number };
}

export interface EvidenceLike {
  readonly frame: number;
  readonly offset: number;
  readonly code?: string;
}

export interface VerdictLike {
  readonly cause: string;
  readonly evidence: readonly EvidenceLike[];
}

export interface AnalysisEventsLike {
  connectionOpened(c: ConnectionLike): void;
  packet(e: PacketEventLike): void;
  anomaly(a: AnomalyLike): void;
  connectionClosed(c: ConnectionLike): void;
  verdict(c: ConnectionLike, v: VerdictLike): void;
}

export interface RunResultLike {
  readonly connections: readonly { readonly conn: ConnectionLike; readonly verdict: VerdictLike }[];
  readonly captureAnomalies: readonly AnomalyLike[];
  readonly mqttPackets: number;
}

export interface AnalyzerLike {
  connectionOpened(c: ConnectionLike): void;
  packet(e: PacketEventLike): void;
  anomaly(a: AnomalyLike): void;
  connectionClosed(c: ConnectionLike): void;
  result(): RunResultLike;
}

export interface EngineLike {
  push(r: CaptureRecordLike): void;
  captureDiagnostic(d: CaptureDiagnosticLike): void;
  finish(): void;
}

/** The engine's limits: every one a named option with a default (src/engine/limits.ts). */
export type LimitsLike = Readonly<Record<string, number>>;

export interface EngineOptionsLike {
  readonly limits: LimitsLike;
  readonly ports: ReadonlyMap<number, string>;
  readonly assumeVersion: null;
  readonly rethrow: boolean;
}

export interface DecodedLike {
  readonly packet: { readonly type: string; readonly at: Span; readonly resynced?: boolean };
  readonly diags: readonly { readonly code: string; readonly at: Span }[];
}

export interface MqttStreamDecoderLike {
  data(bytes: Uint8Array, offset: number): void;
  gap(offset: number, length: number): void;
  end(): void;
}

export interface WsDecoderLike {
  data(bytes: Uint8Array, offset: number): void;
  gap(offset: number, length: number): void;
  end(): void;
}

export interface WsEventsLike {
  payload(bytes: Uint8Array, wsOffset: number, tcpOffset: number, mask: unknown): void;
  gap(wsOffset: number, length: number): void;
  frame(header: unknown): void;
  control(frame: unknown): void;
  handshake(session: unknown, dir: string): void;
  diagnostic(d: { readonly code: string; readonly at: Span }): void;
}

export interface FuzzModules {
  readonly CaptureParser: new (handlers: CaptureHandlersLike) => CaptureParserLike;
  readonly Engine: new (opts: EngineOptionsLike, events: AnalyzerLike) => EngineLike;
  readonly Analyzer: new (out: AnalysisEventsLike) => AnalyzerLike;
  readonly DEFAULT_LIMITS: LimitsLike;
  readonly DEFAULT_PORTS: ReadonlyMap<number, string>;
  readonly MqttStreamDecoder: new (ctx: () => { readonly protocolLevel: 3 | 4 | 5 },
    events: { packet(d: DecodedLike, bytes: Uint8Array): void; diagnostic(d: { readonly code: string; readonly at: Span }): void },
    limits: { readonly maxPacketSize: number }) => MqttStreamDecoderLike;
  readonly WsDecoder: new (dir: 'c2s' | 's2c', session: unknown, events: WsEventsLike,
    limits: { readonly maxCompressedMessage: number; readonly maxInflatedMessage: number },
    start?: 'http' | 'frames' | 'auto') => WsDecoderLike;
  readonly newWsSession: () => { deflate: unknown };
  readonly parseDeflate: (extensions: readonly string[]) => unknown;
  /** Every registered diagnostic code (an anomaly with another code is a bug). */
  readonly diagCodes: ReadonlySet<string>;
  /** Report renderers, to check that no raw terminal control from the capture reaches the text. */
  readonly report: ReportLike;
  readonly stories?: StoryReportsLike;
}

/** The per-connection text reports (explain, flow) and the `packets` lines; optional so that the fuzzer degrades if they move. */
export interface StoryReportsLike {
  readonly StoryCollector: new (select: (id: string) => boolean) => AnalysisEventsLike & { story(id: string): unknown };
  renderExplain(c: ConnectionLike, v: VerdictLike, story: unknown, o: { color: boolean; frames: ReadonlyMap<number, Uint8Array>; showCredentials: boolean }): string;
  renderFlow(c: ConnectionLike, v: VerdictLike, story: unknown, o: { color: boolean; width: number }): string;
  packetLine(e: PacketEventLike, o: PacketsViewLike): string;
  detailLines(e: PacketEventLike, o: PacketsViewLike): string[];
  hexLines(e: PacketEventLike, o: PacketsViewLike): string[];
  anomalyLine(a: AnomalyLike, o: PacketsViewLike): string;
  verdictLine(c: ConnectionLike, v: VerdictLike, o: PacketsViewLike): string;
}

export interface PacketsViewLike {
  readonly color: boolean;
  readonly localTime: boolean;
  readonly showCredentials: boolean;
}

/** Method signatures (checked bivariantly), so that the real modules' richer parameter types fit. */
export interface ReportLike {
  renderTable(r: RunResultLike, opts: { color: boolean }): string;
  renderJson(doc: unknown): string;
  jsonDocument(tool: { name: string; version: string }, inputs: readonly InputInfoLike[], r: RunResultLike): unknown;
  readonly NdjsonWriter: new (write: (text: string) => void, opts: { showCredentials: boolean }) => AnalysisEventsLike & {
    summary(r: RunResultLike): void;
  };
}

export interface InputInfoLike {
  readonly path: string;
  readonly info: { format: string | null; gzip: boolean; linkTypes: number[]; frames: number; bytes: number };
}

/** Loads the modules from the built `dist/` (run `npm run build` first). */
export async function loadDist(distUrl: URL): Promise<FuzzModules> {
  const at = (p: string): string => new URL(p, distUrl).href;
  const [parser, engine, limits, analyzer, stream, ws, session, deflate, registry, table, json, ndjson] = await Promise.all([
    import(at('capture/parser.js')), import(at('engine/engine.js')), import(at('engine/limits.js')),
    import(at('analysis/analyzer.js')), import(at('mqtt/stream.js')), import(at('ws/decoder.js')), import(at('ws/session.js')),
    import(at('ws/deflate.js')), import(at('diag/registry.js')), import(at('report/table.js')), import(at('report/json.js')),
    import(at('report/ndjson.js')),
  ]) as Record<string, unknown>[];
  const m = (mod: Record<string, unknown> | undefined, name: string): never => {
    const v = mod?.[name];
    if (v === undefined) throw new Error(`dist/ has no export ${name}: run npm run build`);
    return v as never;
  };
  const codes = m(registry, 'allDiagCodes') as () => string[];
  let stories: StoryReportsLike | undefined;
  try {
    const [story, explain, flow, packets] = await Promise.all([import(at('analysis/story.js')), import(at('report/explain.js')),
      import(at('report/flow.js')), import(at('report/packets.js'))]) as Record<string, unknown>[];
    stories = {
      StoryCollector: m(story, 'StoryCollector'), renderExplain: m(explain, 'renderExplain'), renderFlow: m(flow, 'renderFlow'),
      packetLine: m(packets, 'packetLine'), detailLines: m(packets, 'detailLines'), hexLines: m(packets, 'hexLines'),
      anomalyLine: m(packets, 'anomalyLine'), verdictLine: m(packets, 'verdictLine'),
    };
  } catch {
    stories = undefined; // the explain/flow/packets renderers moved: the fuzzer still checks table, JSON and NDJSON
  }
  return {
    CaptureParser: m(parser, 'CaptureParser'),
    Engine: m(engine, 'Engine'),
    Analyzer: m(analyzer, 'Analyzer'),
    DEFAULT_LIMITS: m(limits, 'DEFAULT_LIMITS'),
    DEFAULT_PORTS: m(engine, 'DEFAULT_PORTS'),
    MqttStreamDecoder: m(stream, 'MqttStreamDecoder'),
    WsDecoder: m(ws, 'WsDecoder'),
    newWsSession: m(session, 'newWsSession'),
    parseDeflate: m(deflate, 'parseDeflate'),
    diagCodes: new Set(codes()),
    report: {
      renderTable: m(table, 'renderTable'),
      renderJson: m(json, 'renderJson'),
      jsonDocument: m(json, 'jsonDocument'),
      NdjsonWriter: m(ndjson, 'NdjsonWriter'),
    },
    ...(stories ? { stories } : {}),
  };
}
