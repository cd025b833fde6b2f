/**
 * The `packets` command: one line per MQTT packet as it is decoded (`--detail` field tree, `--hex`
 * bytes), or `--ndjson` packet lines; `--filter` picks the packets.
 */
import type { Command } from 'commander';
import { FilterGate, type SelectedEvents } from '../analysis/gate.js';
import { ConnectionFacts } from '../analysis/subjects.js';
import { openFileSource } from '../capture/read.js';
import type { Anomaly, Connection, PacketEvent } from '../engine/model.js';
import type { Verdict } from '../analysis/types.js';
import { NdjsonWriter } from '../report/ndjson.js';
import { anomalyLine, dateLine, dateOf, detailLines, hexLines, packetLine, verdictLine, type PacketsViewOptions } from '../report/packets.js';
import { addDecodeOptions, addOutputOptions, compileFilter, EXIT_CODES_HELP, failOnExit, FILTER_HELP, SeverityTally, tallied, useColor,
  type CommonOptions } from './common.js';
import type { Io } from './io.js';
import { openOutput } from './output.js';
import { runPipeline, tee } from './pipeline.js';
import { progressFor } from './progress.js';

export interface PacketsOptions extends CommonOptions {
  ndjson?: boolean;
  detail?: boolean;
  hex?: boolean;
}

const HELP = `
Each line: frame (as Wireshark numbers it), time, connection, → client to broker / ← broker to client,
packet type, packet id, flags (d=DUP q=QoS r=RETAIN), topic, payload preview, anomaly marks
(✗ error, ! warn, · note). Anomalies outside any packet get their own line, and ■ marks the end of a
connection with its verdict.

Examples:
  $ mqtt-autopsy packets samples/ws-corrupt-first-byte.pcap
  $ mqtt-autopsy packets samples/clean-qos012.pcap --filter 'type == PUBLISH and qos >= 1'
  $ mqtt-autopsy packets capture.pcapng --filter 'topic ~ "sensors/+/temp"' --detail --hex
  $ mqtt-autopsy packets capture.pcapng --filter 'severity >= warn' --fail-on error
  $ tcpdump -i lo -U --immediate-mode -w - port 1883 | mqtt-autopsy packets -
${FILTER_HELP}

${EXIT_CODES_HELP}`;

/** Prints the selected packets as text lines. */
class PacketPrinter implements SelectedEvents {
  private lastDate = '';

  constructor(
    private readonly write: (text: string) => void,
    private readonly view: PacketsViewOptions,
    private readonly detail: boolean,
    private readonly hex: boolean,
  ) {}

  connection(): void {}

  packet(e: PacketEvent): void {
    this.date(e.ts);
    const lines = [packetLine(e, this.view)];
    if (this.detail) lines.push(...detailLines(e, this.view));
    if (this.hex) lines.push(...hexLines(e, this.view));
    this.write(`${lines.join('\n')}\n`);
  }

  anomaly(a: Anomaly, on: PacketEvent | null): void {
    if (on !== null) return; // shown as a mark on its packet
    if (a.ts) this.date(a.ts);
    this.write(`${anomalyLine(a, this.view)}\n`);
  }

  verdict(c: Connection, v: Verdict): void {
    this.write(`${verdictLine(c, v, this.view)}\n`);
  }

  private date(ts: PacketEvent['ts']): void {
    const d = dateOf(ts, this.view);
    if (d === this.lastDate) return;
    this.lastDate = d;
    this.write(`${dateLine(ts, this.view)}\n`);
  }
}

/** NDJSON: the packet lines (and the anomaly lines outside packets), each with `type` first. */
function ndjsonPackets(w: NdjsonWriter): SelectedEvents {
  return {
    connection() {},
    packet: (e) => w.packet(e),
    anomaly: (a, on) => { if (on === null) w.anomaly(a); },
    verdict() {},
  };
}

export async function packets(paths: readonly string[], o: PacketsOptions, io: Io): Promise<number> {
  const localTime = o.localTime === true;
  const filter = compileFilter(o.filter, localTime);
  const out = openOutput(o.output, io, o.quiet === true);
  const color = useColor(o.color, io, out.isTTY);
  const tally = new SeverityTally();
  const view: PacketsViewOptions = { color, localTime, showCredentials: o.showCredentials === true };
  const printer = o.ndjson
    ? ndjsonPackets(new NdjsonWriter((t) => out.write(t), { showCredentials: o.showCredentials === true }))
    : new PacketPrinter((t) => out.write(t), view, o.detail === true, o.hex === true);
  const facts = new ConnectionFacts();
  const gate = new FilterGate(filter, tallied(printer, tally), facts);
  // Lines stream to the output as they are decoded: a bar on the same terminal would garble them.
  const progress = out.isTTY ? null : progressFor(paths, io, o.quiet === true);
  try {
    const run = await runPipeline(paths, o, io, tee(facts, gate), {
      afterRecord: () => gate.settle(),
      ...(progress ? { open: (p: string) => progress.wrap(p === '-' ? io.stdin : openFileSource(p)) } : {}),
    });
    gate.finish(run.result);
  } finally {
    progress?.clear();
    out.close();
  }
  return failOnExit(o.failOn, tally.counts);
}

export function registerPackets(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command('packets')
    .description('one line per MQTT packet (like tshark), --detail for the field tree, --hex for the bytes')
    .argument('<capture...>', 'pcap, pcapng or gzip-compressed capture files, or - for stdin')
    .option('--ndjson', 'one JSON object per packet line (the NDJSON "packet" lines of analyze)')
    .option('--detail', 'print each packet\'s fields with their byte ranges (Wireshark field names)')
    .option('--hex', 'print a hex dump of each packet, anomalous bytes marked');
  addOutputOptions(addDecodeOptions(cmd))
    .addHelpText('after', HELP)
    .action(async (paths: string[], opts: PacketsOptions) => {
      done(await packets(paths, opts, io));
    });
}
