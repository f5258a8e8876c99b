// PodSpec and PodTemplateSpec (core's ValidatePodSpec and ValidatePodTemplateSpec),
// shared by Pods, ReplicaSets and Deployments.
import type { Container, PodDNSConfig, PodSecurityContext, PodSpec, PodTemplateSpec } from '../types/core.js';
import { validateContainers, validateEphemeralContainers, validateInitContainers } from './container.js';
import {
  child, duplicate, type FieldCause, forbidden, index, invalid, list, notSupported, record, required, str,
} from './field.js';
import { validateAnnotations, validateLabels, validateQualifiedName } from './meta.js';
import {
  inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isValidIP, nameIsDNSSubdomain,
} from './names.js';
import { validateResourceRequirements } from './resources.js';
import { validateAffinity, validateTolerations, validateTopologySpreadConstraints } from './scheduling.js';
import { validateVolumes } from './volume.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const MAX_INT32 = 2147483647;
const MAX_ID = 0xffffffff;

/** Where a PodSpec lives changes a few rules. */
export interface PodSpecContext {
  /** The spec is a Pod's own, not a template's (hostNetwork hostPorts must then be set). */
  isPod: boolean;
}

function validateRestartPolicy(policy: unknown, path: string): FieldCause[] {
  const p = str(policy);
  if (!p) return [required(path)];
  return RESTART_POLICIES.includes(p) ? [] : [notSupported(path, policy, RESTART_POLICIES)];
}

function validateDNSPolicy(policy: unknown, path: string): FieldCause[] {
  const p = str(policy);
  if (!p) return [required(path)];
  return DNS_POLICIES.includes(p) ? [] : [notSupported(path, policy, DNS_POLICIES)];
}

