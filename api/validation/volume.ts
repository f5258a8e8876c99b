// Pod volumes (core's ValidateVolumes): names, exactly one source each, and the
// sources this cluster runs (emptyDir, hostPath, configMap, secret, downwardAPI,
// projected, persistentVolumeClaim). Other Kubernetes source types count as a
// source but are not checked further.
import type {
  ConfigMapVolumeSource, DownwardAPIVolumeFile, HostPathVolumeSource, KeyToPath, ProjectedVolumeSource,
  SecretVolumeSource, Volume,
} from '../types/core.js';
import {
  child, duplicate, type FieldCause, forbidden, index, invalid, list, notSupported, record, required, str,
} from './field.js';
import { isDNS1123Label } from './names.js';
import { validateQuantityValue } from './resources.js';

/** Every volume source field of core/v1 VolumeSource, in Kubernetes' checking order. */
export const VOLUME_SOURCE_FIELDS = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc',
  'flexVolume', 'configMap', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk',
  'storageos', 'projected', 'scaleIO', 'csi', 'ephemeral', 'image',
] as const;

const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

/** A relative path without '..' elements (gitRepo directories, subPath). */
export function validateLocalDescendingPath(target: string, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (target.startsWith('/')) errs.push(invalid(path, target, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(target, path));
  return errs;
}

/** No '..' element anywhere in the path. */
export function validatePathNoBacksteps(target: string, path: string): FieldCause[] {
  return target.split(/[\\/]/).includes('..') ? [invalid(path, target, "must not contain '..'")] : [];
}

/** A relative path without '..' that does not start with '..' (projected file paths). */
export function validateLocalNonReservedPath(target: string, path: string): FieldCause[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(invalid(path, target, "must not start with '..'"));
  return errs;
}

function validateFileMode(mode: unknown, path: string): FieldCause[] {
  return typeof mode === 'number' && (mode > 0o777 || mode < 0) ? [invalid(path, mode, FILE_MODE_ERROR)] : [];
}

function validateKeyToPath(kp: KeyToPath, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!str(kp?.key)) errs.push(required(child(path, 'key')));
  if (!str(kp?.path)) errs.push(required(child(path, 'path')));
  errs.push(...validateLocalNonReservedPath(str(kp?.path), child(path, 'path')));
  errs.push(...validateFileMode(kp?.mode, child(path, 'mode')));
  return errs;
}

function validateItems(items: unknown, path: string): FieldCause[] {
  return list<KeyToPath>(items).flatMap((kp, i) => validateKeyToPath(kp, index(path, i)));
}

export function validateHostPath(src: HostPathVolumeSource, path: string): FieldCause[] {
  const p = str(src?.path);
  if (!p) return [required(child(path, 'path'))];
  const errs = validatePathNoBacksteps(p, child(path, 'path'));
  if (src.type !== undefined && src.type !== null && !HOST_PATH_TYPES.includes(str(src.type))) {
    errs.push(notSupported(child(path, 'type'), src.type, HOST_PATH_TYPES));
  }
  return errs;
}

function validateSecretSource(src: SecretVolumeSource, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!str(src?.secretName)) errs.push(required(child(path, 'secretName')));
  errs.push(...validateFileMode(src?.defaultMode, child(path, 'defaultMode')));
  errs.push(...validateItems(src?.items, child(path, 'items')));
  return errs;
}

function validateConfigMapSource(src: ConfigMapVolumeSource, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!str(src?.name)) errs.push(required(child(path, 'name')));
  errs.push(...validateFileMode(src?.defaultMode, child(path, 'defaultMode')));
  errs.push(...validateItems(src?.items, child(path, 'items')));
  return errs;
}

