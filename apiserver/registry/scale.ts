// The scale subresource of Deployments, ReplicaSets and ReplicationControllers: the
// autoscaling/v1 Scale view, GET, PUT and PATCH. A write changes spec.replicas through guaranteedUpdate, so it is
// retried against the fresh object on a conflict unless the client sent a
// resourceVersion (then a stale one is a 409), as Kubernetes' ScaleREST does.
import { badRequest, conflict, invalid, type StatusError } from '../../api/errors.js';
import { selectorFromSet } from '../../api/labels.js';
import { applyPatch } from '../../api/patch/index.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { GenericRegistry } from './generic.js';
import type { Subresource, SubresourceRequest, SubresourceResult } from './subresource.js';

export interface ScaleObj extends KubeObject { spec?: { replicas?: number }; status?: { replicas?: number; selector?: string } }
interface Selector { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }
interface Scalable extends KubeObject {
  spec?: { replicas?: number; selector?: unknown };
  status?: { replicas?: number };
}

/** The pod selector of a scalable object, in the string form Scale's status.selector carries. */
export type ScaleSelector = (obj: KubeObject) => string;

/** apps/v1 kinds: spec.selector is a LabelSelector. */
export const labelSelectorOf: ScaleSelector = (obj) => selectorString((obj as Scalable).spec?.selector as Selector | undefined);

/** ReplicationControllers: spec.selector is a map of labels (labels.SelectorFromSet(...).String()). */
export const setSelectorOf: ScaleSelector = (obj) => selectorFromSet((obj as Scalable).spec?.selector as Record<string, string> | undefined).toString();

const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

/** The autoscaling/v1 Scale view of a Deployment, ReplicaSet or ReplicationController. */
export function toScale(obj: Scalable, selectorOf: ScaleSelector = labelSelectorOf): ScaleObj {
  const m = obj.metadata;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorOf(obj) },
  };
}

/** A label selector in its string form, as Scale's status.selector carries it. */
export function selectorString(sel: Selector | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

/** How a kind is seen as a Scale and how a Scale's replicas are written back into it. */
export interface ScaleView {
  toScale(obj: KubeObject): ScaleObj;
  setReplicas(obj: KubeObject, replicas: number): void;
}

export function scaleSubresource(reg: GenericRegistry, selectorOf: ScaleSelector = labelSelectorOf): Subresource {
  return scaleSubresourceOf(reg, {
    toScale: (obj) => toScale(obj as Scalable, selectorOf),
    setReplicas: (obj, replicas) => { (obj as Scalable).spec = { ...((obj as Scalable).spec ?? {}), replicas }; },
  });
}

/** GET, PUT and PATCH of /scale over any kind a ScaleView describes (custom resources' too). */
export function scaleSubresourceOf(reg: GenericRegistry, view: ScaleView): Subresource {
  return {
    methods: ['GET', 'PUT', 'PATCH'],
    async serve(req: SubresourceRequest): Promise<SubresourceResult> {
      const { namespace, name } = req;
      const checkReplicas = (replicas: unknown): number => {
        if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
          throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
        }
        return replicas;
      };
      const stale = (): StatusError => conflict(reg.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
      /** Writes the replicas the Scale computed from the current object says. */
      const update = async (scaled: (cur: ScaleObj) => ScaleObj): Promise<SubresourceResult> => {
        const out = await reg.guaranteedUpdate(namespace, name, (cur) => {
          const wanted = scaled(view.toScale(cur));
          const replicas = checkReplicas(wanted?.spec?.replicas);
          const rv = wanted?.metadata?.resourceVersion;
          if (rv && rv !== cur.metadata.resourceVersion) throw stale();
          view.setReplicas(cur, replicas);
          return cur;
        }, { subresource: 'scale', dryRun: req.dryRun, user: req.user, warnings: req.warnings, manager: req.manager });
        return { code: 200, body: view.toScale(out) };
      };
      switch (req.method) {
        case 'GET':
          return { code: 200, body: view.toScale(await reg.get(namespace, name)) };
        case 'PUT': {
          const body = req.object(SCALE_KIND) as ScaleObj;
          if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a Scale object');
          if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
          checkReplicas(body.spec?.replicas);
          return update((cur) => ({ ...cur, metadata: { ...cur.metadata, resourceVersion: body.metadata?.resourceVersion || undefined }, spec: { replicas: body.spec?.replicas } }));
        }
        default: {
          const { type, patch } = req.patch();
          // Scale has no lists, so a strategic merge patch is a merge patch.
          const t = type === 'application/strategic-merge-patch+json' ? 'application/merge-patch+json' : type;
          return update((cur) => {
            let patched: ScaleObj;
            try {
              patched = applyPatch(t, cur, patch, 'Scale') as ScaleObj;
            } catch (err) {
              throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: '', message: `the patch could not be applied: ${(err as Error).message}` }]);
            }
            if (!patched || typeof patched !== 'object' || Array.isArray(patched)) throw badRequest('the patch must produce a Scale object');
            return patched;
          });
        }
      }
    },
  };
}
