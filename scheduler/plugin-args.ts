// A profile's pluginConfig (KubeSchedulerConfiguration v1): each entry's args decoded
// strictly, defaulted (v1 SetDefaults_*Args) and validated (kube-scheduler
// validation_pluginargs.go), with kube-scheduler's field paths and wording. The result
// goes to the plugins' constructors (scheduler.ts builds each profile's plugins with it).
import { isObject, type JSONObject } from '../api/apiextensions/schema/util.js';
import { labelKeyErrors } from '../api/labels.js';
import type { TopologySpreadConstraint } from '../api/types/core.js';
import type { DefaultPreemptionArgs } from './plugins/default-preemption.js';
import type { InterPodAffinityArgs } from './plugins/inter-pod-affinity.js';
import type { NodeResourcesFitArgs } from './plugins/node-resources-fit.js';
import type { PodTopologySpreadArgs } from './plugins/pod-topology-spread.js';
import type { ShapePoint } from './plugins/resource-allocation.js';

/** VolumeBindingArgs: how long PreBind waits for the pod's claims to be bound. */
export interface VolumeBindingArgs {
  bindTimeoutSeconds?: number;
}

/** The decoded arguments of a profile's plugins, by plugin name. */
export interface PluginArgs {
  DefaultPreemption?: DefaultPreemptionArgs;
  InterPodAffinity?: InterPodAffinityArgs;
  NodeResourcesFit?: NodeResourcesFitArgs;
  PodTopologySpread?: PodTopologySpreadArgs;
  VolumeBinding?: VolumeBindingArgs;
}

const quote = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** field.NotSupported's wording. */
const notSupported = (path: string, v: unknown, supported: string[]): string =>
  `${path}: Unsupported value: ${quote(v)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`;

interface Decoder {
  /** Problems found, in kube-scheduler's words. */
  errs: string[];
  /** Unknown fields (strict decoding). */
  unknown: string[];
}

const FIELDS: Record<keyof PluginArgs, readonly string[]> = {
  DefaultPreemption: ['minCandidateNodesPercentage', 'minCandidateNodesAbsolute'],
  InterPodAffinity: ['hardPodAffinityWeight', 'ignorePreferredTermsOfExistingPods'],
  NodeResourcesFit: ['ignoredResources', 'ignoredResourceGroups', 'scoringStrategy'],
  PodTopologySpread: ['defaultConstraints', 'defaultingType'],
  VolumeBinding: ['bindTimeoutSeconds', 'shape'],
};

type ArgsDecoder<T> = (args: JSONObject, path: string, errs: string[]) => T;

/** Each plugin's decoder (function declarations below, hoisted). */
const DECODERS: { [K in keyof PluginArgs]-?: ArgsDecoder<NonNullable<PluginArgs[K]>> } = {
  DefaultPreemption: defaultPreemptionArgs,
  InterPodAffinity: interPodAffinityArgs,
  NodeResourcesFit: nodeResourcesFitArgs,
  PodTopologySpread: podTopologySpreadArgs,
  VolumeBinding: volumeBindingArgs,
};

/** Plugins kube-scheduler takes arguments for that this scheduler does not apply: refused rather than ignored. */
const NOT_APPLIED = new Set(['NodeAffinity', 'NodeResourcesBalancedAllocation']);

/**
 * Decodes `raw` (a profile's pluginConfig list) at `path` (`profiles[0].pluginConfig`).
 * Errors and unknown fields are appended to `d`.
 */
export function decodePluginConfig(raw: unknown, path: string, d: Decoder): PluginArgs {
  const out: PluginArgs = {};
  if (raw === undefined || raw === null) return out;
  if (!Array.isArray(raw)) {
    d.errs.push(`${path}: Invalid value: must be a list`);
    return out;
  }
  const seen = new Set<string>();
  raw.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(entry)) {
      d.errs.push(`${at}: Invalid value: must be an object`);
      return;
    }
    for (const k of Object.keys(entry)) if (k !== 'name' && k !== 'args') d.unknown.push(`unknown field "${at}.${k}"`);
    const name = entry.name;
    if (typeof name !== 'string' || name === '') {
      d.errs.push(`${at}.name: Required value`);
      return;
    }
    if (seen.has(name)) d.errs.push(`${at}: Duplicate value: ${JSON.stringify(name)}`);
    seen.add(name);
    const args = entry.args ?? {};
    if (!isObject(args)) {
      d.errs.push(`${at}.args: Invalid value: has to match plugin args`);
      return;
    }
    if (NOT_APPLIED.has(name)) {
      d.errs.push(`${at}.args: Invalid value: ${JSON.stringify(name)}: arguments for this plugin are not supported by this scheduler`);
      return;
    }
    if (!Object.prototype.hasOwnProperty.call(FIELDS, name)) {
      d.errs.push(`${at}.name: Invalid value: ${JSON.stringify(name)}: no plugin of this name takes arguments`);
      return;
    }
    const key = name as keyof PluginArgs;
    const argsPath = `${at}.args`;
    const kind = `${key}Args`;
    if (args.kind !== undefined && args.kind !== kind) d.errs.push(`${argsPath}.kind: Invalid value: ${quote(args.kind)}: must be ${kind}`);
    for (const k of Object.keys(args)) {
      if (k !== 'kind' && k !== 'apiVersion' && !FIELDS[key].includes(k)) d.unknown.push(`unknown field "${argsPath}.${k}"`);
    }
    (out as Record<string, unknown>)[key] = DECODERS[key](args, argsPath, d.errs);
  });
  return out;
}

