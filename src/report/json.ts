/** The `--json` document of ARCHITECTURE.md §5: a pure function of the run's result. */
import type { RunResult } from '../analysis/analyzer.js';
import type { CaptureInfo } from '../capture/types.js';
import { terminalSafeJson } from '../bytes/text.js';
import { anomalyJson, connectionJson, summaryJson, type Json } from './fields.js';

export interface ToolInfo {
  readonly name: string;
  readonly version: string;
}

export interface InputInfo {
  readonly path: string;
  readonly info: CaptureInfo;
}

export function inputJson(i: InputInfo): { [key: string]: Json } {
  return {
    path: i.path, format: i.info.format, gzip: i.info.gzip,
    linkTypes: [...i.info.linkTypes], frames: i.info.frames, bytes: i.info.bytes,
  };
}

export function jsonDocument(tool: ToolInfo, inputs: readonly InputInfo[], r: RunResult): { [key: string]: Json } {
  return {
    tool: { name: tool.name, version: tool.version },
    inputs: inputs.map(inputJson),
    summary: summaryJson(r),
    connections: r.connections.map((c) => connectionJson(c.conn, c.verdict)),
    captureAnomalies: r.captureAnomalies.map(anomalyJson),
  };
}

/** Serializes for output: indented, with terminal-unsafe characters escaped (still the same JSON data). */
export function renderJson(doc: Json, indent = 2): string {
  return terminalSafeJson(JSON.stringify(doc, null, indent));
}
