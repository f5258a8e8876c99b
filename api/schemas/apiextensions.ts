// apiextensions.k8s.io/v1 definitions: CustomResourceDefinition and the JSON schema its
// versions carry, named as kube-apiserver publishes them.
import { METADATA, listKind, M } from './meta.js';
import {
  API_VERSION, KIND, bool, gvk, int32, int64, double, kind, list, listOf, map, object, ref, str, strings, type Definitions, type JSONSchemaProps,
} from './schema.js';

export const AX = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';

const PROPS = `${AX}JSONSchemaProps`;
const props = (description: string): JSONSchemaProps => ref(PROPS, description);

export const APIEXTENSIONS_DEFINITIONS: Definitions = {
  [`${AX}CustomResourceColumnDefinition`]: object('A column used in server-side printing (kubectl get).', {
    description: str('A human readable description of this column.'),
    format: str('An optional OpenAPI type definition for this column: the name format is applied to the primary identifier column to help clients identify it.'),
    jsonPath: str('A simple JSON path (evaluated with array notation) against each custom resource to produce the value of this column.'),
    name: str('A human readable name for the column.'),
    priority: int32('An integer defining the relative importance of this column compared to others. Lower numbers are more important; 0 shows in limited space.'),
    type: str('An OpenAPI type definition for this column: integer, number, string, boolean or date.'),
  }, ['name', 'type', 'jsonPath']),

  [`${AX}CustomResourceConversion`]: object('How to convert versions of a custom resource.', {
    strategy: str('How custom resources are converted between versions: "None" (only the apiVersion changes) or "Webhook" (an external webhook converts).'),
    webhook: ref(`${AX}WebhookConversion`, 'How to call the conversion webhook. Required when strategy is "Webhook".'),
  }, ['strategy']),

  [`${AX}CustomResourceDefinition`]: kind(gvk('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'),
    'CustomResourceDefinition represents a resource that should be exposed on the API server. Its name MUST be in the format <.spec.name>.<.spec.group>.', {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: METADATA,
      spec: ref(`${AX}CustomResourceDefinitionSpec`, 'spec describes how the user wants the resources to appear'),
      status: ref(`${AX}CustomResourceDefinitionStatus`, 'status indicates the actual state of the CustomResourceDefinition'),
    }, ['spec']),

  [`${AX}CustomResourceDefinitionCondition`]: object('The state of a CustomResourceDefinition at a certain point.', {
    lastTransitionTime: ref(`${M}Time`, 'The last time the condition transitioned from one status to another.'),
    message: str('A human-readable message indicating details about last transition.'),
    reason: str('A unique, one-word, CamelCase reason for the condition\'s last transition.'),
    status: str('The status of the condition: True, False or Unknown.'),
    type: str('The type of the condition: Established, NamesAccepted and Terminating among others.'),
  }, ['type', 'status']),

  [`${AX}CustomResourceDefinitionList`]: listKind('apiextensions.k8s.io', 'v1', 'CustomResourceDefinitionList', `${AX}CustomResourceDefinition`, 'CustomResourceDefinitions'),

  [`${AX}CustomResourceDefinitionNames`]: object('The names to serve this CustomResourceDefinition under.', {
    categories: strings('Grouped resources this custom resource belongs to (e.g. \'all\'). This is published in API discovery documents, and used by clients to support invocations like `kubectl get all`.', { listType: 'atomic' }),
    kind: str('The serialized kind of the resource. It is normally CamelCase and singular. Custom resource instances will use this value as the `kind` attribute in API calls.'),
    listKind: str('The serialized kind of the list for this resource. Defaults to "`kind`List".'),
    plural: str('The plural name of the resource to serve. The custom resources are served under `/apis/<group>/<version>/.../<plural>`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`). Must be all lowercase.'),
    shortNames: strings('Short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.', { listType: 'atomic' }),
    singular: str('The singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.'),
  }, ['plural', 'kind']),

  [`${AX}CustomResourceDefinitionSpec`]: object('How a user wants their resource to appear.', {
    conversion: ref(`${AX}CustomResourceConversion`, 'conversion defines conversion settings for the CRD.'),
    group: str('The API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).'),
    names: ref(`${AX}CustomResourceDefinitionNames`, 'names specify the resource and kind names for the custom resource.'),
    preserveUnknownFields: bool('Deprecated: preserveUnknownFields=true is not allowed in apiextensions.k8s.io/v1 for new CustomResourceDefinitions. Use x-kubernetes-preserve-unknown-fields: true in the schema instead.'),
    scope: str('Whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.'),
    versions: listOf(`${AX}CustomResourceDefinitionVersion`, 'The API versions of the defined custom resource. Version names are used to compute the order in which served versions are listed in API discovery. Exactly one version must be the storage version.', { listType: 'atomic' }),
  }, ['group', 'names', 'scope', 'versions']),

  [`${AX}CustomResourceDefinitionStatus`]: object('The state of the CustomResourceDefinition.', {
    acceptedNames: ref(`${AX}CustomResourceDefinitionNames`, 'acceptedNames are the names that are actually being used to serve discovery. They may be different than the names in spec.'),
    conditions: listOf(`${AX}CustomResourceDefinitionCondition`, 'conditions indicate state for particular aspects of a CustomResourceDefinition', { listType: 'map', mapKeys: ['type'] }),
    storedVersions: strings('The API versions that were ever persisted. Tracking these versions allows a migration path for stored versions in etcd.', { listType: 'atomic' }),
  }),

  [`${AX}CustomResourceDefinitionVersion`]: object('A version of a CustomResourceDefinition.', {
    additionalPrinterColumns: listOf(`${AX}CustomResourceColumnDefinition`, 'Additional columns returned in Table output. If no columns are specified, a single column displaying the age of the custom resource is used.', { listType: 'atomic' }),
    deprecated: bool('Whether this version of the custom resource API is deprecated. When true, API requests to this version receive a warning header.'),
    deprecationWarning: str('Overrides the default warning returned to API clients. May only be set when `deprecated` is true.'),
    name: str('The version name, e.g. "v1", "v2beta1". Custom resources are served under this version at `/apis/<group>/<version>/...` if `served` is true.'),
    schema: ref(`${AX}CustomResourceValidation`, 'schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.'),
    selectableFields: listOf(`${AX}SelectableField`, 'The paths to fields that may be used as field selectors. A maximum of 8 selectable fields are allowed.', { listType: 'atomic' }),
    served: bool('Whether this version is served via REST APIs.'),
    storage: bool('Whether this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.'),
    subresources: ref(`${AX}CustomResourceSubresources`, 'subresources specify what subresources this version of the defined custom resource have.'),
  }, ['name', 'served', 'storage']),

  [`${AX}CustomResourceSubresourceScale`]: object('How to serve the scale subresource for CustomResources.', {
    labelSelectorPath: str('The JSON path inside of a custom resource that corresponds to Scale `status.selector`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.status` or `.spec`.'),
    specReplicasPath: str('The JSON path inside of a custom resource that corresponds to Scale `spec.replicas`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.spec`.'),
    statusReplicasPath: str('The JSON path inside of a custom resource that corresponds to Scale `status.replicas`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.status`.'),
  }, ['specReplicasPath', 'statusReplicasPath']),

  [`${AX}CustomResourceSubresourceStatus`]: object('Enables the status subresource: the main resource ignores changes to status, and status is written through /status.', {}),

  [`${AX}CustomResourceSubresources`]: object('The status and scale subresources for CustomResources.', {
    scale: ref(`${AX}CustomResourceSubresourceScale`, 'scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.'),
    status: ref(`${AX}CustomResourceSubresourceStatus`, 'status indicates the custom resource should serve a `/status` subresource.'),
  }),

  [`${AX}CustomResourceValidation`]: object('Validation methods for CustomResources.', {
    openAPIV3Schema: props('openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.'),
  }),

  [`${AX}ExternalDocumentation`]: object('ExternalDocumentation allows referencing an external resource for extended documentation.', {
    description: str('What the documentation is.'),
    url: str('Where the documentation is.'),
  }),

  [`${AX}JSON`]: { description: 'JSON represents any valid JSON value. These types are supported: bool, int64, float64, string, []interface{}, map[string]interface{} and nil.' },
  [`${AX}JSONSchemaPropsOrArray`]: { description: 'JSONSchemaPropsOrArray represents a value that can either be a JSONSchemaProps or an array of JSONSchemaProps. Mainly here for serialization purposes.' },
  [`${AX}JSONSchemaPropsOrBool`]: { description: 'JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true for the boolean property.' },
  [`${AX}JSONSchemaPropsOrStringArray`]: { description: 'JSONSchemaPropsOrStringArray represents a JSONSchemaProps or a string array.' },

  [PROPS]: object('JSONSchemaProps is a JSON-Schema following Specification Draft 4 (http://json-schema.org/).', {
    $ref: str('A reference to a definition; not allowed in CRD schemas.'),
    $schema: str('The JSON Schema dialect.'),
    additionalItems: ref(`${AX}JSONSchemaPropsOrBool`, 'The schema of array items beyond those items lists; not allowed in structural schemas.'),
    additionalProperties: ref(`${AX}JSONSchemaPropsOrBool`, 'The schema of the values of an object used as a map (mutually exclusive with properties).'),
    allOf: list({ $ref: `#/definitions/${PROPS}` }, 'Schemas the value must all satisfy.', { listType: 'atomic' }),
    anyOf: list({ $ref: `#/definitions/${PROPS}` }, 'Schemas of which the value must satisfy at least one.', { listType: 'atomic' }),
    default: ref(`${AX}JSON`, 'default is a default value for undefined object fields. Defaulting is a beta feature under the CustomResourceDefaulting feature gate. Defaulting requires spec.preserveUnknownFields to be false.'),
    definitions: map({ $ref: `#/definitions/${PROPS}` }, 'Named schemas; not allowed in CRD schemas.'),
    dependencies: map({ $ref: `#/definitions/${AX}JSONSchemaPropsOrStringArray` }, 'Fields or schemas that apply when a property is present.'),
    description: str('What the value is, for people (kubectl explain shows it).'),
    enum: list({ $ref: `#/definitions/${AX}JSON` }, 'The values allowed.', { listType: 'atomic' }),
    example: ref(`${AX}JSON`, 'An example value.'),
    exclusiveMaximum: bool('The maximum itself is not allowed.'),
    exclusiveMinimum: bool('The minimum itself is not allowed.'),
    externalDocs: ref(`${AX}ExternalDocumentation`, 'Where more documentation is.'),
    format: str('format is an OpenAPI v3 format string. Unknown formats are ignored.'),
    id: str('The schema\'s identifier.'),
    items: ref(`${AX}JSONSchemaPropsOrArray`, 'The schema of the items of an array.'),
    maxItems: int64('The most items an array may have.'),
    maxLength: int64('The longest a string may be, in characters.'),
    maxProperties: int64('The most properties an object may have.'),
    maximum: double('The largest number allowed.'),
    minItems: int64('The fewest items an array may have.'),
    minLength: int64('The shortest a string may be, in characters.'),
    minProperties: int64('The fewest properties an object may have.'),
    minimum: double('The smallest number allowed.'),
    multipleOf: double('The number must be a multiple of this.'),
    not: props('A schema the value must not satisfy.'),
    nullable: bool('null is allowed as the value.'),
    oneOf: list({ $ref: `#/definitions/${PROPS}` }, 'Schemas of which the value must satisfy exactly one.', { listType: 'atomic' }),
    pattern: str('A regular expression strings must match.'),
    patternProperties: map({ $ref: `#/definitions/${PROPS}` }, 'Schemas of the properties whose names match a pattern; not allowed in structural schemas.'),
    properties: map({ $ref: `#/definitions/${PROPS}` }, 'The schemas of an object\'s fields, by name.'),
    required: strings('The fields an object must have.', { listType: 'atomic' }),
    title: str('A short title.'),
    type: str('The JSON type: object, array, string, integer, number or boolean.'),
    uniqueItems: bool('The items of an array must differ.'),
    'x-kubernetes-embedded-resource': bool('x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta.'),
    'x-kubernetes-int-or-string': bool('x-kubernetes-int-or-string specifies that this value is either an integer or a string.'),
    'x-kubernetes-list-map-keys': strings('x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type `map` by specifying the keys used as the index of the map.', { listType: 'atomic' }),
    'x-kubernetes-list-type': str('x-kubernetes-list-type annotates an array to further describe its topology: atomic, set or map.'),
    'x-kubernetes-map-type': str('x-kubernetes-map-type annotates an object to further describe its topology: granular or atomic.'),
    'x-kubernetes-preserve-unknown-fields': bool('x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema.'),
    'x-kubernetes-validations': listOf(`${AX}ValidationRule`, 'x-kubernetes-validations describes a list of validation rules written in the CEL expression language.', { listType: 'map', mapKeys: ['rule'] }),
  }),

  [`${AX}SelectableField`]: object('A field of a custom resource that may be used for field selection.', {
    jsonPath: str('A simple JSON path which is evaluated against each custom resource to produce a field selector value. Must point to a field of type string, boolean or integer.'),
  }, ['jsonPath']),

  [`${AX}ServiceReference`]: object('A reference to a Service.', {
    name: str('The name of the service. Required'),
    namespace: str('The namespace of the service. Required'),
    path: str('An optional URL path at which the webhook will be contacted.'),
    port: int32('An optional service port at which the webhook will be contacted. Defaults to 443 for backward compatibility.'),
  }, ['namespace', 'name']),

  [`${AX}ValidationRule`]: object('A validation rule written in the CEL expression language.', {
    fieldPath: str('The field path returned when validation fails.'),
    message: str('The message displayed when validation fails.'),
    messageExpression: str('A CEL expression that evaluates to the validation failure message.'),
    optionalOldSelf: bool('Lets a transition rule evaluate on object creation, or when old object is missing the value.'),
    reason: str('A machine-readable validation failure reason: FieldValueInvalid, FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.'),
    rule: str('The CEL expression.'),
  }, ['rule']),

  [`${AX}WebhookClientConfig`]: object('How to communicate with the webhook.', {
    caBundle: { description: 'A PEM encoded CA bundle which will be used to validate the webhook\'s server certificate.', type: 'string', format: 'byte' },
    service: ref(`${AX}ServiceReference`, 'A reference to the service for this webhook. Either service or url must be specified.'),
    url: str('The location of the webhook, in standard URL form (`scheme://host:port/path`).'),
  }),

  [`${AX}WebhookConversion`]: object('How to call a conversion webhook.', {
    clientConfig: ref(`${AX}WebhookClientConfig`, 'The instructions for how to call the webhook if strategy is `Webhook`.'),
    conversionReviewVersions: strings('An ordered list of preferred `ConversionReview` versions the Webhook expects.', { listType: 'atomic' }),
  }, ['conversionReviewVersions']),
};