function int(v: unknown, path: string, errs: string[], dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    errs.push(`${path}: Invalid value: ${JSON.stringify(v)}: must be an integer`);
    return dflt;
  }
  return v;
}

function strings(v: unknown, path: string, errs: string[]): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    errs.push(`${path}: Invalid value: must be a list of strings`);
    return [];
  }
  return v as string[];
}

function defaultPreemptionArgs(a: JSONObject, path: string, errs: string[]): DefaultPreemptionArgs {
  const pct = int(a.minCandidateNodesPercentage, `${path}.minCandidateNodesPercentage`, errs, 10);
  const abs = int(a.minCandidateNodesAbsolute, `${path}.minCandidateNodesAbsolute`, errs, 100);
  if (pct < 0 || pct > 100) errs.push(`${path}.minCandidateNodesPercentage: Invalid value: ${pct}: not in valid range [0, 100]`);
  if (abs < 0) errs.push(`${path}.minCandidateNodesAbsolute: Invalid value: ${abs}: not in valid range [0, inf)`);
  if (pct === 0 && abs === 0) {
    errs.push(`${path}.minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute`);
    errs.push(`${path}.minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as minCandidateNodesPercentage`);
  }
  return { minCandidateNodesPercentage: pct, minCandidateNodesAbsolute: abs };
}

function interPodAffinityArgs(a: JSONObject, path: string, errs: string[]): InterPodAffinityArgs {
  const w = int(a.hardPodAffinityWeight, `${path}.hardPodAffinityWeight`, errs, 1);
  if (w < 0 || w > 100) errs.push(`${path}.hardPodAffinityWeight: Invalid value: ${w}: not in valid range [0, 100]`);
  const ignore = a.ignorePreferredTermsOfExistingPods;
  if (ignore !== undefined && typeof ignore !== 'boolean') errs.push(`${path}.ignorePreferredTermsOfExistingPods: Invalid value: ${JSON.stringify(ignore)}: must be a boolean`);
  return { hardPodAffinityWeight: w, ignorePreferredTermsOfExistingPods: ignore === true };
}

const STRATEGIES = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];

function nodeResourcesFitArgs(a: JSONObject, path: string, errs: string[]): NodeResourcesFitArgs {
  const ignoredResources = strings(a.ignoredResources, `${path}.ignoredResources`, errs);
  ignoredResources.forEach((r, i) => {
    for (const e of labelKeyErrors(r)) errs.push(`${path}.ignoredResources[${i}]: Invalid value: ${JSON.stringify(r)}: ${e}`);
  });
  const ignoredResourceGroups = strings(a.ignoredResourceGroups, `${path}.ignoredResourceGroups`, errs);
  ignoredResourceGroups.forEach((g, i) => {
    if (g.includes('/')) errs.push(`${path}.ignoredResourceGroups[${i}]: Invalid value: ${JSON.stringify(g)}: resource group name can't contain '/'`);
    else for (const e of labelKeyErrors(g)) errs.push(`${path}.ignoredResourceGroups[${i}]: Invalid value: ${JSON.stringify(g)}: ${e}`);
  });
  const out: NodeResourcesFitArgs = { ignoredResources, ignoredResourceGroups };
  const s = a.scoringStrategy;
  if (s === undefined || s === null) return out;
  const sp = `${path}.scoringStrategy`;
  if (!isObject(s)) {
    errs.push(`${sp}: Invalid value: must be an object`);
    return out;
  }
  const type = s.type ?? 'LeastAllocated';
  if (typeof type !== 'string' || !STRATEGIES.includes(type)) errs.push(notSupported(`${sp}.type`, type, STRATEGIES));
  const resources = resourceSpecs(s.resources, `${sp}.resources`, errs);
  const strategy: NonNullable<NodeResourcesFitArgs['scoringStrategy']> = {
    type: type as NonNullable<NodeResourcesFitArgs['scoringStrategy']>['type'],
    resources: resources.length ? resources : undefined,
  };
  if (type === 'RequestedToCapacityRatio') {
    const r = isObject(s.requestedToCapacityRatio) ? s.requestedToCapacityRatio : {};
    strategy.shape = shapeOf(r.shape, `${sp}.requestedToCapacityRatio.shape`, errs);
  }
  out.scoringStrategy = strategy;
  return out;
}

