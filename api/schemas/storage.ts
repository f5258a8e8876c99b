// Storage definitions: core/v1 PersistentVolume and PersistentVolumeClaim, and
// storage.k8s.io/v1 StorageClass, with Kubernetes' field descriptions (shortened).
import { C } from './core.js';
import { M, METADATA, QUANTITY, listKind } from './meta.js';
import {
  API_VERSION, KIND, bool, gvk, item, kind, listOf, map, object, ref, str, strMap, strings, type Definitions, type JSONSchemaProps,
} from './schema.js';

export const ST = 'io.k8s.api.storage.v1.';

const quantities = (description: string): JSONSchemaProps => map(item(QUANTITY), description);
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const accessModes = (description: string): JSONSchemaProps => ({ ...strings(description, { listType: 'atomic' }), items: { type: 'string', enum: ACCESS_MODES } });
const VOLUME_MODE = 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.';

export const STORAGE_DEFINITIONS: Definitions = {
  [`${C}LocalVolumeSource`]: object('Local represents directly-attached storage with node affinity.', {
    fsType: str('fsType is the filesystem type to mount. It applies only when the Path is a block device.'),
    path: str('path of the full path to the volume on the node. It can be either a directory or block device (disk, partition, ...).'),
  }, ['path']),
  [`${C}NFSVolumeSource`]: object('Represents an NFS mount that lasts the lifetime of a pod.', {
    path: str('path that is exported by the NFS server.'),
    readOnly: bool('readOnly here will force the NFS export to be mounted with read-only permissions. Defaults to false.'),
    server: str('server is the hostname or IP address of the NFS server.'),
  }, ['server', 'path']),
  [`${C}CSIPersistentVolumeSource`]: object('Represents storage that is managed by an external CSI volume driver.', {
    driver: str('driver is the name of the driver to use for this volume. Required.'),
    fsType: str('fsType to mount. Must be a filesystem type supported by the host operating system.'),
    readOnly: bool('readOnly value to pass to ControllerPublishVolumeRequest. Defaults to false (read/write).'),
    volumeAttributes: strMap('volumeAttributes of the volume to publish.'),
    volumeHandle: str('volumeHandle is the unique volume name returned by the CSI volume plugin’s CreateVolume to refer to the volume on all subsequent calls. Required.'),
  }, ['driver', 'volumeHandle']),
  [`${C}VolumeNodeAffinity`]: object('VolumeNodeAffinity defines constraints that limit what nodes this volume can be accessed from.', {
    required: ref(`${C}NodeSelector`, 'required specifies hard node constraints that must be met.'),
  }),
  [`${C}PersistentVolumeSpec`]: object('PersistentVolumeSpec is the specification of a persistent volume.', {
    accessModes: accessModes('accessModes contains all ways the volume can be mounted.'),
    capacity: quantities('capacity is the description of the persistent volume\'s resources and capacity.'),
    claimRef: ref(`${C}ObjectReference`, 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC.', { mapType: 'granular' }),
    csi: ref(`${C}CSIPersistentVolumeSource`, 'csi represents storage that is handled by an external CSI driver.'),
    hostPath: ref(`${C}HostPathVolumeSource`, 'hostPath represents a directory on the host. Provisioned by a developer or tester. This is useful for single-node development and testing only!'),
    local: ref(`${C}LocalVolumeSource`, 'local represents directly-attached storage with node affinity'),
    mountOptions: strings('mountOptions is the list of mount options, e.g. ["ro", "soft"]. Not validated - mount will simply fail if one is invalid.', { listType: 'atomic' }),
    nfs: ref(`${C}NFSVolumeSource`, 'nfs represents an NFS mount on the host. Provisioned by an admin.'),
    nodeAffinity: ref(`${C}VolumeNodeAffinity`, 'nodeAffinity defines constraints that limit what nodes this volume can be accessed from. This field influences the scheduling of pods that use this volume.'),
    persistentVolumeReclaimPolicy: str('persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated).', { enum: ['Delete', 'Recycle', 'Retain'] }),
    storageClassName: str('storageClassName is the name of StorageClass to which this persistent volume belongs. Empty value means that this volume does not belong to any StorageClass.'),
    volumeAttributesClassName: str('Name of VolumeAttributesClass to which this persistent volume belongs.'),
    volumeMode: str(VOLUME_MODE, { enum: ['Block', 'Filesystem'] }),
  }),
  [`${C}PersistentVolumeStatus`]: object('PersistentVolumeStatus is the current status of a persistent volume.', {
    lastPhaseTransitionTime: ref(`${M}Time`, 'lastPhaseTransitionTime is the time the phase transitioned from one to another and automatically resets to current time everytime a volume phase transitions.'),
    message: str('message is a human-readable message indicating details about why the volume is in this state.'),
    phase: str('phase indicates if a volume is available, bound to a claim, or released by a claim.', { enum: ['Available', 'Bound', 'Failed', 'Pending', 'Released'] }),
    reason: str('reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
  }),
  [`${C}PersistentVolume`]: kind(gvk('', 'v1', 'PersistentVolume'), 'PersistentVolume (PV) is a storage resource provisioned by an administrator. It is analogous to a node.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${C}PersistentVolumeSpec`, 'spec defines a specification of a persistent volume owned by the cluster. Provisioned by an administrator.'),
    status: ref(`${C}PersistentVolumeStatus`, 'status represents the current information/status for the persistent volume. Populated by the system. Read-only.'),
  }),
  [`${C}PersistentVolumeList`]: listKind('', 'v1', 'PersistentVolumeList', `${C}PersistentVolume`, 'persistent volumes'),

  [`${C}VolumeResourceRequirements`]: object('VolumeResourceRequirements describes the storage resource requirements for a volume.', {
    limits: quantities('Limits describes the maximum amount of compute resources allowed.'),
    requests: quantities('Requests describes the minimum amount of compute resources required.'),
  }),
  [`${C}TypedLocalObjectReference`]: object('TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.', {
    apiGroup: str('APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group.'),
    kind: str('Kind is the type of resource being referenced'),
    name: str('Name is the name of resource being referenced'),
  }, ['kind', 'name'], { mapType: 'atomic' }),
  [`${C}TypedObjectReference`]: object('TypedObjectReference contains enough information to let you locate the typed referenced object', {
    apiGroup: str('APIGroup is the group for the resource being referenced.'),
    kind: str('Kind is the type of resource being referenced'),
    name: str('Name is the name of resource being referenced'),
    namespace: str('Namespace is the namespace of resource being referenced.'),
  }, ['kind', 'name']),
  [`${C}PersistentVolumeClaimSpec`]: object('PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes', {
    accessModes: accessModes('accessModes contains the desired access modes the volume should have.'),
    dataSource: ref(`${C}TypedLocalObjectReference`, 'dataSource field can be used to specify either an existing VolumeSnapshot object or an existing PVC (PersistentVolumeClaim).'),
    dataSourceRef: ref(`${C}TypedObjectReference`, 'dataSourceRef specifies the object from which to populate the volume with data, if a non-empty volume is desired.'),
    resources: ref(`${C}VolumeResourceRequirements`, 'resources represents the minimum resources the volume should have.'),
    selector: ref(`${M}LabelSelector`, 'selector is a label query over volumes to consider for binding.'),
    storageClassName: str('storageClassName is the name of the StorageClass required by the claim.'),
    volumeAttributesClassName: str('volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'),
    volumeMode: str('volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', { enum: ['Block', 'Filesystem'] }),
    volumeName: str('volumeName is the binding reference to the PersistentVolume backing this claim.'),
  }),
  [`${C}PersistentVolumeClaimCondition`]: object('PersistentVolumeClaimCondition contains details about state of pvc', {
    lastProbeTime: ref(`${M}Time`, 'lastProbeTime is the time we probed the condition.'),
    lastTransitionTime: ref(`${M}Time`, 'lastTransitionTime is the time the condition transitioned from one status to another.'),
    message: str('message is the human-readable message indicating details about last transition.'),
    reason: str('reason is a unique, this should be a short, machine understandable string that gives the reason for condition\'s last transition.'),
    status: str('Status is the status of the condition. Can be True, False, Unknown.'),
    type: str('Type is the type of the condition.'),
  }, ['type', 'status']),
  [`${C}PersistentVolumeClaimStatus`]: object('PersistentVolumeClaimStatus is the current status of a persistent volume claim.', {
    accessModes: accessModes('accessModes contains the actual access modes the volume backing the PVC has.'),
    allocatedResources: quantities('allocatedResources tracks the resources allocated to a PVC including its capacity.'),
    capacity: quantities('capacity represents the actual resources of the underlying volume.'),
    conditions: listOf(`${C}PersistentVolumeClaimCondition`, 'conditions is the current Condition of persistent volume claim.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    phase: str('phase represents the current phase of PersistentVolumeClaim.', { enum: ['Bound', 'Lost', 'Pending'] }),
  }),
  [`${C}PersistentVolumeClaim`]: kind(gvk('', 'v1', 'PersistentVolumeClaim'), 'PersistentVolumeClaim is a user\'s request for and claim to a persistent volume', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${C}PersistentVolumeClaimSpec`, 'spec defines the desired characteristics of a volume requested by a pod author.'),
    status: ref(`${C}PersistentVolumeClaimStatus`, 'status represents the current information/status of a persistent volume claim. Read-only.'),
  }),
  [`${C}PersistentVolumeClaimList`]: listKind('', 'v1', 'PersistentVolumeClaimList', `${C}PersistentVolumeClaim`, 'persistent volume claims'),
  [`${C}PersistentVolumeClaimTemplate`]: object('PersistentVolumeClaimTemplate is used to produce PersistentVolumeClaim objects as part of an EphemeralVolumeSource.', {
    metadata: METADATA,
    spec: ref(`${C}PersistentVolumeClaimSpec`, 'The specification for the PersistentVolumeClaim.'),
  }, ['spec']),

  [`${C}TopologySelectorLabelRequirement`]: object('A topology selector requirement is a selector that matches given label.', {
    key: str('The label key that the selector applies to.'),
    values: strings('An array of string values. One value must match the label to be selected.', { listType: 'atomic' }),
  }, ['key', 'values']),
  [`${C}TopologySelectorTerm`]: object('A topology selector term represents the result of label queries.', {
    matchLabelExpressions: listOf(`${C}TopologySelectorLabelRequirement`, 'A list of topology selector requirements by labels.', { listType: 'atomic' }),
  }, undefined, { mapType: 'atomic' }),
  [`${ST}StorageClass`]: kind(gvk('storage.k8s.io', 'v1', 'StorageClass'), 'StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned.\n\nStorageClasses are non-namespaced; the name of the storage class according to etcd is in ObjectMeta.Name.', {
    allowVolumeExpansion: bool('allowVolumeExpansion shows whether the storage class allow volume expand.'),
    allowedTopologies: listOf(`${C}TopologySelectorTerm`, 'allowedTopologies restrict the node topologies where volumes can be dynamically provisioned.', { listType: 'atomic' }),
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    mountOptions: strings('mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes of this storage class. e.g. ["ro", "soft"].', { listType: 'atomic' }),
    parameters: strMap('parameters holds the parameters for the provisioner that should create volumes of this storage class.'),
    provisioner: str('provisioner indicates the type of the provisioner.'),
    reclaimPolicy: str('reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.', { enum: ['Delete', 'Recycle', 'Retain'] }),
    volumeBindingMode: str('volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used.', { enum: ['Immediate', 'WaitForFirstConsumer'] }),
  }, ['provisioner']),
  [`${ST}StorageClassList`]: listKind('storage.k8s.io', 'v1', 'StorageClassList', `${ST}StorageClass`, 'storage classes'),
};
