// Audit logging for kube-apiserver (--audit-log-path, --audit-policy-file,
// --audit-log-maxage, --audit-log-maxbackup, --audit-log-maxsize). The policy decides
// each request's level (policy.ts), event.ts builds the events, log-backend.ts writes
// them. This file holds the per-request state between the stages.
//
// How to hook it into the fastify app (apiserver/http/app.ts, server.ts):
//
// 1. server.ts, when --audit-log-path is set (Kubernetes' default format=json; "-" is
//    standard output). A bad policy file or an unwritable path rejects: fail the start.
//      const auditor = o.auditLogPath ? await createAuditor({ policyFile: o.auditPolicyFile,
//        logPath: o.auditLogPath, maxAge, maxBackup, maxSize, log: log.child({ component: 'audit' }) }) : undefined;
//    and on shutdown, after the app has closed: `await auditor?.close()` (writes what is queued).
//
// 2. In app.ts's authentication and authorization hook, after `attributes.set(req, attrs)`
//    and before authorize (so forbidden requests are audited too, as in Kubernetes,
//    whose audit filter runs between authentication and authorization):
//      const ctx = auditor?.begin({ attributes: attrs, requestURI: req.url,
//        headers: req.headers, remoteAddress: req.socket.remoteAddress });
//      if (ctx) {
//        audits.set(req, ctx);                              // a WeakMap<FastifyRequest, AuditContext>
//        void reply.header('Audit-Id', ctx.auditID);
//        // Completes on every path: normal replies, hijacked watches, aborted connections.
//        reply.raw.once('close', () => ctx.complete(reply.raw.statusCode));
//      }
//    then, once the authorizer has decided (deny and noOpinion are both "forbid"):
//      ctx?.annotate('authorization.k8s.io/decision', decision === 'allow' ? 'allow' : 'forbid');
//      ctx?.annotate('authorization.k8s.io/reason', reason);
//    begin() returns undefined when the policy says None: nothing else to do then.
//
// 3. http/rest.ts, after decodeObject (create, update, subresources) or decodePatch
//    (the patch document) and for DELETE's DeleteOptions:
//      audits.get(req)?.setRequestObject(obj);
//    It fills objectRef's name, uid and resourceVersion from the body at every level, and
//    keeps the body at Request and RequestResponse. (Alternative with no change to
//    rest.ts: in a preHandler, when ctx.level is Request or RequestResponse, decode
//    req.body with body.ts's decodeObject in a try/catch and pass the result.)
//
// 4. onSend (the headers are about to go out; payload is the serialized body):
//      const ctx = audits.get(req);
//      ctx?.responseStarted(reply.statusCode);               // writes ResponseStarted for long-running requests only
//      ctx?.setResponseObject(payload);                      // JSON text is parsed only when the event needs it
//    and where rest.ts hijacks the reply for a watch: `audits.get(req)?.responseStarted(200)`.
//
// 5. The error handler's branch for errors that are not StatusErrors (Kubernetes'
//    panics): `audits.get(req)?.panic(err)` writes the Panic event instead of ResponseComplete.
//
// Where this differs from Kubernetes:
// - With --audit-log-path and no --audit-policy-file Kubernetes writes no events; here
//   DEFAULT_POLICY (policy.ts) applies.
// - Events are queued and written asynchronously (Kubernetes' log backend defaults to
//   --audit-log-mode=blocking); past 10,000 queued events they are dropped with an
//   error, as Kubernetes' batch mode drops them. No --audit-log-mode, -format (json
//   only), -compress, -version (audit.k8s.io/v1 only), truncation or webhook backend.
// - MicroTimes have millisecond precision (api/helpers/time.ts): the last three digits are 0.
// - A successful response passed as serialized JSON below RequestResponse gets a
//   responseStatus of its code alone, even when the body is a Status.
// - Two rotations in one millisecond name the second backup a millisecond later
//   (lumberjack would overwrite the first).
// - Requests that fail authentication are audited only if the HTTP layer calls begin()
//   for them (Kubernetes' WithFailedAuthenticationAudit does so with an empty user).
// - omitManagedFields strips objects and list items, not Table rows.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  objectRefWithRequestObject, panicEvent, requestReceivedEvent, responseCompleteEvent, responseStartedEvent,
  sourceIPs, truncateUserAgent, type AuditEvent, type AuditUser, type EventInputs, type ObjectReference,
} from './event.js';
import { openLogBackend } from './log-backend.js';
import { DEFAULT_POLICY, levelAtLeast, loadPolicyFile, PolicyChecker, type AuditAttributes, type Level, type Stage } from './policy.js';

export type { AuditAttributes, Level, Policy, Stage } from './policy.js';
export type { AuditEvent } from './event.js';
export { DEFAULT_POLICY, PolicyChecker, PolicyError, parsePolicy, loadPolicyFile } from './policy.js';

