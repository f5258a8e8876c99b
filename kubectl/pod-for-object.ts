// Which pod a command acts on when it is given POD or TYPE/NAME (logs, exec, attach,
// port-forward): the object the argument names, then for a controller or a service the
// first of the pods its selector matches, waiting for one to exist (kubectl's
// GetFirstPod). logs sorts them as podutils.ByLogging; exec, attach and port-forward
// take the most active one (AttachablePodForObject: ActivePods reversed).
import type { ResourceInfo } from '../api/registry.js';
import type { Pod } from '../api/types/core.js';
import type { KubeObject } from '../api/types/meta.js';
import { compareActivePods } from '../api/helpers/pod-ranking.js';
import type { Cli } from './context.js';
import { podSelectorOf } from './logs-target.js';

export interface NamedObject {
  ri: ResourceInfo;
  obj: KubeObject;
}

/**
 * The object `arg` names in the CLI's namespace: POD (a pod), TYPE/NAME, or, with
 * `name`, TYPE NAME. The server's NotFound passes as it is (`pods "x" not found`).
 */
export async function getNamedObject(cli: Cli, arg: string, name?: string): Promise<NamedObject> {
  let type = 'pods';
  let objName = arg;
  if (name !== undefined) {
    type = arg;
    objName = name;
  } else if (arg.includes('/')) {
    type = arg.slice(0, arg.indexOf('/'));
    objName = arg.slice(arg.indexOf('/') + 1);
  }
  const ri = await cli.resource(type);
  const obj = await cli.client(ri).get(ri.namespaced ? cli.namespace() : '', objName);
  return { ri, obj };
}

export const isPodResource = (ri: ResourceInfo): boolean => ri.group === '' && ri.kind === 'Pod';

/**
 * The pods the selector matches in ns, sorted by compare; when there is none yet, waits
 * up to timeoutMs for the first to be created (kubectl's GetFirstPod), and throws
 * "timed out waiting for the condition" when none comes.
 */
export async function podsForSelector(cli: Cli, ns: string, selector: string, timeoutMs: number, compare: (a: Pod, b: Pod) => number): Promise<Pod[]> {
  const pods = cli.client<Pod>(await cli.resource('pods'));
  const list = await pods.listAll(ns, { labelSelector: selector });
  if (list.items.length > 0) return [...list.items].sort(compare);
  const signal = AbortSignal.timeout(Math.max(1, timeoutMs));
  let first: Pod | undefined;
  try {
    for await (const ev of pods.watch(ns, { labelSelector: selector, resourceVersion: list.metadata?.resourceVersion }, signal)) {
      if (ev.type === 'ADDED') {
        first = ev.object;
        break;
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
  if (!first) throw new Error('timed out waiting for the condition');
  return [first];
}

/** sort.Reverse(ActivePods): the pods most worth attaching to (scheduled, running, ready longest) first. */
export const compareForAttach = (a: Pod, b: Pod): number => compareActivePods(b, a);

/**
 * kubectl's AttachablePodForObject: a pod is itself; a controller or service stands for
 * the most active of the pods it selects. `verb` words the error for kinds without a
 * selector ("cannot attach to ConfigMap: ...").
 */
export async function attachablePod(cli: Cli, target: NamedObject, timeoutMs: number, verb = 'attach to'): Promise<Pod> {
  if (isPodResource(target.ri)) return target.obj as Pod;
  const selector = podSelectorOf(target.obj, target.ri.kind, verb);
  const ns = target.obj.metadata.namespace ?? cli.namespace();
  return (await podsForSelector(cli, ns, selector, timeoutMs, compareForAttach))[0]!;
}
