// POST pods/<name>/eviction (Kubernetes 1.32's EvictionREST,
// pkg/registry/core/pod/storage/eviction.go): deletes the pod unless the one
// PodDisruptionBudget that selects it forbids the disruption. Pods that disrupt nothing
// (Pending, terminal, already deleting) are deleted without looking at budgets; a
// running pod that is not Ready is deleted when the budget's unhealthyPodEvictionPolicy
// (or an undisrupted application) allows it; otherwise the budget's disruptionsAllowed
// is decremented and the pod recorded in status.disruptedPods before the pod gets the
// DisruptionTarget condition and is deleted.
import { setTimeout as sleep } from 'node:timers/promises';
import { badRequest, conflict, forbiddenObject, isConflict, makeStatus, StatusError } from '../../api/errors.js';
import { isPodReady } from '../../api/helpers/pod.js';
import { updatePodCondition } from '../../api/helpers/pod-conditions.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { Pod } from '../../api/types/core.js';
import type { DeleteOptions, Status } from '../../api/types/meta.js';
import { budgetsFor, updateDisruptionAllowedCondition } from '../../api/helpers/poddisruptionbudget.js';
import { DISRUPTION_BUDGET_CAUSE, type Eviction, type PodDisruptionBudget } from '../../api/types/policy.js';
import type { AdmissionAttributes } from '../admission/chain.js';
import type { GenericRegistry } from './generic.js';
import type { Subresource, SubresourceRequest, SubresourceResult } from './subresource.js';

/** MaxDisruptedPodSize: evictions approved but not yet seen by the disruption controller. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

/** EvictionsRetry: 20 tries, 500 ms apart (10% jitter), on conflicts. */
export interface EvictionRetry { steps: number; delayMs: number }
const EVICTIONS_RETRY: EvictionRetry = { steps: 20, delayMs: 500 };

const EVICTION_KIND = { group: 'policy', version: 'v1', kind: 'Eviction' };
const PDB_RESOURCE = { group: 'policy', resource: 'poddisruptionbudget' };
const VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget.";

/** 429 with the DisruptionBudget cause, as NewTooManyRequests plus the cause the eviction REST appends. */
export function tooManyRequests(cause: string, retryAfterSeconds: number): StatusError {
  return new StatusError(makeStatus(429, 'TooManyRequests', VIOLATES_BUDGET, {
    causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }], ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
  }));
}

/** createTooManyRequestsError: the budget's status is behind its spec (or the pod changed under us). */
const stillProcessing = (pdbName: string): StatusError => tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);

/** canIgnorePDB: pods that disrupt nothing when deleted. */
export function canIgnorePDB(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata.deletionTimestamp);
}

/** shouldEnforceResourceVersion: a running pod could turn Ready between our read and the delete. */
function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp);
}

const resourceVersionIsUnset = (o: DeleteOptions): boolean => !o.preconditions?.resourceVersion;

const withResourceVersion = (o: DeleteOptions, rv: string | undefined): DeleteOptions =>
  ({ ...o, preconditions: { ...o.preconditions, resourceVersion: rv } });

export interface EvictionDeps {
  pods: GenericRegistry;
  pdbs: GenericRegistry;
  /** Overrides EvictionsRetry (tests). */
  retry?: EvictionRetry;
  now?: () => number;
}

/** retry.OnError: calls fn until it succeeds, fails with an error shouldRetry refuses, or the steps run out (the last error). */
async function onError<T>(retry: EvictionRetry, shouldRetry: (err: unknown) => boolean, fn: () => Promise<T>): Promise<T> {
  for (let step = 1; ; step++) {
    try {
      return await fn();
    } catch (err) {
      if (!shouldRetry(err) || step >= retry.steps) throw err;
      await sleep(retry.delayMs * (1 + Math.random() * 0.1));
    }
  }
}

