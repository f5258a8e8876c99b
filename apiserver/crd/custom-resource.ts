// Serving one version of a custom resource (apiextensions-apiserver pkg/registry/
// customresource): the ResourceInfo its CRD describes, the strategy (status subresource,
// generation, metadata and schema validation, schema defaults), the conversion between
// versions (strategy None: only apiVersion changes) and the scale subresource.
import { methodNotAllowed } from '../../api/errors.js';
import type { CustomResourceFacts, ResourceInfo } from '../../api/registry.js';
import type { CustomResourceDefinition, CustomResourceDefinitionVersion, JSONSchemaProps } from '../../api/types/apiextensions.js';
import type { KubeObject, StatusCause } from '../../api/types/meta.js';
import { type FieldCause, invalid as invalidField } from '../../api/validation/field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation/meta.js';
import { nameIsDNSSubdomain } from '../../api/validation/names.js';
import type { Conversion } from '../registry/converting.js';
import { deepEqual } from '../registry/deep-equal.js';
import type { GenericRegistry } from '../registry/generic.js';
import { defaultStrategy, type Strategy } from '../registry/strategy.js';
import type { Subresource } from '../registry/subresource.js';
import { scaleSubresourceOf, type ScaleObj } from '../registry/scale.js';
import { compareKubeAwareVersions } from '../discovery.js';
import { isConditionTrue } from './crd-strategy.js';

/**
 * What the schema package (api/apiextensions/schema) does with a version's
 * openAPIV3Schema; undefined parts are skipped.
 */
export interface SchemaOps {
  /** Field errors of obj against the schema (types, formats, CEL rules); oldObj on update. */
  validate?(schema: JSONSchemaProps, obj: unknown, oldObj?: unknown): FieldCause[];
  /** Fills the schema's defaults into obj, in place. */
  applyDefaults?(schema: JSONSchemaProps, obj: unknown): void;
  /** Drops the fields the schema does not know, in place; answers their paths. */
  prune?(schema: JSONSchemaProps, obj: unknown): string[];
}

/** The version objects are stored in: the one marked storage. */
export function storageVersionOf(crd: CustomResourceDefinition): string {
  return crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]?.name ?? '';
}

/**
 * The resources a CRD serves: one per served version, under its accepted names, once
 * its names are accepted (NamesAccepted or Established true, as the CRD handler
 * requires); [] otherwise.
 */
export function resourceInfosOf(crd: CustomResourceDefinition): { ri: ResourceInfo; version: CustomResourceDefinitionVersion }[] {
  if (!isConditionTrue(crd, 'Established') && !isConditionTrue(crd, 'NamesAccepted')) return [];
  const names = crd.status?.acceptedNames;
  if (!names?.plural || !names.kind) return [];
  const storageVersion = storageVersionOf(crd);
  return crd.spec.versions.filter((v) => v.served).map((version) => {
    const status = version.subresources?.status !== undefined;
    const scale = version.subresources?.scale;
    const custom: CustomResourceFacts = {
      crdName: crd.metadata.name ?? '',
      storageVersion,
      printerColumns: (version.additionalPrinterColumns ?? []).map((c) => ({ ...c })),
      selectableFields: (version.selectableFields ?? []).map((f) => f.jsonPath),
      scale: scale ? { ...scale } : undefined,
      schema: version.schema?.openAPIV3Schema,
      deprecationWarning: version.deprecated ? deprecationWarning(crd, version) : undefined,
    };
    const ri: ResourceInfo = {
      group: crd.spec.group,
      version: version.name,
      kind: names.kind,
      listKind: names.listKind || `${names.kind}List`,
      plural: names.plural,
      singular: names.singular || names.kind.toLowerCase(),
      namespaced: crd.spec.scope === 'Namespaced',
      shortNames: [...(names.shortNames ?? [])],
      categories: [...(names.categories ?? [])],
      subresources: [...(status ? ['status'] : []), ...(scale ? ['scale'] : [])],
      custom,
    };
    return { ri, version };
  });
}

/**
 * The warning of a deprecated version (the CRD handler's): its own deprecationWarning,
 * else "<group>/<version> <Kind> is deprecated", naming the preferred served version
 * when that one is not deprecated.
 */
function deprecationWarning(crd: CustomResourceDefinition, version: CustomResourceDefinitionVersion): string {
  if (version.deprecationWarning) return version.deprecationWarning;
  const kind = crd.status?.acceptedNames?.kind || crd.spec.names.kind;
  const msg = `${crd.spec.group}/${version.name} ${kind} is deprecated`;
  const preferred = crd.spec.versions.filter((v) => v.served).map((v) => v.name).sort(compareKubeAwareVersions)[0];
  const pv = crd.spec.versions.find((v) => v.name === preferred);
  if (!pv || pv.deprecated || pv.name === version.name) return msg;
  return `${msg}; use ${crd.spec.group}/${pv.name} ${kind}`;
}

/** Conversion strategy None: the objects of every version are the same but for apiVersion. */
export function noneConversion(group: string, version: string, storageVersion: string): Conversion {
  const served = `${group}/${version}`;
  const stored = `${group}/${storageVersion}`;
  return {
    fromStorage: (obj) => ({ ...obj, apiVersion: served }),
    toStorage: (obj) => ({ ...obj, apiVersion: stored }),
  };
}

const schemaOf = (version: CustomResourceDefinitionVersion): JSONSchemaProps | undefined => version.schema?.openAPIV3Schema;

