// EndpointSlices (Kubernetes' pkg/registry/discovery/endpointslice strategy): no spec,
// so generation counts every change outside metadata, and labels; deprecatedTopology is
// not writable through v1.
import type { KubeObject } from '../../api/types/meta.js';
import type { Endpoint, EndpointSlice } from '../../api/types/discovery.js';
import { nameIsDNSSubdomain } from '../../api/validation/names.js';
import { deepEqual } from './deep-equal.js';
import { defaultStrategy, type Strategy } from './strategy.js';

const HOSTNAME_LABEL = 'kubernetes.io/hostname';

const endpointsOf = (obj: KubeObject): Endpoint[] => {
  const eps = (obj as EndpointSlice).endpoints;
  return Array.isArray(eps) ? eps.filter((e): e is Endpoint => typeof e === 'object' && e !== null) : [];
};

/**
 * dropTopologyOnV1: v1 writes drop each endpoint's deprecatedTopology, unless an update
 * leaves the endpoints unchanged. A node name the previous version recorded there is
 * moved to nodeName, so a partial update keeps it.
 */
function dropTopology(obj: KubeObject, old?: KubeObject): void {
  if (old && deepEqual((obj as EndpointSlice).endpoints, (old as EndpointSlice).endpoints)) return;
  const previous = new Set<string>();
  for (const ep of old ? endpointsOf(old) : []) {
    const node = ep.deprecatedTopology?.[HOSTNAME_LABEL];
    if (typeof node === 'string' && node) previous.add(node);
  }
  for (const ep of endpointsOf(obj)) {
    const node = ep.deprecatedTopology?.[HOSTNAME_LABEL];
    if ((ep.nodeName === undefined || ep.nodeName === null) && typeof node === 'string' && previous.has(node) && nameIsDNSSubdomain(node, false).length === 0) {
      ep.nodeName = node;
    }
    delete ep.deprecatedTopology;
  }
}

/** What generation counts, with empty lists equal to absent ones (Go's semantic equality). */
const withoutMeta = (obj: KubeObject): unknown => {
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj as EndpointSlice;
  return { ...rest, endpoints: rest.endpoints?.length ? rest.endpoints : null, ports: rest.ports?.length ? rest.ports : null };
};

export const endpointSliceStrategy: Strategy = {
  ...defaultStrategy,
  prepareForCreate(obj) { dropTopology(obj); },
  prepareForUpdate(obj, old) { dropTopology(obj, old); },
  generationChanged(obj, old) {
    return !deepEqual(withoutMeta(obj), withoutMeta(old)) || !deepEqual(obj.metadata.labels ?? {}, old.metadata.labels ?? {});
  },
};
