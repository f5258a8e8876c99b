// The PodSecurity validating admission plugin: the decisions of
// k8s.io/pod-security-admission admission/admission.go (ValidatePod,
// ValidatePodController, ValidateNamespace) and of kube-apiserver's wrapper
// (plugin/pkg/admission/security/podsecurity), apart from any storage or HTTP.
//
// When the apiserver calls what (validating admission: after defaults, the strategy and
// validation, just before the write; dry runs included):
//
// - pods, CREATE, and UPDATE of the pod itself or of its subresources other than
//   status/binding/eviction/log/exec/attach/portforward/proxy (so pods/ephemeralcontainers
//   and pods/resize): `admitPod(labels of the pod's namespace, pod, { oldPod, subresource,
//   username })`. It answers allowed for the ignored subresources and for updates that
//   change no container image and add no ephemeral container (metadata, status, ...),
//   as Kubernetes does. On refusal throw `decision.error`; otherwise send
//   `decision.warnings` as Warning headers and log `decision.auditAnnotations`.
// - Deployments, ReplicaSets, ReplicationControllers, StatefulSets, DaemonSets, Jobs,
//   CronJobs and PodTemplates, CREATE and UPDATE of the main resource (not /status,
//   /scale): `admitPodController(labels, object, { username })`. Never refuses: it
//   returns the warnings (warn mode) and audit annotations (audit mode) for the pod
//   template, which enforcement judges only when the pods are created.
// - namespaces, CREATE and UPDATE of the main resource (not /status, /finalize):
//   `checkNamespaceLabels({ name, labels, oldLabels, operation }, pods)`. Bad labels
//   are refused (422); a stricter enforce level answers with warnings naming the
//   existing pods that violate it (they keep running).
import type { PodSpec } from '../../../api/types/core.js';
import type { ObjectMeta } from '../../../api/types/meta.js';
import { forbiddenObject, goQuote, invalid, type StatusError } from '../../../api/errors.js';
import { controllerRef } from '../../../api/helpers/owner-refs.js';
import type { FieldCause } from '../../../api/validation/field.js';
import { Evaluator, aggregate, forbiddenDetail, forbiddenReason, type AggregateResult } from './evaluator.js';
import {
  AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL, AUDIT_VIOLATIONS_ANNOTATION, DEFAULT_POLICY, ENFORCE_LEVEL_LABEL,
  ENFORCE_VERSION_LABEL, ENFORCED_POLICY_ANNOTATION, ERROR_ANNOTATION, EXEMPTION_REASON_ANNOTATION, LATEST,
  WARN_LEVEL_LABEL, WARN_VERSION_LABEL, compareLevels, equivalentPolicy, fullyPrivileged, levelVersionString,
  parseVersion, policyToEvaluate, sameLevelVersion, sameVersion, type LevelVersion, type Policy,
} from './policy.js';

type Labels = Record<string, string>;

