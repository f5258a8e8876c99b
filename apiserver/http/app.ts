// The fastify app: one app serving the HTTPS port (and the plain-HTTP port when
// enabled), raw bodies for the REST layer to decode, the one error handler that turns
// every failure into a Status, authentication, and one log line and metric per request.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { StatusError, badRequest, internalError, makeStatus, tooLarge, unsupportedMediaType } from '../../api/errors.js';
import type { Status } from '../../api/types/meta.js';
import type { Authenticator } from '../authn/authenticator.js';
import { AUTHENTICATED_GROUP, MASTERS_GROUP, type User } from '../authn/user.js';
import { forbiddenError, type Authorizer } from '../authz/authorizer.js';
import { impersonate } from '../authn/impersonation.js';
import { requestAttributes, type RequestAttributes } from '../authz/request-attributes.js';
import type { AuditContext, Auditor } from '../audit/index.js';
import { decodeObject, decodePatch } from './body.js';
import type { ApiserverMetrics } from '../metrics.js';
import { encodeJSON, MAX_BODY_BYTES } from './body.js';
import { prettyPrint, type Query } from './list-options.js';
import { drainBody, oversizeLength } from './oversize-body.js';

export interface ServingCerts { cert: string; key: string; ca: string }

/** Who may do what: the authentication chain and the authorizers; and who did what (the audit log). */
export interface AccessControl {
  authenticator: Authenticator;
  authorizer: Authorizer;
  auditor?: Auditor;
}

/**
 * The user of requests on the plain-HTTP port, which skips authentication and
 * authorization as kube-apiserver's old insecure port did. It listens only when asked
 * for (--port), and only on loopback.
 */
export const UNSECURED: User = { name: 'system:unsecured', groups: [MASTERS_GROUP, AUTHENTICATED_GROUP] };

/** What the routes record about a request for its metrics line. */
export interface RequestLabels { verb: string; resource: string }

export interface App {
  app: FastifyInstance;
  /** The plain-HTTP server, when a port was asked for; listened on by the caller. */
  insecureServer?: HttpServer;
  /** The authenticated user of a request. */
  userOf(req: FastifyRequest): User | undefined;
  /** What the request asks to do, as it was authorized. */
  attributesOf(req: FastifyRequest): RequestAttributes | undefined;
  /** The request's audit record, when the policy audits it. */
  auditOf(req: FastifyRequest): AuditContext | undefined;
  /** Labels the request's metrics with its verb and resource. */
  label(req: FastifyRequest, labels: RequestLabels): void;
  /** Sends obj as JSON (pretty when asked, as kube-apiserver does). */
  json(reply: FastifyReply, obj: unknown, code?: number): void;
  httpLog: Logger;
}

