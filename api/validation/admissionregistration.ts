// ValidatingWebhookConfiguration and MutatingWebhookConfiguration (admissionregistration's
// ValidateValidatingWebhookConfiguration, ValidateMutatingWebhookConfiguration and their
// Update forms), with Kubernetes' messages. An update is held to the rules the stored
// object already met (side effects, review versions, unique names), as Kubernetes
// relaxes them for objects written by older servers.
import { CompileError, MATCH_CONDITION_ENV, POLICY_ENV } from '../cel/admission.js';
import type { CelEnvironment } from '../cel/env.js';
import { goQuote } from '../errors.js';
import type {
  MatchCondition, MatchResources, MutatingWebhook, MutatingWebhookConfiguration, NamedRuleWithOperations, RuleWithOperations, ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding, ValidatingAdmissionPolicyBindingSpec, ValidatingAdmissionPolicySpec, ValidatingWebhookConfiguration, Validation, Variable,
  WebhookCommon,
} from '../types/admissionregistration.js';
import type { KubeObject, LabelSelector } from '../types/meta.js';
import {
  type FieldCause, Raw, child, duplicate, forbidden, index, invalid, list, notSupported, record, required, str, tooMany,
} from './field.js';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './meta.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidPathSegmentName, isValidPortNum, nameIsDNSSubdomain } from './names.js';

type Configuration = ValidatingWebhookConfiguration | MutatingWebhookConfiguration;

interface Options {
  requireNoSideEffects: boolean;
  requireRecognizedAdmissionReviewVersion: boolean;
  requireUniqueWebhookNames: boolean;
}

const STRICT: Options = { requireNoSideEffects: true, requireRecognizedAdmissionReviewVersion: true, requireUniqueWebhookNames: true };

const ACCEPTED_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const SIDE_EFFECTS = ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
const NO_SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];

/** Go's %#v of a []T of string kind: []admissionregistration.OperationType{"*", "CREATE"}. */
const goSlice = (type: string, values: unknown[]): Raw => new Raw(`[]${type}{${values.map((v) => goQuote(str(v))).join(', ')}}`);

export function validateWebhookConfigurationCreate(cfg: Configuration): FieldCause[] {
  return validateConfiguration(cfg, STRICT, validateObjectMeta(cfg.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain }));
}

export function validateWebhookConfigurationUpdate(cfg: Configuration, old: Configuration): FieldCause[] {
  const hooks = list<WebhookCommon>(old.webhooks).map((h) => record<unknown>(h) as unknown as WebhookCommon);
  const names = hooks.map((h) => h.name);
  const opts: Options = {
    requireNoSideEffects: hooks.every((h) => NO_SIDE_EFFECTS.includes(str(h.sideEffects))),
    requireRecognizedAdmissionReviewVersion: hooks.every((h) => {
      const versions = list<string>(h.admissionReviewVersions);
      return versions.length === 0 || versions.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(v));
    }),
    requireUniqueWebhookNames: new Set(names).size === names.length,
  };
  return validateConfiguration(cfg, opts, validateObjectMetaUpdate(cfg.metadata, old.metadata));
}

