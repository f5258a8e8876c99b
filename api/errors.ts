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
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return status;
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

/** 422 Invalid; kind is the object kind ("Pod"), causes name each bad field. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): StatusError {
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
  const what = group ? `${kind}.${group}` : kind;
  const details: StatusDetails = { name, group: group || undefined, kind, causes };
  return new StatusError(makeStatus(422, 'Invalid', `${what} "${name}" is invalid: ${causes.length > 1 ? `[${summary}]` : summary}`, details));
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
