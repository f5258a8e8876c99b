// The pure rules the `set` subcommands share: which objects carry a pod spec and where
// (kubectl's polymorphichelpers.updatePodSpecForObject), container selection with `*`
// wildcards (selectContainers/selectString), and the "NAME=VALUE ... NAME-" argument
// split (cmdutil.GetResourcesAndPairs, ParsePairs).
import type { KubeObject } from '../../api/types/meta.js';

export interface ContainerLike {
  name: string;
  image?: string;
  env?: EnvVar[];
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  [k: string]: unknown;
}

export interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  serviceAccountName?: string;
  [k: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}

export interface EnvVarSource {
  configMapKeyRef?: { name?: string; key: string; optional?: boolean };
  secretKeyRef?: { name?: string; key: string; optional?: boolean };
  fieldRef?: { apiVersion?: string; fieldPath: string };
  resourceFieldRef?: { containerName?: string; resource: string; divisor?: string };
}

type Obj = Record<string, unknown>;

const TEMPLATE_KINDS: Record<string, string[]> = {
  'v1/Pod': ['spec'],
  'v1/ReplicationController': ['spec', 'template', 'spec'],
  'apps/v1/Deployment': ['spec', 'template', 'spec'],
  'apps/v1/DaemonSet': ['spec', 'template', 'spec'],
  'apps/v1/ReplicaSet': ['spec', 'template', 'spec'],
  'apps/v1/StatefulSet': ['spec', 'template', 'spec'],
  'batch/v1/Job': ['spec', 'template', 'spec'],
  'batch/v1/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Go's type name of a kind in kubectl's scheme, for its error text ("*v1.Service"). */
export function goTypeName(obj: KubeObject): string {
  const version = (obj.apiVersion ?? '').split('/').pop() ?? '';
  return obj.kind ? `*${version}.${obj.kind}` : '*unstructured.Unstructured';
}

/**
 * The pod spec inside obj (created on the way when absent, as kubectl's typed objects
 * have it), or an Error with kubectl's wording for kinds without a pod template.
 */
export function podSpecOf(obj: KubeObject): PodSpecLike {
  const path = TEMPLATE_KINDS[`${obj.apiVersion ?? ''}/${obj.kind ?? ''}`];
  if (!path) throw new Error(`the object is not a pod or does not have a pod template: ${goTypeName(obj)}`);
  let cur = obj as unknown as Obj;
  for (const key of path) {
    if (cur[key] === undefined || cur[key] === null) cur[key] = {};
    cur = cur[key] as Obj;
  }
  return cur as PodSpecLike;
}

/** selectString: spec matches s, `*` matching any run of characters (kubectl's non-greedy rule). */
export function selectString(s: string, spec: string): boolean {
  if (spec === '*') return true;
  if (!spec.includes('*')) return s === spec;
  let pos = 0;
  const parts = spec.split('*');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const next = s.slice(pos).indexOf(part);
    // The same comparisons as kubectl's, quirks included (next is relative to pos).
    if (next < pos || (i === 0 && pos !== 0) || (i === parts.length - 1 && s.length !== part.length + next)) return false;
    pos = next;
  }
  return true;
}

/** The containers (then the init containers) whose names match spec. */
export function selectContainers(spec: PodSpecLike, selector: string): ContainerLike[] {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].filter((c) => selectString(c.name, selector));
}

/**
 * GetResourcesAndPairs: the leading arguments are resources, the rest NAME=VALUE or
 * NAME- pairs; a resource after a pair is an error.
 */
export function splitResourcesAndPairs(args: string[], pairType: string): { resources: string[]; pairs: string[] } {
  const resources: string[] = [];
  const pairs: string[] = [];
  for (const s of args) {
    const isPair = (s.includes('=') && !s.startsWith('=')) || (s.endsWith('-') && s !== '-');
    if (isPair) pairs.push(s);
    else if (pairs.length > 0) throw new Error(`all resources must be specified before ${pairType} changes: ${s}`);
    else resources.push(s);
  }
  return { resources, pairs };
}

/** ParsePairs: NAME=VALUE pairs (the last of a name wins), NAME- removals when supported. */
export function parsePairs(pairs: string[], pairType: string, supportRemove: boolean): { set: Map<string, string>; remove: string[] } {
  const set = new Map<string, string>();
  const remove: string[] = [];
  const invalid: string[] = [];
  for (const p of pairs) {
    if (p.includes('=') && !p.startsWith('=')) {
      const i = p.indexOf('=');
      set.set(p.slice(0, i), p.slice(i + 1));
    } else if (supportRemove && p.endsWith('-') && p !== '-') {
      remove.push(p.slice(0, -1));
    } else {
      invalid.push(p);
    }
  }
  if (invalid.length > 0) throw new Error(`invalid ${pairType} format: ${invalid.join(', ')}`);
  return { set, remove };
}
