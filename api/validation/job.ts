// batch/v1 Jobs (batch's ValidateJob, ValidateJobUpdate, ValidateJobUpdateStatus and
// ValidateJobTemplateSpec, which CronJobs share).
import type {
  Job, JobSpec, JobStatus, PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern,
  PodFailurePolicyRule, SuccessPolicy,
} from '../types/batch.js';
import {
  CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL,
} from '../types/batch.js';
import type { Container, PodTemplateSpec } from '../types/core.js';
import type { LabelSelector } from '../types/meta.js';
import { selectorFromLabelSelector } from '../labels.js';
import {
  child, duplicate, FIELD_IMMUTABLE, type FieldCause, index, invalid, jsonEqual, list, nonNegative, notSupported, record, required, str,
  tooLong, tooMany,
} from './field.js';
import { validateImmutable, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod-spec.js';
import { goLabelSelector, goStringMap } from './workload.js';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_SUCCESS_POLICY_RULES = 20;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_MANAGED_BY_LENGTH = 63;

const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];

/** Go's %q of a []string: ["a" "b"]. */
const goQuotedList = (values: string[]): string => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;

/** A field.Invalid whose value Kubernetes omits (field.OmitValueType): "Invalid value: <detail>". */
const invalidOmitValue = (field: string, detail: string): FieldCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${detail}` });

const isIndexed = (spec: JobSpec): boolean => spec.completionMode === 'Indexed';
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * Kubernetes' validateIndexesFormat: "1,3-5,7" with increasing indexes below
 * completions. Returns the number of indexes, or the error text.
 */
export function validateIndexesFormat(indexes: string, completions: number): { total: number } | { error: string } {
  if (indexes.length === 0) return { total: 0 };
  let last: number | undefined;
  let total = 0;
  const atoi = (s: string): number | undefined => (/^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined);
  for (const interval of indexes.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) return { error: `the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'` };
    const x = atoi(limits[0]);
    if (x === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(limits[0])}` };
    if (x >= completions) return { error: `too large index: ${JSON.stringify(limits[0])}` };
    if (last !== undefined && last >= x) return { error: `non-increasing order, previous: ${last}, current: ${x}` };
    total++;
    last = x;
    if (limits.length > 1) {
      const y = atoi(limits[1]);
      if (y === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(limits[1])}` };
      if (y >= completions) return { error: `too large index: ${JSON.stringify(limits[1])}` };
      if (last >= y) return { error: `non-increasing order, previous: ${last}, current: ${y}` };
      total += y - x;
      last = y;
    }
  }
  return { total };
}

function containerNames(template: PodTemplateSpec | undefined): Set<string> {
  const spec = record<unknown>(record<unknown>(template).spec);
  const names = new Set<string>();
  for (const c of [...list<Container>(spec.containers), ...list<Container>(spec.initContainers)]) names.add(str(c?.name));
  return names;
}

function validateOnExitCodes(req: PodFailurePolicyOnExitCodesRequirement, path: string, names: Set<string>): FieldCause[] {
  const errs: FieldCause[] = [];
  const operatorPath = child(path, 'operator');
  const operator = str(req.operator);
  if (!operator) errs.push(required(operatorPath, `valid values: ${goQuotedList(OPERATORS)}`));
  else if (!OPERATORS.includes(operator)) errs.push(notSupported(operatorPath, req.operator, OPERATORS));
  if (isSet(req.containerName) && !names.has(str(req.containerName))) {
    errs.push(invalid(child(path, 'containerName'), req.containerName, 'must be one of the container or initContainer names in the pod template'));
  }
  const valuesPath = child(path, 'values');
  const values = list<number>(req.values);
  if (values.length === 0) {
    errs.push(invalid(valuesPath, req.values ?? null, 'at least one value is required'));
  } else if (values.length > MAX_ON_EXIT_CODES_VALUES) {
    errs.push(tooMany(valuesPath, values.length, MAX_ON_EXIT_CODES_VALUES));
  } else {
    let ordered = true;
    const seen = new Set<number>();
    values.forEach((v, j) => {
      const p = index(valuesPath, j);
      if (operator === 'In' && v === 0) errs.push(invalid(p, v, 'must not be 0 for the In operator'));
      if (seen.has(v)) errs.push(duplicate(p, v));
      else seen.add(v);
      if (j > 0 && values[j - 1] > v) ordered = false;
    });
    if (!ordered) errs.push(invalid(valuesPath, `[${values.join(' ')}]`, 'must be ordered'));
  }
  return errs;
}

