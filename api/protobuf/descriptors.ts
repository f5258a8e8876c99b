// Message descriptors for the Kubernetes protobuf wire format (proto2, gogo), written from
// the field numbers and names of k8s.io/api core/v1, apps/v1, batch/v1, autoscaling/v1 and v2, coordination/v1,
// discovery/v1 and k8s.io/apimachinery meta/v1 generated.proto. Only the messages a client sends when it
// creates or updates the kinds we serve are here; a field number not listed is skipped
// on decode (affinity, status, the cloud volume sources, managedFields, ...).
//
// A field is [number, JSON name, type]. The type grammar:
//   'string' | 'bytes' | 'bool' | 'int32' | 'int64'    scalars (bytes: base64 in JSON)
//   'Time' | 'MicroTime' | 'Quantity' | 'IntOrString'  meta/v1, api/resource, util/intstr
//   '<Message>'                                        another message of this table
//   'map<string>' | 'map<bytes>' | 'map<Quantity>'     map<string, V> (repeated entries)
//   prefix '[]'   repeated
//   prefix '*'    a Go pointer: present on the wire means set, even to a zero value;
//                 without it a zero value (gogo always writes those) means "not set"
//   prefix '...'  embedded with json:",inline": the message's fields join the parent's
//   JSON name ''  only with '...'

export type FieldDescriptor = readonly [number: number, jsonName: string, type: string];

