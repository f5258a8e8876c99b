// The audit policy (audit.k8s.io/v1 Policy, kube-apiserver's --audit-policy-file):
// loading and validating the file, and deciding the level of each request. The rules
// are those of Kubernetes' pkg/audit/policy (reader.go, checker.go) and
// apis/audit/validation: the first matching rule wins, no match is None, and a rule
// matches when every field it sets matches (an empty list matches everything).
import type { RequestAttributes } from '../authz/request-attributes.js';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { FieldCause } from '../../api/validation/field.js';
import { child, index, invalid, notSupported, required } from '../../api/validation/field.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';

/** How much of a request is recorded (audit.k8s.io/v1 Level), least first. */
export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export const LEVELS: readonly Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];

/** When in the handling of a request an event is written (audit.k8s.io/v1 Stage). */
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';
export const STAGES: readonly Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

/** True when level a records at least what level b records. */
export const levelAtLeast = (a: Level, b: Level): boolean => LEVELS.indexOf(a) >= LEVELS.indexOf(b);

export interface GroupResources {
  /** The API group; "" (or absent) is the core group. */
  group?: string;
  /** "pods", "pods/log" (a subresource), "*" (everything), "pods/*", "*\/scale". Empty: all. */
  resources?: string[];
  /** Object names; needs resources. Empty: every name. */
  resourceNames?: string[];
}

export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  /** "" matches cluster-scoped resources. */
  namespaces?: string[];
  /** Exact paths, "*", or a prefix ending in "*" ("/healthz*"). */
  nonResourceURLs?: string[];
  omitStages?: Stage[];
  /** Overrides Policy.omitManagedFields when set. */
  omitManagedFields?: boolean;
}

export interface Policy {
  apiVersion: 'audit.k8s.io/v1';
  kind: 'Policy';
  metadata?: Record<string, unknown>;
  rules: PolicyRule[];
  /** Stages never written, whatever rule matched (unioned with each rule's). */
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

/** What the policy is asked about: the request's authorizer attributes. */
export type AuditAttributes = RequestAttributes;

/** How one request is audited (Kubernetes' RequestAuditConfig). */
export interface RequestAuditConfig {
  level: Level;
  omitStages: Stage[];
  omitManagedFields: boolean;
}

/**
 * The policy kube-apiserver uses here when --audit-log-path is given without
 * --audit-policy-file (Kubernetes itself then writes no events at all). It follows the
 * example policies of the Kubernetes "Auditing" page and GCE's configure-helper.sh
 * (create-master-audit-policy): no RequestReceived events (a ResponseComplete follows
 * each), nothing for health checks, /version and kube-proxy's watches; Secrets,
 * ConfigMaps, TokenReviews and TokenRequests at Metadata only, because their bodies
 * hold secret or bulky data; the body of every other write (Request); the metadata of
 * everything else.
 */
export const DEFAULT_POLICY: Policy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'None', nonResourceURLs: ['/healthz*', '/livez*', '/readyz*', '/version'] },
    {
      level: 'None', users: ['system:kube-proxy'], verbs: ['watch'],
      resources: [{ group: '', resources: ['endpoints', 'services', 'services/status'] }, { group: 'discovery.k8s.io', resources: ['endpointslices'] }],
    },
    {
      level: 'Metadata',
      resources: [{ group: '', resources: ['secrets', 'configmaps', 'serviceaccounts/token'] }, { group: 'authentication.k8s.io', resources: ['tokenreviews'] }],
    },
    { level: 'Request', verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] },
    { level: 'Metadata' },
  ],
};

/** A policy file that does not load: the message names the file and every problem. */
export class PolicyError extends Error {
  constructor(message: string, readonly problems: string[] = []) {
    super(message);
    this.name = 'PolicyError';
  }
}

/** A loaded policy and the fields it set that Kubernetes does not know (ignored, as Kubernetes does). */
export interface LoadedPolicy {
  policy: Policy;
  unknownFields: string[];
}

/** Reads and validates a policy file (YAML or JSON). Throws a PolicyError. */
export async function loadPolicyFile(file: string): Promise<LoadedPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PolicyError(`loading audit policy file: failed to read file path ${JSON.stringify(file)}: ${(err as Error).message}`);
  }
  try {
    return parsePolicy(text);
  } catch (err) {
    const e = err as PolicyError;
    throw new PolicyError(`loading audit policy file: ${e.message}: from file ${file}`, e.problems);
  }
}

