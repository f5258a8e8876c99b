// Strategies of PersistentVolumes and PersistentVolumeClaims (pkg/registry/core/
// persistentvolume and persistentvolumeclaim): status is written by the PV controller
// through the status subresource; a new volume starts Pending (the controller makes it
// Available), a new claim Pending.
import { rfc3339 } from '../../api/helpers/time.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../api/types/core.js';
import { defaultStrategy, type Strategy } from './strategy.js';

export const persistentVolumeStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  returnDeletedObject: true,
  prepareForCreate(obj) {
    (obj as PersistentVolume).status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339() };
  },
  prepareForStatusUpdate(obj, old) {
    // Kubernetes stamps every phase change (PersistentVolumeLastPhaseTransitionTime).
    const pv = obj as PersistentVolume;
    const before = (old as PersistentVolume).status;
    if (pv.status && pv.status.phase !== before?.phase) pv.status.lastPhaseTransitionTime = rfc3339();
  },
};

export const persistentVolumeClaimStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  returnDeletedObject: true,
  prepareForCreate(obj) {
    (obj as PersistentVolumeClaim).status = { phase: 'Pending' };
  },
};
