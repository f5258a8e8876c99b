// What a request asks to do, as kube-apiserver's RequestInfoFactory reads it from the
// URL before any routing: a resource request (verb, API group and version, namespace,
// resource, subresource, name) or a non-resource request (path and the lower-cased
// HTTP method). Authorization, audit and admission all read these attributes.
import { parseFieldSelector } from '../../api/fields.js';
import type { User } from '../authn/user.js';

export interface RequestAttributes {
  user: User;
  verb: string;
  resourceRequest: boolean;
  /** The URL path (both kinds). */
  path: string;
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** fieldSelector and labelSelector of list and watch requests, for authorizers that narrow by them. */
  fieldSelector?: string;
  labelSelector?: string;
}

/** Subresources of a namespace object (namespaces/<ns>/status), not resources inside it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

type Query = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);

/** The attributes of method on path (already split from its query) by user. */
export function requestAttributes(user: User, method: string, path: string, query: Query): RequestAttributes {
  const nonResource: RequestAttributes = { user, verb: method.toLowerCase(), resourceRequest: false, path };
  const parts = path.split('/').filter((p, i) => i > 0 || p !== '');
  if (parts[parts.length - 1] === '') parts.pop();
  let rest: string[];
  let apiGroup: string;
  let apiVersion: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    apiGroup = '';
    apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    apiGroup = parts[1];
    apiVersion = parts[2];
    rest = parts.slice(3);
  } else {
    return nonResource;
  }
  let verb: string;
  switch (method) {
    case 'POST': verb = 'create'; break;
    case 'GET': case 'HEAD': verb = 'get'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = 'delete'; break;
    default: verb = '';
  }
  // The old /watch/ and /proxy/ prefixes name their verb.
  if (rest[0] === 'watch' || rest[0] === 'proxy') {
    if (rest.length < 2) return nonResource;
    verb = rest[0];
    rest = rest.slice(1);
  }
  const attrs: RequestAttributes = { user, verb, resourceRequest: true, path, apiGroup, apiVersion };
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      attrs.namespace = rest[1];
      if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
    }
  }
  attrs.resource = rest[0];
  if (rest.length >= 2) attrs.name = rest[1];
  if (rest.length >= 3) attrs.subresource = rest[2];
  if (rest.length > 3) attrs.subresource = rest.slice(2).join('/');

  const fieldSelector = first(query.fieldSelector);
  const labelSelector = first(query.labelSelector);
  if (attrs.name === undefined && (attrs.verb === 'get' || attrs.verb === 'delete')) {
    // A collection: get is list (or watch), delete is deletecollection.
    if (attrs.verb === 'get') {
      const w = first(query.watch);
      attrs.verb = w !== undefined && ['1', 'true', 'True', 'TRUE', 't', 'T'].includes(w) ? 'watch' : 'list';
    } else {
      attrs.verb = 'deletecollection';
    }
  }
  if (attrs.verb === 'list' || attrs.verb === 'watch') {
    if (fieldSelector !== undefined) attrs.fieldSelector = fieldSelector;
    if (labelSelector !== undefined) attrs.labelSelector = labelSelector;
    // A list of one name by field selector is authorized for that name (RBAC resourceNames).
    const byName = fieldSelector === undefined ? undefined : fieldEquals(fieldSelector, 'metadata.name');
    if (byName !== undefined) attrs.name = byName;
  }
  return attrs;
}

/**
 * The value selector requires field to equal (a `field=v` or `field==v` term), parsed as
 * list requests parse it; undefined when it has none or does not parse (then nothing is
 * narrowed by it, and the list itself answers 400).
 */
export function fieldEquals(selector: string, field: string): string | undefined {
  try {
    return parseFieldSelector(selector).requiresExactMatch(field);
  } catch {
    return undefined;
  }
}
