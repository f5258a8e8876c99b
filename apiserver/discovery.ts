// Discovery documents: /api, /apis, /apis/<group>, /api/v1, /apis/<group>/<version>.
import { CATALOG, groupVersion, subresourceKind, verbsFor } from '../api/registry.js';
import type { APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions } from '../api/types/meta.js';

export function apiVersions(serverAddress: string): APIVersions {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groups(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const custom = new Set<string>();
  for (const ri of CATALOG.all()) {
    if (!ri.group) continue;
    const versions = out.get(ri.group) ?? [];
    if (!versions.includes(ri.version)) versions.push(ri.version);
    out.set(ri.group, versions);
    if (ri.custom) custom.add(ri.group);
  }
  // A CRD's versions are listed by Kubernetes' version priority; the first is preferred.
  for (const g of custom) out.get(g)?.sort(compareKubeAwareVersions);
  return out;
}

/**
 * version.CompareKubeAwareVersionStrings as a sort order: GA before beta before alpha,
 * higher major then higher minor first, then versions of other forms alphabetically.
 */
export function compareKubeAwareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return [Number(m[1]), m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, m[3] ? Number(m[3]) : 0];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  if (pa[1] !== pb[1]) return pb[1] - pa[1];
  if (pa[0] !== pb[0]) return pb[0] - pa[0];
  return pb[2] - pa[2];
}

export function apiGroup(group: string): APIGroup | undefined {
  const versions = groups().get(group);
  if (!versions) return undefined;
  const gvs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: gvs, preferredVersion: gvs[0] };
}

/** The groups of the registry, then those served apart from it (extra: the metrics API). */
export function apiGroupList(extra: APIGroup[] = []): APIGroupList {
  return {
    kind: 'APIGroupList', apiVersion: 'v1',
    groups: [...[...groups().keys()].map((g) => { const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g) as APIGroup; return rest; }), ...extra],
  };
}

/** The resources of one group version, subresources included; undefined when unknown. */
export function apiResourceList(group: string, version: string): APIResourceList | undefined {
  const here = CATALOG.all().filter((ri) => ri.group === group && ri.version === version);
  if (!here.length) return undefined;
  const resources: APIResource[] = [];
  for (const ri of here) {
    const r: APIResource = { name: ri.plural, singularName: ri.singular, namespaced: ri.namespaced, kind: ri.kind, verbs: verbsFor(ri) };
    if (ri.shortNames.length) r.shortNames = ri.shortNames;
    if (ri.categories.length) r.categories = ri.categories;
    resources.push(r);
    for (const sub of ri.subresources) {
      const k = subresourceKind(ri, sub);
      const s: APIResource = { name: `${ri.plural}/${sub}`, singularName: '', namespaced: ri.namespaced, kind: k.kind, verbs: verbsFor(ri, sub) };
      if (k.group !== ri.group || k.version !== ri.version) { s.group = k.group; s.version = k.version; }
      resources.push(s);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
}