export const MESSAGES: Readonly<Record<string, readonly FieldDescriptor[]>> = {
  ObjectMeta: [
    [1, 'name', 'string'],
    [2, 'generateName', 'string'],
    [3, 'namespace', 'string'],
    [4, 'selfLink', 'string'],
    [5, 'uid', 'string'],
    [6, 'resourceVersion', 'string'],
    [7, 'generation', 'int64'],
    [8, 'creationTimestamp', 'Time'],
    [9, 'deletionTimestamp', '*Time'],
    [10, 'deletionGracePeriodSeconds', '*int64'],
    [11, 'labels', 'map<string>'],
    [12, 'annotations', 'map<string>'],
    [13, 'ownerReferences', '[]OwnerReference'],
    [14, 'finalizers', '[]string'],
  ],
  OwnerReference: [
    [5, 'apiVersion', 'string'],
    [1, 'kind', 'string'],
    [3, 'name', 'string'],
    [4, 'uid', 'string'],
    [6, 'controller', '*bool'],
    [7, 'blockOwnerDeletion', '*bool'],
  ],
  LabelSelector: [
    [1, 'matchLabels', 'map<string>'],
    [2, 'matchExpressions', '[]LabelSelectorRequirement'],
  ],
  LabelSelectorRequirement: [
    [1, 'key', 'string'],
    [2, 'operator', 'string'],
    [3, 'values', '[]string'],
  ],
  DeleteOptions: [
    [1, 'gracePeriodSeconds', '*int64'],
    [2, 'preconditions', '*Preconditions'],
    [3, 'orphanDependents', '*bool'],
    [4, 'propagationPolicy', '*string'],
    [5, 'dryRun', '[]string'],
    [6, 'ignoreStoreReadErrorWithClusterBreakingPotential', '*bool'],
  ],
  Preconditions: [
    [1, 'uid', '*string'],
    [2, 'resourceVersion', '*string'],
  ],
  Namespace: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'NamespaceSpec'],
  ],
  NamespaceSpec: [
    [1, 'finalizers', '[]string'],
  ],
  ConfigMap: [
    [1, 'metadata', 'ObjectMeta'],
    [4, 'immutable', '*bool'],
    [2, 'data', 'map<string>'],
    [3, 'binaryData', 'map<bytes>'],
  ],
  Secret: [
    [1, 'metadata', 'ObjectMeta'],
    [5, 'immutable', '*bool'],
    [2, 'data', 'map<bytes>'],
    [4, 'stringData', 'map<string>'],
    [3, 'type', 'string'],
  ],
  Service: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'ServiceSpec'],
  ],
  ServiceSpec: [
    [1, 'ports', '[]ServicePort'],
    [2, 'selector', 'map<string>'],
    [3, 'clusterIP', 'string'],
    [18, 'clusterIPs', '[]string'],
    [4, 'type', 'string'],
    [5, 'externalIPs', '[]string'],
    [7, 'sessionAffinity', 'string'],
    [8, 'loadBalancerIP', 'string'],
    [9, 'loadBalancerSourceRanges', '[]string'],
    [10, 'externalName', 'string'],
    [11, 'externalTrafficPolicy', 'string'],
    [12, 'healthCheckNodePort', 'int32'],
    [13, 'publishNotReadyAddresses', 'bool'],
    [14, 'sessionAffinityConfig', '*SessionAffinityConfig'],
    [19, 'ipFamilies', '[]string'],
    [17, 'ipFamilyPolicy', '*string'],
    [20, 'allocateLoadBalancerNodePorts', '*bool'],
    [21, 'loadBalancerClass', '*string'],
    [22, 'internalTrafficPolicy', '*string'],
    [23, 'trafficDistribution', '*string'],
  ],
  ServicePort: [
    [1, 'name', 'string'],
    [2, 'protocol', 'string'],
    [6, 'appProtocol', '*string'],
    [3, 'port', 'int32'],
    [4, 'targetPort', 'IntOrString'],
    [5, 'nodePort', 'int32'],
  ],
  SessionAffinityConfig: [
    [1, 'clientIP', '*ClientIPConfig'],
  ],
  ClientIPConfig: [
    [1, 'timeoutSeconds', '*int32'],
  ],
  Pod: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'PodSpec'],
  ],
  PodSpec: [
    [1, 'volumes', '[]Volume'],
    [20, 'initContainers', '[]Container'],
    [2, 'containers', '[]Container'],
    [3, 'restartPolicy', 'string'],
    [4, 'terminationGracePeriodSeconds', '*int64'],
    [5, 'activeDeadlineSeconds', '*int64'],
    [6, 'dnsPolicy', 'string'],
    [7, 'nodeSelector', 'map<string>'],
    [8, 'serviceAccountName', 'string'],
    [9, 'serviceAccount', 'string'],
    [21, 'automountServiceAccountToken', '*bool'],
    [10, 'nodeName', 'string'],
    [11, 'hostNetwork', 'bool'],
    [12, 'hostPID', 'bool'],
    [13, 'hostIPC', 'bool'],
    [27, 'shareProcessNamespace', '*bool'],
    [14, 'securityContext', '*PodSecurityContext'],
    [15, 'imagePullSecrets', '[]LocalObjectReference'],
    [16, 'hostname', 'string'],
    [17, 'subdomain', 'string'],
    [19, 'schedulerName', 'string'],
    [22, 'tolerations', '[]Toleration'],
    [24, 'priorityClassName', 'string'],
    [25, 'priority', '*int32'],
    [29, 'runtimeClassName', '*string'],
    [30, 'enableServiceLinks', '*bool'],
    [31, 'preemptionPolicy', '*string'],
    [32, 'overhead', 'map<Quantity>'],
    [35, 'setHostnameAsFQDN', '*bool'],
    [37, 'hostUsers', '*bool'],
    [40, 'resources', '*ResourceRequirements'],
    [41, 'hostnameOverride', '*string'],
  ],
  PodTemplateSpec: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'PodSpec'],
  ],
  PodTemplate: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'template', 'PodTemplateSpec'],
  ],
  Container: [
    [1, 'name', 'string'],
    [2, 'image', 'string'],
    [3, 'command', '[]string'],
    [4, 'args', '[]string'],
    [5, 'workingDir', 'string'],
    [6, 'ports', '[]ContainerPort'],
    [19, 'envFrom', '[]EnvFromSource'],
    [7, 'env', '[]EnvVar'],
    [8, 'resources', 'ResourceRequirements'],
    [24, 'restartPolicy', '*string'],
    [9, 'volumeMounts', '[]VolumeMount'],
    [10, 'livenessProbe', '*Probe'],
    [11, 'readinessProbe', '*Probe'],
    [22, 'startupProbe', '*Probe'],
    [12, 'lifecycle', '*Lifecycle'],
    [13, 'terminationMessagePath', 'string'],
    [20, 'terminationMessagePolicy', 'string'],
    [14, 'imagePullPolicy', 'string'],
    [15, 'securityContext', '*SecurityContext'],
    [16, 'stdin', 'bool'],
    [17, 'stdinOnce', 'bool'],
    [18, 'tty', 'bool'],
  ],
  ContainerPort: [
    [1, 'name', 'string'],
    [2, 'hostPort', 'int32'],
    [3, 'containerPort', 'int32'],
    [4, 'protocol', 'string'],
    [5, 'hostIP', 'string'],
  ],
  EnvVar: [
    [1, 'name', 'string'],
    [2, 'value', 'string'],
    [3, 'valueFrom', '*EnvVarSource'],
  ],
  EnvVarSource: [
    [1, 'fieldRef', '*ObjectFieldSelector'],
    [2, 'resourceFieldRef', '*ResourceFieldSelector'],
    [3, 'configMapKeyRef', '*ConfigMapKeySelector'],
    [4, 'secretKeyRef', '*SecretKeySelector'],
  ],
  ObjectFieldSelector: [
    [1, 'apiVersion', 'string'],
    [2, 'fieldPath', 'string'],
  ],
  ConfigMapKeySelector: [
    [1, '', '...LocalObjectReference'],
    [2, 'key', 'string'],
    [3, 'optional', '*bool'],
  ],
  SecretKeySelector: [
    [1, '', '...LocalObjectReference'],
    [2, 'key', 'string'],
    [3, 'optional', '*bool'],
  ],
  ResourceFieldSelector: [
    [1, 'containerName', 'string'],
    [2, 'resource', 'string'],
    [3, 'divisor', 'Quantity'],
  ],
  LocalObjectReference: [
    [1, 'name', 'string'],
  ],
  EnvFromSource: [
    [1, 'prefix', 'string'],
    [2, 'configMapRef', '*ConfigMapEnvSource'],
    [3, 'secretRef', '*SecretEnvSource'],
  ],
  ConfigMapEnvSource: [
    [1, '', '...LocalObjectReference'],
    [2, 'optional', '*bool'],
  ],
  SecretEnvSource: [
    [1, '', '...LocalObjectReference'],
    [2, 'optional', '*bool'],
  ],
  VolumeMount: [
    [1, 'name', 'string'],
    [2, 'readOnly', 'bool'],
    [7, 'recursiveReadOnly', '*string'],
    [3, 'mountPath', 'string'],
    [4, 'subPath', 'string'],
    [5, 'mountPropagation', '*string'],
    [6, 'subPathExpr', 'string'],
    [8, 'bindMountOptions', '[]string'],
  ],
  Volume: [
    [1, 'name', 'string'],
    [2, '', '...VolumeSource'],
  ],
  VolumeSource: [
    [1, 'hostPath', '*HostPathVolumeSource'],
    [2, 'emptyDir', '*EmptyDirVolumeSource'],
    [6, 'secret', '*SecretVolumeSource'],
    [10, 'persistentVolumeClaim', '*PersistentVolumeClaimVolumeSource'],
    [19, 'configMap', '*ConfigMapVolumeSource'],
  ],
  EmptyDirVolumeSource: [
    [1, 'medium', 'string'],
    [2, 'sizeLimit', '*Quantity'],
    [3, 'mode', '*int32'],
  ],
  HostPathVolumeSource: [
    [1, 'path', 'string'],
    [2, 'type', '*string'],
  ],
  ConfigMapVolumeSource: [
    [1, '', '...LocalObjectReference'],
    [2, 'items', '[]KeyToPath'],
    [3, 'defaultMode', '*int32'],
    [4, 'optional', '*bool'],
    [5, 'defaultUser', '*int64'],
  ],
  SecretVolumeSource: [
    [1, 'secretName', 'string'],
    [2, 'items', '[]KeyToPath'],
    [3, 'defaultMode', '*int32'],
    [4, 'optional', '*bool'],
    [5, 'defaultUser', '*int64'],
  ],
  KeyToPath: [
    [1, 'key', 'string'],
    [2, 'path', 'string'],
    [3, 'mode', '*int32'],
    [4, 'user', '*int64'],
  ],
  PersistentVolumeClaimVolumeSource: [
    [1, 'claimName', 'string'],
    [2, 'readOnly', 'bool'],
  ],
  ResourceRequirements: [
    [1, 'limits', 'map<Quantity>'],
    [2, 'requests', 'map<Quantity>'],
  ],
  Probe: [
    [1, '', '...ProbeHandler'],
    [2, 'initialDelaySeconds', 'int32'],
    [3, 'timeoutSeconds', 'int32'],
    [4, 'periodSeconds', 'int32'],
    [5, 'successThreshold', 'int32'],
    [6, 'failureThreshold', 'int32'],
    [7, 'terminationGracePeriodSeconds', '*int64'],
  ],
  ProbeHandler: [
    [1, 'exec', '*ExecAction'],
    [2, 'httpGet', '*HTTPGetAction'],
    [3, 'tcpSocket', '*TCPSocketAction'],
    [4, 'grpc', '*GRPCAction'],
  ],
  ExecAction: [
    [1, 'command', '[]string'],
  ],
  HTTPGetAction: [
    [1, 'path', 'string'],
    [2, 'port', 'IntOrString'],
    [3, 'host', 'string'],
    [4, 'scheme', 'string'],
    [5, 'httpHeaders', '[]HTTPHeader'],
    [6, 'protocol', '*string'],
  ],
  HTTPHeader: [
    [1, 'name', 'string'],
    [2, 'value', 'string'],
  ],
  TCPSocketAction: [
    [1, 'port', 'IntOrString'],
    [2, 'host', 'string'],
  ],
  GRPCAction: [
    [1, 'port', 'int32'],
    [2, 'service', '*string'],
    [3, 'mode', '*string'],
  ],
  Lifecycle: [
    [1, 'postStart', '*LifecycleHandler'],
    [2, 'preStop', '*LifecycleHandler'],
    [3, 'stopSignal', '*string'],
  ],
  LifecycleHandler: [
    [1, 'exec', '*ExecAction'],
    [2, 'httpGet', '*HTTPGetAction'],
    [3, 'tcpSocket', '*TCPSocketAction'],
    [4, 'sleep', '*SleepAction'],
  ],
  SleepAction: [
    [1, 'seconds', 'int64'],
  ],
  SecurityContext: [
    [1, 'capabilities', '*Capabilities'],
    [2, 'privileged', '*bool'],
    [4, 'runAsUser', '*int64'],
    [8, 'runAsGroup', '*int64'],
    [5, 'runAsNonRoot', '*bool'],
    [6, 'readOnlyRootFilesystem', '*bool'],
    [7, 'allowPrivilegeEscalation', '*bool'],
    [9, 'procMount', '*string'],
  ],
  Capabilities: [
    [1, 'add', '[]string'],
    [2, 'drop', '[]string'],
  ],
  PodSecurityContext: [
    [2, 'runAsUser', '*int64'],
    [6, 'runAsGroup', '*int64'],
    [3, 'runAsNonRoot', '*bool'],
    [4, 'supplementalGroups', '[]int64'],
    [12, 'supplementalGroupsPolicy', '*string'],
    [5, 'fsGroup', '*int64'],
    [9, 'fsGroupChangePolicy', '*string'],
    [13, 'seLinuxChangePolicy', '*string'],
  ],
  Toleration: [
    [1, 'key', 'string'],
    [2, 'operator', 'string'],
    [3, 'value', 'string'],
    [4, 'effect', 'string'],
    [5, 'tolerationSeconds', '*int64'],
  ],
  Endpoints: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'subsets', '[]EndpointSubset'],
  ],
  EndpointSubset: [
    [1, 'addresses', '[]EndpointAddress'],
    [2, 'notReadyAddresses', '[]EndpointAddress'],
    [3, 'ports', '[]EndpointPort'],
  ],
  EndpointAddress: [
    [1, 'ip', 'string'],
    [3, 'hostname', 'string'],
    [4, 'nodeName', '*string'],
    [2, 'targetRef', '*ObjectReference'],
  ],
  EndpointPort: [
    [1, 'name', 'string'],
    [2, 'port', 'int32'],
    [3, 'protocol', 'string'],
    [4, 'appProtocol', '*string'],
  ],
  ObjectReference: [
    [1, 'kind', 'string'],
    [2, 'namespace', 'string'],
    [3, 'name', 'string'],
    [4, 'uid', 'string'],
    [5, 'apiVersion', 'string'],
    [6, 'resourceVersion', 'string'],
    [7, 'fieldPath', 'string'],
  ],
  Binding: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'target', 'ObjectReference'],
  ],
  Deployment: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'DeploymentSpec'],
  ],
  DeploymentSpec: [
    [1, 'replicas', '*int32'],
    [2, 'selector', '*LabelSelector'],
    [3, 'template', 'PodTemplateSpec'],
    [4, 'strategy', 'DeploymentStrategy'],
    [5, 'minReadySeconds', 'int32'],
    [6, 'revisionHistoryLimit', '*int32'],
    [7, 'paused', 'bool'],
    [9, 'progressDeadlineSeconds', '*int32'],
  ],
  DeploymentStrategy: [
    [1, 'type', 'string'],
    [2, 'rollingUpdate', '*RollingUpdateDeployment'],
  ],
  RollingUpdateDeployment: [
    [1, 'maxUnavailable', '*IntOrString'],
    [2, 'maxSurge', '*IntOrString'],
  ],
  Job: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'JobSpec'],
  ],
  JobSpec: [
    [1, 'parallelism', '*int32'],
    [2, 'completions', '*int32'],
    [3, 'activeDeadlineSeconds', '*int64'],
    [11, 'podFailurePolicy', '*PodFailurePolicy'],
    [16, 'successPolicy', '*SuccessPolicy'],
    [7, 'backoffLimit', '*int32'],
    [12, 'backoffLimitPerIndex', '*int32'],
    [13, 'maxFailedIndexes', '*int32'],
    [4, 'selector', '*LabelSelector'],
    [5, 'manualSelector', '*bool'],
    [6, 'template', 'PodTemplateSpec'],
    [8, 'ttlSecondsAfterFinished', '*int32'],
    [9, 'completionMode', '*string'],
    [10, 'suspend', '*bool'],
    [14, 'podReplacementPolicy', '*string'],
    [15, 'managedBy', '*string'],
  ],
  PodFailurePolicy: [
    [1, 'rules', '[]PodFailurePolicyRule'],
  ],
  PodFailurePolicyRule: [
    [1, 'action', 'string'],
    [2, 'onExitCodes', '*PodFailurePolicyOnExitCodesRequirement'],
    [3, 'onPodConditions', '[]PodFailurePolicyOnPodConditionsPattern'],
  ],
  PodFailurePolicyOnExitCodesRequirement: [
    [1, 'containerName', '*string'],
    [2, 'operator', 'string'],
    [3, 'values', '[]int32'],
  ],
  PodFailurePolicyOnPodConditionsPattern: [
    [1, 'type', 'string'],
    [2, 'status', 'string'],
  ],
  SuccessPolicy: [
    [1, 'rules', '[]SuccessPolicyRule'],
  ],
  SuccessPolicyRule: [
    [1, 'succeededIndexes', '*string'],
    [2, 'succeededCount', '*int32'],
  ],
  CronJob: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'CronJobSpec'],
  ],
  CronJobSpec: [
    [1, 'schedule', 'string'],
    [8, 'timeZone', '*string'],
    [2, 'startingDeadlineSeconds', '*int64'],
    [3, 'concurrencyPolicy', 'string'],
    [4, 'suspend', '*bool'],
    [5, 'jobTemplate', 'JobTemplateSpec'],
    [6, 'successfulJobsHistoryLimit', '*int32'],
    [7, 'failedJobsHistoryLimit', '*int32'],
  ],
  JobTemplateSpec: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'JobSpec'],
  ],
  // autoscaling/v2
  HorizontalPodAutoscaler: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'HorizontalPodAutoscalerSpec'],
  ],
  HorizontalPodAutoscalerSpec: [
    [1, 'scaleTargetRef', 'CrossVersionObjectReference'],
    [2, 'minReplicas', '*int32'],
    [3, 'maxReplicas', 'int32'],
    [4, 'metrics', '[]MetricSpec'],
    [5, 'behavior', '*HorizontalPodAutoscalerBehavior'],
  ],
  CrossVersionObjectReference: [
    [1, 'kind', 'string'],
    [2, 'name', 'string'],
    [3, 'apiVersion', 'string'],
  ],
  MetricSpec: [
    [1, 'type', 'string'],
    [2, 'object', '*ObjectMetricSource'],
    [3, 'pods', '*PodsMetricSource'],
    [4, 'resource', '*ResourceMetricSource'],
    [7, 'containerResource', '*ContainerResourceMetricSource'],
    [5, 'external', '*ExternalMetricSource'],
  ],
  ObjectMetricSource: [
    [1, 'describedObject', 'CrossVersionObjectReference'],
    [2, 'target', 'MetricTarget'],
    [3, 'metric', 'MetricIdentifier'],
  ],
  PodsMetricSource: [
    [1, 'metric', 'MetricIdentifier'],
    [2, 'target', 'MetricTarget'],
  ],
  ResourceMetricSource: [
    [1, 'name', 'string'],
    [2, 'target', 'MetricTarget'],
  ],
  ContainerResourceMetricSource: [
    [1, 'name', 'string'],
    [2, 'target', 'MetricTarget'],
    [3, 'container', 'string'],
  ],
  ExternalMetricSource: [
    [1, 'metric', 'MetricIdentifier'],
    [2, 'target', 'MetricTarget'],
  ],
  MetricIdentifier: [
    [1, 'name', 'string'],
    [2, 'selector', '*LabelSelector'],
  ],
  MetricTarget: [
    [1, 'type', 'string'],
    [2, 'value', '*Quantity'],
    [3, 'averageValue', '*Quantity'],
    [4, 'averageUtilization', '*int32'],
  ],
  HorizontalPodAutoscalerBehavior: [
    [1, 'scaleUp', '*HPAScalingRules'],
    [2, 'scaleDown', '*HPAScalingRules'],
  ],
  HPAScalingRules: [
    [3, 'stabilizationWindowSeconds', '*int32'],
    [1, 'selectPolicy', '*string'],
    [2, 'policies', '[]HPAScalingPolicy'],
  ],
  HPAScalingPolicy: [
    [1, 'type', 'string'],
    [2, 'value', 'int32'],
    [3, 'periodSeconds', 'int32'],
  ],
  // autoscaling/v1 (its CrossVersionObjectReference is v2's, field for field)
  HorizontalPodAutoscalerV1: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'HorizontalPodAutoscalerSpecV1'],
  ],
  HorizontalPodAutoscalerSpecV1: [
    [1, 'scaleTargetRef', 'CrossVersionObjectReference'],
    [2, 'minReplicas', '*int32'],
    [3, 'maxReplicas', 'int32'],
    [4, 'targetCPUUtilizationPercentage', '*int32'],
  ],
  ReplicaSet: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'ReplicaSetSpec'],
  ],
  ReplicaSetSpec: [
    [1, 'replicas', '*int32'],
    [4, 'minReadySeconds', 'int32'],
    [2, 'selector', '*LabelSelector'],
    [3, 'template', 'PodTemplateSpec'],
  ],
  DaemonSet: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'DaemonSetSpec'],
  ],
  DaemonSetSpec: [
    [1, 'selector', '*LabelSelector'],
    [2, 'template', 'PodTemplateSpec'],
    [3, 'updateStrategy', 'DaemonSetUpdateStrategy'],
    [4, 'minReadySeconds', 'int32'],
    [6, 'revisionHistoryLimit', '*int32'],
  ],
  DaemonSetUpdateStrategy: [
    [1, 'type', 'string'],
    [2, 'rollingUpdate', '*RollingUpdateDaemonSet'],
  ],
  RollingUpdateDaemonSet: [
    [1, 'maxUnavailable', '*IntOrString'],
    [2, 'maxSurge', '*IntOrString'],
  ],
  StatefulSet: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'StatefulSetSpec'],
  ],
  StatefulSetSpec: [
    [1, 'replicas', '*int32'],
    [2, 'selector', '*LabelSelector'],
    [3, 'template', 'PodTemplateSpec'],
    [4, 'volumeClaimTemplates', '[]PersistentVolumeClaim'],
    [5, 'serviceName', 'string'],
    [6, 'podManagementPolicy', 'string'],
    [7, 'updateStrategy', 'StatefulSetUpdateStrategy'],
    [8, 'revisionHistoryLimit', '*int32'],
    [9, 'minReadySeconds', 'int32'],
    [10, 'persistentVolumeClaimRetentionPolicy', '*StatefulSetPersistentVolumeClaimRetentionPolicy'],
    [11, 'ordinals', '*StatefulSetOrdinals'],
  ],
  StatefulSetUpdateStrategy: [
    [1, 'type', 'string'],
    [2, 'rollingUpdate', '*RollingUpdateStatefulSetStrategy'],
  ],
  RollingUpdateStatefulSetStrategy: [
    [1, 'partition', '*int32'],
    [2, 'maxUnavailable', '*IntOrString'],
  ],
  StatefulSetPersistentVolumeClaimRetentionPolicy: [
    [1, 'whenDeleted', 'string'],
    [2, 'whenScaled', 'string'],
  ],
  StatefulSetOrdinals: [
    [1, 'start', 'int32'],
  ],
  ReplicationController: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'ReplicationControllerSpec'],
  ],
  ReplicationControllerSpec: [
    [1, 'replicas', '*int32'],
    [4, 'minReadySeconds', 'int32'],
    [2, 'selector', 'map<string>'],
    [3, 'template', '*PodTemplateSpec'],
  ],
  // discovery/v1 (its Endpoint and EndpointPort are not core's: prefixed here).
  EndpointSlice: [
    [1, 'metadata', 'ObjectMeta'],
    [4, 'addressType', 'string'],
    [2, 'endpoints', '[]DiscoveryEndpoint'],
    [3, 'ports', '[]DiscoveryEndpointPort'],
  ],
  DiscoveryEndpoint: [
    [1, 'addresses', '[]string'],
    [2, 'conditions', 'EndpointConditions'],
    [3, 'hostname', '*string'],
    [4, 'targetRef', '*ObjectReference'],
    [5, 'deprecatedTopology', 'map<string>'],
    [6, 'nodeName', '*string'],
    [7, 'zone', '*string'],
    [8, 'hints', '*EndpointHints'],
  ],
  EndpointConditions: [
    [1, 'ready', '*bool'],
    [2, 'serving', '*bool'],
    [3, 'terminating', '*bool'],
  ],
  EndpointHints: [
    [1, 'forZones', '[]ForZone'],
  ],
  ForZone: [
    [1, 'name', 'string'],
  ],
  DiscoveryEndpointPort: [
    [1, 'name', '*string'],
    [2, 'protocol', '*string'],
    [3, 'port', '*int32'],
    [4, 'appProtocol', '*string'],
  ],
  Lease: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'LeaseSpec'],
  ],
  LeaseSpec: [
    [1, 'holderIdentity', '*string'],
    [2, 'leaseDurationSeconds', '*int32'],
    [3, 'acquireTime', '*MicroTime'],
    [4, 'renewTime', '*MicroTime'],
    [5, 'leaseTransitions', '*int32'],
    [6, 'strategy', '*string'],
    [7, 'preferredHolder', '*string'],
  ],
  // core/v1 ServiceAccount
  ServiceAccount: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'secrets', '[]ObjectReference'],
    [3, 'imagePullSecrets', '[]LocalObjectReference'],
    [4, 'automountServiceAccountToken', '*bool'],
  ],
  // rbac.authorization.k8s.io/v1
  PolicyRule: [
    [1, 'verbs', '[]string'],
    [2, 'apiGroups', '[]string'],
    [3, 'resources', '[]string'],
    [4, 'resourceNames', '[]string'],
    [5, 'nonResourceURLs', '[]string'],
  ],
  AggregationRule: [
    [1, 'clusterRoleSelectors', '[]LabelSelector'],
  ],
  Role: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'rules', '[]PolicyRule'],
  ],
  ClusterRole: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'rules', '[]PolicyRule'],
    [3, 'aggregationRule', '*AggregationRule'],
  ],
  Subject: [
    [1, 'kind', 'string'],
    [2, 'apiGroup', 'string'],
    [3, 'name', 'string'],
    [4, 'namespace', 'string'],
  ],
  RoleRef: [
    [1, 'apiGroup', 'string'],
    [2, 'kind', 'string'],
    [3, 'name', 'string'],
  ],
  RoleBinding: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'subjects', '[]Subject'],
    [3, 'roleRef', 'RoleRef'],
  ],
  // authentication.k8s.io/v1 (UserInfo.extra, a map of string lists, is not decoded)
  TokenReview: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'TokenReviewSpec'],
  ],
  TokenReviewSpec: [
    [1, 'token', 'string'],
    [2, 'audiences', '[]string'],
  ],
  SelfSubjectReview: [
    [1, 'metadata', 'ObjectMeta'],
  ],
  TokenRequest: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'TokenRequestSpec'],
  ],
  TokenRequestSpec: [
    [1, 'audiences', '[]string'],
    [3, 'boundObjectRef', '*BoundObjectReference'],
    [4, 'expirationSeconds', '*int64'],
  ],
  BoundObjectReference: [
    [1, 'kind', 'string'],
    [2, 'apiVersion', 'string'],
    [3, 'name', 'string'],
    [4, 'uid', 'string'],
  ],
  // authorization.k8s.io/v1 (the selector attributes and extra are not decoded)
  SubjectAccessReview: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'SubjectAccessReviewSpec'],
  ],
  SubjectAccessReviewSpec: [
    [1, 'resourceAttributes', '*ResourceAttributes'],
    [2, 'nonResourceAttributes', '*NonResourceAttributes'],
    [3, 'user', 'string'],
    [4, 'groups', '[]string'],
    [6, 'uid', 'string'],
  ],
  SelfSubjectAccessReview: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'SelfSubjectAccessReviewSpec'],
  ],
  SelfSubjectAccessReviewSpec: [
    [1, 'resourceAttributes', '*ResourceAttributes'],
    [2, 'nonResourceAttributes', '*NonResourceAttributes'],
  ],
  ResourceAttributes: [
    [1, 'namespace', 'string'],
    [2, 'verb', 'string'],
    [3, 'group', 'string'],
    [4, 'version', 'string'],
    [5, 'resource', 'string'],
    [6, 'subresource', 'string'],
    [7, 'name', 'string'],
  ],
  NonResourceAttributes: [
    [1, 'path', 'string'],
    [2, 'verb', 'string'],
  ],
  SelfSubjectRulesReview: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'SelfSubjectRulesReviewSpec'],
  ],
  SelfSubjectRulesReviewSpec: [
    [1, 'namespace', 'string'],
  ],
  // core/v1 PersistentVolume and PersistentVolumeClaim (only the volume sources this
  // server serves: hostPath, nfs, local, csi).
  PersistentVolume: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'PersistentVolumeSpec'],
    [3, 'status', 'PersistentVolumeStatus'],
  ],
  PersistentVolumeSpec: [
    [1, 'capacity', 'map<Quantity>'],
    [2, '', '...PersistentVolumeSource'],
    [3, 'accessModes', '[]string'],
    [4, 'claimRef', '*ObjectReference'],
    [5, 'persistentVolumeReclaimPolicy', 'string'],
    [6, 'storageClassName', 'string'],
    [7, 'mountOptions', '[]string'],
    [8, 'volumeMode', '*string'],
    [9, 'nodeAffinity', '*VolumeNodeAffinity'],
    [10, 'volumeAttributesClassName', '*string'],
  ],
  PersistentVolumeSource: [
    [3, 'hostPath', '*HostPathVolumeSource'],
    [5, 'nfs', '*NFSVolumeSource'],
    [20, 'local', '*LocalVolumeSource'],
    [22, 'csi', '*CSIPersistentVolumeSource'],
  ],
  NFSVolumeSource: [
    [1, 'server', 'string'],
    [2, 'path', 'string'],
    [3, 'readOnly', 'bool'],
  ],
  LocalVolumeSource: [
    [1, 'path', 'string'],
    [2, 'fsType', '*string'],
  ],
  CSIPersistentVolumeSource: [
    [1, 'driver', 'string'],
    [2, 'volumeHandle', 'string'],
    [3, 'readOnly', 'bool'],
    [4, 'fsType', 'string'],
    [5, 'volumeAttributes', 'map<string>'],
  ],
  VolumeNodeAffinity: [
    [1, 'required', '*NodeSelector'],
  ],
  NodeSelector: [
    [1, 'nodeSelectorTerms', '[]NodeSelectorTerm'],
  ],
  NodeSelectorTerm: [
    [1, 'matchExpressions', '[]NodeSelectorRequirement'],
    [2, 'matchFields', '[]NodeSelectorRequirement'],
  ],
  NodeSelectorRequirement: [
    [1, 'key', 'string'],
    [2, 'operator', 'string'],
    [3, 'values', '[]string'],
  ],
  PersistentVolumeStatus: [
    [1, 'phase', 'string'],
    [2, 'message', 'string'],
    [3, 'reason', 'string'],
    [4, 'lastPhaseTransitionTime', '*Time'],
  ],
  PersistentVolumeClaim: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'PersistentVolumeClaimSpec'],
    [3, 'status', 'PersistentVolumeClaimStatus'],
  ],
  PersistentVolumeClaimSpec: [
    [1, 'accessModes', '[]string'],
    [2, 'resources', 'VolumeResourceRequirements'],
    [3, 'volumeName', 'string'],
    [4, 'selector', '*LabelSelector'],
    [5, 'storageClassName', '*string'],
    [6, 'volumeMode', '*string'],
    [7, 'dataSource', '*TypedLocalObjectReference'],
    [8, 'dataSourceRef', '*TypedObjectReference'],
    [9, 'volumeAttributesClassName', '*string'],
  ],
  VolumeResourceRequirements: [
    [1, 'limits', 'map<Quantity>'],
    [2, 'requests', 'map<Quantity>'],
  ],
  TypedLocalObjectReference: [
    [1, 'apiGroup', '*string'],
    [2, 'kind', 'string'],
    [3, 'name', 'string'],
  ],
  TypedObjectReference: [
    [1, 'apiGroup', '*string'],
    [2, 'kind', 'string'],
    [3, 'name', 'string'],
    [4, 'namespace', '*string'],
  ],
  PersistentVolumeClaimStatus: [
    [1, 'phase', 'string'],
    [2, 'accessModes', '[]string'],
    [3, 'capacity', 'map<Quantity>'],
    [4, 'conditions', '[]PersistentVolumeClaimCondition'],
    [5, 'allocatedResources', 'map<Quantity>'],
  ],
  PersistentVolumeClaimCondition: [
    [1, 'type', 'string'],
    [2, 'status', 'string'],
    [3, 'lastProbeTime', 'Time'],
    [4, 'lastTransitionTime', 'Time'],
    [5, 'reason', 'string'],
    [6, 'message', 'string'],
  ],
  // storage.k8s.io/v1
  StorageClass: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'provisioner', 'string'],
    [3, 'parameters', 'map<string>'],
    [4, 'reclaimPolicy', '*string'],
    [5, 'mountOptions', '[]string'],
    [6, 'allowVolumeExpansion', '*bool'],
    [7, 'volumeBindingMode', '*string'],
    [8, 'allowedTopologies', '[]TopologySelectorTerm'],
  ],
  TopologySelectorTerm: [
    [1, 'matchLabelExpressions', '[]TopologySelectorLabelRequirement'],
  ],
  TopologySelectorLabelRequirement: [
    [1, 'key', 'string'],
    [2, 'values', '[]string'],
  ],
  // certificates.k8s.io/v1 (spec.extra, a map of string lists, is not decoded: the
  // apiserver sets it from the requesting user). Status is decoded: kubectl certificate
  // approve/deny sends the conditions to /approval.
  CertificateSigningRequest: [
    [1, 'metadata', 'ObjectMeta'],
    [2, 'spec', 'CertificateSigningRequestSpec'],
    [3, 'status', 'CertificateSigningRequestStatus'],
  ],
  CertificateSigningRequestSpec: [
    [1, 'request', 'bytes'],
    [7, 'signerName', 'string'],
    [8, 'expirationSeconds', '*int32'],
    [5, 'usages', '[]string'],
    [2, 'username', 'string'],
    [3, 'uid', 'string'],
    [4, 'groups', '[]string'],
  ],
  CertificateSigningRequestStatus: [
    [1, 'conditions', '[]CertificateSigningRequestCondition'],
    [2, 'certificate', 'bytes'],
  ],
  CertificateSigningRequestCondition: [
    [1, 'type', 'string'],
    [6, 'status', 'string'],
    [2, 'reason', 'string'],
    [3, 'message', 'string'],
    [4, 'lastUpdateTime', 'Time'],
    [5, 'lastTransitionTime', 'Time'],
  ],
};

