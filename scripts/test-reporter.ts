// The reporter `npm test` uses: Node's TAP reporter, followed by the slowest test files
// and the failed tests again (file, name and error) after the totals. A CI log is often
// read from its end, and in 2,700 tests a failure printed twenty minutes earlier is easy
// to miss; the slowest files say where to look when the suite has to get faster.
import { isAbsolute, relative } from 'node:path';
import { tap } from 'node:test/reporters';

/** What a `test:fail` event carries that the summary needs. */
interface FailEvent {
  type: string;
  data: {
    name: string;
    file?: string;
    nesting?: number;
    details?: { type?: string; duration_ms?: number; error?: { message?: string; failureType?: string; cause?: unknown } };
  };
}

/** How many of the slowest files the summary names. */
const SLOWEST_FILES = 15;

/** The slowest files by the summed time of their top-level tests, as summary lines. */
export function slowestFileLines(seconds: Map<string, number>, n = SLOWEST_FILES): string[] {
  const rows = [...seconds].sort((a, b) => b[1] - a[1]).slice(0, n);
  if (!rows.length) return [];
  return [`# slowest files (time of their top-level tests; ${seconds.size} files):`, ...rows.map(([file, s]) => `# ${s.toFixed(1).padStart(7)} s  ${file}`)];
}

/** one failed test as summary lines, or nothing for a suite that failed only through its tests. */
export function failureLines(event: FailEvent['data']): string[] {
  const error = event.details?.error;
  if (error?.failureType === 'subtestsFailed') return [];
  const cause = error?.cause instanceof Error ? error.cause : undefined;
  const message = (cause?.message ?? error?.message ?? 'failed').split('\n').slice(0, 12);
  return [`# ✖ ${event.file ?? '?'} > ${event.name}`, ...message.map((line) => `#     ${line}`)];
}

export default async function* reporter(source: AsyncIterable<FailEvent>): AsyncGenerator<string> {
  const failures: string[][] = [];
  const fileSeconds = new Map<string, number>();
  async function* watched(): AsyncGenerator<FailEvent> {
    for await (const event of source) {
      const { file, nesting, details } = event.data ?? {};
      if ((event.type === 'test:pass' || event.type === 'test:fail') && nesting === 0 && file && typeof details?.duration_ms === 'number') {
        const name = isAbsolute(file) ? relative(process.cwd(), file) : file;
        fileSeconds.set(name, (fileSeconds.get(name) ?? 0) + details.duration_ms / 1000);
      }
      if (event.type === 'test:fail') {
        const lines = failureLines(event.data);
        if (lines.length) failures.push(lines);
      }
      yield event;
    }
  }
  yield* tap(watched() as never) as AsyncGenerator<string>;
  const slowest = slowestFileLines(fileSeconds);
  if (slowest.length) yield slowest.join('\n') + '\n';
  if (!failures.length) return;
  yield `# failed tests (${failures.length}):\n`;
  for (const lines of failures) yield lines.join('\n') + '\n';
}
