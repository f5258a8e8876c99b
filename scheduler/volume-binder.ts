// VolumeBinding's PreBind (kube-scheduler volumebinding BindPodVolumes): once a node is
// chosen for a pod with unbound WaitForFirstConsumer claims, each claim gets either an
// Available volume that node can reach (the volume is pre-bound to it: claimRef) or, to
// be provisioned there, the volume.kubernetes.io/selected-node annotation. The binding
// itself is the PV controller's; PreBind then waits until every claim of the pod is
// bound (bind-completed, its volume Bound), or fails after the timeout (600 s in
// Kubernetes' bindTimeoutSeconds) and the pod goes back to the queue.
import type { Logger } from 'pino';
import { isConflict } from '../api/errors.js';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, findMatchingVolume } from '../api/helpers/storage.js';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from '../api/types/core.js';
import type { ResourceClient } from '../client/resource-client.js';
import { podVolumeClaims, type VolumeView } from './plugins/volume-binding.js';

export const DEFAULT_BIND_TIMEOUT_MS = 600_000;

export interface VolumeBinderOptions {
  view: VolumeView;
  claims: Pick<ResourceClient<PersistentVolumeClaim>, 'patch'>;
  volumes: Pick<ResourceClient<PersistentVolume>, 'update'>;
  log: Logger;
  timeoutMs?: number;
}

export class VolumeBinder {
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: VolumeBinderOptions) {}

  /** The caches changed (a claim or volume event): waiting binds look again. */
  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Whether the pod has claims left to bind (no PreBind work otherwise). */
  needsBinding(pod: Pod): boolean {
    const claims = podVolumeClaims(pod, this.o.view);
    return !('code' in claims) && claims.delayed.length > 0;
  }

  /** Binds or provisions the pod's unbound claims on node, then waits until they are bound; throws on failure or timeout. */
  async bindPodVolumes(pod: Pod, node: Node, signal?: AbortSignal, timeoutMs?: number): Promise<void> {
    const claims = podVolumeClaims(pod, this.o.view);
    if ('code' in claims) throw new Error(claims.reasons.join(', '));
    const nodeName = node.metadata.name ?? '';
    const names: [string, string][] = [];
    for (const pvc of claims.delayed) {
      const ns = pvc.metadata.namespace ?? '';
      const name = pvc.metadata.name ?? '';
      names.push([ns, name]);
      const pv = findMatchingVolume(pvc, this.o.view.volumes(), node, false);
      if (pv && !pv.spec?.claimRef) {
        const next = structuredClone(pv);
        next.spec ??= {};
        next.spec.claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion };
        next.metadata.annotations = { ...next.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' };
        try {
          await this.o.volumes.update('', next);
        } catch (err) {
          if (!isConflict(err)) throw err;
          throw new Error(`binding volumes: volume "${pv.metadata.name}" changed while binding it`);
        }
        this.o.log.debug({ claim: `${ns}/${name}`, volume: pv.metadata.name }, 'pre-bound volume to claim');
      } else if (!pv && pvc.metadata.annotations?.[ANN_SELECTED_NODE] !== nodeName) {
        await this.o.claims.patch(ns, name, 'merge', { metadata: { annotations: { [ANN_SELECTED_NODE]: nodeName } } });
        this.o.log.debug({ claim: `${ns}/${name}`, node: nodeName }, 'selected node for provisioning');
      }
    }
    await this.waitBound(names, signal, timeoutMs);
  }

  private bound([ns, name]: [string, string]): boolean {
    const pvc = this.o.view.claim(ns, name);
    if (!pvc?.spec?.volumeName || pvc.metadata.annotations?.[ANN_BIND_COMPLETED] === undefined) return false;
    return this.o.view.volume(pvc.spec.volumeName)?.status?.phase === 'Bound';
  }

  private waitBound(names: [string, string][], signal?: AbortSignal, timeout?: number): Promise<void> {
    const timeoutMs = timeout ?? this.o.timeoutMs ?? DEFAULT_BIND_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (names.every((n) => this.bound(n))) finish();
      };
      const finish = (err?: Error): void => {
        this.waiters.delete(check);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => finish(new Error('binding volumes: scheduler stopping'));
      const timer = setTimeout(() => finish(new Error('binding volumes: context deadline exceeded')), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(check);
      check();
    });
  }
}
