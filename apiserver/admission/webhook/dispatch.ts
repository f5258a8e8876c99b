// One call of one webhook, as kube-apiserver's dispatchers make it (mutating/dispatcher.go
// callAttrMutatingHook, validating/dispatcher.go callHook): the dry-run check, the
// AdmissionReview, the HTTPS call within timeoutSeconds, the checks of the answer, its
// warnings, and the refusal. Which webhooks are called, in what order, and what a
// failure means (failurePolicy) is the plugins' business (../mutating-webhook.ts, ../validating-webhook.ts).
import type { Logger } from 'pino';
import { forbiddenObject } from '../../../api/errors.js';
import { CostBudget, MATCH_CONDITION_ENV, evaluateBool, jsonToCel } from '../../../api/cel/admission.js';
import type { WebhookCommon } from '../../../api/types/admissionregistration.js';
import type { AdmissionAttributes } from '../chain.js';
import { CallError, type CallTarget, type WebhookClient } from './client.js';
import { isExemptResource, namespaceMatches, objectMatches, rulesMatch, type MatchAttributes } from './matching.js';
import {
  CallingWebhookError, admissionRequest, admissionReview, denied, typed, dryRunUnsupported, requestNamespace, reviewVersion, verifyResponse, type VerifiedResponse,
} from './review.js';
import { resolveService, type RoutingMode } from './service-resolver.js';
import type { ServiceLookup } from '../../aggregator/resolve.js';

/** What the webhook plugins need of the apiserver. */
export interface WebhookDeps {
  client: WebhookClient;
  services: ServiceLookup;
  /** How Service references are dialled: the ClusterIP (kube-apiserver's default) or an endpoint (--enable-aggregator-routing). */
  routing: RoutingMode;
  /** The labels of a namespace; throws NotFound (a StatusError) when it does not exist. */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  log: Logger;
}

/** The request as matching sees it; undefined for requests webhooks are never called for. */
export function matchAttributes(a: AdmissionAttributes): MatchAttributes | undefined {
  if (isExemptResource(a.resource.group, a.resource.plural)) return undefined;
  return {
    operation: a.operation, group: a.resource.group, version: a.resource.version, resource: a.resource.plural,
    subresource: a.subresource ?? '', namespace: requestNamespace(a), object: a.object, oldObject: a.oldObject,
  };
}

/**
 * ShouldCallHook: rules, then the object selector, then the namespace selector (its
 * NotFound is the request's answer), then the matchConditions: any false skips the
 * webhook; errors skip it with failurePolicy Ignore and refuse the request (403) with Fail.
 */