function validateDNSConfig(config: PodDNSConfig | undefined, policy: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (policy === 'None') {
    if (!config) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (list(config.nameservers).length === 0) return [required(child(path, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!config || typeof config !== 'object') return errs;
  const nameservers = list<string>(config.nameservers);
  if (nameservers.length > 3) errs.push(invalid(child(path, 'nameservers'), nameservers, 'must not have more than 3 nameservers'));
  nameservers.forEach((ns, i) => errs.push(...isValidIP(str(ns)).map((msg) => invalid(index(child(path, 'nameservers'), i), ns, msg))));
  const searches = list<string>(config.searches);
  if (searches.length > 32) errs.push(invalid(child(path, 'searches'), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(invalid(child(path, 'searches'), searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    if (s === '.') return;
    const search = str(s).replace(/\.$/, '');
    errs.push(...isDNS1123Subdomain(search).map((msg) => invalid(index(child(path, 'searches'), i), search, msg)));
  });
  list<{ name?: string }>(config.options).forEach((o, i) => {
    if (!str(o?.name)) errs.push(required(index(child(path, 'options'), i), 'must not be empty'));
  });
  return errs;
}

function validatePodSecurityContext(sc: PodSecurityContext | undefined, path: string): FieldCause[] {
  if (!sc || typeof sc !== 'object') return [];
  const errs: FieldCause[] = [];
  for (const f of ['fsGroup', 'runAsUser', 'runAsGroup'] as const) {
    const v = sc[f];
    if (typeof v === 'number' && (v < 0 || v > MAX_ID)) errs.push(invalid(child(path, f), v, inclusiveRangeError(0, MAX_ID)));
  }
  list<number>(sc.supplementalGroups).forEach((g, i) => {
    if (typeof g === 'number' && (g < 0 || g > MAX_ID)) errs.push(invalid(index(child(path, 'supplementalGroups'), i), g, inclusiveRangeError(0, MAX_ID)));
  });
  const sysctls = new Set<string>();
  list<{ name?: string }>(sc.sysctls).forEach((s, i) => {
    const p = child(index(child(path, 'sysctls'), i), 'name');
    const name = str(s?.name);
    if (!name) errs.push(required(p));
    else if (sysctls.has(name)) errs.push(duplicate(p, name));
    sysctls.add(name);
  });
  if (sc.fsGroupChangePolicy !== undefined && sc.fsGroupChangePolicy !== 'OnRootMismatch' && sc.fsGroupChangePolicy !== 'Always') {
    errs.push(notSupported(child(path, 'fsGroupChangePolicy'), sc.fsGroupChangePolicy, ['Always', 'OnRootMismatch']));
  }
  return errs;
}

/** hostNetwork pods use the node's ports: hostPort must equal containerPort (0 allowed in templates). */
function validateHostNetworkPorts(spec: PodSpec, path: string, ctx: PodSpecContext): FieldCause[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldCause[] = [];
  list<Container>(spec.containers).forEach((c, i) => {
    list<{ hostPort?: number; containerPort?: number }>(c?.ports).forEach((port, j) => {
      const hp = port?.hostPort ?? 0;
      const cp = port?.containerPort ?? 0;
      if ((ctx.isPod || hp !== 0) && hp !== cp) {
        errs.push(invalid(child(index(child(index(child(path, 'containers'), i), 'ports'), j), 'hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

function subdomainName(value: unknown, path: string): FieldCause[] {
  const v = str(value);
  return v ? nameIsDNSSubdomain(v, false).map((msg) => invalid(path, v, msg)) : [];
}

/**
 * A PodSpec (after defaulting, as Kubernetes validates it): grace period, volumes,
 * containers, init containers, policies, selectors, affinity, tolerations and the
 * names it refers to.
 */
export function validatePodSpec(specIn: PodSpec | undefined, path: string, ctx: PodSpecContext): FieldCause[] {
  const spec = record<unknown>(specIn) as unknown as PodSpec;
  const errs: FieldCause[] = [];
  const grace = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : undefined;
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) {
    errs.push(required(child(path, 'terminationGracePeriodSeconds')));
  }
  const vols = validateVolumes(spec.volumes, child(path, 'volumes'));
  errs.push(...vols.errs);
  errs.push(...validateContainers(spec.containers, vols.volumes, grace, child(path, 'containers')));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, vols.volumes, grace, child(path, 'initContainers')));
  errs.push(...validateEphemeralContainers(record<unknown>(spec).ephemeralContainers, spec.containers, spec.initContainers, vols.volumes, child(path, 'ephemeralContainers')));
  errs.push(...validateHostNetworkPorts(spec, path, ctx));
  errs.push(...validateRestartPolicy(spec.restartPolicy, child(path, 'restartPolicy')));
  errs.push(...validateDNSPolicy(spec.dnsPolicy, child(path, 'dnsPolicy')));
  errs.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  errs.push(...validatePodSecurityContext(spec.securityContext, child(path, 'securityContext')));
  list<Record<string, unknown>>(spec.imagePullSecrets).forEach((ref, i) => {
    if (Object.keys(record(ref)).some((k) => k !== 'name')) errs.push(invalid(index(child(path, 'imagePullSecrets'), i), ref, 'only name may be set'));
  });
  errs.push(...validateAffinity(spec.affinity, child(path, 'affinity')));
  errs.push(...validateDNSConfig(spec.dnsConfig, spec.dnsPolicy, child(path, 'dnsConfig')));
  list<{ conditionType?: string }>(spec.readinessGates).forEach((g, i) => {
    errs.push(...validateQualifiedName(str(g?.conditionType), child(index(child(path, 'readinessGates'), i), 'conditionType')));
  });
  const gates = new Set<string>();
  list<{ name?: string }>(spec.schedulingGates).forEach((g, i) => {
    const p = index(child(path, 'schedulingGates'), i);
    const name = str(g?.name);
    errs.push(...validateQualifiedName(name, p));
    if (gates.has(name)) errs.push(duplicate(p, name));
    gates.add(name);
  });
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, child(path, 'topologySpreadConstraints')));
  errs.push(...subdomainName(spec.serviceAccountName, child(path, 'serviceAccountName')));
  errs.push(...subdomainName(spec.nodeName, child(path, 'nodeName')));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = spec.activeDeadlineSeconds;
    if (typeof v !== 'number' || v < 1 || v > MAX_INT32) errs.push(invalid(child(path, 'activeDeadlineSeconds'), v, inclusiveRangeError(1, MAX_INT32)));
  }
  for (const f of ['hostname', 'subdomain'] as const) {
    const v = str(spec[f]);
    if (v) errs.push(...isDNS1123Label(v).map((msg) => invalid(child(path, f), v, msg)));
  }
  errs.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')));
  list<{ ip?: string; hostnames?: string[] }>(spec.hostAliases).forEach((a, i) => {
    const p = index(child(path, 'hostAliases'), i);
    errs.push(...isValidIP(str(a?.ip)).map((msg) => invalid(child(p, 'ip'), str(a?.ip), msg)));
    list<string>(a?.hostnames).forEach((h, j) => {
      errs.push(...isDNS1123Subdomain(str(h)).map((msg) => invalid(index(child(p, 'hostnames'), j), h, msg)));
    });
  });
  errs.push(...subdomainName(spec.priorityClassName, child(path, 'priorityClassName')));
  if (spec.runtimeClassName !== undefined && spec.runtimeClassName !== null) {
    const v = str(spec.runtimeClassName);
    errs.push(...nameIsDNSSubdomain(v, false).map((msg) => invalid(child(path, 'runtimeClassName'), v, msg)));
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null) {
    const v = str(spec.preemptionPolicy);
    if (!v) errs.push(required(child(path, 'preemptionPolicy')));
    else if (v !== 'PreemptLowerPriority' && v !== 'Never') errs.push(notSupported(child(path, 'preemptionPolicy'), v, ['PreemptLowerPriority', 'Never']));
  }
  if (spec.overhead) errs.push(...validateResourceRequirements({ limits: spec.overhead }, child(path, 'overhead')));
  if (spec.os) {
    const name = str(spec.os.name);
    if (!name) errs.push(required(child(path, 'os', 'name'), 'cannot be empty'));
    else if (name !== 'linux' && name !== 'windows') errs.push(notSupported(child(path, 'os'), name, ['linux', 'windows']));
  }
  return errs;
}

/** A pod template: its labels and annotations, its spec, and no ephemeral containers. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldCause[] {
  const t = record<unknown>(template) as PodTemplateSpec;
  const meta = record<unknown>(t.metadata);
  const errs = [
    ...validateLabels(meta.labels, child(path, 'labels')),
    ...validateAnnotations(meta.annotations, child(path, 'annotations')),
    ...validatePodSpec(t.spec, child(path, 'spec'), { isPod: false }),
  ];
  if (list(record<unknown>(t.spec).ephemeralContainers).length > 0) {
    errs.push(forbidden(child(path, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}
