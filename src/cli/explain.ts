/** The `explain` and `flow` commands: one connection's story, as text or as a ladder diagram. */
import { StoryCollector } from '../analysis/story.js';
import { renderExplain } from '../report/explain.js';
import { renderFlow } from '../report/flow.js';
import { EXIT, UsageError, type Io } from './io.js';
import { readFrames, runPipeline, tee, SILENT, type PipelineOptions } from './pipeline.js';

export interface ExplainCommandOptions extends PipelineOptions {
  conn?: string;
  color?: boolean;
  width?: number;
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
  const parts = chosen.map(({ conn, verdict }) => renderExplain(conn, verdict, stories.story(conn.id), { color: o.color === true, frames }));
  io.stdout.write(parts.join(`\n${'─'.repeat(72)}\n\n`));
  return EXIT.ok;
}
