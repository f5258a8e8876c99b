// The DefaultTolerationSeconds admission plugin (plugin/pkg/admission/defaulttolerationseconds):
// a pod that does not already tolerate them gets NoExecute tolerations of the
// not-ready and unreachable node taints, for --default-not-ready-toleration-seconds
// and --default-unreachable-toleration-seconds (300 s each), so the node lifecycle
// controller evicts it that long after its node goes bad rather than at once.
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, type Pod, type Toleration } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Strategy } from '../registry/strategy.js';

/** The plugin's two settings, in seconds (kube-apiserver's flags of the same names). */
export interface DefaultTolerationSecondsOptions {
  notReadySeconds: number;
  unreachableSeconds: number;
}

export const DEFAULT_TOLERATION_SECONDS: DefaultTolerationSecondsOptions = { notReadySeconds: 300, unreachableSeconds: 300 };

/** A toleration with an empty key tolerates every taint; one with an empty effect, every effect. */
const tolerates = (t: Toleration, key: string): boolean =>
  (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect);

/**
 * Admit: appends the missing tolerations to pod.spec.tolerations, in place. A pod whose
 * tolerations are not a list is left for validation to refuse.
 */
export function defaultTolerationSeconds(pod: Pod, opts: DefaultTolerationSecondsOptions): void {
  const spec = pod.spec;
  if (!spec || typeof spec !== 'object') return;
  if (spec.tolerations !== undefined && spec.tolerations !== null && !Array.isArray(spec.tolerations)) return;
  const tolerations = (spec.tolerations ?? []).filter((t): t is Toleration => typeof t === 'object' && t !== null);
  const added: Toleration[] = [];
  if (!tolerations.some((t) => tolerates(t, TAINT_NODE_NOT_READY))) {
    added.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: opts.notReadySeconds });
  }
  if (!tolerations.some((t) => tolerates(t, TAINT_NODE_UNREACHABLE))) {
    added.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: opts.unreachableSeconds });
  }
  if (added.length) spec.tolerations = [...(spec.tolerations ?? []), ...added];
}

/**
 * The pod strategy with the plugin in front of it, where kube-apiserver runs mutating
 * admission: after decoding and defaults, before the strategy and validation, on creates
 * and on updates of the pod itself (its status, binding and other subresources are not
 * admitted), so an update that drops the tolerations gets them back.
 */
export function withDefaultTolerationSeconds(strategy: Strategy, opts: DefaultTolerationSecondsOptions): Strategy {
  const admit = (obj: KubeObject): void => defaultTolerationSeconds(obj as Pod, opts);
  return {
    ...strategy,
    prepareForCreate(obj) {
      admit(obj);
      strategy.prepareForCreate?.(obj);
    },
    prepareForUpdate(obj, old) {
      admit(obj);
      strategy.prepareForUpdate?.(obj, old);
    },
  };
}