function resourceSpecs(v: unknown, path: string, errs: string[]): { name: string; weight: number }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errs.push(`${path}: Invalid value: must be a list`);
    return [];
  }
  return v.flatMap((r, i) => {
    if (!isObject(r) || typeof r.name !== 'string' || r.name === '') {
      errs.push(`${path}[${i}].name: Required value`);
      return [];
    }
    // v1 defaults an unset weight to 1.
    const weight = int(r.weight, `${path}[${i}].weight`, errs, 1);
    if (weight <= 0 || weight > 100) errs.push(`${path}[${i}].weight: Invalid value: ${weight}: resource weight of ${r.name} not in valid range [1, 100]`);
    return [{ name: r.name, weight }];
  });
}

function shapeOf(v: unknown, path: string, errs: string[]): ShapePoint[] {
  if (!Array.isArray(v) || v.length === 0) {
    errs.push(`${path}: Required value: at least one point must be specified`);
    return [];
  }
  const points = v.map((p, i) => ({
    utilization: int(isObject(p) ? p.utilization : undefined, `${path}[${i}].utilization`, errs, 0),
    score: int(isObject(p) ? p.score : undefined, `${path}[${i}].score`, errs, 0),
  }));
  for (let i = 1; i < points.length; i++) {
    if (points[i - 1].utilization >= points[i].utilization) {
      errs.push(`${path}[${i}].utilization: Invalid value: ${points[i].utilization}: utilization values must be sorted in increasing order`);
      break;
    }
  }
  points.forEach((p, i) => {
    if (p.utilization < 0 || p.utilization > 100) errs.push(`${path}[${i}].utilization: Invalid value: ${p.utilization}: not in valid range [0, 100]`);
    if (p.score < 0 || p.score > 10) errs.push(`${path}[${i}].score: Invalid value: ${p.score}: not in valid range [0, 10]`);
  });
  return points;
}

const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'];

function podTopologySpreadArgs(a: JSONObject, path: string, errs: string[]): PodTopologySpreadArgs {
  const type = a.defaultingType ?? 'System';
  if (type !== 'System' && type !== 'List') errs.push(notSupported(`${path}.defaultingType`, type, ['List', 'System']));
  if (a.defaultConstraints !== undefined && a.defaultConstraints !== null && !Array.isArray(a.defaultConstraints)) {
    errs.push(`${path}.defaultConstraints: Invalid value: must be a list`);
  }
  const list = Array.isArray(a.defaultConstraints) ? a.defaultConstraints : [];
  if (type === 'System' && list.length > 0) errs.push(`${path}.defaultingType: Invalid value: "System": when .defaultConstraints are not empty`);
  const seen = new Set<string>();
  const constraints: TopologySpreadConstraint[] = [];
  list.forEach((c, i) => {
    const p = `${path}.defaultConstraints[${i}]`;
    if (!isObject(c)) {
      errs.push(`${p}: Invalid value: must be an object`);
      return;
    }
    const maxSkew = int(c.maxSkew, `${p}.maxSkew`, errs, 0);
    if (maxSkew <= 0) errs.push(`${p}.maxSkew: Invalid value: ${maxSkew}: not in valid range (0, inf)`);
    const key = typeof c.topologyKey === 'string' ? c.topologyKey : '';
    if (key === '') errs.push(`${p}.topologyKey: Required value: can not be empty`);
    else for (const e of labelKeyErrors(key)) errs.push(`${p}.topologyKey: Invalid value: ${JSON.stringify(key)}: ${e}`);
    const when = c.whenUnsatisfiable;
    if (typeof when !== 'string' || !WHEN_UNSATISFIABLE.includes(when)) errs.push(notSupported(`${p}.whenUnsatisfiable`, when ?? '', WHEN_UNSATISFIABLE));
    if (c.labelSelector !== undefined && c.labelSelector !== null) errs.push(`${p}.labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod`);
    const pair = `{${key}, ${String(when)}}`;
    if (seen.has(pair)) errs.push(`${p}: Duplicate value: ${JSON.stringify(pair)}`);
    seen.add(pair);
    constraints.push({ maxSkew, topologyKey: key, whenUnsatisfiable: String(when) } as TopologySpreadConstraint);
  });
  return { defaultingType: type === 'List' ? 'List' : 'System', defaultConstraints: constraints };
}

function volumeBindingArgs(a: JSONObject, path: string, errs: string[]): VolumeBindingArgs {
  const t = int(a.bindTimeoutSeconds, `${path}.bindTimeoutSeconds`, errs, 600);
  if (t < 0) errs.push(`${path}.bindTimeoutSeconds: Invalid value: ${t}: invalid BindTimeoutSeconds, should not be a negative value`);
  if (a.shape !== undefined) errs.push(`${path}.shape: Invalid value: the StorageCapacityScoring shape is not supported by this scheduler`);
  return { bindTimeoutSeconds: t };
}
