// StatusError: the one error type of the project, carrying a Kubernetes Status.
// Constructors fix the code and reason; predicates test the reason.
import type { Status, StatusCause, StatusDetails } from './types/meta.js';

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict'
  | 'Gone' | 'Expired' | 'Invalid' | 'MethodNotAllowed' | 'NotAcceptable'
  | 'RequestEntityTooLarge' | 'UnsupportedMediaType' | 'TooManyRequests'
  | 'InternalError' | 'ServiceUnavailable' | 'Timeout' | '';

export class StatusError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'unknown error');
    this.name = 'StatusError';
    this.status = status;
  }

  get code(): number { return this.status.code; }
  get reason(): string { return this.status.reason ?? ''; }
}

export function makeStatus(code: number, reason: StatusReason, message: string, details?: StatusDetails): Status {
  return orderedStatus({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code });
}

/**
 * The Status as Go's json encoder writes a metav1.Status: fields in the order of the Go
 * struct (kind, apiVersion, metadata, status, message, reason, details, code; details:
 * name, group, kind, uid, causes, retryAfterSeconds; causes: reason, message, field) and
 * the empty ones left out, as their omitempty tags say. Clients compare error bodies.
 */
export function orderedStatus(s: Status): Status {
  const out: Record<string, unknown> = { kind: s.kind, apiVersion: s.apiVersion, metadata: s.metadata ?? {} };
  if (s.status) out.status = s.status;
  if (s.message) out.message = s.message;
  if (s.reason) out.reason = s.reason;
  if (s.details) {
    const d = s.details;
    const details: Record<string, unknown> = {};
    if (d.name) details.name = d.name;
    if (d.group) details.group = d.group;
    if (d.kind) details.kind = d.kind;
    if (d.uid) details.uid = d.uid;
    if (d.causes?.length) {
      details.causes = d.causes.map((c) => {
        const cause: StatusCause = {};
        if (c.reason) cause.reason = c.reason;
        if (c.message) cause.message = c.message;
        if (c.field) cause.field = c.field;
        return cause;
      });
    }
    if (d.retryAfterSeconds) details.retryAfterSeconds = d.retryAfterSeconds;
    out.details = details;
  }
  if (s.code) out.code = s.code;
  return out as unknown as Status;
}

/**
 * Go's strconv.Quote (and fmt's %q) of a string: double quotes, backslash escapes for
 * quotes, backslashes and control characters, \u or \U for what is not printable.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (r < 0x20 || r === 0x7f) out += `\\x${r.toString(16).padStart(2, '0')}`;
    else if (r >= 0xd800 && r <= 0xdfff) out += '\ufffd'; // Go decoded a lone surrogate as U+FFFD
    else if (!isGoPrintable(r)) out += r > 0xffff ? `\\U${r.toString(16).padStart(8, '0')}` : `\\u${r.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrintable(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  return !NOT_PRINTABLE.test(String.fromCodePoint(r));
}

/** The qualified resource name Kubernetes prints: "pods", "deployments.apps". */
export interface Qualified { group: string; resource: string }
const qualifiedName = (q: Qualified): string => (q.group ? `${q.resource}.${q.group}` : q.resource);

export function notFound(q: Qualified, name: string): StatusError {
  return new StatusError(makeStatus(404, 'NotFound', `${qualifiedName(q)} "${name}" not found`, { name, group: q.group || undefined, kind: q.resource }));
}

export function alreadyExists(q: Qualified, name: string): StatusError {
  return new StatusError(makeStatus(409, 'AlreadyExists', `${qualifiedName(q)} "${name}" already exists`, { name, group: q.group || undefined, kind: q.resource }));
}

