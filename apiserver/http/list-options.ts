// Query parameters of list and watch requests, parsed and checked once.
import { badRequest } from '../../api/errors.js';
import { parseLabelSelector } from '../../api/labels.js';
import { fieldsOf, parseFieldSelector, validateFieldSelector } from '../../api/fields.js';
import type { ResourceInfo } from '../../api/registry.js';
import type { KubeObject } from '../../api/types/meta.js';

export type Query = Record<string, string | string[] | undefined>;

export interface ListQuery {
  watch: boolean;
  matches?: (obj: KubeObject) => boolean;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean;
}

/** The last value of a query parameter (Go's url.Values.Get takes the first; clients send one). */
export function param(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

const truthy = (v: string | undefined): boolean => v === 'true' || v === '1';

function nonNegativeInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be a non-negative integer`);
  return Number(v);
}

// Watchers test the same cached objects against their field selectors, each event twice
// (before and after): compute an object's selectable fields once. Stored objects are never
// changed in place, so the fields of one stay true.
const fieldsCache = new WeakMap<KubeObject, Record<string, string>>();
function cachedFieldsOf(o: KubeObject): Record<string, string> {
  let f = fieldsCache.get(o);
  if (f === undefined) fieldsCache.set(o, (f = fieldsOf(o)));
  return f;
}

export function parseListQuery(ri: ResourceInfo, q: Query): ListQuery {
  const labelSel = param(q, 'labelSelector');
  const fieldSel = param(q, 'fieldSelector');
  const rv = param(q, 'resourceVersion');
  if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) {
    throw badRequest(`invalid resourceVersion: ${JSON.stringify(rv)}: resourceVersion must be a non-negative integer`);
  }
  let matches: ((obj: KubeObject) => boolean) | undefined;
  const labels = labelSel ? parseLabelSelector(labelSel) : undefined;
  const fields = fieldSel ? parseFieldSelector(fieldSel) : undefined;
  if (fields) validateFieldSelector(ri.kind, fields);
  if (labels && !labels.empty() && fields && !fields.empty()) matches = (o) => labels.matches(o.metadata.labels) && fields.matches(cachedFieldsOf(o));
  else if (labels && !labels.empty()) matches = (o) => labels.matches(o.metadata.labels);
  else if (fields && !fields.empty()) matches = (o) => fields.matches(cachedFieldsOf(o));
  return {
    watch: truthy(param(q, 'watch')),
    matches,
    limit: nonNegativeInt('limit', param(q, 'limit')),
    continueToken: param(q, 'continue') || undefined,
    resourceVersion: rv || undefined,
    timeoutSeconds: nonNegativeInt('timeoutSeconds', param(q, 'timeoutSeconds')),
    allowWatchBookmarks: truthy(param(q, 'allowWatchBookmarks')),
    sendInitialEvents: truthy(param(q, 'sendInitialEvents')),
  };
}
