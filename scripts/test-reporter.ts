// The reporter `npm test` uses: Node's TAP reporter, followed by the failed tests again
// (file, name and error) after the totals. A CI log is often read from its end, and in
// 2,700 tests a failure printed twenty minutes earlier is easy to miss.
import { tap } from 'node:test/reporters';

/** What a `test:fail` event carries that the summary needs. */
interface FailEvent {
  type: string;
  data: {
    name: string;
    file?: string;
    details?: { type?: string; error?: { message?: string; failureType?: string; cause?: unknown } };
  };
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
  async function* watched(): AsyncGenerator<FailEvent> {
    for await (const event of source) {
      if (event.type === 'test:fail') {
        const lines = failureLines(event.data);
        if (lines.length) failures.push(lines);
      }
      yield event;
    }
  }
  yield* tap(watched() as never) as AsyncGenerator<string>;
  if (!failures.length) return;
  yield `# failed tests (${failures.length}):\n`;
  for (const lines of failures) yield lines.join('\n') + '\n';
}
