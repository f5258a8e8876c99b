// Scheduler profiles (the profile part of KubeSchedulerConfiguration v1): which plugins
// run at which extension point, in which order, with which score weights. buildFramework
// merges a profile with the defaults (kube-scheduler's v1 defaulting, mergePlugins) and
// expands multiPoint (its expandMultiPointPlugins), resolving names in a registry.
import {
  type AnyPlugin, type Framework, type PodNominator, type PostFilterPlugin, type PreEnqueuePlugin, type PreFilterPlugin, type PreScorePlugin,
  type ScorePlugin, type FilterPlugin, isFilter, isPostFilter, isPreEnqueue, isPreFilter, isPreScore, isScore,
} from './framework.js';
import { inTreeRegistry, type Registry } from './registry.js';
import type { PluginArgs } from './plugin-args.js';
import { NAME as BALANCED_ALLOCATION } from './plugins/balanced-allocation.js';
import { NAME as DEFAULT_PREEMPTION } from './plugins/default-preemption.js';
import { NAME as INTER_POD_AFFINITY } from './plugins/inter-pod-affinity.js';
import { NAME as NODE_AFFINITY } from './plugins/node-affinity.js';
import { NAME as NODE_NAME } from './plugins/node-name.js';
import { NAME as NODE_PORTS } from './plugins/node-ports.js';
import { NAME as NODE_RESOURCES_FIT } from './plugins/node-resources-fit.js';
import { NAME as NODE_UNSCHEDULABLE } from './plugins/node-unschedulable.js';
import { NAME as POD_TOPOLOGY_SPREAD } from './plugins/pod-topology-spread.js';
import { NAME as SCHEDULING_GATES } from './plugins/scheduling-gates.js';
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

/** KubeSchedulerConfiguration v1's extension points (Plugins). */
export const EXTENSION_POINTS = [
  'preEnqueue', 'queueSort', 'preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind', 'postBind',
] as const;
export type ExtensionPoint = typeof EXTENSION_POINTS[number];

export type Plugins = { multiPoint?: PluginSet } & { [P in ExtensionPoint]?: PluginSet };

export interface ProfileConfig {
  /** Pods whose spec.schedulerName equals this are this profile's (default "default-scheduler"). */
  schedulerName?: string;
  /** 0 (default) for the adaptive rule, else 1..100. */
  percentageOfNodesToScore?: number;
  plugins?: Plugins;
  /** The plugins' arguments (pluginConfig, decoded): the Scheduler builds the profile's plugins with them. */
  pluginArgs?: PluginArgs;
}

/** kube-scheduler's queue sort and binder: ours are built in (the queue orders by priority, the scheduler posts a Binding). */
export const PRIORITY_SORT = 'PrioritySort';
export const DEFAULT_BINDER = 'DefaultBinder';

/**
 * kube-scheduler's in-tree plugins this scheduler does not have. A profile may disable
 * them (configurations written for kube-scheduler do); enabling one is an error.
 */
export const NOT_BUILT_PLUGINS: ReadonlySet<string> = new Set(['VolumeRestrictions', 'NodeVolumeLimits', 'VolumeZone', 'ImageLocality']);

/**
 * kube-scheduler 1.32's default profile (v1 getDefaultPlugins: everything at multiPoint),
 * in its order, with its score weights, minus the plugins in NOT_BUILT_PLUGINS.
 */