/** Where events go: the log backend, or a test's array. */
export interface AuditSink {
  /** Takes one event; must not throw or wait. */
  write(event: AuditEvent): boolean | void;
  close(): Promise<void>;
}

/** What the HTTP layer knows about a request when it begins. */
export interface AuditRequest {
  /** The authorizer's attributes: user, verb, resource or path. */
  attributes: AuditAttributes;
  /** Path and query as the client sent them. */
  requestURI: string;
  /** The request headers: User-Agent, X-Forwarded-For, X-Real-Ip and Audit-ID are read. */
  headers: Record<string, string | string[] | undefined>;
  /** The peer address of the connection. */
  remoteAddress?: string;
  impersonatedUser?: AuditUser;
  /** When the request arrived (ms since the epoch); now if absent. */
  receivedAt?: number;
}

/**
 * One audited request, from begin() to its last event. Every method may be called at
 * any time and in any order; calls after the request finished are ignored.
 */
export interface AuditContext {
  readonly auditID: string;
  readonly level: Level;
  /** Watches and streams (logs, exec...): they also get a ResponseStarted event. */
  readonly longRunning: boolean;
  /** Adds an annotation; the first value of a key stays, as Kubernetes keeps it. */
  annotate(key: string, value: string): void;
  /** The decoded request body (or patch document). */
  setRequestObject(obj: unknown): void;
  /** The response body: an object, or its serialized JSON (string or Buffer). Streams are ignored. */
  setResponseObject(body: unknown): void;
  /** The response headers are going out with this code. */
  responseStarted(code: number): void;
  /** The response is over: writes ResponseComplete (after ResponseStarted for long-running requests). */
  complete(code: number, body?: unknown): void;
  /** Handling failed unexpectedly: writes Panic (500) instead of ResponseComplete. */
  panic(err: unknown): void;
}

const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

/** kube-apiserver's long-running request check (BasicLongRunningRequestCheck with its lists). */
export function isLongRunning(attrs: AuditAttributes): boolean {
  return LONG_RUNNING_VERBS.has(attrs.verb) || (attrs.resourceRequest && LONG_RUNNING_SUBRESOURCES.has(attrs.subresource ?? ''));
}

export interface AuditorDeps {
  log: Logger;
  /** Milliseconds since the epoch. */
  now?: () => number;
  newAuditID?: () => string;
}

/** Audits requests under one policy into one sink. Created by createAuditor. */
export class Auditor {
  private readonly now: () => number;
  private readonly newAuditID: () => string;

  constructor(private readonly checker: PolicyChecker, private readonly sink: AuditSink, private readonly deps: AuditorDeps) {
    this.now = deps.now ?? Date.now;
    this.newAuditID = deps.newAuditID ?? randomUUID;
  }

  /**
   * Starts auditing a request: writes RequestReceived unless the policy omits it.
   * Undefined when the policy's level for the request is None.
   */
  begin(req: AuditRequest): AuditContext | undefined {
    const config = this.checker.levelFor(req.attributes);
    if (config.level === 'None') return undefined;
    const a = req.attributes;
    const header = req.headers['audit-id'];
    const given = (Array.isArray(header) ? header[0] : header)?.trim();
    const objectRef: ObjectReference | undefined = a.resourceRequest
      ? { resource: a.resource, namespace: a.namespace, name: a.name, apiGroup: a.apiGroup, apiVersion: a.apiVersion, subresource: a.subresource }
      : undefined;
    const ua = req.headers['user-agent'];
    const inputs: EventInputs = {
      level: config.level,
      auditID: given || this.newAuditID(),
      requestURI: req.requestURI,
      verb: a.verb,
      user: a.user,
      impersonatedUser: req.impersonatedUser,
      sourceIPs: sourceIPs(req.headers, req.remoteAddress),
      userAgent: truncateUserAgent(Array.isArray(ua) ? ua[0] : ua),
      objectRef,
      omitManagedFields: config.omitManagedFields,
      requestReceivedTimestamp: req.receivedAt ?? this.now(),
      annotations: {},
    };
    const ctx = new RequestAudit(inputs, config.omitStages, isLongRunning(a), (ev) => this.emit(ev), this.now, this.deps.log);
    ctx.received();
    return ctx;
  }

  /** Writes what is queued and closes the log. */
  async close(): Promise<void> {
    await this.sink.close();
  }

  private emit(ev: AuditEvent): void {
    try {
      this.sink.write(ev);
    } catch (err) {
      this.deps.log.error({ err, auditID: ev.auditID }, 'audit event not written');
    }
  }
}

class RequestAudit implements AuditContext {
  private started = false;
  private finished = false;
  private responseBody: unknown;

