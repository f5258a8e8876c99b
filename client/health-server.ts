// A component's HTTP endpoints: /healthz, /livez and /readyz ("ok" while
// the process is healthy) and /metrics (Prometheus text), as kube-controller-manager and kube-proxy
// serve them on their ports.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export interface HealthServerOptions {
  address: string;
  port: number;
  /** The Prometheus registry /metrics serves; without one there is no /metrics here. */
  registry?: Registry;
  log: Logger;
  /** A reason the process is unhealthy, or undefined when it is healthy. */
  unhealthy?: () => string | undefined;
}

export async function startHealthServer(o: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const why = o.unhealthy?.();
      res.writeHead(why ? 500 : 200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end(why ? `[-]${why}\n${path.slice(1)} check failed\n` : 'ok');
      return;
    }
    const registry = o.registry;
    if (path === '/metrics' && registry) {
      registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': registry.contentType }).end(text);
      }, (err: unknown) => {
        o.log.error({ err }, 'metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics failed\n');
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  });
  server.listen(o.port, o.address);
  await once(server, 'listening');
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : o.port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
