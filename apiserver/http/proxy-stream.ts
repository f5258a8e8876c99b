// Streams a subresource's answer from another server (pods/log from the kubelet) back
// to the client, as kube-apiserver's location-based streaming does.
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { request } from 'undici';
import { StatusError, makeStatus, serviceUnavailable } from '../../api/errors.js';

/** GETs url and pipes its body to the client; a failure before the first byte is a Status. */
export async function proxyStream(reply: FastifyReply, proxy: { url: string; target: string }, log: Logger): Promise<void> {
  let res;
  try {
    res = await request(proxy.url, { method: 'GET', headersTimeout: 10_000, bodyTimeout: 0 });
  } catch (err) {
    throw serviceUnavailable(`cannot reach ${proxy.target}: ${(err as Error).message}`);
  }
  if (res.statusCode >= 400) {
    const text = await res.body.text();
    throw new StatusError(makeStatus(res.statusCode === 404 ? 404 : 400, res.statusCode === 404 ? 'NotFound' : 'BadRequest', text.trim() || `${proxy.target} answered ${res.statusCode}`));
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