export function conflict(q: Qualified, name: string, why: string): StatusError {
  return new StatusError(makeStatus(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedName(q)} "${name}": ${why}`, { name, group: q.group || undefined, kind: q.resource }));
}

/** 403 for one object, as apimachinery's NewForbidden: `pods "x" is forbidden: <why>`. */
export function forbiddenObject(q: Qualified, name: string, why: string, causes?: StatusCause[]): StatusError {
  return new StatusError(makeStatus(403, 'Forbidden', `${qualifiedName(q)} "${name}" is forbidden: ${why}`,
    { name, group: q.group || undefined, kind: q.resource, ...(causes ? { causes } : {}) }));
}

/**
 * 422 Invalid, as apimachinery's NewInvalid: kind is the object kind ("Pod"), causes
 * name each bad field; the message lists each distinct cause once, in brackets when
 * there are several.
 */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): StatusError {
  const messages = [...new Set(causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message ?? '')))];
  const what = group ? `${kind}.${group}` : kind;
  const details: StatusDetails = { name, group, kind, causes };
  const summary = messages.length > 1 ? `[${messages.join(', ')}]` : messages[0];
  return new StatusError(makeStatus(422, 'Invalid', `${what} ${goQuote(name)} is invalid${summary === undefined ? '' : `: ${summary}`}`, details));
}

/** 422 for a bad query parameter of a verb's options (CreateOptions, ListOptions...). */
export function invalidOptions(kind: string, causes: StatusCause[]): StatusError {
  return invalid(kind, 'meta.k8s.io', '', causes);
}

export function badRequest(message: string): StatusError {
  return new StatusError(makeStatus(400, 'BadRequest', message));
}

export function gone(message: string): StatusError {
  return new StatusError(makeStatus(410, 'Gone', message));
}

/** 410 Expired: a resourceVersion or continue token older than etcd's compacted history. */
export function expired(message: string): StatusError {
  return new StatusError(makeStatus(410, 'Expired', message));
}

export function methodNotAllowed(message: string): StatusError {
  return new StatusError(makeStatus(405, 'MethodNotAllowed', message));
}

export function notAcceptable(message: string): StatusError {
  return new StatusError(makeStatus(406, 'NotAcceptable', message));
}

export function tooLarge(message: string): StatusError {
  return new StatusError(makeStatus(413, 'RequestEntityTooLarge', message));
}

export function unsupportedMediaType(contentType: string): StatusError {
  return new StatusError(makeStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${JSON.stringify(contentType)})`));
}

export function internalError(message: string): StatusError {
  return new StatusError(makeStatus(500, 'InternalError', `Internal error occurred: ${message}`));
}

export function serviceUnavailable(message: string): StatusError {
  return new StatusError(makeStatus(503, 'ServiceUnavailable', message));
}

export function timeout(message: string): StatusError {
  return new StatusError(makeStatus(504, 'Timeout', message));
}

/**
 * 504 for a resourceVersion newer than the watch cache reached in time, as
 * kube-apiserver's storage.NewTooLargeResourceVersionError (clients retry after a second).
 */
export function tooLargeResourceVersion(wanted: number, current: number, retryAfterSeconds: number): StatusError {
  return new StatusError(makeStatus(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds,
  }));
}

export function unauthorized(message = 'Unauthorized'): StatusError {
  return new StatusError(makeStatus(401, 'Unauthorized', message));
}

export function forbidden(message: string): StatusError {
  return new StatusError(makeStatus(403, 'Forbidden', message));
}

const reasonOf = (err: unknown): string | undefined => (err instanceof StatusError ? err.reason : undefined);
export const isNotFound = (err: unknown): boolean => reasonOf(err) === 'NotFound';
export const isAlreadyExists = (err: unknown): boolean => reasonOf(err) === 'AlreadyExists';
export const isConflict = (err: unknown): boolean => reasonOf(err) === 'Conflict';
export const isInvalid = (err: unknown): boolean => reasonOf(err) === 'Invalid';
export const isGone = (err: unknown): boolean => reasonOf(err) === 'Gone' || reasonOf(err) === 'Expired';
export const isBadRequest = (err: unknown): boolean => reasonOf(err) === 'BadRequest';
export const isForbidden = (err: unknown): boolean => reasonOf(err) === 'Forbidden';
