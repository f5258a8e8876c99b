// "Serve an aggregated API", as k8s.io/apiserver's recommended options give an
// extension API server (metrics-server): HTTPS with the server's certificate (or one
// generated and self-signed, as --cert-dir), delegated authentication (request-header
// certificates of the front proxy, client certificates, bearer tokens through a
// TokenReview; request-header.ts) with the trust read from
// kube-system/extension-apiserver-authentication and re-read every minute, and delegated
// authorization (a SubjectAccessReview per request, answers cached: 10 s allowed, 10 s
// denied, as DelegatingAuthorizationOptions), /healthz, /livez and /readyz always
// allowed. Errors are Kubernetes Statuses. The caller adds its routes to `app`.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { StatusError, internalError, makeStatus, unauthorized } from '../../api/errors.js';
import type { ConfigMap } from '../../api/types/core.js';
import type { SubjectAccessReview, SubjectAccessReviewSpec } from '../../api/types/authorization.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { TtlCache, WebhookTokenAuthenticator, apiserverReviews } from '../../kubelet/auth-webhook.js';
import { bearerToken } from '../authn/authenticator.js';
import type { User } from '../authn/user.js';
import { forbiddenError } from '../authz/authorizer.js';
import { requestAttributes, type RequestAttributes } from '../authz/request-attributes.js';
import { authenticateCertificate, trustFromConfigMap, type AuthenticationTrust } from './request-header.js';

/** Paths every caller may reach, authenticated or not (k8s.io/apiserver's AlwaysAllowPaths). */
export const ALWAYS_ALLOW_PATHS = ['/healthz', '/livez', '/readyz'];
const CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' };

export interface ExtensionServerOptions {
  /** The client of the apiserver (--authentication-kubeconfig/--authorization-kubeconfig: the component's own). */
  rest: RestClient;
  tls: { cert: string; key: string };
  log: Logger;
  /** How often the ConfigMap is read again (1 min). */
  trustRefreshMs?: number;
}

export interface ExtensionServer {
  app: FastifyInstance;
  /** The user of an authenticated request. */
  userOf(req: FastifyRequest): User | undefined;
  /** Reads the ConfigMap (retrying until it exists), then keeps it fresh until signal aborts. */
  start(signal: AbortSignal): Promise<void>;
}

function statusJson(err: StatusError): string {
  return JSON.stringify(err.status);
}

export function createExtensionServer(o: ExtensionServerOptions): ExtensionServer {
  const log = o.log;
  let trust: AuthenticationTrust | undefined;
  const reviews = apiserverReviews(o.rest);
  const tokens = new WebhookTokenAuthenticator({ review: reviews.reviewToken, cacheTtlMs: 10_000 });
  const decisions = new TtlCache<{ allowed: boolean; reason: string }>(4096);
  const users = new WeakMap<FastifyRequest, User>();
  const configMaps = resourceClient<ConfigMap>(o.rest, 'configmaps');

  const app = Fastify({
    serverFactory: (handler) => createHttpsServer({ cert: o.tls.cert, key: o.tls.key, requestCert: true, rejectUnauthorized: false }, handler) as unknown as HttpServer,
    logger: false,
    forceCloseConnections: true,
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    let status: StatusError;
    if (err instanceof StatusError) status = err;
    else if (err.statusCode && err.statusCode < 500) status = new StatusError(makeStatus(err.statusCode as 400, 'BadRequest', err.message));
    else {
      log.error({ err, path: req.url }, 'internal error');
      status = internalError('an error on the server prevented the request from completing');
    }
    void reply.code(status.code).type('application/json').send(statusJson(status));
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).type('application/json').send(JSON.stringify(makeStatus(404, 'NotFound', 'the server could not find the requested resource')));
  });

  const authenticate = async (req: FastifyRequest): Promise<User | undefined> => {
    if (!trust) throw new StatusError(makeStatus(503, 'ServiceUnavailable', 'authentication is not set up yet'));
    const cert = authenticateCertificate(req.raw, trust);
    if (cert.kind === 'user') return cert.user;
    const token = bearerToken(req.raw);
    if (token !== undefined) {
      const user = await tokens.authenticate(token);
      if (user) return user;
      throw unauthorized();
    }
    if (cert.kind === 'rejected') {
      log.debug({ why: cert.why }, 'client certificate rejected');
      throw unauthorized();
    }
    return undefined;
  };

  const authorize = async (attrs: RequestAttributes): Promise<{ allowed: boolean; reason: string }> => {
    const u = attrs.user;
    const spec: SubjectAccessReviewSpec = {
      ...(attrs.resourceRequest
        ? { resourceAttributes: {
          verb: attrs.verb, group: attrs.apiGroup ?? '', version: attrs.apiVersion ?? '', resource: attrs.resource ?? '',
          ...(attrs.namespace ? { namespace: attrs.namespace } : {}), ...(attrs.subresource ? { subresource: attrs.subresource } : {}), ...(attrs.name ? { name: attrs.name } : {}),
        } }
        : { nonResourceAttributes: { path: attrs.path, verb: attrs.verb } }),
      user: u.name, groups: u.groups, ...(u.uid ? { uid: u.uid } : {}), ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
    };
    const key = JSON.stringify(spec);
    const hit = decisions.get(key);
    if (hit) return hit;
    const answer = await reviews.reviewAccess({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec } as SubjectAccessReview);
    const decision = { allowed: answer.status?.allowed === true, reason: answer.status?.reason ?? '' };
    decisions.set(key, decision, 10_000);
    return decision;
  };

  app.addHook('onRequest', async (req) => {
    const [path, rawQuery = ''] = req.url.split('?', 2);
    if (ALWAYS_ALLOW_PATHS.some((p) => path === p || path.startsWith(`${p}/`))) return;
    const user = await authenticate(req);
    if (!user) throw unauthorized();
    users.set(req, user);
    const attrs = requestAttributes(user, req.method, decodeURIComponent(path), Object.fromEntries(new URLSearchParams(rawQuery)));
    let decision;
    try {
      decision = await authorize(attrs);
    } catch (err) {
      log.warn({ err }, 'SubjectAccessReview failed');
      throw internalError('an error on the server prevented the request from completing');
    }
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
  });
  for (const p of ALWAYS_ALLOW_PATHS) app.get(p, (_req, reply) => { void reply.type('text/plain').send('ok'); });

  const loadTrust = async (): Promise<void> => {
    const cm = await configMaps.get(CONFIGMAP.namespace, CONFIGMAP.name);
    trust = trustFromConfigMap(cm.data);
  };

  return {
    app,
    userOf: (req) => users.get(req),
    async start(signal) {
      for (let attempt = 0; !signal.aborted; attempt++) {
        try {
          await loadTrust();
          break;
        } catch (err) {
          if (attempt % 10 === 0) log.warn({ err: (err as Error).message }, `cannot read ${CONFIGMAP.namespace}/${CONFIGMAP.name} yet`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      const timer = setInterval(() => {
        loadTrust().catch((err: unknown) => log.warn({ err: (err as Error).message }, `cannot refresh ${CONFIGMAP.name}`));
      }, o.trustRefreshMs ?? 60_000);
      signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    },
  };
}

export type { Server };
