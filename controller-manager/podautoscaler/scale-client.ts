// The HPA's view of its target: the scale subresource of whatever resource the
// scaleTargetRef names (client-go's scale client over a RESTMapper). The group of
// scaleTargetRef.apiVersion and its kind pick the resource from the registry, every
// version of it tried in turn (scaleForResourceMappings); the first one that answers wins.
import { RESOURCES, type ResourceInfo } from '../../api/registry.js';
import type { Scale } from '../../api/types/apps.js';
import type { CrossVersionObjectReference, HorizontalPodAutoscaler } from '../../api/types/autoscaling.js';
import { resourceClient, resourcePath } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';

/** A target's scale and the resource it was read through (to write it back the same way). */
export interface TargetScale {
  scale: Scale;
  resource: ResourceInfo;
}

/**
 * What the HPA controller reads and writes through the API. Rejections carry the
 * server's Status message (or the mapper's), which the controller puts in events and
 * conditions as Kubernetes does.
 */
export interface HPAClient {
  getScale(namespace: string, ref: CrossVersionObjectReference): Promise<TargetScale>;
  updateScale(namespace: string, target: TargetScale, replicas: number): Promise<Scale>;
  /** PUT .../horizontalpodautoscalers/<name>/status. */
  updateStatus(hpa: HorizontalPodAutoscaler): Promise<HorizontalPodAutoscaler>;
}

/** schema.ParseGroupVersion: "" is the core group, "v1" too, "apps/v1" is apps; more slashes are an error. */
export function parseGroupVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
}

/**
 * RESTMappings(groupKind): the resources of that group and kind, the asked version
 * first. Throws the mapper's "no matches for kind" when there is none.
 */
export function scaleMappings(ref: CrossVersionObjectReference, all: readonly ResourceInfo[] = RESOURCES): ResourceInfo[] {
  const { group, version } = parseGroupVersion(ref.apiVersion ?? '');
  const found = all.filter((ri) => ri.group === group && ri.kind === ref.kind);
  if (found.length === 0) throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
  return [...found.filter((ri) => ri.version === version), ...found.filter((ri) => ri.version !== version)];
}

export function restHPAClient(rest: RestClient): HPAClient {
  const hpas = resourceClient<HorizontalPodAutoscaler>(rest, 'horizontalpodautoscalers');
  return {
    async getScale(namespace, ref) {
      let firstErr: unknown;
      for (const resource of scaleMappings(ref)) {
        try {
          const scale = await rest.request<Scale>({ path: resourcePath(resource, { namespace, name: ref.name, subresource: 'scale' }) });
          return { scale, resource };
        } catch (err) {
          firstErr ??= err;
        }
      }
      throw firstErr ?? new Error('unrecognized resource');
    },
    updateScale(namespace, target, replicas) {
      const body: Scale = { ...target.scale, spec: { ...target.scale.spec, replicas } };
      return rest.request<Scale>({
        method: 'PUT', path: resourcePath(target.resource, { namespace, name: target.scale.metadata.name, subresource: 'scale' }), body,
      });
    },
    updateStatus: (hpa) => hpas.updateStatus(hpa.metadata.namespace ?? '', hpa),
  };
}
