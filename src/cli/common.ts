/**
 * The options every analyzing command shares (analyze, packets, live), defined once so that they read
 * the same everywhere, and what the commands do with them: colour, the filter, the `--fail-on` exit.
 */
import { Option, type Command } from 'commander';
import type { SelectedEvents } from '../analysis/gate.js';
import { describeFilterError, FILTER_FIELDS, FilterError, parseFilter, type Filter } from '../analysis/filter.js';
import type { Severity } from '../diag/types.js';
import { EXIT, UsageError, type Io } from './io.js';
import { parsePort, parseSize, parseVersion } from './options.js';
import type { PipelineOptions } from './pipeline.js';

export type FailOn = 'none' | Severity;

export interface CommonOptions extends PipelineOptions {
  output?: string;
  filter?: string;
  failOn?: FailOn;
  showCredentials?: boolean;
  /** true: --color, false: --no-color, undefined: decide (TTY, NO_COLOR). */
  color?: boolean;
  quiet?: boolean;
  localTime?: boolean;
}

function parseFailOn(value: string): FailOn {
  const v = value.trim().toLowerCase();
  if (v === 'none' || v === 'note' || v === 'warn' || v === 'error') return v;
  if (v === 'warning') return 'warn';
  throw new UsageError(`--fail-on expects none, note, warn or error, got "${value}"`);
}

/** The one-line reference of the --filter language, for --help. */
export const FILTER_HELP = `
Filter expressions (--filter):
  FIELD OP VALUE, joined with and / or / not (also && || !) and parentheses.
  OP: == != (text, numbers), ~ !~ (MQTT wildcards on topic, * ? globs elsewhere), < <= > >= (numbers, time, severity).
  Fields: ${Object.keys(FILTER_FIELDS).join(', ')}.
  e.g. 'clientid == "dev-1" and (severity >= warn or cause == keepalive_timeout)'
       'topic ~ "sensors/+/temp" and time >= 2026-11-22T04:00:00Z'`;

/** Adds the decoding options (how to read the traffic). */
export function addDecodeOptions(cmd: Command): Command {
  return cmd
    .option('--port <N[:mqtt|:ws|:tls]>', 'decode this TCP port as MQTT (or ws/tls), like tshark -d; repeatable', parsePort)
    .option('--assume-version <3.1|3.1.1|5.0>', 'protocol version for connections whose CONNECT was not captured', parseVersion)
    .option('--max-packet-size <bytes>', 'larger MQTT packets are counted but their body is skipped (default 16M)', parseSize)
    .option('--show-credentials', 'show CONNECT passwords and AUTH data (redacted by default)');
}

/** Adds the output options (what to show, where, and the exit code). */
export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('-o, --output <file>', 'write the output to FILE instead of stdout')
    .option('--filter <expr>', 'only what matches EXPR (see "Filter expressions" below)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an anomaly of this severity or worse is in the output')
      .choices(['none', 'note', 'warn', 'error']).argParser(parseFailOn))
    .option('--local-time', 'show times in the local time zone (text output; JSON stays UTC)')
    .addOption(new Option('--color', 'colour the output even when it is not a terminal').default(undefined))
    .option('--no-color', 'never colour the output (NO_COLOR is honoured too)')
    .option('-q, --quiet', 'print nothing but errors (the exit code tells the result; -o FILE is still written)');
}

/** Colour on: --color, or a terminal without --no-color / NO_COLOR. */
export function useColor(opt: boolean | undefined, io: Io, outputIsTTY: boolean): boolean {
  if (opt !== undefined) return opt;
  return outputIsTTY && io.env['NO_COLOR'] === undefined;
}

/** The parsed --filter (null without one); a bad expression is a usage error pointing at the token. */
export function compileFilter(text: string | undefined, localTime: boolean): Filter | null {
  if (text === undefined) return null;
  try {
    return parseFilter(text, { localTime });
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(`--filter: ${describeFilterError(e, text)}`);
    throw e;
  }
}

/** Counts anomalies by severity for --fail-on. */
export class SeverityTally {
  readonly counts: Record<Severity, number> = { error: 0, warn: 0, note: 0 };

  add(s: Severity): void {
    this.counts[s]++;
  }
}

/** `out`, with every anomaly it is given counted in `tally`. */
export function tallied(out: SelectedEvents, tally: SeverityTally): SelectedEvents {
  return {
    connection: (c) => out.connection(c),
    packet: (e) => out.packet(e),
    anomaly: (a, on) => { tally.add(a.severity); out.anomaly(a, on); },
    verdict: (c, v) => out.verdict(c, v),
  };
}

/** EXIT.failOn when an anomaly at or above `failOn` was counted, else EXIT.ok. */
export function failOnExit(failOn: FailOn | undefined, counts: Readonly<Record<Severity, number>>): number {
  switch (failOn) {
    case 'error': return counts.error > 0 ? EXIT.failOn : EXIT.ok;
    case 'warn': return counts.error + counts.warn > 0 ? EXIT.failOn : EXIT.ok;
    case 'note': return counts.error + counts.warn + counts.note > 0 ? EXIT.failOn : EXIT.ok;
    default: return EXIT.ok;
  }
}

export const EXIT_CODES_HELP = 'Exit codes: 0 ok, 1 --fail-on triggered, 2 usage error, 3 input cannot be read, 4 internal error, 130 interrupted.';
