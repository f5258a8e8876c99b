// Which pod and container `logs` reads: kubectl's logsForObject, podcmd's default
// container rules and podutils.ByLogging, as pure functions.
import { isPodReady, podCondition } from '../api/helpers/pod.js';
import { formatLabelSelector, selectorFromSet } from '../api/labels.js';
import type { ContainerStatus, Pod } from '../api/types/core.js';
import type { KubeObject, LabelSelector } from '../api/types/meta.js';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** "a, b, c (init)": the container names kubectl lists in its "Defaulted container" notice. */
export function allContainerNames(pod: Pod): string {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  for (const c of (pod.spec as { ephemeralContainers?: { name: string }[] } | undefined)?.ephemeralContainers ?? []) names.push(`${c.name} (ephem)`);
  for (const c of pod.spec?.initContainers ?? []) names.push(`${c.name} (init)`);
  return names.join(', ');
}

export interface ContainerChoice {
  container: string;
  /** What kubectl writes to stderr about the choice, if anything. */
  notice?: string;
}

interface NamedContainer { name: string; tty?: boolean; stdin?: boolean }

/** Every container of the pod by name: containers, init containers, ephemeral containers (podcmd.FindContainerByName). */
export function findContainer(pod: Pod, name: string): NamedContainer | undefined {
  const all: NamedContainer[] = [
    ...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []),
    ...((pod.spec as { ephemeralContainers?: NamedContainer[] } | undefined)?.ephemeralContainers ?? []),
  ];
  return all.find((c) => c.name === name);
}

/**
 * podcmd.FindOrDefaultContainerByName (exec, attach, cp): the container asked for, else
 * the default-container annotation's when the pod has it, else the first, with kubectl's
 * "Defaulted container" notice when there was a choice (unless quiet). Throws kubectl's
 * errors for a container the pod does not have and for a pod without containers.
 */
export function findOrDefaultContainer(pod: Pod, requested: string | undefined, quiet = false): { container: NamedContainer; notice?: string } {
  const name = pod.metadata.name ?? '';
  if (requested) {
    const found = findContainer(pod, requested);
    if (!found) throw new Error(`container ${requested} not found in pod ${name}`);
    return { container: found };
  }
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const byAnnotation = annotated ? findContainer(pod, annotated) : undefined;
  if (byAnnotation) return { container: byAnnotation };
  const containers = pod.spec?.containers ?? [];
  const first = containers[0];
  if (!first) throw new Error(`pod ${pod.metadata.namespace ?? ''}/${name} does not have any containers`);
  const ephemeral = (pod.spec as { ephemeralContainers?: unknown[] } | undefined)?.ephemeralContainers ?? [];
  const choice = containers.length > 1 || (pod.spec?.initContainers ?? []).length > 0 || ephemeral.length > 0;
  return { container: first, notice: choice && !quiet ? `Defaulted container ${JSON.stringify(first.name)} out of: ${allContainerNames(pod)}` : undefined };
}

/**
 * The container `logs` reads (logsForObject): the one asked for, else podcmd's default,
 * saying first when the default-container annotation names a container the pod lacks.
 * Throws kubectl's error for a container the pod does not have.
 */
export function chooseContainer(pod: Pod, requested: string | undefined, quiet = false): ContainerChoice {
  const name = pod.metadata.name ?? '';
  if (requested) {
    if (!findContainer(pod, requested)) throw new Error(`container ${requested} is not valid for pod ${name}`);
    return { container: requested, notice: undefined };
  }
  const notices: string[] = [];
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && !findContainer(pod, annotated)) notices.push(`Default container name ${JSON.stringify(annotated)} not found in pod ${name}`);
  const { container, notice } = findOrDefaultContainer(pod, undefined, quiet);
  if (notice) notices.push(notice);
  return { container: container.name, notice: notices.length ? notices.join('\n') : undefined };
}

/**
 * The label selector of the pods a controller or service stands for (kubectl's
 * SelectorsForObject); `verb` words the error for other kinds ("cannot <verb> X: ...").
 */
export function podSelectorOf(obj: KubeObject, kind: string, verb = 'get the logs from'): string {
  const spec = (obj as { spec?: { selector?: LabelSelector | Record<string, string> } }).spec;
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job': {
      const text = formatLabelSelector(spec?.selector as LabelSelector | undefined);
      if (text === '<none>') return '';
      if (text === '<error>') throw new Error(`invalid label selector: ${JSON.stringify(spec?.selector)}`);
      return text;
    }
    case 'Service':
    case 'ReplicationController': {
      const sel = spec?.selector as Record<string, string> | undefined;
      if (!sel || Object.keys(sel).length === 0) throw new Error('invalid service \'' + (obj.metadata.name ?? '') + '\': Service is defined without a selector');
      return selectorFromSet(sel).toString();
    }
    default:
      throw new Error(`cannot ${verb} ${kind}: selector for ${kind} not implemented`);
  }
}

/** When the pod became Ready; "" when it is not. */
function readyTime(p: Pod): string {
  return isPodReady(p) ? podCondition(p, 'Ready')?.lastTransitionTime ?? '' : '';
}

function maxRestarts(p: Pod): number {
  return Math.max(0, ...((p.status?.containerStatuses ?? []) as ContainerStatus[]).map((c) => c.restartCount ?? 0));
}

/** "a after b, or a empty" for RFC 3339 timestamps: kubectl's afterOrZero. */
function afterOrZero(a: string, b: string): boolean {
  if (!a || !b) return !a;
  return a > b;
}

/** The pod kubectl picks first to show logs of (podutils.ByLogging). */
export function compareForLogging(a: Pod, b: Pod): number {
  const less = (x: Pod, y: Pod): boolean => {
    const xn = x.spec?.nodeName ?? '';
    const yn = y.spec?.nodeName ?? '';
    if (xn !== yn && (xn === '' || yn === '')) return xn !== '';
    const rank: Record<string, number> = { Running: 0, Unknown: 1, Pending: 2 };
    const xr = rank[x.status?.phase ?? ''] ?? 0;
    const yr = rank[y.status?.phase ?? ''] ?? 0;
    if (xr !== yr) return xr < yr;
    if (isPodReady(x) !== isPodReady(y)) return isPodReady(x);
    if (isPodReady(x) && isPodReady(y) && readyTime(x) !== readyTime(y)) return afterOrZero(readyTime(y), readyTime(x));
    if (maxRestarts(x) !== maxRestarts(y)) return maxRestarts(x) > maxRestarts(y);
    const xc = x.metadata.creationTimestamp ?? '';
    const yc = y.metadata.creationTimestamp ?? '';
    if (xc !== yc) return afterOrZero(yc, xc);
    return false;
  };
  if (less(a, b)) return -1;
  if (less(b, a)) return 1;
  return 0;
}

/** Go's Duration.Round(time.Second) in whole seconds, for --since. */
export function sinceSeconds(ms: number): number {
  return Math.sign(ms) * Math.round(Math.abs(ms) / 1000);
}
