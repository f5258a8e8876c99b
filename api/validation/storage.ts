// PersistentVolumes, PersistentVolumeClaims (core's ValidatePersistentVolume*,
// ValidatePersistentVolumeClaim*) and storage.k8s.io StorageClasses (storage's
// ValidateStorageClass*), with Kubernetes' messages.
import { compareQuantities } from '../quantity.js';
import type { NodeSelector, PersistentVolume, PersistentVolumeClaim } from '../types/core.js';
import type { LabelSelector } from '../types/meta.js';
import type { StorageClass } from '../types/storage.js';
import {
  type FieldCause, child, forbidden, invalid, jsonEqual, key, list, notSupported, record, required, str,
} from './field.js';
import {
  validateImmutable, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName,
} from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validateQuantityValue } from './resources.js';
import { validateNodeSelector } from './scheduling.js';
import { validateHostPath, validatePathNoBacksteps } from './volume.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const PV_RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const SC_RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
/** The volume sources this server knows on a PersistentVolume, in Kubernetes' order of checks. */
const PV_SOURCES = ['hostPath', 'nfs', 'local', 'csi'] as const;

function validateAccessModes(modes: unknown, path: string, requiredMsg: string): FieldCause[] {
  const all = list<string>(modes);
  const errs: FieldCause[] = [];
  if (all.length === 0) errs.push(required(path, requiredMsg));
  for (const m of all) if (!ACCESS_MODES.includes(m)) errs.push(notSupported(path, m, ACCESS_MODES));
  if (all.includes('ReadWriteOncePod') && all.length > 1) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateClassName(name: unknown, path: string): FieldCause[] {
  const n = str(name);
  if (!n) return [];
  return nameIsDNSSubdomain(n, false).map((msg) => invalid(path, n, msg));
}

function validateVolumeMode(mode: unknown, path: string): FieldCause[] {
  return mode !== undefined && !VOLUME_MODES.includes(str(mode)) ? [notSupported(path, mode, VOLUME_MODES)] : [];
}

// ---------------------------------------------------------------- PersistentVolume

function validatePVSpec(pv: PersistentVolume): FieldCause[] {
  const spec = record<unknown>(pv.spec) as NonNullable<PersistentVolume['spec']>;
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', 'must specify at least 1 access mode');
  const capacity = record<unknown>(spec.capacity);
  if (Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  else if (!('storage' in capacity) || Object.keys(capacity).length > 1) errs.push(notSupported('spec.capacity', capacity, ['storage']));
  for (const [name, q] of Object.entries(capacity)) errs.push(...validateQuantityValue(name, q, key('spec.capacity', name)).errs);
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !PV_RECLAIM_POLICIES.includes(str(policy))) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, PV_RECLAIM_POLICIES));
  errs.push(...validateClassName(spec.storageClassName, 'spec.storageClassName'));
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  const source = spec as unknown as Record<string, unknown>;
  let count = 0;
  for (const field of PV_SOURCES) {
    if (source[field] === undefined || source[field] === null) continue;
    const p = child('spec', field);
    if (count > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    switch (field) {
      case 'hostPath': {
        errs.push(...validateHostPath(spec.hostPath as NonNullable<typeof spec.hostPath>, p));
        if (policy === 'Recycle' && str(spec.hostPath?.path) === '/') errs.push(forbidden('spec.persistentVolumeReclaimPolicy', 'may not be \'recycle\' for a hostPath mount of \'/\''));
        break;
      }
      case 'local': {
        const path = str(spec.local?.path);
        if (!path) errs.push(required(child(p, 'path')));
        else errs.push(...validatePathNoBacksteps(path, child(p, 'path')));
        if (!spec.nodeAffinity) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
        break;
      }
      case 'nfs': {
        if (!str(spec.nfs?.server)) errs.push(required(child(p, 'server')));
        const path = str(spec.nfs?.path);
        if (!path) errs.push(required(child(p, 'path')));
        else if (!path.startsWith('/')) errs.push(invalid(child(p, 'path'), path, 'must be an absolute path'));
        break;
      }
      case 'csi': {
        if (!str(spec.csi?.driver)) errs.push(required(child(p, 'driver')));
        if (!str(spec.csi?.volumeHandle)) errs.push(required(child(p, 'volumeHandle')));
        break;
      }
    }
  }
  if (count === 0) errs.push(invalid('spec', {}, 'must specify a volume type'));
  if (spec.nodeAffinity !== undefined) {
    const affinity = record<unknown>(spec.nodeAffinity);
    if (!affinity.required) errs.push(required('spec.nodeAffinity.required', 'must specify required node constraints'));
    else errs.push(...validateNodeSelector(affinity.required as NodeSelector, 'spec.nodeAffinity.required'));
  }
  return errs;
}

