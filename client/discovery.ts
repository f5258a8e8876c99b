// Discovery as client-go's discovery client reads it: /api and /apis, then every
// group version's APIResourceList. Controllers that work on every kind (the namespace
// controller, the garbage collector) learn the resources, their scope and verbs here,
// so resources the server adds later (custom resources) are covered too.
import type { ResourceInfo } from '../api/registry.js';
import type { APIGroupList, APIResource, APIResourceList, APIVersions } from '../api/types/meta.js';
import type { RestClient } from './rest-client.js';

/**
 * Some group versions could not be listed (client-go's ErrGroupDiscoveryFailed): the
 * resources of the others are still returned. `groups` maps "group/version" to its error.
 */
export class GroupDiscoveryFailedError extends Error {
  override name = 'GroupDiscoveryFailedError';
  constructor(readonly groups: Map<string, unknown>) {
    const parts = [...groups].map(([gv, err]) => `${gv}: ${err instanceof Error ? err.message : String(err)}`).sort();
    super(`unable to retrieve the complete list of server APIs: ${parts.join(', ')}`);
  }
}

export interface GroupVersion { group: string; version: string }

/** schema.ParseGroupVersion: "v1" is the core group, "apps/v1" a group; more slashes are an error. */
export function parseGroupVersion(gv: string): GroupVersion {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const parts = gv.split('/');
  if (parts.length === 1) return { group: '', version: gv };
  if (parts.length === 2) return { group: parts[0] as string, version: parts[1] as string };
  throw new Error(`unexpected GroupVersion string: ${gv}`);
}

export interface Discovery {
  /** Every group version's resource list that could be read, subresources included. */
  lists: APIResourceList[];
  /**
   * One list per group version holding the resources (no subresources) served in their
   * group's preferred version, or in the first version serving them when the preferred
   * one does not (client-go's ServerPreferredResources).
   */
  preferred: APIResourceList[];
  /** Set when some group versions failed; lists and preferred hold the rest. */
  error?: GroupDiscoveryFailedError;
}

/**
 * Reads discovery from the server. A failure of /api or /apis themselves throws (nothing
 * is known); a failed group version is reported in `error` and left out.
 */
export async function discover(rest: Pick<RestClient, 'request'>, signal?: AbortSignal): Promise<Discovery> {
  const [core, apis] = await Promise.all([
    rest.request<APIVersions>({ path: '/api', signal }),
    rest.request<APIGroupList>({ path: '/apis', signal }),
  ]);
  const groups: { name: string; versions: string[]; preferred: string }[] = [
    { name: '', versions: core.versions ?? [], preferred: core.versions?.[0] ?? '' },
    ...(apis.groups ?? []).map((g) => ({
      name: g.name, versions: (g.versions ?? []).map((v) => v.version), preferred: g.preferredVersion?.version ?? '',
    })),
  ];
  const failed = new Map<string, unknown>();
  const byGv = new Map<string, APIResourceList>();
  await Promise.all(groups.flatMap((g) => g.versions.map(async (v) => {
    const gv = g.name ? `${g.name}/${v}` : v;
    try {
      const list = await rest.request<APIResourceList>({ path: g.name ? `/apis/${gv}` : `/api/${v}`, signal });
      byGv.set(gv, { ...list, groupVersion: list.groupVersion || gv, resources: list.resources ?? [] });
    } catch (err) {
      failed.set(gv, err);
    }
  })));
  const lists: APIResourceList[] = [];
  const preferred: APIResourceList[] = [];
  for (const g of groups) {
    const chosen = new Map<string, { gv: string; r: APIResource }>();
    for (const v of g.versions) {
      const gv = g.name ? `${g.name}/${v}` : v;
      const list = byGv.get(gv);
      if (!list) continue;
      lists.push(list);
      for (const r of list.resources) {
        if (r.name.includes('/')) continue;
        if (chosen.has(r.name) && v !== g.preferred) continue;
        chosen.set(r.name, { gv, r });
      }
    }
    const perGv = new Map<string, APIResource[]>();
    for (const { gv, r } of chosen.values()) perGv.set(gv, [...(perGv.get(gv) ?? []), r]);
    for (const [gv, resources] of perGv) preferred.push({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources });
  }
  return { lists, preferred, error: failed.size ? new GroupDiscoveryFailedError(failed) : undefined };
}

/** discovery.SupportsAllVerbs: the resource lists every one of verbs. */
export function supportsAllVerbs(r: Pick<APIResource, 'verbs'>, verbs: readonly string[]): boolean {
  return verbs.every((v) => r.verbs?.includes(v));
}

/**
 * The ResourceInfo clients and informers need for a discovered resource (not a
 * subresource) of list; its subresources are read from the same list. Throws for a
 * list whose groupVersion does not parse.
 */
export function resourceInfoOf(list: APIResourceList, r: APIResource): ResourceInfo {
  const { group, version } = parseGroupVersion(list.groupVersion);
  return {
    group, version, kind: r.kind, listKind: `${r.kind}List`, plural: r.name, singular: r.singularName || r.kind.toLowerCase(),
    namespaced: r.namespaced, shortNames: r.shortNames ?? [], categories: r.categories ?? [],
    subresources: list.resources.filter((s) => s.name.startsWith(`${r.name}/`)).map((s) => s.name.slice(r.name.length + 1)),
  };
}
