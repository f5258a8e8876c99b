// The AdmissionReview kube-apiserver sends a webhook (request/admissionreview.go:
// CreateV1AdmissionReview) and the checks it makes of the answer
// (VerifyAdmissionResponse), and the errors it turns webhook outcomes into
// (webhook/errors: ToStatusErr, NewDryRunUnsupportedErr; util/webhook: ErrCallingWebhook).
import { randomUUID } from 'node:crypto';
import { StatusError, badRequest, makeStatus, orderedStatus } from '../../../api/errors.js';
import { subresourceKind } from '../../../api/registry.js';
import type { AdmissionRequest, AdmissionResponse, WebhookCommon } from '../../../api/types/admissionregistration.js';
import type { KubeObject, Status } from '../../../api/types/meta.js';
import { toUserInfo } from '../../authn/user.js';
import type { AdmissionAttributes } from '../chain.js';

/** Who the apiserver's own writes are made as (its loopback client). */
const APISERVER_USER = { name: 'system:apiserver', groups: ['system:authenticated', 'system:masters'] };

/** A webhook could not be asked or did not answer usably: its failurePolicy decides (ErrCallingWebhook). */
export class CallingWebhookError extends Error {
  constructor(readonly webhook: string, readonly reason: string) {
    super(`failed calling webhook ${JSON.stringify(webhook)}: ${reason}`);
    this.name = 'CallingWebhookError';
  }

  /** What a request fails with when the webhook fails closed: apierrors.NewInternalError. */
  toStatusError(): StatusError {
    return new StatusError(makeStatus(500, 'InternalError', `Internal error occurred: ${this.message}`, { causes: [{ message: this.message }] }));
  }
}

/** The review versions this server sends, in the order a webhook's list is searched. */
const REVIEW_VERSIONS = new Set(['v1', 'v1beta1']);

/** The AdmissionReview version to send: the first of the webhook's this server speaks. */
export function reviewVersion(hook: WebhookCommon): string | undefined {
  return (hook.admissionReviewVersions ?? []).find((v) => REVIEW_VERSIONS.has(v));
}

/** The operation's options as Kubernetes sends them: CreateOptions, UpdateOptions or DeleteOptions. */
function operationOptions(a: AdmissionAttributes): Record<string, unknown> | null {
  const dryRun = a.dryRun ? { dryRun: ['All'] } : {};
  switch (a.operation) {
    case 'CREATE': return { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', ...dryRun };
    case 'UPDATE': return { kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1', ...dryRun };
    case 'DELETE': {
      const { kind: _kind, apiVersion: _apiVersion, ...given } = a.options ?? {};
      return { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', ...given, ...dryRun };
    }
    default: return null;
  }
}

/** The namespace a request's attributes carry: a namespace's own name for requests on it (but its create). */
export function requestNamespace(a: AdmissionAttributes): string {
  if (a.resource.group === '' && a.resource.plural === 'namespaces' && a.operation !== 'CREATE') return a.name;
  return a.namespace ?? '';
}

/** CreateV1AdmissionReview: the review for one call, with a fresh uid. */
export function admissionReview(a: AdmissionAttributes, version: string): { uid: string; body: string } {
  const request = admissionRequest(a);
  return { uid: request.uid, body: JSON.stringify({ kind: 'AdmissionReview', apiVersion: `admission.k8s.io/${version}`, request }) };
}

/** The AdmissionRequest of a review (what CEL's `request` variable holds, too). */
export function admissionRequest(a: AdmissionAttributes): AdmissionRequest {
  const uid = randomUUID();
  // The kind of the object sent (this server admits scale and binding writes with the parent object), else the subresource's own.
  const sent = a.object ?? a.oldObject;
  const gvk = typeof sent?.apiVersion === 'string' && typeof sent.kind === 'string' ? kindOf(sent.apiVersion, sent.kind)
    : a.subresource ? subresourceKind(a.resource, a.subresource) : { group: a.resource.group, version: a.resource.version, kind: a.resource.kind };
  const gvr = { group: a.resource.group, version: a.resource.version, resource: a.resource.plural };
  const namespace = requestNamespace(a);
  const request: AdmissionRequest = {
    uid,
    kind: gvk,
    resource: gvr,
    ...(a.subresource ? { subResource: a.subresource } : {}),
    requestKind: gvk,
    requestResource: gvr,
    ...(a.subresource ? { requestSubResource: a.subresource } : {}),
    ...(a.name ? { name: a.name } : {}),
    ...(namespace ? { namespace } : {}),
    operation: a.operation,
    userInfo: toUserInfo(a.user ?? APISERVER_USER),
    object: typed(a.object, a),
    oldObject: typed(a.oldObject, a),
    dryRun: a.dryRun,
    options: operationOptions(a),
  };
  return request;
}

function kindOf(apiVersion: string, kind: string): { group: string; version: string; kind: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
}

/** The object as the webhook is sent it: with its apiVersion and kind, which stored objects may lack. */
export function typed(obj: KubeObject | undefined, a: AdmissionAttributes): KubeObject | null {
  if (!obj) return null;
  if (obj.apiVersion && obj.kind) return obj;
  const gv = a.resource.group ? `${a.resource.group}/${a.resource.version}` : a.resource.version;
  return { apiVersion: gv, kind: a.resource.kind, ...obj };
}

/** What a usable answer says. */
export interface VerifiedResponse {
  allowed: boolean;
  result?: Partial<Status>;
  /** Decoded from base64; undefined when there is none. */
  patch?: string;
  auditAnnotations: Record<string, string>;
  warnings: string[];
}

/**
 * VerifyAdmissionResponse, after the body is decoded: a response for this uid, of
 * admission.k8s.io/v1 AdmissionReview (v1beta1 is not checked for either, as in
 * Kubernetes), with a patch and a patchType only together and only from a mutating
 * webhook. Throws an Error whose message is Kubernetes' reason.
 */
export function verifyResponse(body: unknown, uid: string, version: string, mutating: boolean): VerifiedResponse {
  const review = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as { apiVersion?: unknown; kind?: unknown; response?: AdmissionResponse };
  const r = review.response;
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error('webhook response was absent');
  let patch: string | undefined;
  const rawPatch = typeof r.patch === 'string' ? r.patch : undefined;
  if (r.patch !== undefined && r.patch !== null && typeof r.patch !== 'string') throw new Error('json: cannot unmarshal into Go struct field AdmissionResponse.response.patch of type []uint8');
  if (version === 'v1') {
    if (r.uid !== uid) throw new Error(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(typeof r.uid === 'string' ? r.uid : '')}`);
    const apiVersion = typeof review.apiVersion === 'string' ? review.apiVersion : '';
    const kind = typeof review.kind === 'string' ? review.kind : '';
    if (apiVersion !== 'admission.k8s.io/v1' || kind !== 'AdmissionReview') {
      const slash = apiVersion.indexOf('/');
      const gv = slash < 0 ? `/${apiVersion}` : apiVersion;
      throw new Error(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${gv}, Kind=${kind}`);
    }
    if (mutating) {
      const hasPatchType = r.patchType !== undefined && r.patchType !== null;
      if (rawPatch && !hasPatchType) throw new Error('webhook returned response.patch but not response.patchType');
      if (!rawPatch && hasPatchType) throw new Error('webhook returned response.patchType but not response.patch');
      if (hasPatchType && !r.patchType) throw new Error(`webhook returned invalid response.patchType of ""`);
      if (rawPatch && r.patchType !== 'JSONPatch') throw new Error(`unsupported patch type ${JSON.stringify(String(r.patchType))}`);
      patch = rawPatch ? decodeBase64(rawPatch) : undefined;
    } else {
      if (rawPatch) throw new Error('validating webhook may not return response.patch');
      if (r.patchType !== undefined && r.patchType !== null) throw new Error('validating webhook may not return response.patchType');
    }
  } else if (mutating && rawPatch) {
    patch = decodeBase64(rawPatch);
  }
  return {
    allowed: r.allowed === true,
    result: r.status && typeof r.status === 'object' && !Array.isArray(r.status) ? r.status : undefined,
    patch,
    auditAnnotations: stringMap(r.auditAnnotations),
    warnings: Array.isArray(r.warnings) ? r.warnings.filter((w): w is string => typeof w === 'string') : [],
  };
}

function decodeBase64(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) throw new Error('illegal base64 data in response.patch');
  return Buffer.from(s, 'base64').toString('utf8');
}

function stringMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
}

/**
 * ToStatusErr: a webhook's refusal as the client sees it. The webhook's status is kept
 * (a code below 400 becomes 400, a status other than Failure becomes Failure) and its
 * message is prefixed with `admission webhook "<name>" denied the request`.
 */
export function denied(webhook: string, result: Partial<Status> | undefined): StatusError {
  const r = result ?? {};
  const deniedBy = `admission webhook ${JSON.stringify(webhook)} denied the request`;
  const message = typeof r.message === 'string' && r.message ? `${deniedBy}: ${r.message}`
    : typeof r.reason === 'string' && r.reason ? `${deniedBy}: ${r.reason}`
      : `${deniedBy} without explanation`;
  const code = typeof r.code === 'number' && Number.isInteger(r.code) && r.code >= 400 && r.code <= 599 ? r.code : 400;
  const details = r.details && typeof r.details === 'object' && !Array.isArray(r.details) ? r.details : undefined;
  return new StatusError(orderedStatus({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message,
    reason: typeof r.reason === 'string' ? r.reason : '', details: sanitizeDetails(details), code,
  } as Status));
}

/** Keeps only the well-typed fields of the webhook's details (the client decodes them). */
function sanitizeDetails(d: Status['details'] | undefined): Status['details'] | undefined {
  if (!d) return undefined;
  const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const causes = Array.isArray(d.causes)
    ? d.causes.filter((c) => c && typeof c === 'object').map((c) => ({ reason: s(c.reason), message: s(c.message), field: s(c.field) }))
    : undefined;
  return {
    name: s(d.name), group: s(d.group), kind: s(d.kind), uid: s(d.uid), causes,
    retryAfterSeconds: typeof d.retryAfterSeconds === 'number' ? d.retryAfterSeconds : undefined,
  };
}

/** NewDryRunUnsupportedErr: a dry run reached a webhook that may have side effects. */
export function dryRunUnsupported(webhook: string): StatusError {
  return badRequest(`admission webhook ${JSON.stringify(webhook)} does not support dry run`);
}

/** The object a JSON patch produced, or why it cannot be one (the patched document must still be an object with metadata). */
export function asObject(doc: unknown): KubeObject {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the patched document is not an object');
  const o = doc as KubeObject;
  if (!o.metadata || typeof o.metadata !== 'object' || Array.isArray(o.metadata)) throw new Error('Object \'metadata\' is missing or not an object');
  return o;
}
