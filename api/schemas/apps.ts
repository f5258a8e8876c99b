// apps/v1 definitions (ReplicaSet, Deployment) and autoscaling/v1 Scale, the body of
// their scale subresource.
import { C, replicaCondition, replicaStatusFields } from './core.js';
import { INT_OR_STRING, M, METADATA, listKind } from './meta.js';
import { API_VERSION, KIND, bool, gvk, int32, int64, kind, listOf, object, ref, str, type Definitions } from './schema.js';

export const A = 'io.k8s.api.apps.v1.';
export const AS = 'io.k8s.api.autoscaling.v1.';

const time = (description: string) => ref(`${M}Time`, description);
const template = (owner: string) => ref(`${C}PodTemplateSpec`, `The pods the ${owner} creates.`);

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

  [`${A}DeploymentCondition`]: object('One aspect of a Deployment\'s state.', {
    lastTransitionTime: time('When the condition last changed status.'),
    lastUpdateTime: time('When the condition was last updated.'),
    message: str('A human-readable explanation of the last transition.'),
    reason: str('A one-word CamelCase reason for the last transition.'),
    status: str('True, False or Unknown.'),
    type: str('The condition: Available, Progressing or ReplicaFailure.'),
  }, ['type', 'status']),

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
