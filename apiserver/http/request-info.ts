// Parses a resource path (/api/v1/namespaces/ns/pods/name/status) into what the
// REST layer needs: the resource, namespace, name and subresource.
import { findResource, type ResourceInfo } from '../../api/registry.js';
import { notFound, StatusError, makeStatus } from '../../api/errors.js';

export interface RequestInfo {
  ri: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * Resolves the segments after /api/v1 or /apis/<group>/<version>. Unknown
 * resources and malformed paths throw a 404 Status, as Kubernetes does.
 */
export function parseResourcePath(group: string, version: string, segs: string[]): RequestInfo {
  const nf = (): StatusError => new StatusError(makeStatus(404, 'NotFound', 'the server could not find the requested resource'));
  if (segs.length === 0 || segs.some((s) => s === '')) throw nf();
  let namespace: string | undefined;
  let rest = segs;
  // namespaces/<ns>/<plural>... addresses namespaced resources; namespaces/<ns>[/status|/finalize]
  // addresses the namespace itself.
  if (segs[0] === 'namespaces' && segs.length >= 3 && !['status', 'finalize'].includes(segs[2])) {
    namespace = segs[1];
    rest = segs.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length) throw nf();
  const ri = findResource(group, version, plural);
  if (!ri) throw nf();
  if (namespace !== undefined && !ri.namespaced) throw nf();
  if (subresource !== undefined && !ri.subresources.includes(subresource)) {
    throw notFound({ group: ri.group, resource: `${ri.plural}/${subresource}` }, name);
  }
  return { ri, namespace, name, subresource };
}
