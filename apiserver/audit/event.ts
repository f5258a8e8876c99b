// Audit events (audit.k8s.io/v1 Event) as kube-apiserver writes them: one pure
// function per stage builds the JSON object from plain inputs, with the fields in the
// order of the Go struct and the empty ones left out as its omitempty tags say
// (pkg/audit/request.go, endpoints/filters/audit.go). Which stages are written, and
// when, is index.ts's business.
import { isIP } from 'node:net';
import { orderedStatus } from '../../api/errors.js';
import { rfc3339Micro } from '../../api/helpers/time.js';
import type { UserInfo } from '../../api/types/authentication.js';
import type { Status } from '../../api/types/meta.js';
import { levelAtLeast, type Level, type Stage } from './policy.js';

/** What the request is about (audit.k8s.io/v1 ObjectReference); resource requests only. */
export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

/** metav1.Status as an event's responseStatus holds it: no kind or apiVersion. */
export type ResponseStatus = Omit<Status, 'kind' | 'apiVersion' | 'status' | 'metadata'> & {
  metadata: Record<string, never>;
  status?: Status['status'];
};

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: Level;
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: UserInfo;
  impersonatedUser?: UserInfo;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  /** metav1.MicroTime. */
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** The user as the authenticator saw it. */
export interface AuditUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/**
 * Everything known about a request when an event is written. objectRef is set for
 * resource requests only; requestObject only matters at Request level and above and
 * responseObject at RequestResponse.
 */
export interface EventInputs {
  level: Level;
  auditID: string;
  requestURI: string;
  verb: string;
  user: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  requestObject?: unknown;
  /** Drop metadata.managedFields from requestObject and responseObject. */
  omitManagedFields?: boolean;
  /** Milliseconds since the epoch. */
  requestReceivedTimestamp: number;
  annotations?: Record<string, string>;
}

/** How the request was answered: the code, and the body when it is at hand. */
export interface ResponseInputs {
  code: number;
  /** The object sent back (a Status for errors); absent for watches and streams. */
  body?: unknown;
}

const MAX_USER_AGENT_LENGTH = 1024;

/** The User-Agent as an event records it: cut at 1024 characters, as Kubernetes cuts it. */
export function truncateUserAgent(ua: string | undefined): string | undefined {
  if (!ua) return undefined;
  return ua.length > MAX_USER_AGENT_LENGTH ? `${ua.slice(0, MAX_USER_AGENT_LENGTH)}...TRUNCATED` : ua;
}

/**
 * The request's source IPs, as apimachinery's utilnet.SourceIPs lists them: the
 * X-Forwarded-For addresses, then X-Real-Ip unless already listed, then the peer
 * address unless it is the last one listed. Only the peer address can be trusted.
 */
export function sourceIPs(headers: Record<string, string | string[] | undefined>, remoteAddress?: string): string[] {
  const first = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(',') : v ?? '');
  const ips: string[] = [];
  for (const part of first(headers['x-forwarded-for']).split(',')) {
    const ip = normalizeIP(part.trim());
    if (ip) ips.push(ip);
  }
  const realIP = normalizeIP(first(headers['x-real-ip']).trim());
  if (realIP && !ips.includes(realIP)) ips.push(realIP);
  const peer = normalizeIP(remoteAddress ?? '');
  if (peer && ips[ips.length - 1] !== peer) ips.push(peer);
  return ips;
}

/** A valid IP in Go's net.IP.String() form (an IPv4-mapped IPv6 address prints as IPv4); '' if invalid. */
function normalizeIP(s: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (mapped) s = mapped[1];
  return isIP(s) ? s : '';
}

/**
 * objectRef completed from the request body's metadata, as LogRequestObject does
 * (at every level): what the URL did not say (a created object's name, the
 * resourceVersion of an update) comes from the object.
 */
export function objectRefWithRequestObject(ref: ObjectReference, obj: unknown): ObjectReference {
  const meta = isObject(obj) && isObject(obj.metadata) ? obj.metadata : undefined;
  if (!meta) return ref;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    ...ref,
    namespace: ref.namespace || str(meta.namespace),
    name: ref.name || str(meta.name),
    uid: ref.uid || str(meta.uid),
    resourceVersion: ref.resourceVersion || str(meta.resourceVersion),
  };
}

/** RequestReceived: written before the request is handled; its stageTimestamp is the received time. */
export function requestReceivedEvent(inp: EventInputs): AuditEvent {
  return buildEvent('RequestReceived', inp, inp.requestReceivedTimestamp);
}