function validateDownwardAPIFile(file: DownwardAPIVolumeFile, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!str(file?.path)) errs.push(required(child(path, 'path')));
  errs.push(...validateLocalNonReservedPath(str(file?.path), child(path, 'path')));
  if (!file?.fieldRef && !file?.resourceFieldRef) errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  if (file?.fieldRef && file.resourceFieldRef) errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  errs.push(...validateFileMode(file?.mode, child(path, 'mode')));
  return errs;
}

function validateProjected(src: ProjectedVolumeSource, path: string): FieldCause[] {
  const errs = validateFileMode(src?.defaultMode, child(path, 'defaultMode'));
  list<Record<string, unknown>>(src?.sources).forEach((source, i) => {
    const p = index(child(path, 'sources'), i);
    const kinds = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) => source?.[k]);
    for (const k of ['secret', 'configMap'] as const) {
      const s = record<unknown>(source?.[k]);
      if (source?.[k] && !str(s.name)) errs.push(required(child(p, k, 'name')));
      errs.push(...validateItems(s.items, child(p, k, 'items')));
    }
    const token = record<unknown>(source?.serviceAccountToken);
    if (source?.serviceAccountToken) {
      const exp = token.expirationSeconds;
      if (typeof exp === 'number' && exp < 600) errs.push(invalid(child(p, 'serviceAccountToken', 'expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
      if (!str(token.path)) errs.push(required(child(path, 'path')));
      else errs.push(...validateLocalNonReservedPath(str(token.path), child(path, 'path')));
    }
    if (kinds.length > 1) errs.push(forbidden(p, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

function validateVolumeSource(vol: Volume, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const v = vol as unknown as Record<string, unknown>;
  let count = 0;
  for (const field of VOLUME_SOURCE_FIELDS) {
    if (v[field] === undefined || v[field] === null) continue;
    const p = child(path, field);
    if (count > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    switch (field) {
      case 'emptyDir': {
        const limit = record<unknown>(vol.emptyDir).sizeLimit;
        if (limit !== undefined && validateQuantityValue('', limit, p).errs.length) {
          errs.push(forbidden(child(p, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
        }
        break;
      }
      case 'hostPath': errs.push(...validateHostPath(vol.hostPath as HostPathVolumeSource, p)); break;
      case 'secret': errs.push(...validateSecretSource(vol.secret as SecretVolumeSource, p)); break;
      case 'configMap': errs.push(...validateConfigMapSource(vol.configMap as ConfigMapVolumeSource, p)); break;
      case 'persistentVolumeClaim':
        if (!str(record<unknown>(vol.persistentVolumeClaim).claimName)) errs.push(required(child(p, 'claimName')));
        break;
      case 'downwardAPI': {
        const src = record<unknown>(vol.downwardAPI);
        errs.push(...validateFileMode(src.defaultMode, child(p, 'defaultMode')));
        for (const file of list<DownwardAPIVolumeFile>(src.items)) errs.push(...validateDownwardAPIFile(file, p));
        break;
      }
      case 'projected': errs.push(...validateProjected(vol.projected as ProjectedVolumeSource, p)); break;
      default: break;
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

/**
 * spec.volumes: each has a DNS-1123 label name, unique, and exactly one valid source.
 * Returns the valid volumes by name (what volumeMounts may refer to) and the causes.
 */
export function validateVolumes(volumes: unknown, path: string): { volumes: Map<string, Volume>; errs: FieldCause[] } {
  const byName = new Map<string, Volume>();
  const errs: FieldCause[] = [];
  list<Volume>(volumes).forEach((vol, i) => {
    const p = index(path, i);
    const namePath = child(p, 'name');
    const name = str(vol?.name);
    const el = validateVolumeSource(record<unknown>(vol) as unknown as Volume, p);
    if (!name) el.push(required(namePath));
    else el.push(...isDNS1123Label(name).map((msg) => invalid(namePath, name, msg)));
    if (byName.has(name)) el.push(duplicate(namePath, name));
    if (el.length === 0) byName.set(name, vol);
    else errs.push(...el);
  });
  return { volumes: byName, errs };
}
