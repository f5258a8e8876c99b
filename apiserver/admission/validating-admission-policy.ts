// The ValidatingAdmissionPolicy admission plugin (k8s.io/apiserver/pkg/admission/plugin/
// policy/validating): every ValidatingAdmissionPolicyBinding whose policy's
// matchConstraints (and its own matchResources) match a request evaluates the policy's
// CEL validations (api/cel/admission.ts) over object, oldObject, request, params (from
// the binding's paramRef, of the policy's paramKind), namespaceObject and variables. A
// failed validation is acted on as the binding's validationActions say: Deny refuses the
// request, Warn adds a warning, Audit logs it. An expression that errors counts as a
// failure with failurePolicy Fail and is ignored with Ignore. Policies and bindings are
// read live from their watch caches.
import type { Logger } from 'pino';
import { findByKind, type ResourceInfo } from '../../api/registry.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import { makeStatus, StatusError } from '../../api/errors.js';
import { CostBudget, POLICY_ENV, evaluateBool, evaluateString, jsonToCel } from '../../api/cel/admission.js';
import type {
  MatchResources, NamedRuleWithOperations, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, WebhookCommon,
} from '../../api/types/admissionregistration.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { WatchCache } from '../watch-cache.js';
import type { AdmissionAttributes, AdmissionPlugin } from './chain.js';
import { matchAttributes } from './webhook/dispatch.js';
import { namespaceMatches, objectMatches, ruleMatches, type MatchAttributes } from './webhook/matching.js';
import { admissionRequest, typed } from './webhook/review.js';

export const VALIDATING_ADMISSION_POLICY = 'ValidatingAdmissionPolicy';

export interface PolicyDeps {
  policies: WatchCache;
  bindings: WatchCache;
  /** The watch cache of a resource, for params (undefined when the server does not serve it). */
  cacheOf(ri: ResourceInfo): WatchCache | undefined;
  /** A namespace object; throws NotFound when it does not exist. */
  namespace(name: string): Promise<KubeObject>;
  log: Logger;
}

/** One failed validation, and what the binding says to do with it. */
interface Decision {
  policy: string;
  binding: string;
  message: string;
  reason: string;
}

