// The kubelet's HTTP server: /healthz, and /containerLogs/<ns>/<pod>/<container> with
// follow, tailLines, previous, timestamps, sinceSeconds, sinceTime and limitBytes,
// which the apiserver's pods/log proxies to (so `kubectl logs` works). Errors are plain
// text with 400 or 404, which the apiserver turns into a Status.
import { Transform, type Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Unix seconds: only lines after this time. */
  since?: number;
  limitBytes?: number;
}

/** Where logs come from (the pod workers and the runtime). */
export interface LogSource {
  /** The container's log stream; throws LogError when there is none to give. */
  containerLogs(namespace: string, pod: string, container: string, opts: LogOptions, signal: AbortSignal): Promise<Readable>;
}

/** A request the kubelet cannot answer with logs; statusCode 400 or 404. */
export class LogError extends Error {
  override name = 'LogError';
  constructor(readonly statusCode: 400 | 404, message: string) {
    super(message);
  }
}

export interface KubeletServer {
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  address: string;
  port: number;
  logs: LogSource;
  log: Logger;
  /** Answers /healthz: true when the kubelet is healthy. */
  healthy?: () => boolean;
}

const nonNegativeInt = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new LogError(400, `invalid ${name}: ${JSON.stringify(v)} must be a non-negative integer`);
  return Number(v);
};
const bool = (v: string | undefined): boolean => v === 'true' || v === '1';

/** Parses the query of a containerLogs request, as the kubelet validates PodLogOptions. */
export function parseLogOptions(q: Record<string, string | undefined>, now = Date.now()): LogOptions {
  const sinceSeconds = nonNegativeInt(q.sinceSeconds, 'sinceSeconds');
  if (sinceSeconds !== undefined && sinceSeconds < 1) throw new LogError(400, 'sinceSeconds must be greater than 0');
  let since: number | undefined;
  if (q.sinceTime) {
    if (sinceSeconds !== undefined) throw new LogError(400, 'at most one of sinceTime or sinceSeconds may be specified');
    const t = Date.parse(q.sinceTime);
    if (Number.isNaN(t)) throw new LogError(400, `invalid sinceTime: ${JSON.stringify(q.sinceTime)} is not an RFC 3339 time`);
    since = Math.floor(t / 1000);
  } else if (sinceSeconds !== undefined) since = Math.floor(now / 1000) - sinceSeconds;
  const limitBytes = nonNegativeInt(q.limitBytes, 'limitBytes');
  if (limitBytes !== undefined && limitBytes < 1) throw new LogError(400, 'limitBytes must be greater than 0');
  return {
    follow: bool(q.follow), previous: bool(q.previous), timestamps: bool(q.timestamps),
    tailLines: nonNegativeInt(q.tailLines, 'tailLines'), since, limitBytes,
  };
}

/** Passes through at most n bytes, then ends the stream. */
function limitTo(n: number): Transform {
  let left = n;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left <= 0) return done();
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= part.length;
      this.push(part);
      if (left <= 0) this.push(null);
      done();
    },
  });
}

export async function startKubeletServer(o: ServerOptions): Promise<KubeletServer> {
  const app: FastifyInstance = Fastify({ logger: false });
  app.get('/healthz', async (_req, reply) => {
    const ok = o.healthy?.() ?? true;
    void reply.code(ok ? 200 : 500).type('text/plain').send(ok ? 'ok' : 'unhealthy');
  });
  app.get('/containerLogs/:namespace/:pod/:container', async (req, reply) => {
    const p = req.params as { namespace: string; pod: string; container: string };
    const ac = new AbortController();
    let stream: Readable;
    try {
      const opts = parseLogOptions(req.query as Record<string, string | undefined>);
      stream = await o.logs.containerLogs(p.namespace, p.pod, p.container, opts, ac.signal);
      if (opts.limitBytes !== undefined) stream = stream.pipe(limitTo(opts.limitBytes));
    } catch (err) {
      const code = err instanceof LogError ? err.statusCode : 500;
      if (code === 500) o.log.error({ err: (err as Error).message, ...p }, 'container logs failed');
      return reply.code(code).type('text/plain').send((err as Error).message);
    }
    reply.hijack();
    reply.raw.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    // A client that goes away (kubectl logs -f interrupted) stops the follow.
    reply.raw.on('close', () => {
      ac.abort();
      stream.destroy();
    });
    stream.on('error', () => reply.raw.end());
    stream.pipe(reply.raw);
  });
  await app.listen({ host: o.address, port: o.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  o.log.info({ address: o.address, port }, 'kubelet server listening');
  return {
    port,
    async close() {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}