export async function shouldCall(hook: WebhookCommon, m: MatchAttributes, deps: WebhookDeps, a: AdmissionAttributes): Promise<boolean> {
  if (!rulesMatch(hook, m)) return false;
  if (!objectMatches(hook, m)) return false;
  if (!await namespaceMatches(hook, m, deps.namespaceLabels)) return false;
  const conditions = Array.isArray(hook.matchConditions) ? hook.matchConditions : [];
  if (!conditions.length) return true;
  const activation = { object: jsonToCel(typed(a.object, a)), oldObject: jsonToCel(typed(a.oldObject, a)), request: jsonToCel(admissionRequest(a)) };
  const budget = new CostBudget();
  const errors: string[] = [];
  for (const c of conditions) {
    const r = evaluateBool(MATCH_CONDITION_ENV.compile(c.expression), activation, budget);
    if ('error' in r) errors.push(r.error);
    else if (!r.value) return false;
  }
  if (!errors.length) return true;
  if (hook.failurePolicy === 'Ignore') return false;
  deps.log.warn({ webhook: hook.name, errors }, 'failed evaluating match conditions, failing closed');
  throw forbiddenObject({ group: a.resource.group, resource: a.resource.plural }, a.name, errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
}

/**
 * Calls one webhook about a. Resolves with its (allowing) answer, warnings already passed
 * on; rejects with CallingWebhookError (the failurePolicy decides) or a StatusError that
 * is the request's answer whatever the policy (a refusal; a dry run the webhook cannot take).
 */
export async function callWebhook(hook: WebhookCommon, a: AdmissionAttributes, mutating: boolean, deps: WebhookDeps): Promise<VerifiedResponse> {
  const name = hook.name;
  if (a.dryRun) {
    if (!hook.sideEffects) throw new CallingWebhookError(name, 'Webhook SideEffects is nil');
    if (hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') throw dryRunUnsupported(name);
  }
  const version = reviewVersion(hook);
  if (!version) throw new CallingWebhookError(name, 'could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)');
  let target: CallTarget;
  try {
    target = callTarget(hook, deps);
  } catch (err) {
    throw new CallingWebhookError(name, `could not get REST client: ${(err as Error).message}`);
  }
  const timeoutSeconds = typeof hook.timeoutSeconds === 'number' && hook.timeoutSeconds > 0 ? hook.timeoutSeconds : 10;
  target.url += `${target.url.includes('?') ? '&' : '?'}timeout=${timeoutSeconds}s`;
  const { uid, body } = admissionReview(a, version);
  let res;
  try {
    res = await deps.client.post(target, body, timeoutSeconds * 1000);
  } catch (err) {
    if (err instanceof CallError) throw new CallingWebhookError(name, `failed to call webhook: ${err.message}`);
    throw err;
  }
  if (res.statusCode < 200 || res.statusCode > 299) {
    throw new CallingWebhookError(name, `failed to call webhook: ${serverResponseError(res.statusCode, res.body)}`);
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(res.body);
  } catch (err) {
    throw new CallingWebhookError(name, `failed to call webhook: couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
  let verified: VerifiedResponse;
  try {
    verified = verifyResponse(decoded, uid, version, mutating);
  } catch (err) {
    throw new CallingWebhookError(name, `received invalid webhook response: ${(err as Error).message}`);
  }
  for (const w of verified.warnings) a.warn(w);
  if (Object.keys(verified.auditAnnotations).length) {
    deps.log.debug({ webhook: name, annotations: verified.auditAnnotations }, 'webhook audit annotations');
  }
  if (!verified.allowed) throw denied(name, verified.result);
  return verified;
}

function callTarget(hook: WebhookCommon, deps: WebhookDeps): CallTarget {
  const cc = hook.clientConfig ?? {};
  const ca = cc.caBundle ? Buffer.from(cc.caBundle, 'base64').toString('utf8') : undefined;
  if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error('unable to load root certificates: unable to parse bytes as PEM block');
  if (cc.url) return { url: cc.url, ca };
  if (cc.service) return { ...resolveService(cc.service, deps.services, deps.routing), ca };
  throw new Error('no url or service in clientConfig');
}

/**
 * The error client-go's REST client makes of a non-2xx answer: the Status it carries, or
 * apierrors.NewGenericServerResponse's words for the code.
 */
function serverResponseError(code: number, body: string): string {
  try {
    const s = JSON.parse(body) as { kind?: unknown; message?: unknown };
    if (s && s.kind === 'Status' && typeof s.message === 'string' && s.message) return s.message;
  } catch {
    // not a Status: the generic words below
  }
  const text = body.length > 1024 ? `${body.slice(0, 1024)}...` : body;
  switch (code) {
    case 400: return 'the server rejected our request for an unknown reason';
    case 401: return 'the server has asked for the client to provide credentials';
    case 403: return 'the server does not allow access to the requested resource';
    case 404: return 'the server could not find the requested resource';
    case 405: return 'the server does not allow this method on the requested resource';
    case 409: return 'the server reported a conflict';
    case 413: return 'the server has rejected the request because the request entity is too large';
    case 415: return 'the server responded with the status code 415 but did not return more information';
    case 422: return 'the server rejected our request due to an error in our request';
    case 429: return 'the server has received too many requests and has asked us to try again later';
    case 500: return `an error on the server (${JSON.stringify(text)}) has prevented the request from succeeding`;
    case 503: return 'the server is currently unable to handle the request';
    case 504: return 'the server was unable to return a response in the time allotted, but may still be processing the request';
    default: return `the server responded with the status code ${code} but did not return more information`;
  }
}