export function validatePersistentVolumeCreate(pv: PersistentVolume): FieldCause[] {
  return [...validateObjectMeta(pv.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain }), ...validatePVSpec(pv)];
}

function pvSource(pv: PersistentVolume): Record<string, unknown> {
  const spec = record<unknown>(pv.spec);
  return Object.fromEntries(PV_SOURCES.filter((f) => spec[f] !== undefined).map((f) => [f, spec[f]]));
}

export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldCause[] {
  const errs = [...validateObjectMetaUpdate(pv.metadata, old.metadata), ...validatePVSpec(pv)];
  if (!jsonEqual(pvSource(pv), pvSource(old))) errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  errs.push(...validateImmutable(pv.spec?.volumeMode, old.spec?.volumeMode, 'spec.volumeMode'));
  // Node affinity may be set once (a volume created without it), not changed after.
  if (old.spec?.nodeAffinity) errs.push(...validateImmutable(pv.spec?.nodeAffinity, old.spec.nodeAffinity, 'nodeAffinity'));
  return errs;
}

export function validatePersistentVolumeStatusUpdate(pv: PersistentVolume, old: PersistentVolume): FieldCause[] {
  const errs = validateObjectMetaUpdate(pv.metadata, old.metadata);
  const phase = pv.status?.phase;
  const phases = ['Available', 'Bound', 'Failed', 'Pending', 'Released'];
  if (phase !== undefined && !phases.includes(phase)) errs.push(notSupported('status.phase', phase, phases));
  return errs;
}

// ---------------------------------------------------------------- PersistentVolumeClaim

function validatePVCSpec(spec: PersistentVolumeClaim['spec'], path: string): FieldCause[] {
  const s = record<unknown>(spec) as NonNullable<PersistentVolumeClaim['spec']>;
  const errs = validateAccessModes(s.accessModes, child(path, 'accessModes'), 'at least 1 access mode is required');
  if (s.selector !== undefined) errs.push(...validateLabelSelector(s.selector as LabelSelector, child(path, 'selector')));
  const requests = record<unknown>(record<unknown>(s.resources).requests);
  const storagePath = key(child(path, 'resources'), 'storage');
  if (!('storage' in requests)) {
    errs.push(required(storagePath));
  } else {
    const res = validateQuantityValue('storage', requests.storage, storagePath);
    errs.push(...res.errs);
    if (res.canonical !== undefined && compareQuantities(res.canonical, '0') <= 0) errs.push(invalid(storagePath, res.canonical, 'must be greater than zero'));
  }
  errs.push(...validateClassName(s.storageClassName, child(path, 'storageClassName')));
  errs.push(...validateVolumeMode(s.volumeMode, child(path, 'volumeMode')));
  const ds = record<unknown>(s.dataSource);
  if (s.dataSource !== undefined) {
    if (!str(ds.name)) errs.push(required(child(path, 'dataSource', 'name')));
    if (!str(ds.kind)) errs.push(required(child(path, 'dataSource', 'kind')));
    const group = str(ds.apiGroup);
    if (!group && str(ds.kind) !== 'PersistentVolumeClaim') errs.push(invalid(child(path, 'dataSource'), ds.kind, 'must be \'PersistentVolumeClaim\' when referencing the default apiGroup'));
  }
  return errs;
}