/** Reads a simple JSONPath (".spec.replicas") of obj; undefined when absent. */
export function readPath(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const part of path.slice(1).split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Writes a simple JSONPath of obj, creating the objects on the way. */
export function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.slice(1).split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

const MAX_INT32 = 2147483647;

/** validateScaleSpec / validateScaleStatus: replicas at the paths are non-negative int32s when set. */
function validateScale(obj: KubeObject, scale: NonNullable<CustomResourceFacts['scale']>, which: 'spec' | 'status'): FieldCause[] {
  const path = which === 'spec' ? scale.specReplicasPath : scale.statusReplicasPath;
  const v = readPath(obj, path);
  if (v === undefined) return [];
  const field = path.slice(1);
  if (typeof v !== 'number' || !Number.isInteger(v)) return [invalidField(field, v, `${path} accessor error: ${JSON.stringify(v)} is of the type ${typeof v === 'number' ? 'float64' : typeof v}, expected int64`)];
  if (v < 0) return [invalidField(field, v, 'should be a non-negative integer')];
  if (v > MAX_INT32) return [invalidField(field, v, `should be less than or equal to ${MAX_INT32}`)];
  return [];
}

/** Everything but metadata (and apiVersion, which versions differ in): what generation counts. */
function content(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, apiVersion: _a, ...rest } = obj as unknown as Record<string, unknown>;
  return rest;
}

/**
 * The strategy of one custom resource version. crd is read for the Terminating
 * condition: no creates while the CRD's objects are being deleted.
 */
export function customResourceStrategy(ri: ResourceInfo, version: CustomResourceDefinitionVersion, crd: () => CustomResourceDefinition | undefined, ops: SchemaOps = {}): Strategy {
  const status = ri.subresources.includes('status');
  const scale = ri.custom?.scale;
  const schema = schemaOf(version);
  const statusSchema = schema?.properties?.status;
  return {
    ...defaultStrategy,
    hasStatus: status,
    returnDeletedObject: true,
    // Unknown fields are pruned, then defaults filled, as the CRD handler decodes a body.
    applyDefaults(obj) {
      if (schema && ops.prune) ops.prune(schema, obj);
      if (schema && ops.applyDefaults) ops.applyDefaults(schema, obj);
    },
    unknownFields(obj) {
      if (!schema || !ops.prune || obj === null || typeof obj !== 'object') return [];
      return ops.prune(schema, structuredClone(obj));
    },
    prepareForCreate(obj) {
      if (status) delete obj.status;
    },
    generationChanged(obj, old) {
      return !deepEqual(content(obj), content(old));
    },
    validateObject(obj, old, subresource): StatusCause[] {
      if (subresource === 'status') {
        const errs = validateObjectMetaUpdate(obj.metadata, old?.metadata, 'metadata', false);
        if (statusSchema && ops.validate) errs.push(...prefixed(ops.validate(statusSchema, obj.status, old?.status), 'status'));
        if (scale) errs.push(...validateScale(obj, scale, 'status'));
        return errs;
      }
      const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata, 'metadata', false)
        : validateObjectMeta(obj.metadata, { namespaced: ri.namespaced, nameFn: nameIsDNSSubdomain, kubeFinalizers: false });
      if (old && !ri.namespaced && obj.metadata.namespace) errs.push(invalidField('metadata.namespace', obj.metadata.namespace, 'not allowed on this type'));
      if (schema && ops.validate) errs.push(...ops.validate(schema, obj, old));
      if (scale) errs.push(...validateScale(obj, scale, 'spec'), ...validateScale(obj, scale, 'status'));
      return errs;
    },
    async beforeCreate() {
      const c = crd();
      if (c && isConditionTrue(c, 'Terminating')) {
        throw methodNotAllowed(`create not allowed while custom resource definition is terminating`);
      }
    },
  };
}

/** Field errors found under a sub-object, re-rooted at prefix ("status.replicas"). */
function prefixed(errs: FieldCause[], prefix: string): FieldCause[] {
  return errs.map((e) => ({ ...e, field: e.field ? `${prefix}.${e.field}` : prefix }));
}

/**
 * The scale subresource of a custom resource (customresource/etcd.go ScaleREST): an
 * autoscaling/v1 Scale whose spec.replicas is read from and written to
 * specReplicasPath, status.replicas read from statusReplicasPath and status.selector
 * from labelSelectorPath.
 */
export function customScaleSubresource(reg: GenericRegistry): Subresource {
  const scale = reg.ri.custom?.scale as NonNullable<CustomResourceFacts['scale']>;
  const toScale = (obj: KubeObject): ScaleObj => {
    const m = obj.metadata;
    const specReplicas = readPath(obj, scale.specReplicasPath);
    const statusReplicas = readPath(obj, scale.statusReplicasPath);
    const selector = scale.labelSelectorPath ? readPath(obj, scale.labelSelectorPath) : undefined;
    const out: ScaleObj = {
      kind: 'Scale', apiVersion: 'autoscaling/v1',
      metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
      spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 0 },
      status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0 },
    };
    if (typeof selector === 'string' && selector) (out.status as { selector?: string }).selector = selector;
    return out;
  };
  return scaleSubresourceOf(reg, {
    toScale,
    setReplicas: (obj, replicas) => writePath(obj as unknown as Record<string, unknown>, scale.specReplicasPath, replicas),
  });
}
