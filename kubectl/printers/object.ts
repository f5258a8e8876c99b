// Printing whole objects: -o json, -o yaml, -o name. JSON and YAML match kubectl's:
// one object printed as is, several wrapped in a v1 List; keys sorted as Go prints maps.
import { goJson } from './go-json.js';
import { goYaml } from '../../api/go-yaml.js';
import type { KubeObject } from '../../api/types/meta.js';
import { findByKind } from '../../api/registry.js';
import { objectName } from '../resource-name.js';

export function toJson(value: unknown): string {
  return `${goJson(value, '    ')}\n`;
}

/** YAML as sigs.k8s.io/yaml writes it: sorted keys, unindented lists, YAML 1.1 quoting ("yes", timestamps). */
export const toYaml: (value: unknown) => string = goYaml;

/** A single object, or a v1 List of several, as kubectl prints them for -o json|yaml. */
export function asListOrObject(objs: KubeObject[], forceList = false): unknown {
  if (objs.length === 1 && !forceList) return objs[0];
  return { apiVersion: 'v1', items: objs, kind: 'List', metadata: { resourceVersion: '' } };
}

/** "pod/web" for -o name; uses apiVersion/kind of the object. */
export function nameOf(obj: KubeObject): string {
  const ri = findByKind(obj.apiVersion ?? '', obj.kind ?? '');
  const group = ri?.group ?? ((obj.apiVersion ?? '').includes('/') ? (obj.apiVersion ?? '').split('/')[0]! : '');
  return objectName({ kind: obj.kind ?? ri?.kind ?? '', group }, obj.metadata.name ?? '');
}

/** Prints objects for -o json|yaml|name; returns undefined for formats it does not handle. */
export function formatObjects(objs: KubeObject[], output: string, forceList = false): string | undefined {
  if (output === 'json') return toJson(asListOrObject(objs, forceList));
  if (output === 'yaml') return toYaml(asListOrObject(objs, forceList));
  if (output === 'name') return objs.map((o) => `${nameOf(o)}\n`).join('');
  return undefined;
}

/** kubectl's OmitManagedFieldsPrinter: an object without metadata.managedFields (unless --show-managed-fields); obj is not changed. */
export function omitManagedFields(obj: KubeObject): KubeObject {
  if (!obj?.metadata || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _omitted, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