/** The spec rules of a claim, for templates (StatefulSet volumeClaimTemplates) too. */
export function validatePersistentVolumeClaimSpec(spec: PersistentVolumeClaim['spec'], path: string): FieldCause[] {
  return validatePVCSpec(spec, path);
}

export function validatePersistentVolumeClaimCreate(pvc: PersistentVolumeClaim): FieldCause[] {
  return [...validateObjectMeta(pvc.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validatePVCSpec(pvc.spec, 'spec')];
}

/**
 * The spec is immutable but for resources.requests (expansion, of a bound claim only),
 * volumeName while empty (binding) and storageClassName while unset (a default class
 * assigned afterwards). A request may not shrink.
 */
export function validatePersistentVolumeClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldCause[] {
  const errs = [...validateObjectMetaUpdate(pvc.metadata, old.metadata), ...validatePVCSpec(pvc.spec, 'spec')];
  const next = structuredClone(record<unknown>(pvc.spec)) as NonNullable<PersistentVolumeClaim['spec']>;
  const prev = structuredClone(record<unknown>(old.spec)) as NonNullable<PersistentVolumeClaim['spec']>;
  if (!prev.volumeName) prev.volumeName = next.volumeName;
  if (prev.storageClassName === undefined && next.storageClassName) prev.storageClassName = next.storageClassName;
  if (pvc.status?.phase === 'Bound' && next.resources?.requests) {
    next.resources.requests = { ...next.resources.requests, storage: prev.resources?.requests?.storage as string };
    if (next.resources.requests.storage === undefined) delete next.resources.requests.storage;
  }
  if (!jsonEqual(next, prev)) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  const newSize = str(pvc.spec?.resources?.requests?.storage);
  const oldSize = str(old.spec?.resources?.requests?.storage);
  try {
    if (newSize && oldSize && compareQuantities(newSize, oldSize) < 0) {
      errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
    }
  } catch { /* bad quantities are reported by the spec rules */ }
  return errs;
}

export function validatePersistentVolumeClaimStatusUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldCause[] {
  const errs = validateObjectMetaUpdate(pvc.metadata, old.metadata);
  const phase = pvc.status?.phase;
  const phases = ['Bound', 'Lost', 'Pending'];
  if (phase !== undefined && !phases.includes(phase)) errs.push(notSupported('status.phase', phase, phases));
  for (const [name, q] of Object.entries(record<unknown>(pvc.status?.capacity))) {
    errs.push(...validateQuantityValue(name, q, key('status.capacity', name)).errs);
  }
  return errs;
}

// ---------------------------------------------------------------- StorageClass

function validateStorageClassFields(sc: StorageClass): FieldCause[] {
  const errs: FieldCause[] = [];
  const provisioner = str(sc.provisioner);
  if (!provisioner) errs.push(required('provisioner'));
  else errs.push(...validateQualifiedName(provisioner.toLowerCase(), 'provisioner'));
  let size = 0;
  for (const [k, v] of Object.entries(record<unknown>(sc.parameters))) {
    if (!k) errs.push(invalid('parameters', k, 'field can not be empty.'));
    size += k.length + str(v).length;
  }
  if (size > 256 * 1024) errs.push({ reason: 'FieldValueTooLong', field: 'parameters', message: `Too long: may not be more than ${256 * 1024} bytes` });
  if (sc.reclaimPolicy !== undefined && !SC_RECLAIM_POLICIES.includes(str(sc.reclaimPolicy))) {
    errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, SC_RECLAIM_POLICIES));
  }
  if (sc.volumeBindingMode === undefined) errs.push(required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(str(sc.volumeBindingMode))) errs.push(notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
  return errs;
}

export function validateStorageClassCreate(sc: StorageClass): FieldCause[] {
  return [...validateObjectMeta(sc.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain }), ...validateStorageClassFields(sc)];
}

export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldCause[] {
  const errs = [...validateObjectMetaUpdate(sc.metadata, old.metadata), ...validateStorageClassFields(sc)];
  if (!jsonEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...validateImmutable(sc.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
  return errs;
}
