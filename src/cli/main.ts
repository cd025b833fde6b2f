/**
 * The command line (commander). The only module that touches `process`: `run()` wires the real
 * process into `main(argv, io)`, which tests call in-process.
 */
import { Command, CommanderError, Option } from 'commander';
import { CaptureInputError } from '../capture/types.js';
import { analyze, type AnalyzeOptions } from './analyze.js';
import { explain, type ExplainCommandOptions } from './explain.js';
import { listDiagnostics } from './diagnostics.js';
import { EXIT, UsageError, type Io } from './io.js';
import { parsePort, parseSize, parseVersion } from './options.js';
import { TOOL } from './version.js';

const ANALYZE_HELP = `
Examples:
  $ mqtt-autopsy analyze samples/corrupt-first-byte-tcp.pcap
  $ mqtt-autopsy analyze capture.pcapng --json > report.json
  $ mqtt-autopsy analyze rotated-1.pcap rotated-2.pcap.gz --ndjson
  $ mqtt-autopsy analyze odd-port.pcap --port 17501
  $ tcpdump -i lo -U --immediate-mode -w - port 1883 | mqtt-autopsy analyze - --ndjson

Exit codes: 0 ok, 2 usage error, 3 input cannot be read, 130 interrupted.`;

function buildProgram(io: Io, done: (code: number) => void): Command {
  const program = new Command();
  program
    .name('mqtt-autopsy')
    .description('Explains why MQTT connections die, from a packet capture: which connection, who closed it, and why.')
    .version(TOOL.version, '-V, --version')
    .option('--list-diagnostics', 'print every diagnostic code with its severity and spec reference')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => { io.stdout.write(s); },
      writeErr: (s) => { io.stderr.write(s); },
    })
    .action(() => {
      if (program.opts<{ listDiagnostics?: boolean }>().listDiagnostics) {
        io.stdout.write(listDiagnostics());
        done(EXIT.ok);
        return;
      }
      program.outputHelp();
      done(EXIT.usage);
    });

  program
    .command('analyze', { isDefault: true })
    .description('connections with who closed them and why (a table, --json or --ndjson)')
    .argument('<capture...>', 'pcap, pcapng or gzip-compressed capture files, or - for stdin')
    .option('--json', 'print one JSON document (schema: docs/schema/report.schema.json)')
    .option('--ndjson', 'stream one JSON object per line as facts become known (live mode format)')
    .option('-o, --output <file>', 'write the output to a file instead of stdout')
    .option('--port <N[:mqtt|:ws|:tls]>', 'decode this TCP port as MQTT (or ws/tls), like tshark -d; repeatable', parsePort)
    .option('--assume-version <3.1|3.1.1|5.0>', 'protocol version for connections whose CONNECT was not captured', parseVersion)
    .option('--max-packet-size <bytes>', 'larger MQTT packets are counted but their body is skipped (default 16M)', parseSize)
    .option('--show-credentials', 'show CONNECT passwords and AUTH data (redacted by default)')
    .addOption(new Option('--color', 'colour the table').default(undefined))
    .option('--no-color', 'never colour the table (NO_COLOR is honoured too)')
    .option('-q, --quiet', 'print nothing but errors (the exit code tells the result)')
    .addHelpText('after', ANALYZE_HELP)
    .action(async (paths: string[], opts: AnalyzeOptions & { color?: boolean }) => {
      const color = opts.color ?? (io.stdout.isTTY === true && io.env['NO_COLOR'] === undefined);
      done(await analyze(paths, { ...opts, color }, io));
    });
  for (const mode of ['explain', 'flow'] as const) {
    program
      .command(mode)
      .description(mode === 'explain'
        ? 'the story of a connection: verdict, packets, keep-alive timeline, evidence bytes marked'
        : 'a client ↔ broker ladder diagram of a connection')
      .argument('<capture...>', 'capture files (or - for stdin; explain then shows no wire bytes)')
      .option('--conn <id>', 'only this connection (C3); default every connection')
      .option('--port <N[:mqtt|:ws|:tls]>', 'decode this TCP port as MQTT (or ws/tls); repeatable', parsePort)
      .option('--assume-version <3.1|3.1.1|5.0>', 'protocol version for connections whose CONNECT was not captured', parseVersion)
      .option('--no-color', 'no colour (NO_COLOR is honoured too)')
      .addHelpText('after', mode === 'explain'
        ? '\nExamples:\n  $ mqtt-autopsy explain samples/ws-corrupt-first-byte.pcap\n  $ mqtt-autopsy explain capture.pcapng --conn C3'
        : '\nExamples:\n  $ mqtt-autopsy flow samples/keepalive-timeout.pcap --conn C1')
      .action(async (paths: string[], opts: ExplainCommandOptions & { color?: boolean }) => {
        const color = opts.color !== false && io.stdout.isTTY === true && io.env['NO_COLOR'] === undefined;
        const width = (io.stdout as { columns?: number }).columns ?? 100;
        done(await explain(paths, { ...opts, color, width }, io, mode));
      });
  }
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => { code = c; });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit through here with code 0; everything else is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`mqtt-autopsy: ${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof CaptureInputError) {
      io.stderr.write(`mqtt-autopsy: ${e.message}\n`);
      return EXIT.input;
    }
    // A bug: one line, no stack, unless MQTT_AUTOPSY_DEBUG asks for it.
    io.stderr.write(`mqtt-autopsy: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (io.env['MQTT_AUTOPSY_DEBUG'] && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return EXIT.internal;
  }
}

/** Entry point of bin/mqtt-autopsy.js. */
export function run(): void {
  let interrupt: () => void = () => {};
  const interrupted = new Promise<void>((resolve) => { interrupt = resolve; });
  let interrupts = 0;
  process.on('SIGINT', () => {
    // First Ctrl-C: stop reading and print what was seen; second: leave now.
    if (++interrupts > 1) process.exit(EXIT.interrupted);
    interrupt();
  });
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok); // `| head` closed the pipe
  });
  const io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, interrupted };
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = interrupts > 0 && code === EXIT.ok ? EXIT.interrupted : code;
    // Stdin may still hold the event loop (a live pipe): leave once output is flushed.
    if (interrupts > 0) process.stdout.write('', () => process.exit(process.exitCode));
  }, () => { process.exitCode = EXIT.internal; });
}
