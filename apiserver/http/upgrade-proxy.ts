// pods/exec, pods/attach and pods/portforward over WebSocket (kubectl 1.30+, the
// client libraries): an HTTP Upgrade the apiserver authenticates and authorizes (as
// `create` on the subresource, as kube-apiserver does for WebSocket upgrades), then
// passes to the kubelet of the pod's node with its own client identity, and joins the
// two connections byte for byte once the kubelet switched protocols. Upgrades never
// reach fastify's request handlers, so this is their whole path.
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { goQuote, makeStatus, StatusError } from '../../api/errors.js';
import { joinSockets } from '../../client/join-sockets.js';
import type { Status } from '../../api/types/meta.js';
import { WEBSOCKET_TOKEN_PROTOCOL, type Authenticator } from '../authn/authenticator.js';
import { impersonate } from '../authn/impersonation.js';
import type { User } from '../authn/user.js';
import { forbiddenError, type Authorizer } from '../authz/authorizer.js';
import { requestAttributes } from '../authz/request-attributes.js';
import type { GenericRegistry } from '../registry/generic.js';
import { kubeletOf, podContainer, type PodLike } from '../registry/kubelet-location.js';

const STREAM_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/;
/** The kubelet's path for each subresource. */
const KUBELET_PATH: Record<string, string> = { exec: 'exec', attach: 'attach', portforward: 'portForward' };

export interface UpgradeProxyDeps {
  authenticator: Authenticator;
  authorizer: Authorizer;
  pods: GenericRegistry;
  nodes: GenericRegistry;
  /** The connections to kubelets (the apiserver's client certificate). */
  kubelet?: Dispatcher;
  log: Logger;
  /** The plain-HTTP port's: every upgrade is this user's, unauthenticated (its other requests are too). */
  unsecured?: User;
}


/** Answers an upgrade that will not happen with a Status, as an HTTP response on the raw socket. */
function refuse(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  const reason = status.reason ?? 'Error';
  socket.end(`HTTP/1.1 ${status.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export function registerUpgradeProxy(server: Server, deps: UpgradeProxyDeps): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    proxyUpgrade(req, socket, head, deps).catch((err: unknown) => {
      if (err instanceof StatusError) return refuse(socket, err.status);
      deps.log.error({ err }, 'stream upgrade failed');
      refuse(socket, makeStatus(500, 'InternalError', 'Internal error occurred: the stream could not be opened'));
    });
  });
}

async function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, deps: UpgradeProxyDeps): Promise<void> {
  const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?', 2);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new StatusError(makeStatus(400, 'BadRequest', `invalid URL escape in the request path ${JSON.stringify(rawPath)}`));
  }
  const authenticated = deps.unsecured ?? await deps.authenticator.authenticate(req, path);
  const user = impersonate(authenticated, req.headersDistinct, path, deps.authorizer);
  const m = STREAM_PATH.exec(path);
  if (!m) throw new StatusError(makeStatus(404, 'NotFound', 'the server could not find the requested resource'));
  const [, namespace, name, sub] = m;
  const attrs = { ...requestAttributes(user, 'POST', path, {}), verb: 'create' };
  const { decision, reason } = deps.authorizer.authorize(attrs);
  if (decision !== 'allow') throw forbiddenError(attrs, reason);

  const pod = await deps.pods.get(namespace, name) as PodLike;
  const query = new URLSearchParams(rawQuery);
  let target = '';
  if (sub !== 'portforward') {
    target = `/${encodeURIComponent(podContainer(pod, query.get('container') ?? undefined))}`;
    query.delete('container');
  } else {
    // The API names them "ports" (each may list several); the kubelet reads one "port" each.
    const ports = query.getAll('ports').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    query.delete('ports');
    for (const port of ports) query.append('port', port);
  }
  const kubelet = await kubeletOf(pod, deps.nodes);
  const kubeletPath = `/${KUBELET_PATH[sub]}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${target}?${query}`;

  // The client's WebSocket handshake goes to the kubelet as it is: its accept answers the client's key.
  const headers: Record<string, string> = {};
  for (const h of ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'x-stream-protocol-version']) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  // A token carried in the protocol list is the client's credential here, not the kubelet's.
  if (typeof req.headers['sec-websocket-protocol'] === 'string') {
    headers['sec-websocket-protocol'] = req.headers['sec-websocket-protocol'].split(',').map((p) => p.trim())
      .filter((p) => !p.startsWith(WEBSOCKET_TOKEN_PROTOCOL)).join(', ');
  }
  let upstream: Awaited<ReturnType<typeof dialUpgrade>>;
  try {
    upstream = await dialUpgrade(deps.kubelet ?? getGlobalDispatcher(), new URL(`https://${kubelet.authority}${kubeletPath}`), {
      // WebSocket, or SPDY/3.1 (kubectl's fallback): the kubelet answers both.
      protocol: String(req.headers.upgrade ?? 'websocket'), headers,
    });
  } catch (err) {
    throw new StatusError(makeStatus(500, 'InternalError', `Internal error occurred: error dialing the kubelet of node ${goQuote(kubelet.nodeName)}: ${(err as Error).message}`));
  }
  if (!('socket' in upstream)) {
    // The kubelet refused (no such container, the pod not running...): its answer goes to
    // the client as it is, as kube-apiserver's upgrade-aware proxy passes it on.
    const type = typeof upstream.headers['content-type'] === 'string' ? upstream.headers['content-type'] : 'text/plain; charset=utf-8';
    socket.write(`HTTP/1.1 ${upstream.statusCode} ${STATUS_CODES[upstream.statusCode] ?? 'Error'}\r\nContent-Type: ${type}\r\nContent-Length: ${upstream.body.length}\r\nConnection: close\r\n\r\n`);
    socket.end(upstream.body);
    return;
  }
  const lines = ['HTTP/1.1 101 Switching Protocols', `Upgrade: ${String(upstream.headers.upgrade ?? req.headers.upgrade ?? 'websocket')}`, 'Connection: Upgrade'];
  for (const h of ['sec-websocket-accept', 'sec-websocket-protocol', 'sec-websocket-extensions', 'x-stream-protocol-version']) {
    const v = upstream.headers[h];
    if (typeof v === 'string') lines.push(`${h}: ${v}`);
  }
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length) upstream.socket.write(head);
  joinSockets(socket, upstream.socket);
}