/** Parses and validates a policy document (YAML or JSON). Throws a PolicyError. */
export function parsePolicy(text: string): LoadedPolicy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new PolicyError(`failed decoding: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new PolicyError('failed decoding: the policy must be an object with apiVersion, kind and rules');
  if (doc.apiVersion === undefined || doc.kind === undefined) {
    throw new PolicyError("failed decoding: the policy must set apiVersion (audit.k8s.io/v1) and kind (Policy)");
  }
  if (doc.apiVersion !== 'audit.k8s.io/v1') {
    throw new PolicyError(`unknown group version field ${JSON.stringify(doc.apiVersion)} in policy: only audit.k8s.io/v1 is served`);
  }
  if (doc.kind !== 'Policy') throw new PolicyError(`failed decoding: kind is ${JSON.stringify(doc.kind)}, not Policy`);

  const unknownFields: string[] = [];
  const problems: FieldCause[] = [];
  unknownKeys(doc, ['apiVersion', 'kind', 'metadata', 'rules', 'omitStages', 'omitManagedFields'], '', unknownFields);
  if (doc.rules !== undefined && doc.rules !== null && !Array.isArray(doc.rules)) problems.push(invalid('rules', doc.rules, 'must be a list of rules'));
  const rules = Array.isArray(doc.rules) ? doc.rules : [];
  rules.forEach((rule, i) => problems.push(...validateRule(rule, index('rules', i), unknownFields)));
  problems.push(...validateStages(doc.omitStages, 'omitStages'));
  problems.push(...validateBool(doc.omitManagedFields, 'omitManagedFields'));
  if (problems.length) {
    const lines = problems.map((p) => `${p.field}: ${p.message}`);
    throw new PolicyError(lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`, lines);
  }
  if (rules.length === 0) throw new PolicyError('loaded illegal policy with 0 rules');
  return { policy: doc as unknown as Policy, unknownFields };
}