export function evictionSubresource(deps: EvictionDeps): Subresource {
  const retry = deps.retry ?? EVICTIONS_RETRY;
  const now = deps.now ?? Date.now;
  const { pods, pdbs } = deps;

  /**
   * addConditionAndDeletePod: the DisruptionTarget condition on the latest pod (checked
   * against the delete's preconditions), then the delete itself.
   */
  async function addConditionAndDeletePod(req: SubresourceRequest, options: DeleteOptions, dryRun: boolean): Promise<void> {
    const ns = req.namespace as string;
    let opts = options;
    if (!dryRun) {
      const q = { group: '', resource: 'pods' };
      const updated = await pods.guaranteedUpdate(ns, req.name, (cur) => {
        const pod = cur as Pod;
        const pre = opts.preconditions;
        if (pre?.uid && pre.uid !== pod.metadata.uid) {
          throw conflict(q, req.name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${pod.metadata.uid}). The object might have been deleted and then recreated`);
        }
        if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) {
          throw conflict(q, req.name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${pod.metadata.resourceVersion}). The object might have been modified`);
        }
        pod.status ??= {};
        updatePodCondition(pod.status, {
          type: 'DisruptionTarget', status: 'True', lastProbeTime: null, reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting',
        }, now());
        return pod;
      }, { subresource: 'status', user: req.user });
      // We changed the pod: a resourceVersion precondition must name our write.
      if (!resourceVersionIsUnset(opts)) opts = withResourceVersion(opts, updated.metadata.resourceVersion);
    }
    await pods.delete(ns, req.name, opts, { dryRun, user: req.user, warnings: req.warnings });
  }

  /** checkAndDecrement: refuses (429/403) or takes one disruption from the budget and records the pod. */
  async function checkAndDecrement(ns: string, podName: string, pdbName: string, dryRun: boolean): Promise<void> {
    const check = (pdb: PodDisruptionBudget): PodDisruptionBudget => {
      const status = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
      if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw stillProcessing(pdb.metadata.name as string);
      if (status.disruptionsAllowed < 0) throw forbiddenObject(PDB_RESOURCE, pdbName, 'pdb disruptions allowed is negative');
      if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
        throw forbiddenObject(PDB_RESOURCE, pdbName, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
      }
      if (status.disruptionsAllowed === 0) {
        throw tooManyRequests(`The disruption budget ${pdbName} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`, 0);
      }
      pdb.status = { ...status, disruptionsAllowed: status.disruptionsAllowed - 1 };
      if (pdb.status.disruptionsAllowed === 0) updateDisruptionAllowedCondition(pdb, now());
      // Tell the disruption controller the pod is about to go, so it stops counting it as healthy.
      pdb.status.disruptedPods = { ...pdb.status.disruptedPods, [podName]: rfc3339(now()) };
      return pdb;
    };
    if (dryRun) {
      check(structuredClone(await pdbs.get(ns, pdbName)) as PodDisruptionBudget);
      return;
    }
    // guaranteedUpdate re-reads and re-checks on a conflict, as RetryOnConflict's refresh does.
    await pdbs.guaranteedUpdate(ns, pdbName, (cur) => check(cur as PodDisruptionBudget), { subresource: 'status' });
  }

  return {
    methods: ['POST'],
    async serve(req: SubresourceRequest): Promise<SubresourceResult> {
      const eviction = req.object(EVICTION_KIND) as Eviction;
      if (!eviction || typeof eviction !== 'object' || Array.isArray(eviction)) throw badRequest('not a Eviction object');
      if (eviction.kind && eviction.kind !== 'Eviction') throw badRequest(`not a Eviction object: ${eviction.kind}`);
      if (req.name !== eviction.metadata?.name) throw badRequest('name in URL does not match name in Eviction object');
      const ns = req.namespace as string;
      // propagateDryRun: the query's dryRun and the body's must agree.
      const bodyOpts: DeleteOptions = { ...eviction.deleteOptions };
      const bodyDry = Array.isArray(bodyOpts.dryRun) && bodyOpts.dryRun.length > 0;
      if (bodyDry && req.dryRun && !bodyOpts.dryRun?.every((v) => v === 'All')) {
        throw badRequest(`Non-matching dry-run options in request and content: [All] and [${bodyOpts.dryRun?.join(' ')}]`);
      }
      const dryRun = bodyDry || req.dryRun;
      // createValidation: admission sees the Eviction (webhooks that guard evictions, for one).
      const attrs: AdmissionAttributes = {
        operation: 'CREATE', resource: pods.ri, subresource: 'eviction', namespace: ns, name: req.name, object: eviction,
        user: req.user, dryRun, warn: (m) => { req.warnings?.push(m); },
      };
      await pods.admission.admit(attrs);
      await pods.admission.validate(attrs);
      const original: DeleteOptions = { ...bodyOpts };
      delete original.kind;
      delete original.apiVersion;
      if (dryRun) original.dryRun = ['All'];

      // Pods whose deletion disrupts nothing go at once; retried on conflicts unless the caller pinned a resourceVersion.
      let pod: Pod | undefined;
      let deleted = false;
      await onError(retry, (err) => resourceVersionIsUnset(original) && isConflict(err), async () => {
        pod = await pods.get(ns, req.name) as Pod;
        if (!canIgnorePDB(pod)) return;
        const opts = shouldEnforceResourceVersion(pod) && resourceVersionIsUnset(original)
          ? withResourceVersion(original, pod.metadata.resourceVersion) : original;
        await addConditionAndDeletePod(req, opts, dryRun);
        deleted = true;
      });
      if (deleted) return success();
      const current = pod as Pod;

      const all = (await pdbs.list({ namespace: ns })).items as PodDisruptionBudget[];
      const matching = budgetsFor(current, all);
      if (matching.length > 1) {
        const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 };
        throw new StatusError(status);
      }
      let pinVersion = false;
      const pdb = matching[0];
      if (pdb) {
        const pdbName = pdb.metadata.name as string;
        const status = pdb.status;
        // An unready pod does not count as healthy: deleting it disrupts nothing the budget guards when the policy says so.
        if (!isPodReady(current) && (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow'
          || ((status?.currentHealthy ?? 0) >= (status?.desiredHealthy ?? 0) && (status?.desiredHealthy ?? 0) > 0))) {
          pinVersion = true;
        } else {
          await checkAndDecrement(ns, current.metadata.name as string, pdbName, dryRun);
        }
      }

      // Pin the pod's resourceVersion: it must not have turned Ready since we decided.
      const opts = pinVersion ? withResourceVersion(original, current.metadata.resourceVersion) : original;
      try {
        await addConditionAndDeletePod(req, opts, dryRun);
      } catch (err) {
        if (isConflict(err) && pinVersion && resourceVersionIsUnset(original)) throw stillProcessing(pdb?.metadata.name as string);
        throw err;
      }
      return success();
    },
  };
}

/** What the eviction answers once the pod is (being) deleted. */
function success(): SubresourceResult {
  return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } satisfies Status };
}
