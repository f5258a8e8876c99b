// Who may use the kubelet's API, as the kubelet's auth filter decides
// (pkg/kubelet/server/server.go InstallAuthFilter, auth.go GetRequestAttributes):
// every request is authenticated (a client certificate verified against
// --client-ca-file, a bearer token through a TokenReview, else anonymous when
// --anonymous-auth allows it), then authorized as an action on the node object
// (resource nodes, name the node, a subresource picked by the path) through a
// SubjectAccessReview, or always with --authorization-mode=AlwaysAllow.
// 401 "Unauthorized" when no identity could be established; 403 with the kubelet's
// "Forbidden (user=..., verb=..., resource=nodes, subresource(s)=[...])" when denied.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { certificateUser } from '../apiserver/authn/x509.js';
import { ANONYMOUS, authenticated, type User } from '../apiserver/authn/user.js';

/** One authorization question about a request: may user do verb on nodes/<subresource> of node name? */
export interface NodeRequestAttributes {
  user: User;
  /** The API verb of the HTTP method; "" for methods without one (HEAD, OPTIONS...), as the kubelet leaves it. */
  verb: string;
  resource: 'nodes';
  subresource: string;
  /** The node's name. */
  name: string;
  /** The request's path. */
  path: string;
}

/** The verb the kubelet checks for an HTTP method (auth.go: only these five have one). */
const VERBS: Record<string, string> = { POST: 'create', GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** path is path or under it (auth.go isSubpath: "/stats" and "/stats/summary", not "/statsx"). */
function isSubpath(subpath: string, path: string): boolean {
  const p = path.replace(/\/$/, '');
  return subpath === p || (subpath.startsWith(p) && subpath[p.length] === '/');
}

/** Paths with a subresource of their own; everything else (/containerLogs, /exec, /run, /attach, /portForward...) is proxy. */
const OWN_SUBRESOURCE: [path: string, subresource: string][] = [['/stats', 'stats'], ['/metrics', 'metrics'], ['/logs', 'log'], ['/checkpoint', 'checkpoint']];
/** Paths that KubeletFineGrainedAuthz checks first under a subresource of their own, then as proxy. */
const FINE_GRAINED: [path: string, subresource: string][] = [['/pods', 'pods'], ['/runningpods', 'pods'], ['/healthz', 'healthz'], ['/configz', 'configz']];

/**
 * The attributes the kubelet checks for a request, in order; the request passes when
 * any of them is allowed (GetRequestAttributes). /stats, /metrics, /logs and
 * /checkpoint have their own subresource; /pods, /runningpods, /healthz and /configz
 * are proxy, preceded by pods, pods, healthz or configz when fineGrained (the
 * KubeletFineGrainedAuthz gate: off in 1.32, on from 1.33); all else is proxy.
 * E.g. GET /containerLogs/default/web/app by alice on node n1:
 * [{ user: alice, verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'n1' }].
 */
export function nodeRequestAttributes(user: User, method: string, path: string, nodeName: string, fineGrained = false): NodeRequestAttributes[] {
  const verb = VERBS[method] ?? '';
  const attrs = (subresource: string): NodeRequestAttributes => ({ user, verb, resource: 'nodes', subresource, name: nodeName, path });
  const own = OWN_SUBRESOURCE.find(([p]) => isSubpath(path, p));
  if (own) return [attrs(own[1])];
  const fine = FINE_GRAINED.find(([p]) => isSubpath(path, p));
  if (fine && fineGrained) return [attrs(fine[1]), attrs('proxy')];
  return [attrs('proxy')];
}

/**
 * Checks bearer tokens (the kubelet's webhook token authenticator). Resolves the
 * token's user, or undefined when the token is not valid; rejects when it could not
 * be checked. Either way the request is 401 without a user.
 */
export interface TokenAuthenticator {
  authenticate(token: string): Promise<User | undefined>;
}

/** Decides one NodeRequestAttributes: true allows; rejects when no decision could be had (500). */
export interface KubeletAuthorizer {
  authorize(attrs: NodeRequestAttributes): Promise<boolean>;
}

/** --authorization-mode=AlwaysAllow. */
export const alwaysAllow: KubeletAuthorizer = { authorize: async () => true };

export interface KubeletAuthOptions {
  nodeName: string;
  /** --anonymous-auth: a request with no credentials is system:anonymous instead of 401. */
  anonymous: boolean;
  /**
   * Client certificates identify users (CN the name, O the groups). The TLS server
   * verifies them against --client-ca-file; false when there is none, and certificates
   * are then ignored, as the kubelet's.
   */
  clientCertificates: boolean;
  /** --authentication-token-webhook: bearer tokens are checked by this; undefined: tokens are ignored. */
  tokens?: TokenAuthenticator;
  authorizer: KubeletAuthorizer;
  /** The KubeletFineGrainedAuthz feature gate (see nodeRequestAttributes). */
  fineGrained?: boolean;
  log: Logger;
}

/** What the filter decided: serve the request as user, or answer code with text. */
export type AuthResult = { allowed: true; user: User } | { allowed: false; code: 401 | 403 | 500; text: string };

/** The token of an "Authorization: Bearer <token>" header, as bearertoken.Authenticator reads it; undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const parts = (header ?? '').trim().split(' ');
  if (parts.length < 2 || parts[0].toLowerCase() !== 'bearer') return undefined;
  return parts[1] || undefined;
}

/**
 * The kubelet's authentication: the client certificate, then the bearer token (the
 * first that names a user wins), then anonymous when allowed and no credential was
 * presented at all. A certificate that does not verify, or a token that is not valid,
 * is a failure (401) unless the other one names a user; it never falls back to
 * anonymous (union.NewFailOnError). Authenticated users get system:authenticated.
 */
export async function authenticateRequest(o: KubeletAuthOptions, req: IncomingMessage): Promise<User | undefined> {
  let failed = false;
  if (o.clientCertificates) {
    const cert = certificateUser(req.socket as TLSSocket);
    if (cert.kind === 'user') return cert.user;
    if (cert.kind === 'rejected') {
      o.log.debug({ why: cert.why }, 'client certificate rejected');
      failed = true;
    }
  }
  const token = o.tokens ? bearerToken(req.headers.authorization) : undefined;
  if (token !== undefined && o.tokens) {
    try {
      const user = await o.tokens.authenticate(token);
      if (user) return authenticated(user);
    } catch (err) {
      o.log.error({ err: (err as Error).message }, 'Unable to authenticate the request due to an error');
    }
    failed = true;
  }
  if (failed || !o.anonymous) return undefined;
  return ANONYMOUS;
}

/**
 * The auth filter for one request to path: authenticate, then ask about each of the
 * request's attributes until one is allowed. Answers as the kubelet: 401
 * "Unauthorized"; 500 "Authorization error (...)" when the authorizer failed; 403
 * "Forbidden (user=<name>, verb=<verb>, resource=nodes, subresource(s)=[<a> <b>])\n".
 */
export async function authorizeRequest(o: KubeletAuthOptions, req: IncomingMessage, path: string): Promise<AuthResult> {
  const user = await authenticateRequest(o, req);
  if (!user) return { allowed: false, code: 401, text: 'Unauthorized' };
  const attrs = nodeRequestAttributes(user, req.method ?? '', path, o.nodeName, o.fineGrained);
  for (const a of attrs) {
    let allowed: boolean;
    try {
      allowed = await o.authorizer.authorize(a);
    } catch (err) {
      o.log.error({ err: (err as Error).message, user: user.name, verb: a.verb, resource: a.resource, subresource: a.subresource }, 'Authorization error');
      return { allowed: false, code: 500, text: `Authorization error (user=${user.name}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})` };
    }
    if (allowed) return { allowed: true, user };
  }
  const subresources = attrs.map((a) => a.subresource);
  o.log.debug({ user: user.name, verb: attrs[0].verb, resource: 'nodes', subresources }, 'Forbidden');
  return { allowed: false, code: 403, text: `Forbidden (user=${user.name}, verb=${attrs[0].verb}, resource=nodes, subresource(s)=[${subresources.join(' ')}])\n` };
}
