// apps/v1 definitions (ReplicaSet, Deployment, DaemonSet, StatefulSet,
// ControllerRevision) and autoscaling/v1 Scale, the body of their scale subresource.
import { C, replicaCondition, replicaStatusFields } from './core.js';
import { INT_OR_STRING, M, METADATA, QUANTITY, RAW_EXTENSION, listKind } from './meta.js';
import { API_VERSION, KIND, bool, gvk, int32, int64, item, kind, listOf, map, object, ref, str, strings, type Definitions } from './schema.js';

export const A = 'io.k8s.api.apps.v1.';
export const AS = 'io.k8s.api.autoscaling.v1.';

const time = (description: string) => ref(`${M}Time`, description);
const template = (owner: string) => ref(`${C}PodTemplateSpec`, `The pods the ${owner} creates.`);

/** The condition of a Deployment, DaemonSet or StatefulSet. */
const workloadCondition = (owner: string, types: string, updateTime = false) => object(`One aspect of a ${owner}'s state.`, {
  lastTransitionTime: time('When the condition last changed status.'),
  ...(updateTime ? { lastUpdateTime: time('When the condition was last updated.') } : {}),
  message: str('A human-readable explanation of the last transition.'),
  reason: str('A one-word CamelCase reason for the last transition.'),
  status: str('True, False or Unknown.'),
  type: str(types),
}, ['type', 'status']);