function validateOnPodConditions(patterns: PodFailurePolicyOnPodConditionsPattern[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (patterns.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(tooMany(path, patterns.length, MAX_ON_POD_CONDITIONS_PATTERNS));
  patterns.forEach((pattern, j) => {
    const p = index(path, j);
    errs.push(...validateQualifiedName(str(pattern?.type), child(p, 'type')));
    const status = str(pattern?.status);
    if (!status) errs.push(required(child(p, 'status'), `valid values: ${goQuotedList(CONDITION_STATUSES)}`));
    else if (!CONDITION_STATUSES.includes(status)) errs.push(notSupported(child(p, 'status'), status, CONDITION_STATUSES));
  });
  return errs;
}

function validatePodFailurePolicyRule(spec: JobSpec, rule: PodFailurePolicyRule, path: string, names: Set<string>): FieldCause[] {
  const errs: FieldCause[] = [];
  const actionPath = child(path, 'action');
  const action = str(rule.action);
  if (!action) errs.push(required(actionPath, `valid values: ${goQuotedList(ACTIONS)}`));
  else if (action === 'FailIndex') {
    if (!isSet(spec.backoffLimitPerIndex)) errs.push(invalid(actionPath, action, 'requires the backoffLimitPerIndex to be set'));
  } else if (!ACTIONS.includes(action)) errs.push(notSupported(actionPath, action, ACTIONS));
  const hasExitCodes = isSet(rule.onExitCodes);
  const conditions = list<PodFailurePolicyOnPodConditionsPattern>(rule.onPodConditions);
  if (hasExitCodes) errs.push(...validateOnExitCodes(record<unknown>(rule.onExitCodes) as unknown as PodFailurePolicyOnExitCodesRequirement, child(path, 'onExitCodes'), names));
  if (conditions.length > 0) errs.push(...validateOnPodConditions(conditions, child(path, 'onPodConditions')));
  if (hasExitCodes && conditions.length > 0) errs.push(invalidOmitValue(path, 'specifying both OnExitCodes and OnPodConditions is not supported'));
  if (!hasExitCodes && conditions.length === 0) errs.push(invalidOmitValue(path, 'specifying one of OnExitCodes and OnPodConditions is required'));
  return errs;
}

function validatePodFailurePolicy(spec: JobSpec, path: string): FieldCause[] {
  const policy = record<unknown>(spec.podFailurePolicy) as unknown as PodFailurePolicy;
  const rules = list<PodFailurePolicyRule>(policy.rules);
  const errs: FieldCause[] = [];
  const rulesPath = child(path, 'rules');
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const names = containerNames(spec.template);
  rules.forEach((rule, i) => errs.push(...validatePodFailurePolicyRule(spec, record<unknown>(rule) as unknown as PodFailurePolicyRule, index(rulesPath, i), names)));
  return errs;
}

function validateSuccessPolicy(spec: JobSpec, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const policy = record<unknown>(spec.successPolicy) as unknown as SuccessPolicy;
  const rulesPath = child(path, 'rules');
  if (!isIndexed(spec)) errs.push(invalid(path, '', 'requires indexed completion mode'));
  const rules = list<Record<string, unknown>>(policy.rules);
  if (rules.length === 0) errs.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  const completions = typeof spec.completions === 'number' ? spec.completions : 0;
  rules.forEach((ruleIn, i) => {
    const rule = record<unknown>(ruleIn);
    const p = index(rulesPath, i);
    if (!isSet(rule.succeededIndexes) && !isSet(rule.succeededCount)) {
      errs.push(required(p, 'at least one of succeededCount or succeededIndexes must be specified'));
    }
    let total = 0;
    if (typeof rule.succeededIndexes === 'string') {
      const ip = child(p, 'succeededIndexes');
      if (rule.succeededIndexes.length > MAX_SUCCEEDED_INDEXES_LENGTH) errs.push(tooLong(ip, MAX_SUCCEEDED_INDEXES_LENGTH));
      const parsed = validateIndexesFormat(rule.succeededIndexes, completions);
      if ('error' in parsed) errs.push(invalid(ip, rule.succeededIndexes, `error parsing succeededIndexes: ${parsed.error}`));
      else total = parsed.total;
    }
    if (typeof rule.succeededCount === 'number') {
      const cp = child(p, 'succeededCount');
      const n = rule.succeededCount;
      if (n < 0) errs.push(invalid(cp, n, 'must be greater than or equal to 0'));
      if (n > completions) errs.push(invalid(cp, n, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (isSet(rule.succeededIndexes) && n > total) {
        errs.push(invalid(cp, n, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`));
      }
    }
  });
  return errs;
}

function validatePodReplacementPolicy(spec: JobSpec, path: string): FieldCause[] {
  if (!isSet(spec.podReplacementPolicy)) return [];
  const v = str(spec.podReplacementPolicy);
  if (isSet(spec.podFailurePolicy)) return v === 'Failed' ? [] : [notSupported(path, spec.podReplacementPolicy, ['Failed'])];
  return REPLACEMENT_POLICIES.includes(v) ? [] : [notSupported(path, spec.podReplacementPolicy, REPLACEMENT_POLICIES)];
}

/** Kubernetes' IsDomainPrefixedPath, for spec.managedBy ("kueue.x-k8s.io/manager"). */
function validateManagedBy(value: string, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const slash = value.indexOf('/');
  if (slash <= 0) errs.push(invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  else {
    for (const msg of isDNS1123Subdomain(value.slice(0, slash))) errs.push(invalid(path, value.slice(0, slash), msg));
    const rest = value.slice(slash + 1);
    if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(rest)) errs.push(invalid(path, rest, 'Invalid path'));
  }
  if (value.length > MAX_MANAGED_BY_LENGTH) errs.push(tooLong(path, MAX_MANAGED_BY_LENGTH));
  return errs;
}

/**
 * validateJobSpec: what a Job and a CronJob's job template share (counts, completion
 * mode, per-index backoff, pod failure and success policies, the pod template with a
 * restart policy of OnFailure or Never).
 */
export function validateJobSpecCommon(specIn: JobSpec | undefined, path: string): FieldCause[] {
  const spec = record<unknown>(specIn) as unknown as JobSpec;
  const errs: FieldCause[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex'] as const) {
    errs.push(...nonNegative(spec[f], child(path, f)));
  }
  if (isSet(spec.maxFailedIndexes)) {
    errs.push(...nonNegative(spec.maxFailedIndexes, child(path, 'maxFailedIndexes')));
    if (!isSet(spec.backoffLimitPerIndex)) errs.push(required(child(path, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (isSet(spec.managedBy)) errs.push(...validateManagedBy(str(spec.managedBy), child(path, 'managedBy')));
  if (isSet(spec.completionMode)) {
    const mode = str(spec.completionMode);
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(child(path, 'completionMode'), spec.completionMode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (!isSet(spec.completions)) errs.push(required(child(path, 'completions'), 'when completion mode is Indexed'));
      if (typeof spec.parallelism === 'number' && spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(invalid(child(path, 'parallelism'), spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      }
      if (typeof spec.completions === 'number' && typeof spec.maxFailedIndexes === 'number' && spec.maxFailedIndexes > spec.completions) {
        errs.push(invalid(child(path, 'maxFailedIndexes'), spec.maxFailedIndexes, 'must be less than or equal to completions'));
      }
      if (typeof spec.maxFailedIndexes === 'number' && spec.maxFailedIndexes > MAX_FAILED_INDEXES_LIMIT_FOR_INDEXED_JOB) {
        errs.push(invalid(child(path, 'maxFailedIndexes'), spec.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_INDEXED_JOB}`));
      }
      if (typeof spec.completions === 'number' && spec.completions > COMPLETIONS_SOFT_LIMIT && isSet(spec.backoffLimitPerIndex)) {
        if (typeof spec.maxFailedIndexes !== 'number') {
          errs.push(required(child(path, 'maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        } else if (spec.maxFailedIndexes > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(invalid(child(path, 'maxFailedIndexes'), spec.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} when completions more than ${COMPLETIONS_SOFT_LIMIT}`));
        }
        if (typeof spec.parallelism === 'number' && spec.parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(invalid(child(path, 'parallelism'), spec.parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT}`));
        }
      }
    }
  }
  if (!isIndexed(spec)) {
    if (isSet(spec.backoffLimitPerIndex)) errs.push(invalid(child(path, 'backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (isSet(spec.maxFailedIndexes)) errs.push(invalid(child(path, 'maxFailedIndexes'), spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (isSet(spec.podFailurePolicy)) errs.push(...validatePodFailurePolicy(spec, child(path, 'podFailurePolicy')));
  if (isSet(spec.successPolicy)) errs.push(...validateSuccessPolicy(spec, child(path, 'successPolicy')));
  errs.push(...validatePodReplacementPolicy(spec, child(path, 'podReplacementPolicy')));
  const tPath = child(path, 'template');
  errs.push(...validatePodTemplateSpec(spec.template, tPath));
  const restartPolicy = str(record<unknown>(record<unknown>(spec.template).spec).restartPolicy);
  const rpPath = child(tPath, 'spec', 'restartPolicy');
  // The pod spec defaults restartPolicy to Always when unset, so both mean "not chosen".
  if (restartPolicy === 'Always' || restartPolicy === '') {
    errs.push(required(rpPath, 'valid values: "OnFailure", "Never"'));
  } else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    errs.push(notSupported(rpPath, restartPolicy, ['OnFailure', 'Never']));
  } else if (isSet(spec.podFailurePolicy) && restartPolicy !== 'Never') {
    errs.push(invalid(rpPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

/** ValidateJobSpec: the shared rules, a valid selector, and template labels it matches. */
function validateJobSpec(spec: JobSpec, path: string): FieldCause[] {
  const errs = validateJobSpecCommon(spec, path);
  const selPath = child(path, 'selector');
  if (!isSet(spec.selector)) errs.push(required(selPath));
  else errs.push(...validateLabelSelector(spec.selector, selPath));
  let matcher;
  try {
    matcher = selectorFromLabelSelector(spec.selector);
  } catch {
    return errs;
  }
  const labels = record<unknown>(record<unknown>(spec.template).metadata).labels as Record<string, string> | undefined;
  if (isSet(spec.selector) && !matcher.matches(labels ?? {})) {
    errs.push(invalid(child(path, 'template', 'metadata', 'labels'), goStringMap(labels), '`selector` does not match template `labels`'));
  }
  return errs;
}

/** ValidateHasLabel: the template carries key=expected. */
function validateHasLabel(labels: Record<string, string> | undefined, path: string, key: string, expected: string): FieldCause[] {
  const p = `${child(path, 'labels')}[${key}]`;
  if (!labels || !(key in labels)) return [required(p, expected)];
  return labels[key] === expected ? [] : [invalid(p, goStringMap(labels), `must be '${expected}'`)];
}

/**
 * ValidateGeneratedSelector: unless manualSelector, the template carries the
 * controller-uid and job-name labels (prefixed too when requirePrefixed) and the
 * selector selects them.
 */
function validateGeneratedSelector(job: Job, spec: JobSpec, requirePrefixed: boolean): FieldCause[] {
  if (spec.manualSelector === true || !isSet(spec.selector)) return [];
  const errs: FieldCause[] = [];
  const uid = str(job.metadata?.uid);
  const name = str(job.metadata?.name);
  if (!uid) errs.push(required('metadata.uid'));
  const tPath = 'spec.template.metadata';
  const labels = record<unknown>(record<unknown>(spec.template).metadata).labels as Record<string, string> | undefined;
  errs.push(...validateHasLabel(labels, tPath, LEGACY_CONTROLLER_UID_LABEL, uid));
  errs.push(...validateHasLabel(labels, tPath, LEGACY_JOB_NAME_LABEL, name));
  const expected: Record<string, string> = {};
  if (requirePrefixed) {
    errs.push(...validateHasLabel(labels, tPath, CONTROLLER_UID_LABEL, uid));
    errs.push(...validateHasLabel(labels, tPath, JOB_NAME_LABEL, name));
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  try {
    if (!selectorFromLabelSelector(spec.selector).matches(expected)) {
      errs.push(invalid('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
    }
  } catch {
    // An unparsable selector is reported by validateLabelSelector.
  }
  return errs;
}

const specOf = (job: Job): JobSpec => record<unknown>(job.spec) as unknown as JobSpec;

function validateJob(job: Job, requirePrefixed: boolean): FieldCause[] {
  const spec = specOf(job);
  const errs = [
    ...validateObjectMeta(job.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }),
    ...validateGeneratedSelector(job, spec, requirePrefixed),
    ...validateJobSpec(spec, 'spec'),
  ];
  const name = str(job.metadata?.name);
  if (isIndexed(spec) && typeof spec.completions === 'number' && spec.completions > 0 && name) {
    // The controller names an Indexed Job's pods' hostnames <job>-<index>.
    const maxHostname = `${name}-${spec.completions - 1}`;
    if (isDNS1123Label(maxHostname).length > 0) {
      errs.push(invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${maxHostname}`));
    }
  }
  return errs;
}

/** A Job being created (its selector generated already, unless manualSelector). */
export function validateJobCreate(job: Job): FieldCause[] {
  return validateJob(job, true);
}

/**
 * The pod template may change only in its scheduling directives, and only while the
 * Job is suspended and never started (validatePodTemplateUpdate).
 */
function validateTemplateUpdate(spec: JobSpec, old: JobSpec, oldStatus: JobStatus | undefined): FieldCause[] {
  const template = record<unknown>(spec.template);
  let oldTemplate = record<unknown>(old.template);
  if (old.suspend === true && !isSet(oldStatus?.startTime)) {
    const t = structuredClone(oldTemplate) as Record<string, Record<string, unknown>>;
    const newSpec = record<unknown>(template.spec);
    const oldSpec = (t.spec ??= {});
    const newAffinity = record<unknown>(newSpec.affinity);
    if (!isSet(newSpec.affinity) && isSet(oldSpec.affinity)) {
      const a = { ...record<unknown>(oldSpec.affinity) };
      delete a.nodeAffinity;
      if (Object.keys(a).length === 0) delete oldSpec.affinity;
      else oldSpec.affinity = a;
    } else if (isSet(newSpec.affinity) && !isSet(oldSpec.affinity)) {
      oldSpec.affinity = isSet(newAffinity.nodeAffinity) ? { nodeAffinity: newAffinity.nodeAffinity } : {};
    } else if (isSet(newSpec.affinity)) {
      const a = { ...record<unknown>(oldSpec.affinity) };
      if (isSet(newAffinity.nodeAffinity)) a.nodeAffinity = newAffinity.nodeAffinity;
      else delete a.nodeAffinity;
      oldSpec.affinity = a;
    }
    for (const f of ['nodeSelector', 'tolerations', 'schedulingGates']) {
      if (isSet(newSpec[f])) oldSpec[f] = newSpec[f];
      else delete oldSpec[f];
    }
    const meta = { ...record<unknown>(t.metadata) };
    const newMeta = record<unknown>(template.metadata);
    for (const f of ['annotations', 'labels']) {
      if (isSet(newMeta[f])) meta[f] = newMeta[f];
      else delete meta[f];
    }
    t.metadata = meta;
    oldTemplate = t;
  }
  return jsonEqual(template, oldTemplate) ? [] : [invalid('spec.template', template, FIELD_IMMUTABLE)];
}

/** Completions may change only for an Indexed Job, and only together with parallelism (elastic Indexed Jobs). */
function validateCompletionsUpdate(spec: JobSpec, old: JobSpec): FieldCause[] {
  if (!isIndexed(spec)) return validateImmutable(spec.completions, old.completions, 'spec.completions');
  if (jsonEqual(spec.completions ?? null, old.completions ?? null) || !isSet(spec.completions)) return [];
  return spec.completions !== spec.parallelism ? [invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism')] : [];
}

/**
 * A Job being updated: the create rules (prefixed labels required only when the old
 * template had them) and the immutable fields: selector, template (but for scheduling
 * directives of a suspended, never started Job), completions, completionMode,
 * podFailurePolicy, backoffLimitPerIndex, managedBy, successPolicy.
 */
export function validateJobUpdate(job: Job, old: Job): FieldCause[] {
  const spec = specOf(job);
  const oldSpec = specOf(old);
  const oldLabels = record<unknown>(record<unknown>(oldSpec.template).metadata).labels as Record<string, string> | undefined;
  const requirePrefixed = !!oldLabels && JOB_NAME_LABEL in oldLabels && CONTROLLER_UID_LABEL in oldLabels;
  return [
    ...validateJob(job, requirePrefixed),
    ...validateObjectMetaUpdate(job.metadata, old.metadata),
    ...validateCompletionsUpdate(spec, oldSpec),
    ...(jsonEqual(spec.selector ?? null, oldSpec.selector ?? null) ? [] : [invalid('spec.selector', goLabelSelector(spec.selector as LabelSelector | undefined), FIELD_IMMUTABLE)]),
    ...validateTemplateUpdate(spec, oldSpec, old.status),
    ...validateImmutable(spec.completionMode, oldSpec.completionMode, 'spec.completionMode'),
    ...validateImmutable(spec.podFailurePolicy, oldSpec.podFailurePolicy, 'spec.podFailurePolicy'),
    ...validateImmutable(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, 'spec.backoffLimitPerIndex'),
    ...validateImmutable(spec.managedBy, oldSpec.managedBy, 'spec.managedBy'),
    ...validateImmutable(spec.successPolicy, oldSpec.successPolicy, 'spec.successPolicy'),
  ];
}

/** A Job's status written through jobs/status: counters never negative, indexes well formed. */
export function validateJobStatus(job: Job): FieldCause[] {
  const status = record<unknown>(job.status) as JobStatus;
  const errs: FieldCause[] = [];
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating'] as const) errs.push(...nonNegative(status[f], child('status', f)));
  const spec = specOf(job);
  if (isIndexed(spec) && typeof spec.completions === 'number') {
    for (const f of ['completedIndexes', 'failedIndexes'] as const) {
      const v = status[f];
      if (typeof v !== 'string') continue;
      const parsed = validateIndexesFormat(v, spec.completions);
      if ('error' in parsed) errs.push(invalid(child('status', f), v, `error parsing ${f}: ${parsed.error}`));
    }
  }
  return errs;
}

/** ValidateJobTemplateSpec: a CronJob's job template, whose selector is always generated. */
export function validateJobTemplateSpec(template: Record<string, unknown>, path: string): FieldCause[] {
  const specPath = child(path, 'spec');
  const spec = record<unknown>(template.spec) as unknown as JobSpec;
  const errs = validateJobSpecCommon(spec, specPath);
  if (isSet(spec.selector)) errs.push(invalid(child(specPath, 'selector'), goLabelSelector(spec.selector), '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(notSupported(child(specPath, 'manualSelector'), true, ['nil', 'false']));
  return errs;
}
