// The Priority admission plugin (Kubernetes 1.32's plugin/pkg/admission/priority):
// - a new pod's spec.priorityClassName resolves to spec.priority and
//   spec.preemptionPolicy from that PriorityClass; a pod without one gets the
//   globalDefault class (its name too), else priority 0 and PreemptLowerPriority. An
//   unknown class, or a priority/preemptionPolicy the pod sets that disagrees with the
//   class, is refused (403). Any class may be used in any namespace: the system classes
//   are no longer limited to kube-system (limiting them is ResourceQuota's job).
// - a pod update keeps the priority and preemptionPolicy the pod was created with.
// - a PriorityClass may become the globalDefault only while no other class is.
import { forbiddenObject, makeStatus, StatusError } from '../../api/errors.js';
import type { Pod } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, type PriorityClass } from '../../api/types/scheduling.js';
import type { AdmissionAttributes, AdmissionPlugin } from './chain.js';

export const PRIORITY_PLUGIN = 'Priority';

/** Where the plugin reads classes: the watch cache, and storage for a class too new for it. */
export interface PriorityClassSource {
  list(): Iterable<KubeObject>;
  get(name: string): Promise<KubeObject | undefined>;
}

/** admission.NewForbidden: `<resource> "<name>" is forbidden: <why>` (no name: `<resource> is forbidden: <why>`). */
function deny(a: AdmissionAttributes, why: string): StatusError {
  const q = { group: a.resource.group, resource: a.resource.plural };
  if (a.name) return forbiddenObject(q, a.name, why);
  const resource = q.group ? `${q.resource}.${q.group}` : q.resource;
  return new StatusError(makeStatus(403, 'Forbidden', `${resource} is forbidden: ${why}`, { group: q.group, kind: q.resource }));
}

/** getDefaultPriorityClass: the globalDefault class; the lowest value when a race left several. */
export function defaultPriorityClass(classes: Iterable<KubeObject>): PriorityClass | undefined {
  let best: PriorityClass | undefined;
  for (const o of classes) {
    const pc = o as PriorityClass;
    if (pc.globalDefault && (!best || best.value > pc.value)) best = pc;
  }
  return best;
}

export function priorityAdmission(classes: PriorityClassSource): AdmissionPlugin {
  async function admitPodCreate(a: AdmissionAttributes, spec: NonNullable<Pod['spec']>): Promise<void> {
    let priority: number;
    let preemptionPolicy: string | undefined;
    if (!spec.priorityClassName) {
      const dpc = defaultPriorityClass(classes.list());
      if (dpc) {
        spec.priorityClassName = dpc.metadata.name;
        priority = dpc.value;
        preemptionPolicy = dpc.preemptionPolicy;
      } else {
        priority = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS;
        preemptionPolicy = 'PreemptLowerPriority';
      }
    } else {
      const pc = await classes.get(spec.priorityClassName) as PriorityClass | undefined;
      if (!pc) throw deny(a, `no PriorityClass with name ${spec.priorityClassName} was found`);
      priority = pc.value;
      preemptionPolicy = pc.preemptionPolicy;
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
      throw deny(a, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
    }
    spec.priority = priority;
    if (preemptionPolicy !== undefined) {
      if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== preemptionPolicy) {
        throw deny(a, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`);
      }
      spec.preemptionPolicy = preemptionPolicy;
    }
  }

  return {
    name: PRIORITY_PLUGIN,
    async admit(a) {
      if (a.subresource || a.resource.group !== '' || a.resource.plural !== 'pods') return;
      const pod = a.object as Pod | undefined;
      if (!pod || typeof pod.spec !== 'object' || pod.spec === null) return;
      if (a.operation === 'CREATE') return admitPodCreate(a, pod.spec);
      if (a.operation === 'UPDATE') {
        // Set at create; validation forbids changing them, so an update that leaves them out keeps them.
        const old = (a.oldObject as Pod | undefined)?.spec;
        const spec = pod.spec;
        if (spec.priority === undefined && old?.priority !== undefined) spec.priority = old.priority;
        if (spec.preemptionPolicy === undefined && old?.preemptionPolicy !== undefined) spec.preemptionPolicy = old.preemptionPolicy;
      }
    },
    validate(a) {
      if (a.subresource || a.resource.group !== 'scheduling.k8s.io' || a.resource.plural !== 'priorityclasses') return;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
      const pc = a.object as PriorityClass | undefined;
      if (!pc?.globalDefault) return;
      const dpc = defaultPriorityClass(classes.list());
      if (!dpc) return;
      // A second default, or another class marked default while one exists.
      if (a.operation === 'CREATE' || dpc.metadata.name !== pc.metadata.name) {
        throw deny(a, `PriorityClass ${dpc.metadata.name} is already marked as default. Only one default can exist`);
      }
    },
  };
}