function validateRule(rule: unknown, path: string, unknownFields: string[]): FieldCause[] {
  if (!isObject(rule)) return [invalid(path, rule, 'must be an object')];
  const errs: FieldCause[] = [];
  unknownKeys(rule, ['level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields'], path, unknownFields);
  const level = rule.level;
  if (level === undefined || level === null || level === '') errs.push(required(child(path, 'level')));
  else if (!LEVELS.includes(level as Level)) errs.push(notSupported(child(path, 'level'), level, LEVELS));
  for (const f of ['users', 'userGroups', 'verbs', 'namespaces'] as const) errs.push(...validateStrings(rule[f], child(path, f)));

  const urlsPath = child(path, 'nonResourceURLs');
  errs.push(...validateStrings(rule.nonResourceURLs, urlsPath));
  const urls = stringsOf(rule.nonResourceURLs);
  urls.forEach((url, i) => {
    if (url === '*') return;
    if (!url.startsWith('/')) errs.push(invalid(index(urlsPath, i), url, "non-resource URL rules must begin with a '/' character"));
    if (url !== '' && url.slice(0, -1).includes('*')) errs.push(invalid(index(urlsPath, i), url, "non-resource URL wildcards '*' must be the final character of the rule"));
  });

  const resPath = child(path, 'resources');
  if (rule.resources !== undefined && rule.resources !== null && !Array.isArray(rule.resources)) errs.push(invalid(resPath, rule.resources, 'must be a list of {group, resources, resourceNames}'));
  const resources = Array.isArray(rule.resources) ? rule.resources : [];
  resources.forEach((gr, i) => {
    const grPath = index(resPath, i);
    if (!isObject(gr)) {
      errs.push(invalid(grPath, gr, 'must be an object'));
      return;
    }
    unknownKeys(gr, ['group', 'resources', 'resourceNames'], grPath, unknownFields);
    if (gr.group !== undefined && gr.group !== null && typeof gr.group !== 'string') errs.push(invalid(child(grPath, 'group'), gr.group, 'must be a string'));
    else if (gr.group) {
      // "rbac.authorization.k8s.io/v1" is the usual mistake: a group, not a group/version.
      const msgs = isDNS1123Subdomain(gr.group);
      if (msgs.length) errs.push(invalid(child(grPath, 'group'), gr.group, msgs.join(',')));
    }
    errs.push(...validateStrings(gr.resources, child(grPath, 'resources')));
    errs.push(...validateStrings(gr.resourceNames, child(grPath, 'resourceNames')));
    if (stringsOf(gr.resourceNames).length > 0 && stringsOf(gr.resources).length === 0) {
      errs.push(invalid(child(grPath, 'resourceNames'), gr.resourceNames, 'using resourceNames requires at least one resource'));
    }
  });

  if (urls.length > 0 && (resources.length > 0 || stringsOf(rule.namespaces).length > 0)) {
    errs.push(invalid(urlsPath, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
  }
  errs.push(...validateStages(rule.omitStages, child(path, 'omitStages')));
  errs.push(...validateBool(rule.omitManagedFields, child(path, 'omitManagedFields')));
  return errs;
}

function validateStages(value: unknown, path: string): FieldCause[] {
  const errs = validateStrings(value, path);
  stringsOf(value).forEach((stage, i) => {
    if (!STAGES.includes(stage as Stage)) errs.push(invalid(index(path, i), stage, `allowed stages are ${STAGES.join(',')}`));
  });
  return errs;
}

function validateStrings(value: unknown, path: string): FieldCause[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [invalid(path, value, 'must be a list of strings')];
  return value.flatMap((v, i) => (typeof v === 'string' ? [] : [invalid(index(path, i), v, 'must be a string')]));
}

function validateBool(value: unknown, path: string): FieldCause[] {
  return value === undefined || value === null || typeof value === 'boolean' ? [] : [invalid(path, value, 'must be true or false')];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const stringsOf = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

function unknownKeys(obj: Record<string, unknown>, known: string[], path: string, out: string[]): void {
  for (const k of Object.keys(obj)) if (!known.includes(k)) out.push(child(path, k));
}

/**
 * Decides how requests are audited under one policy (Kubernetes' policy.Checker).
 * Built once from a validated policy; levelFor is called for every request.
 */
export class PolicyChecker {
  private readonly rules: { rule: PolicyRule; config: RequestAuditConfig }[];
  private readonly noMatch: RequestAuditConfig;

  constructor(policy: Policy) {
    const policyStages = policy.omitStages ?? [];
    this.rules = policy.rules.map((rule) => ({
      rule,
      config: {
        level: rule.level,
        omitStages: [...new Set([...policyStages, ...(rule.omitStages ?? [])])],
        omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false,
      },
    }));
    this.noMatch = { level: 'None', omitStages: [...policyStages], omitManagedFields: false };
  }

  /** The first matching rule's level and options; None when no rule matches. */
  levelFor(attrs: AuditAttributes): RequestAuditConfig {
    for (const { rule, config } of this.rules) if (ruleMatches(rule, attrs)) return config;
    return this.noMatch;
  }
}

/** Whether one rule matches the request: every field the rule sets must match. */
export function ruleMatches(rule: PolicyRule, attrs: AuditAttributes): boolean {
  if (rule.users?.length && !rule.users.includes(attrs.user.name)) return false;
  if (rule.userGroups?.length && !attrs.user.groups.some((g) => rule.userGroups?.includes(g))) return false;
  if (rule.verbs?.length && !rule.verbs.includes(attrs.verb)) return false;
  if (rule.namespaces?.length || rule.resources?.length) return resourceMatches(rule, attrs);
  if (rule.nonResourceURLs?.length) return !attrs.resourceRequest && rule.nonResourceURLs.some((spec) => pathMatches(attrs.path, spec));
  return true;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function resourceMatches(rule: PolicyRule, attrs: AuditAttributes): boolean {
  if (!attrs.resourceRequest) return false;
  if (rule.namespaces?.length && !rule.namespaces.includes(attrs.namespace ?? '')) return false;
  if (!rule.resources?.length) return true;
  const resource = attrs.resource ?? '';
  const sub = attrs.subresource ?? '';
  // A rule names a subresource as "resource/subresource": "pods" does not match pods/log.
  const combined = sub ? `${resource}/${sub}` : resource;
  const group = attrs.apiGroup ?? '';
  const name = attrs.name ?? '';
  for (const gr of rule.resources) {
    if ((gr.group ?? '') !== group) continue;
    if (!gr.resources?.length) return true;
    if (gr.resourceNames?.length && !gr.resourceNames.includes(name)) continue;
    for (const res of gr.resources) {
      if (res === '*' || res === combined) return true;
      if (sub && res.startsWith('*/') && res.slice(2) === sub) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === resource) return true;
    }
  }
  return false;
}
