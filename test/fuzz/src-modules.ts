/** The fuzz harness's modules taken from src/ (the runner takes them from dist/): tests replay inputs on the source. */
import { Analyzer } from '../../src/analysis/analyzer.js';
import { CaptureParser } from '../../src/capture/parser.js';
import { allDiagCodes } from '../../src/diag/registry.js';
import { DEFAULT_PORTS, Engine } from '../../src/engine/engine.js';
import { DEFAULT_LIMITS } from '../../src/engine/limits.js';
import { MqttStreamDecoder } from '../../src/mqtt/stream.js';
import { jsonDocument, renderJson } from '../../src/report/json.js';
import { NdjsonWriter } from '../../src/report/ndjson.js';
import { renderTable } from '../../src/report/table.js';
import { WsDecoder } from '../../src/ws/decoder.js';
import { parseDeflate } from '../../src/ws/deflate.js';
import { newWsSession } from '../../src/ws/session.js';
import type { FuzzModules } from '../../fuzz/src/modules.js';

export const srcModules = {
  CaptureParser, Engine, Analyzer, DEFAULT_LIMITS, DEFAULT_PORTS, MqttStreamDecoder, WsDecoder, newWsSession, parseDeflate,
  diagCodes: new Set<string>(allDiagCodes()),
  report: { renderTable, renderJson, jsonDocument, NdjsonWriter },
} as unknown as FuzzModules;