/** ResponseStarted: the headers of a long-running response (watch, logs) went out. */
export function responseStartedEvent(inp: EventInputs, code: number, at: number): AuditEvent {
  return buildEvent('ResponseStarted', inp, at, { metadata: {}, code });
}

/** ResponseComplete: the body was sent. */
export function responseCompleteEvent(inp: EventInputs, resp: ResponseInputs, at: number): AuditEvent {
  const ev = buildEvent('ResponseComplete', inp, at, responseStatusOf(resp));
  if (resp.body !== undefined && inp.objectRef && levelAtLeast(inp.level, 'RequestResponse')) {
    ev.responseObject = inp.omitManagedFields ? withoutManagedFields(resp.body) : resp.body;
  }
  return reorder(ev);
}

/** Panic: handling the request threw where nothing answered it (kube-apiserver's panic recovery). */
export function panicEvent(inp: EventInputs, err: unknown, at: number): AuditEvent {
  return buildEvent('Panic', inp, at, {
    metadata: {}, status: 'Failure', message: `APIServer panic'd: ${err instanceof Error ? err.message : String(err)}`, reason: 'InternalError', code: 500,
  });
}

/**
 * The responseStatus of a complete response: the Status's own fields when the body is
 * a Status (errors), else only the code, as Kubernetes records successes.
 */
export function responseStatusOf(resp: ResponseInputs): ResponseStatus {
  const b = resp.body;
  if (isObject(b) && b.kind === 'Status' && (b.apiVersion === 'v1' || b.apiVersion === undefined)) {
    const { kind: _k, apiVersion: _a, ...rest } = orderedStatus({ ...(b as unknown as Status), code: (b.code as number) || resp.code });
    return { ...rest, metadata: {} } as ResponseStatus;
  }
  return { metadata: {}, code: resp.code };
}

function buildEvent(stage: Stage, inp: EventInputs, at: number, responseStatus?: ResponseStatus): AuditEvent {
  const ev: AuditEvent = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: inp.level,
    auditID: inp.auditID,
    stage,
    requestURI: inp.requestURI,
    verb: inp.verb,
    user: userInfo(inp.user),
    requestReceivedTimestamp: rfc3339Micro(inp.requestReceivedTimestamp),
    stageTimestamp: rfc3339Micro(at),
  };
  if (inp.impersonatedUser) ev.impersonatedUser = userInfo(inp.impersonatedUser);
  if (inp.sourceIPs.length) ev.sourceIPs = [...inp.sourceIPs];
  if (inp.userAgent) ev.userAgent = inp.userAgent;
  if (inp.objectRef) ev.objectRef = objectReference(inp.objectRef);
  if (responseStatus) ev.responseStatus = responseStatus;
  // Request bodies are recorded for resource requests at Request and RequestResponse
  // only; they are not read yet when RequestReceived is written.
  if (stage !== 'RequestReceived' && inp.requestObject !== undefined && inp.objectRef && levelAtLeast(inp.level, 'Request')) {
    ev.requestObject = inp.omitManagedFields ? withoutManagedFields(inp.requestObject) : inp.requestObject;
  }
  if (inp.annotations && Object.keys(inp.annotations).length) ev.annotations = { ...inp.annotations };
  return reorder(ev);
}

/** The event's keys in the Go struct's order (JSON consumers diff audit logs). */
function reorder(ev: AuditEvent): AuditEvent {
  const order: (keyof AuditEvent)[] = [
    'kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs',
    'userAgent', 'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations',
  ];
  const out: Record<string, unknown> = {};
  for (const k of order) if (ev[k] !== undefined) out[k] = ev[k];
  return out as unknown as AuditEvent;
}

function userInfo(u: AuditUser): UserInfo {
  const out: UserInfo = {};
  if (u.name) out.username = u.name;
  if (u.uid) out.uid = u.uid;
  if (u.groups.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = u.extra;
  return out;
}

function objectReference(r: ObjectReference): ObjectReference {
  const out: ObjectReference = {};
  for (const k of ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'] as const) {
    if (r[k]) out[k] = r[k];
  }
  return out;
}

/**
 * A copy of obj without metadata.managedFields, in the object itself or in each item of
 * a list (omitManagedFields). Anything else is returned as it is; obj is not changed.
 */
export function withoutManagedFields(obj: unknown): unknown {
  if (!isObject(obj)) return obj;
  let out = obj;
  if (isObject(obj.metadata) && 'managedFields' in obj.metadata) {
    const { managedFields: _m, ...metadata } = obj.metadata;
    out = { ...out, metadata };
  }
  if (Array.isArray(obj.items)) out = { ...out, items: obj.items.map(withoutManagedFields) };
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