function validateConfiguration(cfg: Configuration, opts: Options, errs: FieldCause[]): FieldCause[] {
  const mutating = (cfg as KubeObject).kind === 'MutatingWebhookConfiguration';
  const seen = new Set<string>();
  list<WebhookCommon>(cfg.webhooks).forEach((raw, i) => {
    const hook = record<unknown>(raw) as unknown as WebhookCommon;
    const p = index('webhooks', i);
    errs.push(...validateWebhook(hook, mutating, opts, p));
    errs.push(...validateAdmissionReviewVersions(hook.admissionReviewVersions, opts.requireRecognizedAdmissionReviewVersion, child(p, 'admissionReviewVersions')));
    const name = str(hook.name);
    if (opts.requireUniqueWebhookNames && name) {
      if (seen.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else seen.add(name);
    }
  });
  return errs;
}

/** utilvalidation.IsFullyQualifiedName: a DNS subdomain of at least three segments. */
function validateFullyQualifiedName(name: string, path: string): FieldCause[] {
  if (!name) return [required(path)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length) return [invalid(path, name, errs.join(','))];
  if (name.split('.').length < 3) return [invalid(path, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

function validateWebhook(hook: WebhookCommon, mutating: boolean, opts: Options, path: string): FieldCause[] {
  const errs = validateFullyQualifiedName(str(hook.name), child(path, 'name'));
  list<RuleWithOperations>(hook.rules).forEach((rule, i) => errs.push(...validateRuleWithOperations(record<unknown>(rule) as RuleWithOperations, index(child(path, 'rules'), i))));
  if (hook.failurePolicy !== undefined && !FAILURE_POLICIES.includes(str(hook.failurePolicy))) {
    errs.push(notSupported(child(path, 'failurePolicy'), hook.failurePolicy, FAILURE_POLICIES));
  }
  if (hook.matchPolicy !== undefined && !MATCH_POLICIES.includes(str(hook.matchPolicy))) {
    errs.push(notSupported(child(path, 'matchPolicy'), hook.matchPolicy, MATCH_POLICIES));
  }
  const allowed = opts.requireNoSideEffects ? NO_SIDE_EFFECTS : SIDE_EFFECTS;
  if (hook.sideEffects === undefined || hook.sideEffects === null) {
    errs.push(required(child(path, 'sideEffects'), `must specify one of ${allowed.join(', ')}`));
  } else if (!allowed.includes(str(hook.sideEffects))) {
    errs.push(notSupported(child(path, 'sideEffects'), hook.sideEffects, allowed));
  }
  const timeout = hook.timeoutSeconds;
  if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || timeout > 30 || timeout < 1)) {
    errs.push(invalid(child(path, 'timeoutSeconds'), timeout, 'the timeout value must be between 1 and 30 seconds'));
  }
  if (hook.namespaceSelector) errs.push(...validateLabelSelector(hook.namespaceSelector, child(path, 'namespaceSelector')));
  if (hook.objectSelector) errs.push(...validateLabelSelector(hook.objectSelector, child(path, 'objectSelector')));
  const reinvocation = (hook as MutatingWebhook).reinvocationPolicy;
  if (mutating && reinvocation !== undefined && !REINVOCATION_POLICIES.includes(str(reinvocation))) {
    errs.push(notSupported(child(path, 'reinvocationPolicy'), reinvocation, REINVOCATION_POLICIES));
  }
  const cc = record<unknown>(hook.clientConfig);
  const hasUrl = cc.url !== undefined && cc.url !== null;
  const hasService = cc.service !== undefined && cc.service !== null;
  if (hasUrl === hasService) errs.push(required(child(path, 'clientConfig'), 'exactly one of url or service is required'));
  else if (hasUrl) errs.push(...validateWebhookURL(str(cc.url), child(path, 'clientConfig', 'url')));
  else errs.push(...validateWebhookService(record<unknown>(cc.service), child(path, 'clientConfig', 'service')));
  errs.push(...validateMatchConditions(list<MatchCondition>(hook.matchConditions), child(path, 'matchConditions')));
  return errs;
}

function validateAdmissionReviewVersions(versions: unknown, requireRecognized: boolean, path: string): FieldCause[] {
  const all = list<string>(versions);
  if (all.length < 1) return [required(path, `must specify one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`)];
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  all.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(invalid(index(path, i), v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const msg of isDNS1035Label(str(v))) errs.push(invalid(index(path, i), v, msg));
  });
  if (requireRecognized && !all.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(v))) {
    errs.push(invalid(path, goSlice('string', all), `must include at least one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`));
  }
  return errs;
}

