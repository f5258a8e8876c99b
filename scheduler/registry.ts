// The in-tree plugins by name (kube-scheduler plugins/registry.go). A config refers to
// plugins by these names; buildFramework (config.ts) resolves them here.
import type { AnyPlugin } from './framework.js';
import * as balancedAllocation from './plugins/balanced-allocation.js';
import * as defaultPreemption from './plugins/default-preemption.js';
import * as interPodAffinity from './plugins/inter-pod-affinity.js';
import * as nodeAffinity from './plugins/node-affinity.js';
import * as nodeName from './plugins/node-name.js';
import * as nodePorts from './plugins/node-ports.js';
import * as nodeResourcesFit from './plugins/node-resources-fit.js';
import * as nodeUnschedulable from './plugins/node-unschedulable.js';
import * as podTopologySpread from './plugins/pod-topology-spread.js';
import * as schedulingGates from './plugins/scheduling-gates.js';
import * as taintToleration from './plugins/taint-toleration.js';
import * as volumeBinding from './plugins/volume-binding.js';

export type Registry = ReadonlyMap<string, AnyPlugin>;

/** Builds a registry, refusing two plugins with one name. */
export function newRegistry(plugins: Iterable<AnyPlugin>): Map<string, AnyPlugin> {
  const r = new Map<string, AnyPlugin>();
  for (const p of plugins) {
    if (r.has(p.name)) throw new Error(`a plugin named "${p.name}" already exists`);
    r.set(p.name, p);
  }
  return r;
}

export const IN_TREE_PLUGINS: readonly AnyPlugin[] = [
  schedulingGates.plugin,
  nodeUnschedulable.plugin,
  nodeName.plugin,
  taintToleration.plugin,
  nodeAffinity.plugin,
  nodePorts.plugin,
  nodeResourcesFit.plugin,
  balancedAllocation.plugin,
  podTopologySpread.plugin,
  volumeBinding.plugin,
  interPodAffinity.plugin,
  defaultPreemption.plugin,
];

/** Every in-tree plugin; merge out-of-tree ones with newRegistry([...IN_TREE_PLUGINS, ...mine]). */
export const inTreeRegistry: Registry = newRegistry(IN_TREE_PLUGINS);