  constructor(
    private readonly inputs: EventInputs,
    private readonly omitStages: Stage[],
    readonly longRunning: boolean,
    private readonly emit: (ev: AuditEvent) => void,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  get auditID(): string { return this.inputs.auditID; }
  get level(): Level { return this.inputs.level; }

  received(): void {
    this.write('RequestReceived', () => requestReceivedEvent(this.inputs));
  }

  annotate(key: string, value: string): void {
    if (this.finished) return;
    const annotations = this.inputs.annotations as Record<string, string>;
    const old = annotations[key];
    if (old !== undefined && old !== value) {
      this.log.warn({ auditID: this.auditID, key, value, old }, 'audit annotation already set; kept the first value');
      return;
    }
    annotations[key] = value;
  }

  setRequestObject(obj: unknown): void {
    if (this.finished || !this.inputs.objectRef) return;
    this.inputs.objectRef = objectRefWithRequestObject(this.inputs.objectRef, obj);
    // Kept only where an event will show it, so Metadata requests hold no bodies.
    if (levelAtLeast(this.level, 'Request')) this.inputs.requestObject = obj;
  }

  setResponseObject(body: unknown): void {
    if (this.finished || body === undefined || body === null) return;
    // A stream (pods/log) has no object to record.
    if (typeof (body as { pipe?: unknown }).pipe === 'function') return;
    this.responseBody = body;
  }

  responseStarted(code: number): void {
    if (this.finished || this.started) return;
    this.started = true;
    // Kubernetes writes this stage for long-running requests only: the others are
    // over by the time it would be read.
    if (this.longRunning) this.write('ResponseStarted', () => responseStartedEvent(this.inputs, code, this.now()));
  }

  complete(code: number, body?: unknown): void {
    if (this.finished) return;
    if (body !== undefined) this.setResponseObject(body);
    this.responseStarted(code);
    this.finished = true;
    this.write('ResponseComplete', () => responseCompleteEvent(this.inputs, { code, body: this.decodedBody(code) }, this.now()));
  }

  panic(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.write('Panic', () => panicEvent(this.inputs, err, this.now()));
  }

  /**
   * The response body as an object: responseStatus copies it when it is a Status, and
   * RequestResponse records it. Serialized successful bodies are not parsed below
   * RequestResponse (a list can be megabytes): their responseStatus is the code alone.
   */
  private decodedBody(code: number): unknown {
    const b = this.responseBody;
    this.responseBody = undefined;
    if (typeof b === 'string' || Buffer.isBuffer(b)) {
      if (!levelAtLeast(this.level, 'RequestResponse') && code >= 200 && code < 300) return undefined;
      try {
        return JSON.parse(b.toString());
      } catch {
        return undefined; // YAML, protobuf or text: no object to record
      }
    }
    return b;
  }

  private write(stage: Stage, build: () => AuditEvent): void {
    if (this.omitStages.includes(stage)) return;
    try {
      this.emit(build());
    } catch (err) {
      this.log.error({ err, auditID: this.auditID, stage }, 'audit event not built');
    }
  }
}

export interface AuditorOptions {
  /** --audit-policy-file; the DEFAULT_POLICY when absent. */
  policyFile?: string;
  /** --audit-log-path; "-" is standard output. */
  logPath: string;
  /** --audit-log-maxage: days to keep backups; 0 keeps them. */
  maxAge?: number;
  /** --audit-log-maxbackup: backups to keep; 0 keeps all. */
  maxBackup?: number;
  /** --audit-log-maxsize: megabytes before rotation; 0 is lumberjack's default, 100. */
  maxSize?: number;
  log: Logger;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
}

const MEGABYTE = 1024 * 1024;
const DEFAULT_MAX_SIZE_MB = 100;

/**
 * Loads the policy and opens the log. Rejects with a message naming the flag or the
 * file when a value is negative, the policy is invalid or the log cannot be created.
 */
export async function createAuditor(opts: AuditorOptions): Promise<Auditor> {
  for (const [flag, v] of [['--audit-log-maxage', opts.maxAge], ['--audit-log-maxbackup', opts.maxBackup], ['--audit-log-maxsize', opts.maxSize]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`${flag} ${v} can't be a negative number`);
  }
  if (!opts.logPath) throw new Error('--audit-log-path is required for the audit log');
  let policy = DEFAULT_POLICY;
  if (opts.policyFile) {
    const loaded = await loadPolicyFile(opts.policyFile);
    if (loaded.unknownFields.length) opts.log.warn({ file: opts.policyFile, fields: loaded.unknownFields }, 'audit policy has unknown fields; they are ignored');
    policy = loaded.policy;
    opts.log.info({ file: opts.policyFile, rules: policy.rules.length }, 'loaded audit policy');
  } else {
    opts.log.info('no --audit-policy-file: auditing with the default policy');
  }
  const backend = await openLogBackend({
    path: opts.logPath,
    maxSizeBytes: (opts.maxSize || DEFAULT_MAX_SIZE_MB) * MEGABYTE,
    maxBackup: opts.maxBackup,
    maxAge: opts.maxAge,
    log: opts.log,
    now: opts.now,
  });
  return new Auditor(new PolicyChecker(policy), backend, { log: opts.log, now: opts.now });
}
