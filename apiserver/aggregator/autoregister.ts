// kube-aggregator's autoregister controller, as kube-apiserver runs it at start: one
// Local APIService (no service: served here) per built-in group version, named
// <version>.<group> ("v1." for the core group), with kube-apiserver's discovery
// priorities and the label kube-aggregator.kubernetes.io/automanaged=onstart. Local
// APIServices of this kind that no longer name a served group version are deleted.
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import { RESOURCES } from '../../api/registry.js';
import { APIREGISTRATION_GROUP, type APIService } from '../../api/types/apiregistration.js';
import type { GenericRegistry } from '../registry/generic.js';

export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';

/** kube-apiserver's apiVersionPriorities (cmd/kube-apiserver/app/aggregator.go), for the groups served here and those on their way. */
const PRIORITIES: Record<string, { group: number; version: number }> = {
  'v1': { group: 18000, version: 1 },
  'apiregistration.k8s.io/v1': { group: 18000, version: 15 },
  'apps/v1': { group: 17800, version: 15 },
  'events.k8s.io/v1': { group: 17750, version: 15 },
  'authentication.k8s.io/v1': { group: 17700, version: 15 },
  'authorization.k8s.io/v1': { group: 17600, version: 15 },
  'autoscaling/v1': { group: 17500, version: 15 },
  'autoscaling/v2': { group: 17500, version: 30 },
  'batch/v1': { group: 17400, version: 15 },
  'certificates.k8s.io/v1': { group: 17300, version: 15 },
  'networking.k8s.io/v1': { group: 17200, version: 15 },
  'policy/v1': { group: 17100, version: 15 },
  'rbac.authorization.k8s.io/v1': { group: 17000, version: 15 },
  'storage.k8s.io/v1': { group: 16800, version: 15 },
  'apiextensions.k8s.io/v1': { group: 16700, version: 15 },
  'admissionregistration.k8s.io/v1': { group: 16700, version: 15 },
  'scheduling.k8s.io/v1': { group: 16600, version: 15 },
  'coordination.k8s.io/v1': { group: 16500, version: 15 },
  'node.k8s.io/v1': { group: 16300, version: 15 },
  'discovery.k8s.io/v1': { group: 16200, version: 15 },
  'flowcontrol.apiserver.k8s.io/v1': { group: 16100, version: 21 },
};

/** The Local APIService of a built-in group version; undefined for one without a priority (kube-apiserver skips those too). */
export function localAPIService(group: string, version: string): APIService | undefined {
  const p = PRIORITIES[group ? `${group}/${version}` : version];
  if (!p) return undefined;
  return {
    apiVersion: `${APIREGISTRATION_GROUP}/v1`, kind: 'APIService',
    metadata: { name: `${version}.${group}`, labels: { [AUTOMANAGED_LABEL]: 'onstart' } },
    spec: { group, version, groupPriorityMinimum: p.group, versionPriority: p.version },
  };
}

/** Every built-in group version's Local APIService, in registry order. */
export function localAPIServices(): APIService[] {
  const seen = new Set<string>();
  const out: APIService[] = [];
  for (const ri of RESOURCES) {
    const key = `${ri.group}/${ri.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const s = localAPIService(ri.group, ri.version);
    if (s) out.push(s);
  }
  return out;
}

const sameSpec = (a: APIService, b: APIService): boolean => JSON.stringify(a.spec) === JSON.stringify(b.spec)
  && a.metadata.labels?.[AUTOMANAGED_LABEL] === b.metadata.labels?.[AUTOMANAGED_LABEL];

/** Creates or corrects the Local APIServices, and deletes stale automanaged ones. Conflicts with another apiserver doing the same are retried. */
export async function autoregister(reg: GenericRegistry, log: Logger): Promise<void> {
  const wanted = localAPIServices();
  // Each APIService on its own, all at once (a start waits for the slowest, not the sum).
  await Promise.all(wanted.map(async (want) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        let cur: APIService | undefined;
        try { cur = await reg.get(undefined, want.metadata.name!) as APIService; } catch (err) { if (!isNotFound(err)) throw err; }
        if (!cur) {
          await reg.create(undefined, want);
          log.info({ apiservice: want.metadata.name }, 'registered local APIService');
        } else if (!sameSpec(cur, want)) {
          await reg.update(undefined, want.metadata.name!, {
            ...cur, metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, ...want.metadata.labels } }, spec: want.spec,
          });
        }
        break;
      } catch (err) {
        if (!isConflict(err) && !isAlreadyExists(err)) throw err;
      }
    }
  }));
  const names = new Set(wanted.map((s) => s.metadata.name));
  for (const obj of (await reg.list({})).items as APIService[]) {
    if (obj.metadata.labels?.[AUTOMANAGED_LABEL] !== 'onstart' || obj.spec?.service || names.has(obj.metadata.name)) continue;
    try {
      await reg.delete(undefined, obj.metadata.name!, { preconditions: { uid: obj.metadata.uid } });
      log.info({ apiservice: obj.metadata.name }, 'deleted stale local APIService');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
