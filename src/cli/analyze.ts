/**
 * The `analyze` command: read captures, run the engine and the analysis, print a table, the JSON
 * document or NDJSON lines. `--filter` selects connections (table, JSON) or lines (NDJSON); the
 * summary counts what is shown, and `--fail-on` looks at the anomalies of what is shown.
 */
import type { Command } from 'commander';
import type { AnalysisEvents } from '../analysis/analyzer.js';
import { FilterGate, type SelectedEvents } from '../analysis/gate.js';
import { selectResult } from '../analysis/selection.js';
import { ConnectionFacts } from '../analysis/subjects.js';
import { safeText } from '../bytes/text.js';
import { openFileSource } from '../capture/read.js';
import { jsonDocument, renderJson } from '../report/json.js';
import { NdjsonWriter } from '../report/ndjson.js';
import { renderTable } from '../report/table.js';
import { addDecodeOptions, addOutputOptions, compileFilter, EXIT_CODES_HELP, failOnExit, FILTER_HELP, SeverityTally, tallied, useColor,
  type CommonOptions } from './common.js';
import type { Io } from './io.js';
import { openOutput } from './output.js';
import { runPipeline, tee, type PipelineHooks } from './pipeline.js';
import { progressFor } from './progress.js';
import { TOOL } from './version.js';

export interface AnalyzeOptions extends CommonOptions {
  json?: boolean;
  ndjson?: boolean;
}

/** Where the bytes come from when they are not the named files (the `live` command's tcpdump). */
export interface AnalyzeSource {
  readonly open: (path: string) => AsyncIterable<Uint8Array>;
}

const HELP = `
Examples:
  $ mqtt-autopsy analyze samples/ws-corrupt-first-byte.pcap
  $ mqtt-autopsy analyze capture.pcapng --json -o report.json
  $ mqtt-autopsy analyze rotated-1.pcap rotated-2.pcap.gz --ndjson
  $ mqtt-autopsy analyze odd-port.pcap --port 17501 --port 9001:ws
  $ mqtt-autopsy analyze capture.pcapng --filter 'clientid ~ "dev-*" and cause != client_disconnect'
  $ mqtt-autopsy analyze device-test.pcap --filter 'clientid == "dev-1"' --fail-on warn --quiet   # a CI gate
  $ tcpdump -i lo -U --immediate-mode -w - port 1883 | mqtt-autopsy analyze - --ndjson
${FILTER_HELP}
  A connection matches when some value of a field does: type == PUBLISH selects connections that carried one;
  with --ndjson each line is tested on its own (packet, anomaly, verdict).

${EXIT_CODES_HELP}`;

/** NDJSON lines for the selected records. */
function ndjsonLines(w: NdjsonWriter): SelectedEvents {
  return {
    connection: (c) => w.connectionOpened(c),
    packet: (e) => w.packet(e),
    anomaly: (a) => w.anomaly(a),
    verdict: (c, v) => w.verdict(c, v),
  };
}

export async function analyze(paths: readonly string[], o: AnalyzeOptions, io: Io, source?: AnalyzeSource): Promise<number> {
  const localTime = o.localTime === true;
  const filter = compileFilter(o.filter, localTime);
  const out = openOutput(o.output, io, o.quiet === true);
  const color = useColor(o.color, io, out.isTTY);
  const reportOpts = { showCredentials: o.showCredentials === true };
  const facts = new ConnectionFacts();
  const tally = new SeverityTally();
  const ndjson = o.ndjson ? new NdjsonWriter((t) => out.write(t), reportOpts) : null;
  const gate = ndjson ? new FilterGate(filter, tallied(ndjsonLines(ndjson), tally), facts) : null;
  const sink: AnalysisEvents = gate ? tee(facts, gate) : facts;
  // NDJSON streams: a bar on the same terminal would garble the lines.
  const progress = ndjson && out.isTTY ? null : progressFor(paths, io, o.quiet === true);
  const open = source?.open ?? ((p: string) => (p === '-' ? io.stdin : openFileSource(p)));
  const hooks: PipelineHooks = {
    open: progress ? (p) => progress.wrap(open(p)) : open,
    ...(gate ? { afterRecord: () => gate.settle() } : {}),
  };
  try {
    const run = await runPipeline(paths, o, io, sink, hooks);
    progress?.clear();
    const shown = selectResult(run.result, filter, facts);
    if (ndjson && gate) {
      gate.finish(run.result);
      ndjson.summary(shown.result);
      return failOnExit(o.failOn, tally.counts);
    }
    if (o.json) {
      out.write(`${renderJson(jsonDocument(TOOL, run.inputs, shown.result))}\n`);
    } else {
      out.write(renderTable(shown.result, { color, localTime }));
      if (filter) out.write(`--filter ${safeText(filter.source)}: ${shown.result.connections.length} of ${shown.total} connections\n`);
    }
    return failOnExit(o.failOn, shown.result.anomalyCounts);
  } finally {
    progress?.clear();
    out.close();
  }
}

export function registerAnalyze(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command('analyze', { isDefault: true })
    .description('connections with who closed them and why (a table, --json or --ndjson)')
    .argument('<capture...>', 'pcap, pcapng or gzip-compressed capture files, or - for stdin')
    .option('--json', 'print one JSON document (schema: docs/schema/report.schema.json)')
    .option('--ndjson', 'stream one JSON object per line as facts become known (live mode format)');
  addOutputOptions(addDecodeOptions(cmd))
    .addHelpText('after', HELP)
    .action(async (paths: string[], opts: AnalyzeOptions) => {
      done(await analyze(paths, opts, io));
    });
}