/** What the checks read of a pod or pod template. */
export interface PodLike {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

/** The plugin's configuration (kube-apiserver's PodSecurityConfiguration) and the request's user. */
export interface PodSecurityOptions {
  /** Users whose requests are never checked. */
  exemptUsers?: readonly string[];
  /** Namespaces whose pods are never checked. */
  exemptNamespaces?: readonly string[];
  /** Pods with these runtimeClassNames are never checked. */
  exemptRuntimeClasses?: readonly string[];
  /** The policy of a namespace without labels: privileged:latest in every mode unless set. */
  defaults?: Policy;
  /** The requesting user (for exemptUsers). */
  username?: string;
  /** The request's namespace (for exemptNamespaces); metadata.namespace of the object when unset. */
  namespace?: string;
  /**
   * What "latest" stands for, "v1.N": the server's version by default (v1.32), as
   * kube-apiserver caps the checks at its own version.
   */
  latestVersion?: string;
}

/** The outcome of admitPod. */
export interface PodDecision {
  allowed: boolean;
  /** On refusal: `violates PodSecurity "restricted:latest": <details>`, what follows `pods "name" is forbidden: `. */
  reason?: string;
  /** On refusal: the whole Status message, `pods "name" is forbidden: violates PodSecurity ...`. */
  message?: string;
  /** On refusal: the 403 Forbidden StatusError to throw (apimachinery NewForbidden on pods). */
  error?: StatusError;
  /** Warning header texts (without the `299 - "..."` framing), e.g. `would violate PodSecurity "restricted:latest": ...`. */
  warnings: string[];
  /** Audit annotations, keys under pod-security.kubernetes.io/ (enforce-policy, audit-violations, exempt, error). */
  auditAnnotations: Record<string, string>;
}

/** The outcome of admitPodController: never a refusal. */
export interface ControllerDecision {
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** The outcome of checkNamespaceLabels. */
export interface NamespaceDecision {
  allowed: boolean;
  /** On refusal (bad labels): the 422 Invalid StatusError to throw; its message is `error.message`. */
  error?: StatusError;
  warnings: string[];
}

/** Pod subresources that cannot change what the checks read. Any other one is evaluated. */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

const NAMESPACE_MAX_PODS_TO_CHECK = 3000;
const NAMESPACE_POD_CHECK_TIMEOUT_MS = 1000;

const evaluators = new Map<string, Evaluator>();
/** One evaluator per meaning of "latest" (it caches its check lists). */
function evaluatorFor(opts: PodSecurityOptions): Evaluator {
  const key = opts.latestVersion ?? '';
  let e = evaluators.get(key);
  if (!e) {
    const parsed = opts.latestVersion === undefined ? undefined : parseVersion(opts.latestVersion);
    e = parsed && !parsed.error && !parsed.version.latest ? new Evaluator(undefined, parsed.version.minor) : new Evaluator();
    evaluators.set(key, e);
  }
  return e;
}

const contains = (list: readonly string[] | undefined, s: string | undefined): boolean => !!s && !!list?.includes(s);

/** The message Go prints for a field.ErrorList's aggregate: one error, or several in brackets (deduplicated). */
function aggregateMessage(errs: readonly FieldCause[]): string {
  const msgs = [...new Set(errs.map((e) => `${e.field}: ${e.message}`))];
  return msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
}

/**
 * EvaluatePod: the policy's modes against one pod or template. enforce is false for pod
 * controllers, which are only warned about and audited.
 */
function evaluate(
  policy: Policy, policyErrors: readonly FieldCause[], meta: ObjectMeta, spec: PodSpec, enforce: boolean, opts: PodSecurityOptions,
): { allowed: boolean; reason?: string; warnings: string[]; auditAnnotations: Record<string, string> } {
  if (contains(opts.exemptRuntimeClasses, spec.runtimeClassName)) {
    return { allowed: true, warnings: [], auditAnnotations: { [EXEMPTION_REASON_ANNOTATION]: 'runtimeClass' } };
  }
  const evaluator = evaluatorFor(opts);
  const auditAnnotations: Record<string, string> = {};
  if (policyErrors.length) auditAnnotations[ERROR_ANNOTATION] = `Failed to parse policy: ${aggregateMessage(policyErrors)}`;

  // One evaluation per distinct level:version among the modes.
  const cache: { lv: LevelVersion; result: AggregateResult }[] = [];
  const resultFor = (lv: LevelVersion): AggregateResult => {
    const hit = cache.find((c) => sameLevelVersion(c.lv, lv));
    if (hit) return hit.result;
    const result = aggregate(evaluator.evaluatePod(lv, meta, spec));
    cache.push({ lv, result });
    return result;
  };

  let allowed = true;
  let reason: string | undefined;
  if (enforce) {
    auditAnnotations[ENFORCED_POLICY_ANNOTATION] = levelVersionString(policy.enforce);
    const result = resultFor(policy.enforce);
    if (!result.allowed) {
      allowed = false;
      reason = `violates PodSecurity ${goQuote(levelVersionString(policy.enforce))}: ${forbiddenDetail(result)}`;
    }
  }
  const audit = resultFor(policy.audit);
  if (!audit.allowed) {
    auditAnnotations[AUDIT_VIOLATIONS_ANNOTATION] = `would violate PodSecurity ${goQuote(levelVersionString(policy.audit))}: ${forbiddenDetail(audit)}`;
  }
  const warnings: string[] = [];
  // A request refused anyway gets no warnings.
  if (allowed) {
    const warn = resultFor(policy.warn);
    if (!warn.allowed) warnings.push(`would violate PodSecurity ${goQuote(levelVersionString(policy.warn))}: ${forbiddenDetail(warn)}`);
  }
  return { allowed, reason, warnings, auditAnnotations };
}

/**
 * isSignificantPodUpdate: only a changed container image, a changed number of
 * containers or init containers, or an added (or changed) ephemeral container makes an
 * update of a running pod worth judging; everything else in a pod spec is immutable.
 */
export function isSignificantPodUpdate(pod: PodLike, oldPod: PodLike): boolean {
  const spec = pod.spec ?? ({} as PodSpec);
  const old = oldPod.spec ?? ({} as PodSpec);
  const containers = spec.containers ?? [];
  const oldContainers = old.containers ?? [];
  const inits = spec.initContainers ?? [];
  const oldInits = old.initContainers ?? [];
  if (containers.length !== oldContainers.length || inits.length !== oldInits.length) return true;
  if (containers.some((c, i) => c.image !== oldContainers[i].image)) return true;
  if (inits.some((c, i) => c.image !== oldInits[i].image)) return true;
  for (const c of spec.ephemeralContainers ?? []) {
    const before = (old.ephemeralContainers ?? []).find((o) => o.name === c.name);
    if (!before || before.image !== c.image) return true;
  }
  return false;
}

/**
 * Pod create and update (ValidatePod). namespaceLabels are the labels of the pod's
 * namespace (undefined: none). For an update pass opts.oldPod; for a subresource
 * request (pods/ephemeralcontainers...) its name and the whole new pod.
 */
export function admitPod(
  namespaceLabels: Labels | undefined,
  pod: PodLike,
  opts: PodSecurityOptions & { oldPod?: PodLike; subresource?: string } = {},
): PodDecision {
  const allow = (auditAnnotations: Record<string, string> = {}): PodDecision => ({ allowed: true, warnings: [], auditAnnotations });
  if (opts.subresource && IGNORED_POD_SUBRESOURCES.has(opts.subresource)) return allow();
  if (contains(opts.exemptNamespaces, opts.namespace ?? pod.metadata?.namespace)) return allow({ [EXEMPTION_REASON_ANNOTATION]: 'namespace' });
  if (contains(opts.exemptUsers, opts.username)) return allow({ [EXEMPTION_REASON_ANNOTATION]: 'user' });
  const { policy, errors } = policyToEvaluate(namespaceLabels, opts.defaults);
  if (!errors.length && fullyPrivileged(policy)) {
    return allow({ [ENFORCED_POLICY_ANNOTATION]: levelVersionString({ level: 'privileged', version: LATEST }) });
  }
  if (opts.oldPod && !isSignificantPodUpdate(pod, opts.oldPod)) return allow();

  const r = evaluate(policy, errors, pod.metadata ?? {}, pod.spec ?? ({} as PodSpec), true, opts);
  if (r.allowed) return { allowed: true, warnings: r.warnings, auditAnnotations: r.auditAnnotations };
  const error = forbiddenObject({ group: '', resource: 'pods' }, pod.metadata?.name ?? '', r.reason as string);
  return { allowed: false, reason: r.reason, message: error.message, error, warnings: [], auditAnnotations: r.auditAnnotations };
}

/** A workload object: its kind says where its pod template is. */
export interface PodTemplateOwner {
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  /** PodTemplate objects hold theirs at the top level. */
  template?: unknown;
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * DefaultPodSpecExtractor: the pod template of a workload, null when it has none (a
 * ReplicationController's is optional), undefined for a kind without one. Go decodes a
 * missing required template as an empty one; so does this.
 */
function extractTemplate(owner: PodTemplateOwner): PodLike | null | undefined {
  const spec = asRecord(owner.spec);
  switch (owner.kind) {
    case 'PodTemplate':
      return asRecord(owner.template) ?? {};
    case 'ReplicationController':
      return (asRecord(spec?.template) as PodLike | undefined) ?? null;
    case 'ReplicaSet': case 'Deployment': case 'DaemonSet': case 'StatefulSet': case 'Job':
      return asRecord(spec?.template) ?? {};
    case 'CronJob':
      return asRecord(asRecord(asRecord(spec?.jobTemplate)?.spec)?.template) ?? {};
    default:
      return undefined;
  }
}

/**
 * Workload create and update (ValidatePodController): judges the pod template in warn
 * and audit mode only. opts.subresource set (status, scale): nothing to judge.
 */
export function admitPodController(
  namespaceLabels: Labels | undefined,
  owner: PodTemplateOwner,
  opts: PodSecurityOptions & { subresource?: string } = {},
): ControllerDecision {
  const none = (auditAnnotations: Record<string, string> = {}): ControllerDecision => ({ warnings: [], auditAnnotations });
  if (opts.subresource) return none();
  if (contains(opts.exemptNamespaces, opts.namespace ?? owner.metadata?.namespace)) return none({ [EXEMPTION_REASON_ANNOTATION]: 'namespace' });
  if (contains(opts.exemptUsers, opts.username)) return none({ [EXEMPTION_REASON_ANNOTATION]: 'user' });
  const { policy, errors } = policyToEvaluate(namespaceLabels, opts.defaults);
  if (!errors.length && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return none();
  const template = extractTemplate(owner);
  if (template === undefined) {
    return none({ [ERROR_ANNOTATION]: `failed to extract pod template: unexpected object type: ${owner.kind ?? ''}` });
  }
  if (template === null) return none();
  const r = evaluate(policy, errors, template.metadata ?? {}, template.spec ?? ({} as PodSpec), false, opts);
  return { warnings: r.warnings, auditAnnotations: r.auditAnnotations };
}

/** A namespace create or update, as checkNamespaceLabels reads it. */
export interface NamespaceChange {
  name: string;
  labels?: Labels;
  /** The labels before an update. */
  oldLabels?: Labels;
  operation: 'CREATE' | 'UPDATE';
}

/**
 * exemptNamespaceWarning: an exempt namespace that sets a non-privileged policy (other
 * than the default) is told it is ignored, naming the modes its labels set.
 */
function exemptNamespaceWarning(name: string, policy: Policy, labels: Labels, defaults: Policy): string | undefined {
  if (fullyPrivileged(policy) || equivalentPolicy(policy, defaults)) return undefined;
  const has = (l: string): boolean => Object.prototype.hasOwnProperty.call(labels, l);
  const parts: string[] = [];
  if (policy.enforce.level !== 'privileged' && (has(ENFORCE_LEVEL_LABEL) || has(ENFORCE_VERSION_LABEL))) parts.push(`enforce=${levelVersionString(policy.enforce)}`);
  if (policy.audit.level !== 'privileged' && (has(AUDIT_LEVEL_LABEL) || has(AUDIT_VERSION_LABEL))) parts.push(`audit=${levelVersionString(policy.audit)}`);
  if (policy.warn.level !== 'privileged' && (has(WARN_LEVEL_LABEL) || has(WARN_VERSION_LABEL))) parts.push(`warn=${levelVersionString(policy.warn)}`);
  return `namespace ${goQuote(name)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`;
}

/**
 * Namespace create and update (ValidateNamespace). Labels that do not parse are refused
 * (on update only when they changed the errors: a namespace already carrying a bad label
 * can still be edited). When an update makes the enforce level stricter, the namespace's
 * existing pods are evaluated against it and the violations come back as warnings:
 * `existing pods in namespace "ns" violate the new PodSecurity enforce level
 * "restricted:latest"` and then one line per distinct set of reasons, naming the first
 * pod (by name) and counting the others. At most 3000 pods, and about a second, are spent;
 * a pod per controller is judged first, the rest of its siblings after everyone else.
 * pods is called only then.
 */
export function checkNamespaceLabels(
  change: NamespaceChange,
  pods: readonly PodLike[] | (() => readonly PodLike[]),
  opts: PodSecurityOptions & { maxPodsToCheck?: number; podCheckTimeoutMs?: number; now?: () => number } = {},
): NamespaceDecision {
  const defaults = opts.defaults ?? DEFAULT_POLICY;
  const labels = change.labels ?? {};
  const { policy, errors } = policyToEvaluate(change.labels, defaults);
  const refuse = (): NamespaceDecision =>
    ({ allowed: false, error: invalid('Namespace', '', change.name, errors), warnings: [] });
  const allow = (warnings: string[] = []): NamespaceDecision => ({ allowed: true, warnings });
  const exempt = contains(opts.exemptNamespaces, change.name);

  if (change.operation === 'CREATE') {
    if (errors.length) return refuse();
    const warning = exempt ? exemptNamespaceWarning(change.name, policy, labels, defaults) : undefined;
    return allow(warning ? [warning] : []);
  }

  const old = policyToEvaluate(change.oldLabels, defaults);
  if (errors.length && (!old.errors.length || JSON.stringify(errors) !== JSON.stringify(old.errors))) return refuse();
  // No dry run when enforcement is unchanged, privileged, or relaxed at the same version.
  if (sameLevelVersion(policy.enforce, old.policy.enforce)) return allow();
  if (policy.enforce.level === 'privileged') return allow();
  if (sameVersion(policy.enforce.version, old.policy.enforce.version) && compareLevels(policy.enforce.level, old.policy.enforce.level) < 1) return allow();
  if (exempt) {
    const warning = exemptNamespaceWarning(change.name, policy, labels, defaults);
    return allow(warning ? [warning] : []);
  }
  return allow(evaluatePodsInNamespace(change.name, policy.enforce, typeof pods === 'function' ? pods() : pods, opts));
}

/** EvaluatePodsInNamespace: the warnings for existing pods under a new enforce level. */
function evaluatePodsInNamespace(
  namespace: string, enforce: LevelVersion, pods: readonly PodLike[],
  opts: PodSecurityOptions & { maxPodsToCheck?: number; podCheckTimeoutMs?: number; now?: () => number },
): string[] {
  const now = opts.now ?? (() => performance.now());
  const deadline = now() + (opts.podCheckTimeoutMs ?? NAMESPACE_POD_CHECK_TIMEOUT_MS);
  const evaluator = evaluatorFor(opts);

  // prioritizePods: skip exempt runtime classes; judge one pod per controller before
  // the rest of its siblings, so a capped or timed-out check still covers every workload.
  const prioritized: PodLike[] = [];
  const duplicates: PodLike[] = [];
  const seenControllers = new Set<string>();
  for (const pod of pods) {
    if (contains(opts.exemptRuntimeClasses, pod.spec?.runtimeClassName)) continue;
    const ref = controllerRef({ metadata: pod.metadata ?? {} });
    if (!ref) { prioritized.push(pod); continue; }
    if (seenControllers.has(ref.uid)) { duplicates.push(pod); continue; }
    prioritized.push(pod);
    seenControllers.add(ref.uid);
  }
  let toCheck = [...prioritized, ...duplicates];
  const totalPods = toCheck.length;
  toCheck = toCheck.slice(0, opts.maxPodsToCheck ?? NAMESPACE_MAX_PODS_TO_CHECK);
  let checkedPods = toCheck.length;

  const podWarnings: string[] = [];
  const counts = new Map<string, { podName: string; podCount: number }>();
  for (let i = 0; i < toCheck.length; i++) {
    const pod = toCheck[i];
    const r = aggregate(evaluator.evaluatePod(enforce, pod.metadata ?? {}, pod.spec ?? ({} as PodSpec)));
    if (!r.allowed) {
      const warning = forbiddenReason(r);
      const name = pod.metadata?.name ?? '';
      const c = counts.get(warning);
      if (!c) {
        podWarnings.push(warning);
        counts.set(warning, { podName: name, podCount: 1 });
      } else {
        if (name < c.podName) c.podName = name;
        c.podCount++;
      }
    }
    if (now() > deadline) {
      checkedPods = i + 1;
      break;
    }
  }

  const warnings: string[] = [];
  if (checkedPods < totalPods) warnings.push(`new PodSecurity enforce level only checked against the first ${checkedPods} of ${totalPods} existing pods`);
  if (podWarnings.length) warnings.push(`existing pods in namespace ${goQuote(namespace)} violate the new PodSecurity enforce level ${goQuote(levelVersionString(enforce))}`);
  const decorated = podWarnings.map((w) => {
    const { podName, podCount } = counts.get(w) as { podName: string; podCount: number };
    if (podCount === 1) return `${podName}: ${w}`;
    if (podCount === 2) return `${podName} (and 1 other pod): ${w}`;
    return `${podName} (and ${podCount - 1} other pods): ${w}`;
  });
  decorated.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...warnings, ...decorated];
}

