// The OpenAPI definitions of custom resources (apiextensions-apiserver pkg/controller/
// openapi/builder): the version's openAPIV3Schema with apiVersion, kind and metadata
// added, named by the reversed group ("com.example.stable.v1.CronTab"), and its list.
import { toOpenAPIV2, toOpenAPIV3 } from '../../api/apiextensions/schema/index.js';
import type { ResourceInfo } from '../../api/registry.js';
import type { JSONSchemaProps } from '../../api/schemas/index.js';
import type { JSONSchemaProps as CRDSchema } from '../../api/types/apiextensions.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
const API_VERSION_DOC = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DOC = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA_DOC = 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** util.ToRESTFriendlyName of group/version/kind: the group's labels reversed, then version and kind. */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

/**
 * The definitions of a custom resource version and its list, by name, as /openapi/v3
 * (or, with v2, /openapi/v2) publishes them.
 */
export function customDefinitions(ri: ResourceInfo, v2 = false): Record<string, JSONSchemaProps> {
  const name = customDefinitionName(ri.group, ri.version, ri.kind);
  const listName = customDefinitionName(ri.group, ri.version, ri.listKind);
  const raw: CRDSchema = ri.custom?.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const given = (v2 ? toOpenAPIV2(raw) : toOpenAPIV3(raw)) as unknown as JSONSchemaProps;
  const { properties = {}, ...rest } = given;
  const { apiVersion: _a, kind: _k, metadata: _m, ...own } = properties;
  const schema: JSONSchemaProps = {
    ...rest,
    type: 'object',
    properties: {
      apiVersion: { description: API_VERSION_DOC, type: 'string' },
      kind: { description: KIND_DOC, type: 'string' },
      metadata: { description: METADATA_DOC, $ref: `#/definitions/${OBJECT_META}` },
      ...own,
    },
    'x-kubernetes-group-version-kind': [{ group: ri.group, version: ri.version, kind: ri.kind }],
  };
  const list: JSONSchemaProps = {
    description: `${ri.kind}List is a list of ${ri.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: API_VERSION_DOC, type: 'string' },
      items: { description: `List of ${ri.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: { $ref: `#/definitions/${name}` } },
      kind: { description: KIND_DOC, type: 'string' },
      metadata: { description: LIST_METADATA_DOC, $ref: `#/definitions/${LIST_META}` },
    },
    'x-kubernetes-group-version-kind': [{ group: ri.group, version: ri.version, kind: ri.listKind }],
  };
  return { [name]: schema, [listName]: list };
}
