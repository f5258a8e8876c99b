// Pod QoS class, as Kubernetes' pkg/apis/core/v1/helper/qos ComputePodQOS: requests
// and limits of cpu and memory summed over init and regular containers (zero
// quantities ignored). BestEffort when none is set; Guaranteed when every container
// limits both cpu and memory and the summed requests equal the summed limits;
// Burstable otherwise. A request left out counts as its limit, as the apiserver's
// defaulting fills it in.
import { parseQuantityExact } from '../quantity.js';
import type { Pod } from '../types/core.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

type QuantityMap = Record<string, string | number | undefined> | undefined;

/** The exact value in nanos of a positive quantity; undefined when absent, zero or malformed. */
function positive(v: string | number | undefined): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    const { nanos } = parseQuantityExact(String(v));
    return nanos > 0n ? nanos : undefined;
  } catch {
    return undefined;
  }
}

export function podQOSClass(pod: Pod): QOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const c of containers) {
    const req = (c.resources?.requests ?? {}) as QuantityMap;
    const lim = (c.resources?.limits ?? {}) as QuantityMap;
    const limitsFound = new Set<string>();
    for (const r of QOS_RESOURCES) {
      const l = positive(lim?.[r]);
      const q = positive(req?.[r] ?? lim?.[r]);
      if (q) requests.set(r, (requests.get(r) ?? 0n) + q);
      if (l) {
        limitsFound.add(r);
        limits.set(r, (limits.get(r) ?? 0n) + l);
      }
    }
    if (!QOS_RESOURCES.every((r) => limitsFound.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [r, v] of requests) {
      if (limits.get(r) !== v) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
