// Watch stream reader: newline-delimited JSON WatchEvents from an open response body.
// An ERROR event becomes a thrown StatusError (410 Gone/Expired tells an Informer to
// relist); a line that is not JSON is an error too, never skipped.
import type { Readable } from 'node:stream';
import { StatusError, makeStatus } from '../api/errors.js';
import type { KubeObject, Status, WatchEvent } from '../api/types/meta.js';

/** Yields events until the server ends the stream; throws on ERROR events and bad lines. */
export async function* readWatchEvents<T extends KubeObject = KubeObject>(body: Readable): AsyncGenerator<WatchEvent<T>> {
  body.setEncoding('utf8');
  let buf = '';
  try {
    for await (const chunk of body as AsyncIterable<string>) {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield parseWatchLine<T>(line);
      }
    }
    if (buf.trim()) yield parseWatchLine<T>(buf.trim());
  } finally {
    body.destroy();
  }
}

export function parseWatchLine<T extends KubeObject>(line: string): WatchEvent<T> {
  let ev: WatchEvent<T>;
  try {
    ev = JSON.parse(line) as WatchEvent<T>;
  } catch {
    throw new StatusError(makeStatus(500, 'InternalError', `watch stream: a line is not JSON: ${line.slice(0, 120)}`));
  }
  if (!ev || typeof ev.type !== 'string' || typeof ev.object !== 'object' || ev.object === null) {
    throw new StatusError(makeStatus(500, 'InternalError', `watch stream: not a watch event: ${line.slice(0, 120)}`));
  }
  if (ev.type === 'ERROR') {
    const st = ev.object as unknown as Status;
    throw new StatusError(st.kind === 'Status' && typeof st.code === 'number' ? st : makeStatus(500, 'InternalError', 'watch stream: ERROR event without a Status'));
  }
  return ev;
}
