// Reads a raw HTTP watch stream (NDJSON) for tests: collects events as they come.
import { request } from 'undici';
import { waitFor } from './processes.js';

export interface WatchEventJson {
  type: string;
  object: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
}

export interface WatchReader {
  status: number;
  events: WatchEventJson[];
  ended: boolean;
  /** Waits until at least n events arrived. */
  waitForCount(n: number, timeoutMs?: number): Promise<WatchEventJson[]>;
  close(): void;
}

export async function openWatch(base: string, path: string, headers: Record<string, string> = {}): Promise<WatchReader> {
  const ac = new AbortController();
  const res = await request(base + path, { method: 'GET', signal: ac.signal, headers, bodyTimeout: 0 });
  const reader: WatchReader = {
    status: res.statusCode,
    events: [],
    ended: false,
    async waitForCount(n, timeoutMs = 10_000) {
      await waitFor(() => reader.events.length >= n, { timeoutMs, what: `${n} watch events (have ${reader.events.length})` });
      return reader.events;
    },
    close() { ac.abort(); },
  };
  let buf = '';
  res.body.setEncoding('utf8');
  res.body.on('data', (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) reader.events.push(JSON.parse(line) as WatchEventJson);
    }
  });
  res.body.on('end', () => { reader.ended = true; });
  res.body.on('error', () => { reader.ended = true; });
  return reader;
}
