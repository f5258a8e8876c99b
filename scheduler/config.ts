// Scheduler profiles (the plugins part of KubeSchedulerConfiguration): which Filter and
// Score plugins run, in which order, with which score weights. buildFramework merges a
// profile with the defaults as kube-scheduler's mergePlugins does and resolves names in a
// registry.
import {
  type AnyPlugin, type Framework, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type FilterPlugin,
  isFilter, isPreFilter, isPreScore, isScore,
} from './framework.js';
import { inTreeRegistry, type Registry } from './registry.js';
import { NAME as BALANCED_ALLOCATION } from './plugins/balanced-allocation.js';
import { NAME as INTER_POD_AFFINITY } from './plugins/inter-pod-affinity.js';
import { NAME as LEAST_ALLOCATED } from './plugins/least-allocated.js';
import { NAME as NODE_AFFINITY } from './plugins/node-affinity.js';
import { NAME as NODE_NAME } from './plugins/node-name.js';
import { NAME as NODE_PORTS } from './plugins/node-ports.js';
import { NAME as NODE_RESOURCES_FIT } from './plugins/node-resources-fit.js';
import { NAME as NODE_UNSCHEDULABLE } from './plugins/node-unschedulable.js';
import { NAME as SELECTOR_SPREAD } from './plugins/selector-spread.js';
import { NAME as TAINT_TOLERATION } from './plugins/taint-toleration.js';
import { NAME as VOLUME_BINDING } from './plugins/volume-binding.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** A plugin named in a config; `weight` is for score plugins only (default 1). */
export interface PluginRef {
  name: string;
  weight?: number;
}

/**
 * Changes to one extension point's default list: `disabled` removes defaults (`*` removes
 * them all), `enabled` appends plugins, or, for a default that is not disabled, replaces
 * it in place (to change its weight).
 */
export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}

export interface ProfileConfig {
  /** Pods whose spec.schedulerName equals this are this profile's (default "default-scheduler"). */
  schedulerName?: string;
  /** 0 (default) for the adaptive rule, else 1..100. */
  percentageOfNodesToScore?: number;
  plugins?: { filter?: PluginSet; score?: PluginSet };
}

/**
 * kube-scheduler's default profile, in its order: filters from cheapest and most decisive
 * to costliest (the first failing filter names the node's reason); score weights as
 * kube-scheduler's defaults (NodeResourcesFit 1, BalancedAllocation 1, TaintToleration 3,
 * NodeAffinity 2, topology spreading 2, InterPodAffinity 2).
 */
export const DEFAULT_PLUGINS: { readonly filter: readonly PluginRef[]; readonly score: readonly PluginRef[] } = {
  filter: [
    { name: NODE_UNSCHEDULABLE },
    { name: NODE_NAME },
    { name: TAINT_TOLERATION },
    { name: NODE_AFFINITY },
    { name: NODE_PORTS },
    { name: NODE_RESOURCES_FIT },
    { name: VOLUME_BINDING },
    { name: INTER_POD_AFFINITY },
  ],
  score: [
    { name: TAINT_TOLERATION, weight: 3 },
    { name: NODE_AFFINITY, weight: 2 },
    { name: SELECTOR_SPREAD, weight: 2 },
    { name: LEAST_ALLOCATED, weight: 1 },
    { name: INTER_POD_AFFINITY, weight: 2 },
    { name: BALANCED_ALLOCATION, weight: 1 },
  ],
};

/** kube-scheduler mergePluginSet. */
export function mergePluginSet(defaults: readonly PluginRef[], custom: PluginSet | undefined): PluginRef[] {
  if (!custom) return defaults.map((p) => ({ ...p }));
  const disabled = new Set((custom.disabled ?? []).map((p) => p.name));
  const enabled = custom.enabled ?? [];
  const enabledByName = new Map(enabled.map((p) => [p.name, p]));
  const replaced = new Set<string>();
  const out: PluginRef[] = [];
  if (!disabled.has('*')) {
    for (const d of defaults) {
      if (disabled.has(d.name)) continue;
      const override = enabledByName.get(d.name);
      if (override) replaced.add(d.name);
      out.push({ ...(override ?? d) });
    }
  }
  for (const e of enabled) if (!replaced.has(e.name)) out.push({ ...e });
  return out;
}

function resolve(registry: Registry, name: string): AnyPlugin {
  const p = registry.get(name);
  if (!p) throw new Error(`plugin "${name}" does not exist`);
  return p;
}

/**
 * Compiles a profile into the Framework scheduleOne runs. A filter plugin's PreFilter and a
 * score plugin's PreScore run when the plugin is enabled at Filter or Score. Throws on an
 * unknown plugin, a plugin without the extension point, a plugin listed twice, a
 * non-positive or non-integer weight, or a percentage outside 0..100.
 */
export function buildFramework(config: ProfileConfig = {}, registry: Registry = inTreeRegistry): Framework {
  const pct = config.percentageOfNodesToScore ?? 0;
  if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new Error(`percentageOfNodesToScore: must be an integer in 0..100, got ${pct}`);
  const filterRefs = mergePluginSet(DEFAULT_PLUGINS.filter, config.plugins?.filter);
  const scoreRefs = mergePluginSet(DEFAULT_PLUGINS.score, config.plugins?.score);
  const preFilter: PreFilterPlugin[] = [];
  const filter: FilterPlugin[] = [];
  const preScore: PreScorePlugin[] = [];
  const score: { plugin: ScorePlugin; weight: number }[] = [];
  const seen = new Set<string>();
  for (const ref of filterRefs) {
    if (seen.has(ref.name)) throw new Error(`plugin "${ref.name}" is enabled twice at Filter`);
    seen.add(ref.name);
    const p = resolve(registry, ref.name);
    if (!isFilter(p)) throw new Error(`plugin "${ref.name}" does not extend Filter`);
    if (isPreFilter(p)) preFilter.push(p);
    filter.push(p);
  }
  seen.clear();
  for (const ref of scoreRefs) {
    if (seen.has(ref.name)) throw new Error(`plugin "${ref.name}" is enabled twice at Score`);
    seen.add(ref.name);
    const p = resolve(registry, ref.name);
    if (!isScore(p)) throw new Error(`plugin "${ref.name}" does not extend Score`);
    const weight = ref.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1) throw new Error(`plugin "${ref.name}": score weight must be a positive integer, got ${weight}`);
    if (isPreScore(p)) preScore.push(p);
    score.push({ plugin: p, weight });
  }
  return {
    schedulerName: config.schedulerName ?? DEFAULT_SCHEDULER_NAME,
    preFilter,
    filter,
    preScore,
    score,
    percentageOfNodesToScore: pct,
  };
}
