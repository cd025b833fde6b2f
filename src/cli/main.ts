/**
 * The command line (commander). The only module that touches `process`: `run()` wires the real
 * process into `main(argv, io)`, which tests call in-process.
 */
import { Command, CommanderError } from 'commander';
import { CaptureInputError } from '../capture/types.js';
import { registerAnalyze } from './analyze.js';
import { registerExplain } from './explain.js';
import { listDiagnostics } from './diagnostics.js';
import { EXIT, UsageError, type Io } from './io.js';
import { registerLive } from './live.js';
import { registerPackets } from './packets.js';
import { registerTui } from './tui.js';
import { TOOL } from './version.js';

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
    .hook('preSubcommand', () => {
      // `analyze` is the default command: without this, `--list-diagnostics` alone would run it.
      if (program.opts<{ listDiagnostics?: boolean }>().listDiagnostics) {
        io.stdout.write(listDiagnostics());
        throw new CommanderError(EXIT.ok, 'mqtt-autopsy.listDiagnostics', '');
      }
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

  // Each command registers itself; add new ones here.
  registerAnalyze(program, io, done);
  registerPackets(program, io, done);
  registerLive(program, io, done);
  registerTui(program, io, done);
  registerExplain(program, io, done);
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
