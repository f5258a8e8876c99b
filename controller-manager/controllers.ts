// The controllers this manager can run (kube-controller-manager's
// NewControllerDescriptors), their names and aliases as --controllers reads them, and
// the flags each one adds.
import type { Controller } from './controller.js';
import type { ControllerContext } from './context.js';
import type { ControllerOptions, FlagDef } from './options.js';
import { endpointsControllerDescriptor } from './endpoints/controller.js';
import { replicaSetControllerDescriptor, replicationControllerDescriptor } from './replicaset/index.js';
import { endpointSliceControllerDescriptor } from './endpointslice/controller.js';
import { namespaceControllerDescriptor } from './namespace/index.js';
import { garbageCollectorDescriptor } from './garbage-collector/index.js';
import { deploymentControllerDescriptor } from './deployment/controller.js';
import { jobControllerDescriptor } from './job/index.js';
import { ttlAfterFinishedControllerDescriptor } from './ttl-after-finished/controller.js';
import { daemonSetControllerDescriptor } from './daemonset/controller.js';
import { cronJobControllerDescriptor } from './cronjob/controller.js';
import { nodeLifecycleControllerDescriptor } from './node-lifecycle/index.js';
import { taintEvictionControllerDescriptor } from './taint-eviction/index.js';
import { podGCControllerDescriptor } from './pod-gc/index.js';
import { serviceLBControllerDescriptor } from './service-lb/index.js';
import { serviceAccountsControllerDescriptor } from './serviceaccount/index.js';
import { rootCACertPublisherDescriptor } from './root-ca-cert-publisher/index.js';
import { clusterRoleAggregationDescriptor } from './clusterrole-aggregation/index.js';
import { tokenCleanerDescriptor } from './token-cleaner/index.js';
import { csrApprovingDescriptor } from './csr-approving/index.js';
import { csrSigningDescriptor } from './csr-signing/index.js';
import { persistentVolumeBinderDescriptor } from './volume/persistentvolume/index.js';
import { pvcProtectionDescriptor, pvProtectionDescriptor } from './volume/protection/index.js';
import { localPathProvisionerDescriptor } from './volume/local-path/index.js';
import { statefulSetControllerDescriptor } from './statefulset/index.js';
import { horizontalPodAutoscalerDescriptor } from './podautoscaler/index.js';
import { disruptionControllerDescriptor } from './disruption/index.js';

export interface ControllerDescriptor {
  /** Canonical name, as cmd/kube-controller-manager/names: 'replicaset-controller'. */
  name: string;
  /** Older names --controllers also accepts: 'replicaset'. */
  aliases: string[];
  /**
   * The ServiceAccount kube-system/<name> the controller acts as with
   * --use-service-account-credentials: the name its start function in
   * kube-controller-manager passes to ClientBuilder.ClientOrDie ('replicaset-controller'),
   * bound by the default RBAC policy to the role system:controller:<name>. Undefined:
   * the manager's own identity, flag or not.
   */
  serviceAccountName?: string;
  /** Off unless named in --controllers (bootstrap-signer-controller in Kubernetes). */
  disabledByDefault?: boolean;
  flags: FlagDef[];
  /**
   * Builds the controller for one term, or answers undefined when it cannot run here
   * (kube-controller-manager's InitFunc returning started=false: the root CA publisher
   * without a CA); it logs why itself, the term logs that it skips it.
   */
  create(ctx: ControllerContext): Controller | undefined;
  /**
   * Checks the controller's flags once at start (kube-controller-manager fails at start
   * on an unreadable --root-ca-file); a throw stops the process with its message.
   */
  validate?(options: ControllerOptions): void;
}

/** Every controller, in start order. */
export const CONTROLLERS: ControllerDescriptor[] = [
  replicaSetControllerDescriptor, replicationControllerDescriptor, deploymentControllerDescriptor, daemonSetControllerDescriptor, statefulSetControllerDescriptor,
  jobControllerDescriptor, ttlAfterFinishedControllerDescriptor, cronJobControllerDescriptor, horizontalPodAutoscalerDescriptor,
  endpointsControllerDescriptor, endpointSliceControllerDescriptor, serviceLBControllerDescriptor,
  nodeLifecycleControllerDescriptor, taintEvictionControllerDescriptor, podGCControllerDescriptor,
  namespaceControllerDescriptor, garbageCollectorDescriptor,
  serviceAccountsControllerDescriptor, rootCACertPublisherDescriptor, clusterRoleAggregationDescriptor, tokenCleanerDescriptor,
  csrSigningDescriptor, csrApprovingDescriptor,
  persistentVolumeBinderDescriptor, pvcProtectionDescriptor, pvProtectionDescriptor, localPathProvisionerDescriptor,
  disruptionControllerDescriptor,
];

/** Flags of the manager itself that controllers read. */
export const COMMON_FLAGS: FlagDef[] = [];

/**
 * kube-controller-manager's IsControllerEnabled over --controllers: an exact name
 * (or alias) enables, `-name` disables, `*` enables every controller not disabled by
 * default; the first mention wins. Throws for a name that is no controller, with
 * kube-controller-manager's message.
 */
export function enabledControllers(list: string[], all: readonly ControllerDescriptor[] = CONTROLLERS): ControllerDescriptor[] {
  const canonical = new Map<string, string>();
  for (const d of all) {
    canonical.set(d.name, d.name);
    for (const a of d.aliases) canonical.set(a, d.name);
  }
  const choices: string[] = [];
  for (const raw of list.map((s) => s.trim()).filter(Boolean)) {
    if (raw === '*') {
      choices.push('*');
      continue;
    }
    const negate = raw.startsWith('-');
    const name = canonical.get(negate ? raw.slice(1) : raw);
    if (!name) throw new Error(`"${negate ? raw.slice(1) : raw}" is not in the list of known controllers`);
    choices.push(negate ? `-${name}` : name);
  }
  return all.filter((d) => {
    for (const c of choices) {
      if (c === d.name) return true;
      if (c === `-${d.name}`) return false;
    }
    return choices.includes('*') && !d.disabledByDefault;
  });
}