function validateRuleWithOperations(rule: RuleWithOperations, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const ops = list<string>(rule.operations);
  if (ops.length === 0) errs.push(required(child(path, 'operations')));
  if (ops.length > 1 && ops.includes('*')) {
    errs.push(invalid(child(path, 'operations'), goSlice('admissionregistration.OperationType', ops), "if '*' is present, must not specify other operations"));
  }
  ops.forEach((op, i) => { if (!OPERATIONS.includes(op)) errs.push(notSupported(index(child(path, 'operations'), i), op, OPERATIONS)); });
  const groups = list<string>(rule.apiGroups);
  if (groups.length === 0) errs.push(required(child(path, 'apiGroups')));
  if (groups.length > 1 && groups.includes('*')) errs.push(invalid(child(path, 'apiGroups'), goSlice('string', groups), "if '*' is present, must not specify other API groups"));
  const versions = list<string>(rule.apiVersions);
  if (versions.length === 0) errs.push(required(child(path, 'apiVersions')));
  if (versions.length > 1 && versions.includes('*')) errs.push(invalid(child(path, 'apiVersions'), goSlice('string', versions), "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => { if (v === '') errs.push(required(index(child(path, 'apiVersions'), i))); });
  errs.push(...validateResources(list<string>(rule.resources), child(path, 'resources')));
  if (rule.scope !== undefined && rule.scope !== null && !SCOPES.includes(str(rule.scope))) errs.push(notSupported(child(path, 'scope'), rule.scope, SCOPES));
  return errs;
}

/** Resources with subresources: "x", "x/y", "*", "x/*", "*\/y", "*\/*", and which may not go together. */
function validateResources(resources: string[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (resources.length === 0) errs.push(required(path));
  const withWildcardSub = new Set<string>();
  const subWithWildcardRes = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let withoutSub = false;
  resources.forEach((resSub, i) => {
    if (resSub === '' || typeof resSub !== 'string') {
      errs.push(required(index(path, i)));
      return;
    }
    if (resSub === '*/*') doubleWildcard = true;
    if (resSub === '*') singleWildcard = true;
    const slash = resSub.indexOf('/');
    if (slash < 0) {
      withoutSub = resSub !== '*';
      return;
    }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (withWildcardSub.has(res)) errs.push(invalid(index(path, i), resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (subWithWildcardRes.has(sub)) errs.push(invalid(index(path, i), resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === '*') withWildcardSub.add(res);
    if (res === '*') subWithWildcardRes.add(sub);
  });
  if (resources.length > 1 && doubleWildcard) errs.push(invalid(path, goSlice('string', resources), "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && withoutSub) errs.push(invalid(path, goSlice('string', resources), "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

/** The parts of a URL that webhook validation looks at, split as Go's url.Parse splits them. */
export interface ParsedURL { scheme: string; user?: string; host: string; path: string; query: string; fragment: string }

export function parseURL(url: string): ParsedURL {
  let rest = url;
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) { fragment = rest.slice(hash + 1); rest = rest.slice(0, hash); }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(rest);
  const scheme = m ? m[1].toLowerCase() : '';
  rest = m ? m[2] : rest;
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) { query = rest.slice(q + 1); rest = rest.slice(0, q); }
  let host = '';
  let user: string | undefined;
  if (rest.startsWith('//')) {
    rest = rest.slice(2);
    const slash = rest.indexOf('/');
    let authority = slash >= 0 ? rest.slice(0, slash) : rest;
    rest = slash >= 0 ? rest.slice(slash) : '';
    const at = authority.lastIndexOf('@');
    if (at >= 0) { user = authority.slice(0, at); authority = authority.slice(at + 1); }
    host = authority;
  }
  return { scheme, user, host, path: rest, query, fragment };
}

/** webhook.ValidateWebhookURL with forceHttps. */
export function validateWebhookURL(url: string, path: string): FieldCause[] {
  const form = '; desired format: https://host[/path]';
  const u = parseURL(url);
  const errs: FieldCause[] = [];
  if (u.scheme !== 'https') errs.push(invalid(path, u.scheme, `'https' is the only allowed URL scheme${form}`));
  if (!u.host) errs.push(invalid(path, u.host, `host must be provided${form}`));
  if (u.user !== undefined) errs.push(invalid(path, u.user, 'user information is not permitted in the URL'));
  if (u.fragment) errs.push(invalid(path, u.fragment, 'fragments are not permitted in the URL'));
  if (u.query) errs.push(invalid(path, u.query, 'query parameters are not permitted in the URL'));
  return errs;
}

/** webhook.ValidateWebhookService. */
function validateWebhookService(svc: Record<string, unknown>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!str(svc.name)) errs.push(required(child(path, 'name'), 'service name is required'));
  if (!str(svc.namespace)) errs.push(required(child(path, 'namespace'), 'service namespace is required'));
  const port = svc.port ?? 443;
  const portErrs = isValidPortNum(port as number);
  if (portErrs.length) errs.push(invalid(child(path, 'port'), port, `port is not valid: ${portErrs.join(', ')}`));
  if (svc.path === undefined || svc.path === null) return errs;
  const urlPath = str(svc.path);
  if (urlPath === '/' || urlPath === '') return errs;
  const p = child(path, 'path');
  if (urlPath === '//') return [...errs, invalid(p, urlPath, 'segment[0] may not be empty')];
  if (!urlPath.startsWith('/')) errs.push(invalid(p, urlPath, "must start with a '/'"));
  let check = urlPath.slice(1);
  if (check.endsWith('/')) check = check.slice(0, -1);
  check.split('/').forEach((step, i) => {
    if (!step) {
      errs.push(invalid(p, urlPath, `segment[${i}] may not be empty`));
      return;
    }
    for (const failure of isDNS1123Subdomain(step)) errs.push(invalid(p, urlPath, `segment[${i}]: ${failure}`));
  });
  return errs;
}

function validateMatchConditions(conditions: MatchCondition[], path: string, env: CelEnvironment = MATCH_CONDITION_ENV): FieldCause[] {
  const errs: FieldCause[] = [];
  if (conditions.length > 64) errs.push(tooMany(path, conditions.length, 64));
  const names = new Set<string>();
  conditions.forEach((raw, i) => {
    const c = record<unknown>(raw);
    const p = index(path, i);
    const expression = str(c.expression).trim();
    if (!expression) errs.push(required(child(p, 'expression')));
    else {
      const compiled = env.compile(expression);
      if (compiled instanceof CompileError) errs.push(invalid(child(p, 'expression'), expression, compiled.message));
    }
    const name = str(c.name);
    if (!name) errs.push(required(child(p, 'name')));
    else errs.push(...validateQualifiedName(name, child(p, 'name')));
    if (name) {
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else names.add(name);
    }
  });
  return errs;
}

// ---------------------------------------------------------------- ValidatingAdmissionPolicy

const VALIDATION_REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge'];
const VALIDATION_ACTIONS = ['Audit', 'Deny', 'Warn'];
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export function validateValidatingAdmissionPolicy(p: ValidatingAdmissionPolicy, old?: ValidatingAdmissionPolicy): FieldCause[] {
  const errs = old ? validateObjectMetaUpdate(p.metadata, old.metadata) : validateObjectMeta(p.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
  const spec = record<unknown>(p.spec) as ValidatingAdmissionPolicySpec;
  const path = 'spec';
  if (spec.failurePolicy === undefined || spec.failurePolicy === null) errs.push(required(child(path, 'failurePolicy')));
  else if (!FAILURE_POLICIES.includes(str(spec.failurePolicy))) errs.push(notSupported(child(path, 'failurePolicy'), spec.failurePolicy, FAILURE_POLICIES));
  if (spec.paramKind) errs.push(...validateParamKind(record<unknown>(spec.paramKind), child(path, 'paramKind')));
  if (!spec.matchConstraints) {
    errs.push(required(child(path, 'matchConstraints')));
  } else {
    errs.push(...validateMatchResources(spec.matchConstraints, child(path, 'matchConstraints')));
    if (list(spec.matchConstraints.resourceRules).length === 0) errs.push(required(child(path, 'matchConstraints', 'resourceRules')));
  }
  errs.push(...validateMatchConditions(list<MatchCondition>(spec.matchConditions), child(path, 'matchConditions'), POLICY_ENV));
  list<Variable>(spec.variables).forEach((raw, i) => {
    const v = record<unknown>(raw);
    const p = index(child(path, 'variables'), i);
    const name = str(v.name);
    if (!name.trim()) errs.push(required(child(p, 'name'), 'name is not specified'));
    else if (!CEL_IDENTIFIER.test(name)) errs.push(invalid(child(p, 'name'), name, 'name is not a valid CEL identifier'));
    errs.push(...validateExpression(str(v.expression), child(p, 'expression')));
  });
  const validations = list<Validation>(spec.validations);
  if (validations.length === 0 && list(spec.auditAnnotations).length === 0) {
    errs.push(required(child(path, 'validations'), 'validations or auditAnnotations must contain at least one item'));
  }
  validations.forEach((raw, i) => {
    const v = record<unknown>(raw);
    const p = index(child(path, 'validations'), i);
    errs.push(...validateExpression(str(v.expression), child(p, 'expression')));
    const messageExpression = str(v.messageExpression);
    if (messageExpression && !messageExpression.trim()) errs.push(invalid(child(p, 'messageExpression'), messageExpression, 'must be non-empty if specified'));
    else if (messageExpression) errs.push(...validateExpression(messageExpression, child(p, 'messageExpression')));
    const message = str(v.message);
    if (message && !message.trim()) errs.push(invalid(child(p, 'message'), message, 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(message.trim())) errs.push(invalid(child(p, 'message'), message, 'message must not contain line breaks'));
    if (v.reason !== undefined && v.reason !== null && !VALIDATION_REASONS.includes(str(v.reason))) errs.push(notSupported(child(p, 'reason'), v.reason, VALIDATION_REASONS));
  });
  list<Record<string, unknown>>(spec.auditAnnotations).forEach((raw, i) => {
    const a = record<unknown>(raw);
    const p = index(child(path, 'auditAnnotations'), i);
    if (!str(a.key)) errs.push(required(child(p, 'key')));
    errs.push(...validateExpression(str(a.valueExpression), child(p, 'valueExpression')));
  });
  return errs;
}

/** A policy expression: required, and it must compile. */
function validateExpression(expression: string, path: string): FieldCause[] {
  if (!expression.trim()) return [required(path, 'expression is not specified')];
  const compiled = POLICY_ENV.compile(expression.trim());
  return compiled instanceof CompileError ? [invalid(path, expression, compiled.message)] : [];
}

function validateParamKind(pk: Record<string, unknown>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const apiVersion = str(pk.apiVersion);
  if (!apiVersion) {
    errs.push(required(child(path, 'apiVersion')));
  } else {
    const parts = apiVersion.split('/');
    if (parts.length > 2) {
      errs.push(invalid(child(path, 'apiVersion'), apiVersion, `unexpected GroupVersion string: ${apiVersion}`));
    } else {
      const [group, version] = parts.length === 2 ? parts : ['', parts[0]];
      if (group) { const e = isDNS1123Subdomain(group); if (e.length) errs.push(invalid(child(path, 'apiVersion'), group, e.join(','))); }
      if (!version) errs.push(invalid(child(path, 'apiVersion'), apiVersion, 'version must be specified'));
      else { const e = isDNS1035Label(version); if (e.length) errs.push(invalid(child(path, 'apiVersion'), version, e.join(','))); }
    }
  }
  const kind = str(pk.kind);
  if (!kind) errs.push(required(child(path, 'kind')));
  else { const e = isDNS1035Label(kind.toLowerCase()); if (e.length) errs.push(invalid(child(path, 'kind'), kind, `may have mixed case, but should otherwise match: ${e.join(',')}`)); }
  return errs;
}

function validateMatchResources(m: MatchResources | undefined, path: string): FieldCause[] {
  if (!m) return [];
  const mr = record<unknown>(m) as MatchResources;
  const errs: FieldCause[] = [];
  if (mr.matchPolicy === undefined || mr.matchPolicy === null) errs.push(required(child(path, 'matchPolicy')));
  else if (!MATCH_POLICIES.includes(str(mr.matchPolicy))) errs.push(notSupported(child(path, 'matchPolicy'), mr.matchPolicy, MATCH_POLICIES));
  if (!mr.namespaceSelector) errs.push(required(child(path, 'namespaceSelector')));
  else errs.push(...validateLabelSelector(mr.namespaceSelector, child(path, 'namespaceSelector')));
  if (!mr.objectSelector) errs.push(required(child(path, 'objectSelector')));
  else errs.push(...validateLabelSelector(mr.objectSelector, child(path, 'objectSelector')));
  for (const field of ['resourceRules', 'excludeResourceRules'] as const) {
    list<NamedRuleWithOperations>(mr[field]).forEach((raw, i) => {
      const r = record<unknown>(raw) as NamedRuleWithOperations;
      const p = index(child(path, field), i);
      const names = new Set<string>();
      list<string>(r.resourceNames).forEach((n, j) => {
        for (const msg of isValidPathSegmentName(str(n))) errs.push(invalid(index(child(p, 'resourceNames'), j), n, msg));
        if (names.has(n)) errs.push(duplicate(index(child(p, 'resourceNames'), j), n));
        names.add(n);
      });
      errs.push(...validateRuleWithOperations(r, p));
    });
  }
  return errs;
}

export function validateValidatingAdmissionPolicyBinding(b: ValidatingAdmissionPolicyBinding, old?: ValidatingAdmissionPolicyBinding): FieldCause[] {
  const errs = old ? validateObjectMetaUpdate(b.metadata, old.metadata) : validateObjectMeta(b.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
  const spec = record<unknown>(b.spec) as ValidatingAdmissionPolicyBindingSpec;
  const policyName = str(spec.policyName);
  if (!policyName) errs.push(required('spec.policyName'));
  else for (const msg of nameIsDNSSubdomain(policyName, false)) errs.push(invalid('spec.policyName', policyName, msg));
  if (spec.paramRef) {
    const pr = record<unknown>(spec.paramRef);
    const p = 'spec.paramRef';
    const name = str(pr.name);
    const hasSelector = pr.selector !== undefined && pr.selector !== null;
    if (name) {
      for (const msg of isValidPathSegmentName(name)) errs.push(invalid(child(p, 'name'), name, msg));
      if (hasSelector) errs.push(forbidden(child(p, 'name'), 'name and selector are mutually exclusive'));
    }
    const namespace = str(pr.namespace);
    if (namespace) for (const msg of isValidPathSegmentName(namespace)) errs.push(invalid(child(p, 'namespace'), namespace, msg));
    if (hasSelector) {
      errs.push(...validateLabelSelector(pr.selector as LabelSelector, child(p, 'selector')));
      if (name) errs.push(forbidden(child(p, 'selector'), 'name and selector are mutually exclusive'));
    }
    if (!name && !hasSelector) errs.push(required(p, 'one of name or selector must be specified'));
    const action = pr.parameterNotFoundAction;
    if (!action) errs.push(required(child(p, 'parameterNotFoundAction')));
    else if (action !== 'Deny' && action !== 'Allow') errs.push(notSupported(child(p, 'parameterNotFoundAction'), action, ['Deny', 'Allow']));
  }
  // "matchResouces": Kubernetes' own spelling of this path.
  errs.push(...validateMatchResources(spec.matchResources, 'spec.matchResouces'));
  const actions = list<string>(spec.validationActions);
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!VALIDATION_ACTIONS.includes(a)) errs.push(notSupported(index('spec.validationActions', i), a, VALIDATION_ACTIONS));
    if (seen.has(a)) errs.push(duplicate(index('spec.validationActions', i), a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(invalid('spec.validationActions', goSlice('admissionregistration.ValidationAction', actions),
      'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  }
  if (seen.size === 0) errs.push(required('spec.validationActions', 'at least one validation action is required'));
  return errs;
}