export function createApp(tls: ServingCerts, insecure: boolean, access: AccessControl, metrics: ApiserverMetrics, log: Logger): App {
  let insecureServer: HttpServer | undefined;
  const app = Fastify({
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      if (insecure) insecureServer = createHttpServer(handler);
      // Client certificates are asked for (not required) and checked against the cluster CA.
      return createHttpsServer({ cert: tls.cert, key: tls.key, ca: [tls.ca], requestCert: true, rejectUnauthorized: false }, handler) as unknown as HttpServer;
    },
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  const labels = new WeakMap<FastifyRequest, RequestLabels>();
  const attributes = new WeakMap<FastifyRequest, RequestAttributes>();
  const audits = new WeakMap<FastifyRequest, AuditContext>();
  const httpLog = log.child({ component: 'http' });
  const pretty = (req: FastifyRequest): boolean => prettyPrint((req.query ?? {}) as Query, req.headers['user-agent']);

  // Every body arrives as raw bytes; the REST layer decodes it by Content-Type so a
  // bad type is a 415 Status and bad bytes a 400 Status.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    let status: Status;
    if (err instanceof StatusError) status = err.status;
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) status = tooLarge(`Request entity too large: limit is ${MAX_BODY_BYTES}`).status;
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.statusCode === 415) status = unsupportedMediaType(String(req.headers['content-type'] ?? '')).status;
    else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) status = badRequest(err.message).status;
    else {
      log.error({ err, method: req.method, path: req.url }, 'internal error');
      audits.get(req)?.panic(err);
      status = internalError('an error on the server prevented the request from completing').status;
    }
    // 5xx Statuses (etcd unreachable, deadlines) are handled, not hidden: each is logged with its stack.
    if (err instanceof StatusError && status.code >= 500) httpLog.warn({ err, method: req.method, path: req.url, code: status.code }, 'request failed');
    if (reply.sent || reply.raw.headersSent) return;
    // As kube-apiserver's responsewriters: a Status that says when to retry says it in the header too.
    if (status.details?.retryAfterSeconds) void reply.header('Retry-After', String(status.details.retryAfterSeconds));
    void reply.code(status.code).type('application/json').send(encodeJSON(status, pretty(req)));
  });
  app.setNotFoundHandler((req, reply) => {
    const status = makeStatus(404, 'NotFound', 'the server could not find the requested resource');
    void reply.code(404).type('application/json').send(encodeJSON(status, pretty(req)));
  });

  // Authentication, then authorization, before routing: an unknown path is a 401 or
  // 403 to whom may not see it, as in kube-apiserver.
  app.addHook('onRequest', async (req, reply) => {
    const [rawPath, rawQuery = ''] = req.url.split('?', 2);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      throw badRequest(`invalid URL path ${JSON.stringify(rawPath)}`);
    }
    const plainHttp = typeof (req.raw.socket as { getPeerCertificate?: unknown }).getPeerCertificate !== 'function';
    const authenticated = plainHttp ? UNSECURED : await access.authenticator.authenticate(req.raw, path);
    const user = impersonate(authenticated, req.raw.headersDistinct, path, access.authorizer);
    const query = Object.fromEntries(new URLSearchParams(rawQuery)) as Record<string, string>;
    const attrs = requestAttributes(user, req.method, path, query);
    attributes.set(req, attrs);
    // Audited from here, so refused requests are in the log too (Kubernetes' audit filter runs before authorization).
    const audit = access.auditor?.begin({
      // The event's user is who authenticated; whom they act as is its impersonatedUser.
      attributes: { ...attrs, user: authenticated }, requestURI: req.url, headers: req.headers, remoteAddress: req.socket.remoteAddress,
      ...(user !== authenticated ? { impersonatedUser: user } : {}),
    });
    if (audit) {
      audits.set(req, audit);
      void reply.header('Audit-Id', audit.auditID);
      reply.raw.once('close', () => audit.complete(reply.raw.statusCode));
    }
    const { decision, reason } = access.authorizer.authorize(attrs);
    audit?.annotate('authorization.k8s.io/decision', decision === 'allow' ? 'allow' : 'forbid');
    audit?.annotate('authorization.k8s.io/reason', reason);
    if (decision !== 'allow') throw forbiddenError(attrs, reason);
  });

  // The audit event names the object a body creates, and at the Request levels carries the body.
  app.addHook('preHandler', (req, _reply, done) => {
    const audit = audits.get(req);
    const body = req.body;
    if (audit && Buffer.isBuffer(body) && body.length) {
      try {
        const type = req.headers['content-type'];
        audit.setRequestObject(req.method === 'PATCH' ? decodePatch(type, body).patch : decodeObject(type, body, attributes.get(req)?.resource ?? ''));
      } catch {
        // A body that does not decode is refused by the handler; the event goes without it.
      }
    }
    done();
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    const audit = audits.get(req);
    if (audit) {
      audit.responseStarted(reply.statusCode);
      audit.setResponseObject(payload);
    }
    done(null, payload);
  });

  // A declared body over the limit: read it away first, so the client sees the 413.
  app.addHook('onRequest', async (req, reply) => {
    const length = oversizeLength(req.raw, MAX_BODY_BYTES);
    if (length === undefined) return;
    await drainBody(req.raw, length);
    const status = tooLarge(`Request entity too large: limit is ${MAX_BODY_BYTES}`).status;
    return reply.code(413).header('connection', 'close').type('application/json').send(encodeJSON(status));
  });

  app.addHook('onResponse', (req, reply, done) => {
    const info = labels.get(req);
    const code = String(reply.statusCode);
    const ms = reply.elapsedTime;
    if (info) {
      metrics.requests.inc({ verb: info.verb, resource: info.resource, code });
      metrics.latency.observe({ verb: info.verb, resource: info.resource, code }, ms / 1000);
    }
    httpLog.info({ method: req.method, path: req.url, code: reply.statusCode, ms: Math.round(ms * 10) / 10, user: attributes.get(req)?.user.name }, 'request');
    done();
  });

  return {
    app,
    get insecureServer() { return insecureServer; },
    userOf: (req) => attributes.get(req)?.user,
    auditOf: (req) => audits.get(req),
    attributesOf: (req) => attributes.get(req),
    label: (req, l) => { labels.set(req, l); },
    json: (reply, obj, code = 200) => { void reply.code(code).type('application/json').send(encodeJSON(obj, pretty(reply.request))); },
    httpLog,
  };
}
