// Streams a subresource's answer from another server (pods/log from the kubelet) back
// to the client, as kube-apiserver's location-based streaming does, through the
// transport the subresource names (kubelets: kubeletTransport).
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';
import { settleTls } from './tls-connect.js';
import { StatusError, makeStatus, serviceUnavailable, type StatusReason } from '../../api/errors.js';

/** Where a proxied stream comes from: the URL, who serves it (for messages), and the connections to use (the default ones when absent). */
export interface ProxyTarget {
  url: string;
  target: string;
  dispatcher?: Dispatcher;
}

/** The apiserver's identity at kubelets and what it trusts of theirs (kube-apiserver's KubeletClientConfig TLS). */
export interface KubeletTransportOptions {
  /** --kubelet-client-certificate and --kubelet-client-key (PEM): the client certificate presented to kubelets. */
  cert?: string;
  key?: string;
  /** --kubelet-certificate-authority (PEM): kubelets' serving certificates must chain to it; when absent they are not verified, as kube-apiserver. */
  ca?: string;
}

/**
 * The connections to kubelets: HTTPS with the apiserver's client certificate, verifying
 * kubelets only against the given CA. Each kubelet's TLS session is kept and resumed
 * (undici keeps none for upgraded connections: exec, attach and port-forward, which
 * would otherwise pay a full handshake each).
 */
export function kubeletTransport(o: KubeletTransportOptions): Dispatcher {
  const sessions = new Map<string, Buffer>();
  const tlsOptions = {
    ...(o.cert && o.key ? { cert: o.cert, key: o.key } : {}),
    ...(o.ca ? { ca: o.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
  };
  return new Agent({
    connect(opts, callback) {
      const key = `${opts.hostname}:${opts.port}`;
      const servername = isIP(opts.hostname) ? undefined : opts.hostname;
      const socket = tlsConnect({
        ...tlsOptions, host: opts.hostname, port: Number(opts.port) || 443, servername, session: sessions.get(key), ALPNProtocols: ['http/1.1'],
      });
      socket.on('session', (session: Buffer) => {
        if (sessions.size >= MAX_KUBELET_SESSIONS && !sessions.has(key)) sessions.delete(sessions.keys().next().value as string);
        sessions.set(key, session);
      });
      socket.setKeepAlive(true, 60_000);
      const finish = settleTls(socket, callback);
      socket.setTimeout(KUBELET_CONNECT_TIMEOUT_MS, () => finish(new Error('connect timeout')));
      socket.once('secureConnect', () => socket.setTimeout(0));
    },
  });
}

/** Kubelets whose TLS sessions are kept (the oldest is dropped beyond). */
const MAX_KUBELET_SESSIONS = 1000;
const KUBELET_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The code and reason of an error answer, as GenericHttpResponseChecker keeps them:
 * the kubelet's 401, 403 (its "Forbidden (user=...)" text kept), 404 and 500; 400 for the rest.
 */
function errorOf(code: number): [number, StatusReason] {
  switch (code) {
    case 401: return [401, 'Unauthorized'];
    case 403: return [403, 'Forbidden'];
    case 404: return [404, 'NotFound'];
    case 500: return [500, 'InternalError'];
    default: return [400, 'BadRequest'];
  }
}

/** GETs url and pipes its body to the client; a failure before the first byte is a Status. */
export async function proxyStream(reply: FastifyReply, proxy: ProxyTarget, log: Logger): Promise<void> {
  let res;
  try {
    res = await request(proxy.url, { method: 'GET', headersTimeout: 10_000, bodyTimeout: 0, ...(proxy.dispatcher ? { dispatcher: proxy.dispatcher } : {}) });
  } catch (err) {
    throw serviceUnavailable(`cannot reach ${proxy.target}: ${(err as Error).message}`);
  }
  if (res.statusCode >= 400) {
    const text = (await res.body.text()).trim() || `${proxy.target} answered ${res.statusCode}`;
    throw new StatusError(makeStatus(...errorOf(res.statusCode), text));
  }
  reply.hijack();
  reply.raw.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  reply.raw.on('close', () => res.body.destroy());
  res.body.on('error', (err) => {
    log.warn({ err, target: proxy.target }, 'proxied stream failed');
    reply.raw.end();
  });
  res.body.pipe(reply.raw);
}