export function validatingAdmissionPolicy(deps: PolicyDeps): AdmissionPlugin {
  const log = deps.log.child({ plugin: VALIDATING_ADMISSION_POLICY });
  const namespaceLabels = async (name: string): Promise<Record<string, string> | undefined> => (await deps.namespace(name)).metadata.labels;
  return {
    name: VALIDATING_ADMISSION_POLICY,
    async validate(a) {
      const bindings = [...deps.bindings.values()] as ValidatingAdmissionPolicyBinding[];
      if (!bindings.length) return;
      const m = matchAttributes(a);
      if (!m) return;
      bindings.sort((x, y) => ((x.metadata.name ?? '') < (y.metadata.name ?? '') ? -1 : 1));
      const budget = new CostBudget();
      let request: Record<string, unknown> | undefined;
      let namespaceObject: unknown;
      const denied: Decision[] = [];
      for (const binding of bindings) {
        const spec = binding.spec ?? {};
        const policy = deps.policies.snapshotOne(`/registry/validatingadmissionpolicies/${spec.policyName ?? ''}`) as ValidatingAdmissionPolicy | undefined;
        if (!policy?.spec?.matchConstraints) continue;
        if (!await matches(policy.spec.matchConstraints, m, namespaceLabels)) continue;
        if (spec.matchResources && !await matches(spec.matchResources, m, namespaceLabels)) continue;
        const policyName = policy.metadata.name ?? '';
        const bindingName = binding.metadata.name ?? '';
        const failClosed = policy.spec.failurePolicy !== 'Ignore';
        const decide = (message: string, reason: string): void => {
          const actions = spec.validationActions ?? [];
          if (actions.includes('Deny')) denied.push({ policy: policyName, binding: bindingName, message, reason });
          if (actions.includes('Warn')) a.warn(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${message}`);
          if (actions.includes('Audit')) log.info({ policy: policyName, binding: bindingName, message }, 'validation failed (Audit)');
        };
        const error = (message: string): void => {
          if (failClosed) decide(message, 'Invalid');
          else log.warn({ policy: policyName, binding: bindingName, err: message }, 'policy evaluation failed, failing open');
        };
        let params: (KubeObject | null)[];
        try {
          params = resolveParams(policy, binding, a, deps);
        } catch (err) {
          error((err as Error).message);
          continue;
        }
        if (!params.length) {
          if (spec.paramRef?.parameterNotFoundAction === 'Deny') decide('no params found for policy binding with `Deny` parameterNotFoundAction', 'Invalid');
          continue;
        }
        request ??= jsonToCel(admissionRequest(a)) as Record<string, unknown>;
        if (namespaceObject === undefined) {
          const ns = m.namespace && !(m.group === '' && m.resource === 'namespaces') ? await deps.namespace(m.namespace).catch(() => null) : null;
          namespaceObject = jsonToCel(ns);
        }
        for (const param of params) {
          const activation: Record<string, unknown> = {
            object: jsonToCel(typed(a.object, a)), oldObject: jsonToCel(typed(a.oldObject, a)), request, params: jsonToCel(param), namespaceObject, variables: {},
          };
          const outcome = evaluatePolicy(policy, activation, budget);
          if (outcome === 'skip') continue;
          for (const f of outcome.errors) error(f);
          for (const f of outcome.failures) decide(f.message, f.reason);
        }
      }
      if (denied.length) throw deniedError(a, denied[0]);
    },
  };
}

/** The policy's matchConditions, variables and validations over one param. */
function evaluatePolicy(policy: ValidatingAdmissionPolicy, activation: Record<string, unknown>, budget: CostBudget):
  'skip' | { errors: string[]; failures: { message: string; reason: string }[] } {
  const spec = policy.spec ?? {};
  const errors: string[] = [];
  const variables = activation.variables as Record<string, unknown>;
  for (const v of spec.variables ?? []) {
    const p = POLICY_ENV.compile(v.expression);
    try {
      if ('evaluate' in p) variables[v.name] = p.evaluate(activation, budget);
    } catch {
      // An expression that reads a variable which failed fails itself, with its own message.
    }
  }
  const conditionErrors: string[] = [];
  for (const c of spec.matchConditions ?? []) {
    const r = evaluateBool(POLICY_ENV.compile(c.expression), activation, budget);
    if ('error' in r) conditionErrors.push(r.error);
    else if (!r.value) return 'skip';
  }
  if (conditionErrors.length) return { errors: conditionErrors, failures: [] };
  const failures: { message: string; reason: string }[] = [];
  for (const v of spec.validations ?? []) {
    const r = evaluateBool(POLICY_ENV.compile(v.expression), activation, budget);
    if ('error' in r) { errors.push(r.error); continue; }
    if (r.value) continue;
    let message = v.message?.trim() ? v.message : `failed expression: ${v.expression.trim()}`;
    if (v.messageExpression?.trim()) {
      const mr = evaluateString(POLICY_ENV.compile(v.messageExpression), activation, budget);
      if ('value' in mr && mr.value.trim() && !/[\r\n]/.test(mr.value)) message = mr.value.trim();
    }
    failures.push({ message, reason: v.reason || 'Invalid' });
  }
  return { errors, failures };
}

/** MatchResources: selectors, excludeResourceRules, then resourceRules (none: every resource) with resourceNames. */
async function matches(mr: MatchResources, m: MatchAttributes, namespaceLabels: (name: string) => Promise<Record<string, string> | undefined>): Promise<boolean> {
  const asSelectors = mr as unknown as WebhookCommon;
  if (!await namespaceMatches(asSelectors, m, namespaceLabels)) return false;
  if (!objectMatches(asSelectors, m)) return false;
  const named = (rules: NamedRuleWithOperations[] | undefined): boolean => (rules ?? []).some((r) =>
    ruleMatches(r, m) && (!r.resourceNames?.length || r.resourceNames.includes(nameOf(m))));
  if (named(mr.excludeResourceRules)) return false;
  return !mr.resourceRules?.length || named(mr.resourceRules);
}

const nameOf = (m: MatchAttributes): string => (m.object ?? m.oldObject)?.metadata?.name ?? '';

/**
 * The params a binding hands its policy: none needed ([null]); the one object paramRef
 * names (in paramRef's namespace, else the request's for a namespaced kind); or every
 * object its selector matches. An empty list: no params found.
 */
function resolveParams(policy: ValidatingAdmissionPolicy, binding: ValidatingAdmissionPolicyBinding, a: AdmissionAttributes, deps: PolicyDeps): (KubeObject | null)[] {
  const pk = policy.spec?.paramKind;
  if (!pk) return [null];
  const ref = binding.spec?.paramRef;
  if (!ref) throw new Error(`policy ${JSON.stringify(policy.metadata.name)} has paramKind but binding ${JSON.stringify(binding.metadata.name)} has no paramRef`);
  const ri = findByKind(pk.apiVersion ?? '', pk.kind ?? '');
  const cache = ri && deps.cacheOf(ri);
  if (!ri || !cache) throw new Error(`failed to find resource referenced by paramKind: '${pk.apiVersion ?? ''}, Kind=${pk.kind ?? ''}'`);
  let namespace = '';
  if (ri.namespaced) {
    namespace = ref.namespace || a.namespace || '';
    if (!namespace) throw new Error('cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
  }
  const prefix = ri.namespaced ? `/registry/${ri.plural}/${namespace}/` : `/registry/${ri.plural}/`;
  if (ref.name) {
    const obj = cache.snapshotOne(prefix + ref.name);
    return obj ? [obj] : [];
  }
  const selector = selectorFromLabelSelector(ref.selector ?? {});
  return cache.snapshot(prefix).items.filter((o) => selector.matches(o.metadata.labels ?? {}));
}

/** The refusal, as the policy plugin builds it from admission.NewForbidden: reason Invalid (422) unless the validation names another. */
function deniedError(a: AdmissionAttributes, d: Decision): StatusError {
  const message = `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`;
  const gr = a.resource.group ? `${a.resource.plural}.${a.resource.group}` : a.resource.plural;
  const name = a.name || (a.object ?? a.oldObject)?.metadata.name || '';
  const code = d.reason === 'Forbidden' ? 403 : d.reason === 'RequestEntityTooLarge' ? 413 : 422;
  return new StatusError(makeStatus(code, d.reason as 'Invalid', `${gr} ${JSON.stringify(name)} is forbidden: ${message}`, {
    name, group: a.resource.group || undefined, kind: a.resource.plural, causes: [{ message }],
  }));
}