/** The top-level message of each "apiVersion/kind" a protobuf body may carry. */
export const KINDS: Readonly<Record<string, string>> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Service': 'Service',
  'v1/Pod': 'Pod',
  'v1/PodTemplate': 'PodTemplate',
  'v1/Endpoints': 'Endpoints',
  'v1/Binding': 'Binding',
  'v1/ReplicationController': 'ReplicationController',
  'apps/v1/Deployment': 'Deployment',
  'apps/v1/ReplicaSet': 'ReplicaSet',
  'apps/v1/DaemonSet': 'DaemonSet',
  'apps/v1/StatefulSet': 'StatefulSet',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'autoscaling/v2/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscalerV1',
  'coordination.k8s.io/v1/Lease': 'Lease',
  'discovery.k8s.io/v1/EndpointSlice': 'EndpointSlice',
  'v1/ServiceAccount': 'ServiceAccount',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'RoleBinding',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'certificates.k8s.io/v1/CertificateSigningRequest': 'CertificateSigningRequest',
  'v1/PersistentVolume': 'PersistentVolume',
  'v1/PersistentVolumeClaim': 'PersistentVolumeClaim',
  'storage.k8s.io/v1/StorageClass': 'StorageClass',
};

/**
 * DeleteOptions is registered in every group version, so a client encodes it with the
 * group version of the resource it deletes ("v1", "apps/v1", "meta.k8s.io/v1", ...).
 */
export const ANY_VERSION_KINDS: Readonly<Record<string, string>> = {
  DeleteOptions: 'DeleteOptions',
};
