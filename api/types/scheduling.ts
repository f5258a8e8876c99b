// scheduling.k8s.io/v1 types: PriorityClass, and the system classes every cluster has
// (k8s.io/api/scheduling/v1, pkg/apis/scheduling).
import type { KubeObject } from './meta.js';

export interface PriorityClass extends KubeObject {
  value: number;
  globalDefault?: boolean;
  description?: string;
  /** Defaults to PreemptLowerPriority. */
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never' | string;
}

/** The highest value a PriorityClass not named system-* may have (HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** SystemCriticalPriority: the value of system-cluster-critical. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
/** Names with this prefix are reserved for the system classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** The priority of a pod when no class is the global default. */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0;

/** The classes the apiserver creates at start (pkg/apis/scheduling's SystemPriorityClasses). */
export function systemPriorityClasses(): PriorityClass[] {
  return [
    {
      apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-node-critical' },
      value: SYSTEM_CRITICAL_PRIORITY + 1000,
      description: 'Used for system critical pods that must not be moved from their current node.',
    },
    {
      apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-cluster-critical' },
      value: SYSTEM_CRITICAL_PRIORITY,
      description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
    },
  ];
}

/**
 * IsKnownSystemPriorityClass: undefined when name is a system class with this value and
 * globalDefault, else why not.
 */
export function unknownSystemPriorityClass(name: string, value: number, globalDefault: boolean): string | undefined {
  const spc = systemPriorityClasses().find((c) => c.metadata.name === name);
  if (!spc) return `${name} is not a known system priority class`;
  if (spc.value !== value) return `value of ${name} PriorityClass must be ${spc.value}`;
  if ((spc.globalDefault ?? false) !== globalDefault) return `globalDefault of ${name} PriorityClass must be ${spc.globalDefault ?? false}`;
  return undefined;
}