export const APPS_DEFINITIONS: Definitions = {
  [`${A}ReplicaSetSpec`]: object('The desired state of a ReplicaSet.', {
    minReadySeconds: int32('Seconds a new pod must be ready, with no container crashing, to count as available. Defaults to 0.'),
    replicas: int32('How many pods should run. Defaults to 1.'),
    selector: ref(`${M}LabelSelector`, 'Which pods count as replicas; must match the template\'s labels.'),
    template: template('ReplicaSet'),
  }, ['selector']),

  [`${A}ReplicaSetCondition`]: replicaCondition('ReplicaSet'),

  [`${A}ReplicaSetStatus`]: object('The most recently observed state of a ReplicaSet.', {
    ...replicaStatusFields('ReplicaSet', `${A}ReplicaSetCondition`),
    terminatingReplicas: int32('Pods being terminated (with a deletionTimestamp) that are not yet gone.'),
  }, ['replicas']),

  [`${A}ReplicaSet`]: kind(gvk('apps', 'v1', 'ReplicaSet'), 'Keeps a given number of identical pods running. Usually managed by a Deployment.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${A}ReplicaSetSpec`, 'The desired behaviour of the ReplicaSet.'),
    status: ref(`${A}ReplicaSetStatus`, 'The most recently observed state of the ReplicaSet, written by the system. Read-only.'),
  }),

  [`${A}ReplicaSetList`]: listKind('apps', 'v1', 'ReplicaSetList', `${A}ReplicaSet`, 'ReplicaSets'),

  [`${A}RollingUpdateDeployment`]: object('How fast a rolling update replaces pods.', {
    maxSurge: ref(INT_OR_STRING, 'How many pods may be created above the desired count during the update: a number or a percentage of the desired count, rounded up. Cannot be 0 when maxUnavailable is 0. Defaults to 25%.'),
    maxUnavailable: ref(INT_OR_STRING, 'How many pods may be unavailable during the update: a number or a percentage of the desired count, rounded down. Cannot be 0 when maxSurge is 0. Defaults to 25%.'),
  }),

  [`${A}DeploymentStrategy`]: object('How a Deployment replaces old pods with new ones.', {
    rollingUpdate: ref(`${A}RollingUpdateDeployment`, 'Settings of a rolling update; only with type RollingUpdate.'),
    type: str('Recreate (kill every old pod before creating new ones) or RollingUpdate (replace gradually, the default).', { enum: ['Recreate', 'RollingUpdate'] }),
  }),

  [`${A}DeploymentSpec`]: object('The desired state of a Deployment.', {
    minReadySeconds: int32('Seconds a new pod must be ready, with no container crashing, to count as available. Defaults to 0.'),
    paused: bool('While true, changes to the template do not start a rollout.'),
    progressDeadlineSeconds: int32('Seconds the Deployment may make no progress before it is reported as failed (condition Progressing with reason ProgressDeadlineExceeded). Defaults to 600.'),
    replicas: int32('How many pods should run. Defaults to 1.'),
    revisionHistoryLimit: int32('How many old ReplicaSets are kept to allow rollback. Defaults to 10.'),
    selector: ref(`${M}LabelSelector`, 'Which pods the Deployment manages; must match the template\'s labels. Immutable in apps/v1.'),
    strategy: ref(`${A}DeploymentStrategy`, 'How old pods are replaced with new ones.', { patch: 'retainKeys' }),
    template: template('Deployment'),
  }, ['selector', 'template']),

  [`${A}DeploymentCondition`]: workloadCondition('Deployment', 'The condition: Available, Progressing or ReplicaFailure.', true),

  [`${A}DeploymentStatus`]: object('The most recently observed state of a Deployment.', {
    availableReplicas: int32('Pods of the Deployment ready for at least minReadySeconds.'),
    collisionCount: int32('Counts hash collisions of the template, used to name new ReplicaSets uniquely.'),
    conditions: listOf(`${A}DeploymentCondition`, 'The current conditions of the Deployment.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    observedGeneration: int64('The Deployment generation this status was computed from.'),
    readyReplicas: int32('Pods of the Deployment with a Ready condition.'),
    replicas: int32('Pods of the Deployment, old and new.'),
    terminatingReplicas: int32('Pods of the Deployment being terminated.'),
    unavailableReplicas: int32('Pods still needed for the Deployment to have 100% available capacity.'),
    updatedReplicas: int32('Pods running the current template.'),
  }),

  [`${A}Deployment`]: kind(gvk('apps', 'v1', 'Deployment'), 'Declarative updates for pods and ReplicaSets: rolls out a pod template at a controlled pace.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${A}DeploymentSpec`, 'The desired behaviour of the Deployment.'),
    status: ref(`${A}DeploymentStatus`, 'The most recently observed state of the Deployment, written by the system. Read-only.'),
  }),

  [`${A}DeploymentList`]: listKind('apps', 'v1', 'DeploymentList', `${A}Deployment`, 'Deployments'),

  [`${A}RollingUpdateDaemonSet`]: object('How fast a rolling update replaces the pods of a DaemonSet.', {
    maxSurge: ref(INT_OR_STRING, 'How many nodes may run an old and a new pod at once during the update: a number or a percentage of the desired number of nodes, rounded up. Must be 0 when maxUnavailable is not. Defaults to 0.'),
    maxUnavailable: ref(INT_OR_STRING, 'How many nodes may lack an available daemon pod during the update: a number or a percentage of the desired number of nodes, rounded up. Cannot be 0 when maxSurge is 0. Defaults to 1.'),
  }),

  [`${A}DaemonSetUpdateStrategy`]: object('How a DaemonSet replaces old pods with new ones.', {
    rollingUpdate: ref(`${A}RollingUpdateDaemonSet`, 'Settings of a rolling update; only with type RollingUpdate.'),
    type: str('RollingUpdate (replace pods gradually, the default) or OnDelete (a new pod only once the old one is deleted).', { enum: ['OnDelete', 'RollingUpdate'] }),
  }),

  [`${A}DaemonSetSpec`]: object('The desired state of a DaemonSet.', {
    minReadySeconds: int32('Seconds a new pod must be ready, with no container crashing, to count as available. Defaults to 0.'),
    revisionHistoryLimit: int32('How many old ControllerRevisions are kept to allow rollback. Defaults to 10.'),
    selector: ref(`${M}LabelSelector`, 'Which pods the DaemonSet manages; must match the template\'s labels. Immutable in apps/v1.'),
    template: ref(`${C}PodTemplateSpec`, 'The pod the DaemonSet runs on every eligible node: a node matching its node selector, node affinity and tolerations. Its restartPolicy must be Always.'),
    updateStrategy: ref(`${A}DaemonSetUpdateStrategy`, 'How old pods are replaced with new ones when the template changes.'),
  }, ['selector', 'template']),

  [`${A}DaemonSetCondition`]: workloadCondition('DaemonSet', 'The condition type.'),

  [`${A}DaemonSetStatus`]: object('The most recently observed state of a DaemonSet.', {
    collisionCount: int32('Counts hash collisions of the template, used to name new ControllerRevisions uniquely.'),
    conditions: listOf(`${A}DaemonSetCondition`, 'The current conditions of the DaemonSet.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    currentNumberScheduled: int32('The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    desiredNumberScheduled: int32('The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    numberAvailable: int32('The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    numberMisscheduled: int32('The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod.'),
    numberReady: int32('numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    numberUnavailable: int32('The number of nodes that should be running the daemon pod and have none of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    observedGeneration: int64('The most recent generation observed by the daemon set controller.'),
    updatedNumberScheduled: int32('The total number of nodes that are running updated daemon pod'),
  }, ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']),

  [`${A}DaemonSet`]: kind(gvk('apps', 'v1', 'DaemonSet'), 'Runs one copy of a pod on every eligible node, and on each node added later.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${A}DaemonSetSpec`, 'The desired behaviour of the DaemonSet.'),
    status: ref(`${A}DaemonSetStatus`, 'The most recently observed state of the DaemonSet, written by the system. Read-only.'),
  }),

  [`${A}DaemonSetList`]: listKind('apps', 'v1', 'DaemonSetList', `${A}DaemonSet`, 'DaemonSets'),

  [`${A}RollingUpdateStatefulSetStrategy`]: object('How a rolling update of a StatefulSet proceeds.', {
    maxUnavailable: ref(INT_OR_STRING, 'How many pods may be unavailable during the update: a number or a percentage of replicas (alpha, MaxUnavailableStatefulSet). Cannot be 0. Defaults to 1.'),
    partition: int32('Only pods with an ordinal at or above the partition are updated; the others keep the old revision. Defaults to 0.'),
  }),

  [`${A}StatefulSetUpdateStrategy`]: object('How a StatefulSet replaces old pods with new ones.', {
    rollingUpdate: ref(`${A}RollingUpdateStatefulSetStrategy`, 'Settings of a rolling update; only with type RollingUpdate.'),
    type: str('RollingUpdate (replace pods one by one from the highest ordinal, the default) or OnDelete (a new pod only once the old one is deleted).', { enum: ['OnDelete', 'RollingUpdate'] }),
  }),

  [`${A}StatefulSetPersistentVolumeClaimRetentionPolicy`]: object('What happens to the claims made from volumeClaimTemplates.', {
    whenDeleted: str('Retain (the default) or Delete the claims when the StatefulSet is deleted.'),
    whenScaled: str('Retain (the default) or Delete the claims of pods removed by a scale down.'),
  }),

  [`${A}StatefulSetOrdinals`]: object('The numbering of a StatefulSet\'s pods.', {
    start: int32('The ordinal of the first pod. Defaults to 0.'),
  }),

  [`${A}StatefulSetSpec`]: object('The desired state of a StatefulSet.', {
    minReadySeconds: int32('Seconds a new pod must be ready, with no container crashing, to count as available. Defaults to 0.'),
    ordinals: ref(`${A}StatefulSetOrdinals`, 'The numbering of the pods: ordinals start..start+replicas-1.'),
    persistentVolumeClaimRetentionPolicy: ref(`${A}StatefulSetPersistentVolumeClaimRetentionPolicy`, 'Whether the claims made from volumeClaimTemplates are deleted with the set or on scale down.'),
    podManagementPolicy: str('OrderedReady (create pods in order, each once the previous one is ready; delete in reverse order; the default) or Parallel.', { enum: ['OrderedReady', 'Parallel'] }),
    replicas: int32('How many pods should run. Defaults to 1.'),
    revisionHistoryLimit: int32('How many old ControllerRevisions are kept. Defaults to 10.'),
    selector: ref(`${M}LabelSelector`, 'Which pods the StatefulSet manages; must match the template\'s labels. Immutable.'),
    serviceName: str('The headless service that gives the pods their DNS names: <pod>.<serviceName>.<namespace>.svc.'),
    template: ref(`${C}PodTemplateSpec`, 'The pods the StatefulSet creates, each named <set>-<ordinal>.'),
    updateStrategy: ref(`${A}StatefulSetUpdateStrategy`, 'How old pods are replaced with new ones when the template changes.'),
    volumeClaimTemplates: listOf(`${C}PersistentVolumeClaim`, 'Claims each pod gets its own copy of, named <claim>-<set>-<ordinal>, mounted by the template\'s volumeMounts of the same name.', { listType: 'atomic' }),
  }, ['selector', 'template']),

  [`${A}StatefulSetCondition`]: workloadCondition('StatefulSet', 'The condition type.'),

  [`${A}StatefulSetStatus`]: object('The most recently observed state of a StatefulSet.', {
    availableReplicas: int32('Pods of the StatefulSet ready for at least minReadySeconds.'),
    collisionCount: int32('Counts hash collisions of the template, used to name new ControllerRevisions uniquely.'),
    conditions: listOf(`${A}StatefulSetCondition`, 'The current conditions of the StatefulSet.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    currentReplicas: int32('Pods created from the currentRevision.'),
    currentRevision: str('The revision the pods below the update are at.'),
    observedGeneration: int64('The StatefulSet generation this status was computed from.'),
    readyReplicas: int32('Pods of the StatefulSet with a Ready condition.'),
    replicas: int32('Pods created by the StatefulSet.'),
    updateRevision: str('The revision of the current template.'),
    updatedReplicas: int32('Pods created from the updateRevision.'),
  }, ['replicas']),

  [`${A}StatefulSet`]: kind(gvk('apps', 'v1', 'StatefulSet'), 'Runs pods with stable names, ordered start and stop, and a claim of their own per volume template.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${A}StatefulSetSpec`, 'The desired behaviour of the StatefulSet.'),
    status: ref(`${A}StatefulSetStatus`, 'The most recently observed state of the StatefulSet, written by the system. Read-only.'),
  }),

  [`${A}StatefulSetList`]: listKind('apps', 'v1', 'StatefulSetList', `${A}StatefulSet`, 'StatefulSets'),

  [`${A}ControllerRevision`]: kind(gvk('apps', 'v1', 'ControllerRevision'), 'An immutable snapshot of the state of a DaemonSet or StatefulSet, kept to roll back to.', {
    apiVersion: API_VERSION,
    data: ref(RAW_EXTENSION, 'The serialized state of the revision: for DaemonSets and StatefulSets, a patch restoring their template.'),
    kind: KIND,
    metadata: METADATA,
    revision: int64('The revision number of the state in data.'),
  }, ['revision']),

  [`${A}ControllerRevisionList`]: listKind('apps', 'v1', 'ControllerRevisionList', `${A}ControllerRevision`, 'ControllerRevisions'),

  // A minimal core/v1 PersistentVolumeClaim, for volumeClaimTemplates (the full kind
  // and its API come with the storage work; its definitions replace these).
  [`${C}VolumeResourceRequirements`]: object('The storage a claim asks for.', {
    limits: map(item(QUANTITY), 'The most storage the volume may hold.'),
    requests: map(item(QUANTITY), 'The least storage the volume must hold ("storage": "1Gi").'),
  }),

  [`${C}PersistentVolumeClaimSpec`]: object('The storage a claim asks for.', {
    accessModes: strings('ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod.', { listType: 'atomic' }),
    resources: ref(`${C}VolumeResourceRequirements`, 'How much storage the volume must hold.'),
    selector: ref(`${M}LabelSelector`, 'Which PersistentVolumes the claim may bind to.'),
    storageClassName: str('The StorageClass that provisions the volume; the default class when absent.'),
    volumeMode: str('Filesystem (the default) or Block.'),
    volumeName: str('The PersistentVolume the claim is bound to.'),
  }),

  [`${C}PersistentVolumeClaimStatus`]: object('The observed state of a claim.', {
    phase: str('Pending, Bound or Lost.'),
  }),

  [`${C}PersistentVolumeClaim`]: kind(gvk('', 'v1', 'PersistentVolumeClaim'), 'A request for storage by a user.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${C}PersistentVolumeClaimSpec`, 'The storage the claim asks for.'),
    status: ref(`${C}PersistentVolumeClaimStatus`, 'The observed state of the claim. Read-only.'),
  }),

  [`${AS}ScaleSpec`]: object('The desired size of a scalable resource.', {
    replicas: int32('The desired number of instances.'),
  }),

  [`${AS}ScaleStatus`]: object('The observed size of a scalable resource.', {
    replicas: int32('The actual number of instances.'),
    selector: str('The label query over the pods that count as instances, in string form ("app=web,tier!=cache").'),
  }, ['replicas']),

  [`${AS}Scale`]: kind(gvk('autoscaling', 'v1', 'Scale'), 'The scale subresource of a resource: how many replicas it wants and has.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${AS}ScaleSpec`, 'The desired size.'),
    status: ref(`${AS}ScaleStatus`, 'The observed size. Read-only.'),
  }),
};
