// The authentication chain, in kube-apiserver's order: the client certificate, then
// bearer tokens (the static token file, service-account JWTs, bootstrap tokens), with
// successful token lookups cached for 10 s as kube-apiserver's token cache does.
// A request without credentials is anonymous, which only the health and version
// endpoints accept; bad credentials are never anonymous: they are a 401.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { unauthorized } from '../../api/errors.js';
import type { Secret } from '../../api/types/core.js';
import { bootstrapTokenUser } from './bootstrap-token.js';
import { InvalidTokenError, type ServiceAccountTokens } from './service-account-token.js';
import { ANONYMOUS, type User } from './user.js';
import { certificateUser } from './x509.js';

/** Paths anonymous requests may reach (kube-apiserver's AnonymousAuthConfigurableEndpoints). */
export const ANONYMOUS_PATHS = ['/healthz', '/livez', '/readyz', '/version'];

/** The Sec-WebSocket-Protocol by which browsers and exec clients send a bearer token. */
export const WEBSOCKET_TOKEN_PROTOCOL = 'base64url.bearer.authorization.k8s.io.';

export interface AuthenticatorOptions {
  /** --token-auth-file's tokens. */
  staticTokens?: Map<string, User>;
  serviceAccounts?: ServiceAccountTokens;
  /** Looks up kube-system secrets for bootstrap tokens; absent: bootstrap tokens are off. */
  bootstrapSecret?: (name: string) => Promise<Secret | undefined>;
  /** How long a token's user is remembered (10 s as kube-apiserver; 0 turns caching off). */
  cacheTtlMs?: number;
  log: Logger;
  now?: () => number;
}

/** The outcome of authenticating a token, as TokenReview reports it. */
export type TokenResult = { user: User; audiences?: string[] } | undefined;

const CACHE_LIMIT = 10_000;

export class Authenticator {
  private readonly cache = new Map<string, { result: { user: User; audiences?: string[] }; until: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * The user who sent req. Throws a 401 StatusError for credentials that do not
   * authenticate, and for anonymous requests outside ANONYMOUS_PATHS.
   */
  async authenticate(req: IncomingMessage, path: string): Promise<User> {
    const cert = certificateUser(req.socket as TLSSocket);
    if (cert.kind === 'user') return cert.user;
    const token = bearerToken(req);
    if (token !== undefined) {
      const r = await this.authenticateToken(token);
      if (r) return r.user;
      throw unauthorized();
    }
    // A certificate the CA did not sign is a failed credential, not anonymity.
    if (cert.kind === 'rejected') {
      this.opts.log.debug({ why: cert.why }, 'client certificate rejected');
      throw unauthorized();
    }
    if (ANONYMOUS_PATHS.some((p) => path === p || path.startsWith(`${p}/`))) return ANONYMOUS;
    throw unauthorized();
  }

  /**
   * The user a bearer token names, for requests and TokenReview. undefined when no
   * authenticator accepts it; audiences narrows what a service-account token must be for.
   */
  async authenticateToken(token: string, audiences?: string[]): Promise<TokenResult> {
    const key = createHash('sha256').update(token).update('\0').update((audiences ?? []).join(',')).digest('base64');
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.result;
    if (hit) this.cache.delete(key);
    const result = await this.lookup(token, audiences);
    const ttl = this.opts.cacheTtlMs ?? 10_000;
    if (result && ttl > 0) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { result, until: now + ttl });
    }
    return result;
  }

  private async lookup(token: string, audiences?: string[]): Promise<TokenResult> {
    const fixed = this.opts.staticTokens?.get(token);
    // Static and bootstrap tokens are for the apiserver itself: no other audience.
    if (fixed) return audiences && audiences.length ? undefined : { user: fixed };
    if (this.opts.serviceAccounts) {
      try {
        const r = await this.opts.serviceAccounts.authenticate(token, audiences);
        if (r) return r;
      } catch (err) {
        if (!(err instanceof InvalidTokenError)) throw err;
        // kube-apiserver answers "Unauthorized" whatever the reason; the reason goes to the log only.
        this.opts.log.info({ why: err.message }, 'service account token refused');
        return undefined;
      }
    }
    if (this.opts.bootstrapSecret && !(audiences && audiences.length)) {
      const user = await bootstrapTokenUser(token, this.opts.bootstrapSecret, new Date(this.now()));
      if (user) return { user };
    }
    return undefined;
  }
}

/** The bearer token of a request: the Authorization header, or the WebSocket protocol form. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    // An Authorization header of another scheme (Basic) carries no token we read.
    return m ? m[1] : undefined;
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',').map((s) => s.trim())) {
      if (p.startsWith(WEBSOCKET_TOKEN_PROTOCOL)) {
        const token = Buffer.from(p.slice(WEBSOCKET_TOKEN_PROTOCOL.length), 'base64url').toString('utf8');
        if (token) return token;
      }
    }
  }
  return undefined;
}