export const DEFAULT_PLUGINS: { readonly multiPoint: readonly PluginRef[] } = {
  multiPoint: [
    { name: SCHEDULING_GATES },
    { name: PRIORITY_SORT },
    { name: NODE_UNSCHEDULABLE },
    { name: NODE_NAME },
    { name: TAINT_TOLERATION, weight: 3 },
    { name: NODE_AFFINITY, weight: 2 },
    { name: NODE_PORTS },
    { name: NODE_RESOURCES_FIT, weight: 1 },
    { name: VOLUME_BINDING },
    { name: POD_TOPOLOGY_SPREAD, weight: 2 },
    { name: INTER_POD_AFFINITY, weight: 2 },
    { name: DEFAULT_PREEMPTION },
    { name: BALANCED_ALLOCATION, weight: 1 },
    { name: DEFAULT_BINDER },
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

/** Whether a plugin implements an extension point (built-in queue sort and binder by name; VolumeBinding binds volumes at reserve and preBind itself). */
function implementsPoint(p: AnyPlugin | undefined, name: string, point: ExtensionPoint): boolean {
  switch (point) {
    case 'preEnqueue': return !!p && isPreEnqueue(p);
    case 'queueSort': return name === PRIORITY_SORT;
    case 'preFilter': return !!p && isPreFilter(p);
    case 'filter': return !!p && isFilter(p);
    case 'postFilter': return !!p && isPostFilter(p);
    case 'preScore': return !!p && isPreScore(p);
    case 'score': return !!p && isScore(p);
    case 'reserve': case 'preBind': return name === VOLUME_BINDING;
    case 'bind': return name === DEFAULT_BINDER;
    case 'permit': case 'postBind': return false;
  }
}

const POINT_TITLE: Record<ExtensionPoint, string> = {
  preEnqueue: 'PreEnqueue', queueSort: 'QueueSort', preFilter: 'PreFilter', filter: 'Filter', postFilter: 'PostFilter', preScore: 'PreScore',
  score: 'Score', reserve: 'Reserve', permit: 'Permit', preBind: 'PreBind', bind: 'Bind', postBind: 'PostBind',
};

const known = (registry: Registry, name: string): boolean => registry.has(name) || name === PRIORITY_SORT || name === DEFAULT_BINDER;

/**
 * The plugins of each extension point after kube-scheduler's expandMultiPointPlugins:
 * a point's own enabled plugins that also come through multiPoint (overrides) first, then
 * the multiPoint plugins implementing the point and not disabled there, then the point's
 * other enabled plugins. Score weights: multiPoint's, overridden by the score point's.
 */
export function expandPlugins(plugins: Plugins | undefined, registry: Registry): { points: Record<ExtensionPoint, string[]>; weights: Map<string, number> } {
  const multiPoint = mergePluginSet(DEFAULT_PLUGINS.multiPoint, plugins?.multiPoint);
  const weights = new Map<string, number>();
  const points = {} as Record<ExtensionPoint, string[]>;
  const check = (ref: PluginRef, where: string): void => {
    if (known(registry, ref.name)) return;
    if (NOT_BUILT_PLUGINS.has(ref.name)) throw new Error(`plugin "${ref.name}" is not built into this scheduler (${where})`);
    throw new Error(`plugin "${ref.name}" does not exist`);
  };
  const seenMulti = new Set<string>();
  for (const ref of multiPoint) {
    if (seenMulti.has(ref.name)) throw new Error(`plugin "${ref.name}" already registered as "MultiPoint"`);
    seenMulti.add(ref.name);
    check(ref, 'multiPoint');
    if (ref.weight !== undefined) weights.set(ref.name, ref.weight);
  }
  for (const point of EXTENSION_POINTS) {
    const set = plugins?.[point];
    const enabled = (set?.enabled ?? []).map((r) => r.name);
    const disabled = new Set((set?.disabled ?? []).map((r) => r.name));
    const seen = new Set<string>();
    for (const ref of set?.enabled ?? []) {
      if (seen.has(ref.name)) throw new Error(`plugin "${ref.name}" already registered as "${POINT_TITLE[point]}Plugin"`);
      seen.add(ref.name);
      check(ref, point);
      if (!implementsPoint(registry.get(ref.name), ref.name, point)) throw new Error(`plugin "${ref.name}" does not extend ${POINT_TITLE[point]}Plugin plugin`);
      if (point === 'score' && ref.weight !== undefined) weights.set(ref.name, ref.weight);
    }
    if (disabled.has('*')) {
      points[point] = enabled;
      continue;
    }
    const overrides = new Set<string>();
    const fromMulti: string[] = [];
    for (const ref of multiPoint) {
      if (!implementsPoint(registry.get(ref.name), ref.name, point) || disabled.has(ref.name)) continue;
      if (seen.has(ref.name)) overrides.add(ref.name);
      else fromMulti.push(ref.name);
    }
    points[point] = [...enabled.filter((n) => overrides.has(n)), ...fromMulti, ...enabled.filter((n) => !overrides.has(n))];
  }
  return { points, weights };
}

/**
 * Compiles a profile into the Framework scheduleOne runs. Throws, with kube-scheduler's
 * wording where it has one, on an unknown plugin, a plugin at an extension point it does
 * not implement, a plugin listed twice, a weight outside 1..100, a percentage outside
 * 0..100, a profile without exactly one queue sort or without a binder.
 */
export function buildFramework(config: ProfileConfig = {}, registry: Registry = inTreeRegistry, opts: { nominator?: PodNominator } = {}): Framework {
  const pct = config.percentageOfNodesToScore ?? 0;
  if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new Error(`percentageOfNodesToScore: must be an integer in 0..100, got ${pct}`);
  const schedulerName = config.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const { points, weights } = expandPlugins(config.plugins, registry);
  if (points.queueSort.length !== 1) throw new Error(`one queue sort plugin required for profile with scheduler name "${schedulerName}"`);
  if (points.bind.length === 0) throw new Error(`at least one bind plugin is needed for profile with scheduler name "${schedulerName}"`);
  const get = (name: string): AnyPlugin => registry.get(name) as AnyPlugin;
  const score: { plugin: ScorePlugin; weight: number }[] = [];
  for (const name of points.score) {
    const weight = weights.get(name) ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 100) throw new Error(`plugin "${name}": score weight must be a positive integer in 1..100, got ${weight}`);
    score.push({ plugin: get(name) as ScorePlugin, weight });
  }
  return {
    schedulerName,
    preEnqueue: points.preEnqueue.map((n) => get(n) as PreEnqueuePlugin),
    preFilter: points.preFilter.map((n) => get(n) as PreFilterPlugin),
    filter: points.filter.map((n) => get(n) as FilterPlugin),
    postFilter: points.postFilter.map((n) => get(n) as PostFilterPlugin),
    preScore: points.preScore.map((n) => get(n) as PreScorePlugin),
    score,
    percentageOfNodesToScore: pct,
    nominator: opts.nominator,
  };
}