/** At most this much of a refused upgrade's answer is passed on (as client-go reads at most 64 KiB of it). */
const REFUSAL_LIMIT = 64 * 1024;

type Dialed =
  | { headers: Record<string, string | string[] | undefined>; socket: Duplex }
  | { statusCode: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/**
 * Asks target to switch protocols. Resolves with the upgraded socket, or with the
 * answer of a server that would not (undici's upgrade() drops that answer, and it is
 * what tells the user why: "container not found").
 */
function dialUpgrade(dispatcher: Dispatcher, target: URL, o: { protocol: string; headers: Record<string, string> }): Promise<Dialed> {
  return new Promise((resolve, reject) => {
    let refused: { statusCode: number; headers: Record<string, string | string[] | undefined>; chunks: Buffer[]; size: number } | undefined;
    const headersOf = (raw: Buffer[] | string[] | null): Record<string, string | string[] | undefined> => {
      const out: Record<string, string | string[] | undefined> = {};
      for (let i = 0; raw && i + 1 < raw.length; i += 2) out[raw[i].toString().toLowerCase()] = raw[i + 1].toString();
      return out;
    };
    dispatcher.dispatch({
      origin: target.origin, path: `${target.pathname}${target.search}`, method: 'GET', upgrade: o.protocol, headers: o.headers,
    }, {
      onConnect() { /* nothing to abort with */ },
      onUpgrade(_statusCode: number, rawHeaders: Buffer[] | string[] | null, socket: Duplex) {
        resolve({ headers: headersOf(rawHeaders), socket });
      },
      onHeaders(statusCode: number, rawHeaders: Buffer[]) {
        refused = { statusCode, headers: headersOf(rawHeaders), chunks: [], size: 0 };
        return true;
      },
      onData(chunk: Buffer) {
        if (refused && refused.size < REFUSAL_LIMIT) {
          refused.chunks.push(chunk);
          refused.size += chunk.length;
        }
        return true;
      },
      onComplete() {
        if (!refused) return reject(new Error('the kubelet ended the connection without an answer'));
        resolve({ statusCode: refused.statusCode, headers: refused.headers, body: Buffer.concat(refused.chunks).subarray(0, REFUSAL_LIMIT) });
      },
      onError(err: Error) { reject(err); },
    } as unknown as Dispatcher.DispatchHandler);
  });
}
