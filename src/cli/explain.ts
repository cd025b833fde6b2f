/** The `explain` and `flow` commands: one connection's story, as text or as a ladder diagram. */
import { Option, type Command } from 'commander';
import { StoryCollector } from '../analysis/story.js';
import { renderExplain } from '../report/explain.js';
import { renderFlow } from '../report/flow.js';
import { addDecodeOptions, EXIT_CODES_HELP, useColor } from './common.js';
import { EXIT, UsageError, type Io } from './io.js';
import { openOutput } from './output.js';
import { readFrames, runPipeline, tee, SILENT, type PipelineOptions } from './pipeline.js';

export interface ExplainCommandOptions extends PipelineOptions {
  conn?: string;
  showCredentials?: boolean;
  color?: boolean;
  width?: number;
  output?: string;
}

const HELP: Record<'explain' | 'flow', string> = {
  explain: `
Examples:
  $ mqtt-autopsy explain samples/ws-corrupt-first-byte.pcap
  $ mqtt-autopsy explain capture.pcapng --conn C3 -o c3.txt

For each connection (or the one --conn names): the verdict, the packets and closes in order, the
keep-alive timeline (1.5 × keep-alive deadline, longest client silence, PINGREQ round trips), and each
piece of evidence with a hex dump of its frame, the offending byte in [brackets]; for MQTT over
WebSocket also the unmasked payload. Frames are re-read from the files for the dump (not from stdin).

${EXIT_CODES_HELP}`,
  flow: `
Examples:
  $ mqtt-autopsy flow samples/keepalive-timeout.pcap
  $ mqtt-autopsy flow capture.pcapng --conn C3

A client ↔ broker ladder diagram: time since the connection opened on the left, one arrow per packet
(type, id, topic, size), anomalies marked ✗ on their arrow, the 1.5 × keep-alive deadline, the TCP or
WebSocket close at the bottom, then the verdict. Long connections keep their first and last events.

${EXIT_CODES_HELP}`,
};

/** Registers `explain` and `flow`. */
export function registerExplain(program: Command, io: Io, done: (code: number) => void): void {
  for (const mode of ['explain', 'flow'] as const) {
    const cmd = program
      .command(mode)
      .description(mode === 'explain'
        ? 'the story of a connection: verdict, packets, keep-alive timeline, evidence bytes marked'
        : 'a client ↔ broker ladder diagram of a connection')
      .argument('<capture...>', 'capture files (or - for stdin; explain then shows no wire bytes)')
      .option('--conn <id>', 'only this connection (C3); default every connection')
      .option('-o, --output <file>', 'write the output to FILE instead of stdout')
      .addOption(new Option('--color', 'colour the output even when it is not a terminal').default(undefined))
      .option('--no-color', 'never colour the output (NO_COLOR is honoured too)');
    addDecodeOptions(cmd)
      .addHelpText('after', HELP[mode])
      .action(async (paths: string[], opts: ExplainCommandOptions) => {
        const out = openOutput(opts.output, io, false);
        try {
          const color = useColor(opts.color, io, out.isTTY);
          const width = (io.stdout as { columns?: number }).columns ?? 100;
          done(await explain(paths, { ...opts, color, width }, { ...io, stdout: { write: (t: string) => out.write(t), isTTY: out.isTTY } }, mode));
        } finally {
          out.close();
        }
      });
  }
}

function selector(conn: string | undefined): (id: string) => boolean {
  if (conn === undefined) return () => true;
  const id = conn.toUpperCase().startsWith('C') ? conn.toUpperCase() : `C${conn}`;
  if (!/^C[1-9]\d*$/.test(id)) throw new UsageError(`--conn expects a connection id like C3, got "${conn}"`);
  return (x) => x === id;
}

export async function explain(paths: readonly string[], o: ExplainCommandOptions, io: Io, mode: 'explain' | 'flow'): Promise<number> {
  const select = selector(o.conn);
  const stories = new StoryCollector(select);
  const run = await runPipeline(paths, o, io, tee(SILENT, stories));
  const chosen = run.result.connections.filter((c) => select(c.conn.id));
  if (chosen.length === 0) {
    io.stderr.write(o.conn !== undefined
      ? `mqtt-autopsy: no connection ${o.conn} (the capture has ${run.result.connections.length}: C1…C${run.result.connections.length})\n`
      : 'mqtt-autopsy: no MQTT connections found\n');
    return o.conn !== undefined ? EXIT.usage : EXIT.ok;
  }
  if (mode === 'flow') {
    const parts = chosen.map(({ conn, verdict }) => renderFlow(conn, verdict, stories.story(conn.id)!,
      { color: o.color === true, width: o.width ?? 100 }));
    io.stdout.write(parts.join('\n'));
    return EXIT.ok;
  }
  const wanted = new Set(chosen.flatMap((c) => c.verdict.evidence.map((e) => e.frame)));
  const frames = await readFrames(paths, wanted);
  const parts = chosen.map(({ conn, verdict }) => renderExplain(conn, verdict, stories.story(conn.id),
    { color: o.color === true, frames, showCredentials: o.showCredentials === true }));
  io.stdout.write(parts.join(`\n${'─'.repeat(72)}\n\n`));
  return EXIT.ok;
}
