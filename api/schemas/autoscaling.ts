// autoscaling/v2 definitions: HorizontalPodAutoscaler and the metric specs and
// statuses it is made of. (autoscaling/v1 Scale is in apps.ts.)
import { M, METADATA, QUANTITY, listKind } from './meta.js';
import { API_VERSION, KIND, gvk, int32, int64, kind, listOf, object, ref, str, type Definitions } from './schema.js';

export const AS2 = 'io.k8s.api.autoscaling.v2.';

const time = (description: string) => ref(`${M}Time`, description);
const quantity = (description: string) => ref(QUANTITY, description);

export const AUTOSCALING_DEFINITIONS: Definitions = {
  [`${AS2}CrossVersionObjectReference`]: object('Names the referred resource: its API version, kind and name.', {
    apiVersion: str('API version of the referent (apps/v1).'),
    kind: str('Kind of the referent (Deployment, StatefulSet...).'),
    name: str('Name of the referent.'),
  }, ['kind', 'name'], { mapType: 'atomic' }),

  [`${AS2}MetricTarget`]: object('The target value, average value or average utilization of a metric.', {
    averageUtilization: int32('The target mean of the resource metric across all relevant pods, as a percentage of the requested value of the resource for the pods. Only for Resource and ContainerResource metrics.'),
    averageValue: quantity('The target mean of the metric across all relevant pods (a quantity).'),
    type: str('Whether the metric type is Utilization, Value, or AverageValue.'),
    value: quantity('The target value of the metric (a quantity).'),
  }, ['type']),

  [`${AS2}MetricValueStatus`]: object('The current value of a metric.', {
    averageUtilization: int32('The current mean of the resource metric across all relevant pods, as a percentage of the requested value of the resource for the pods.'),
    averageValue: quantity('The current mean of the metric across all relevant pods (a quantity).'),
    value: quantity('The current value of the metric (a quantity).'),
  }),

  [`${AS2}MetricIdentifier`]: object('Defines the name and optionally the selector of a metric.', {
    name: str('The name of the given metric.'),
    selector: ref(`${M}LabelSelector`, 'The label selector of the metric, passed to the metrics server for more specific metrics scoping; unset means only metricName is used.'),
  }, ['name']),

  [`${AS2}ResourceMetricSource`]: object('A resource metric (cpu, memory) known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target. The values are averaged across pods before being compared to the target.', {
    name: str('The name of the resource in question.'),
    target: ref(`${AS2}MetricTarget`, 'The target value for the given metric.'),
  }, ['name', 'target']),

  [`${AS2}ContainerResourceMetricSource`]: object('A resource metric of one container of each pod in the current scale target.', {
    container: str('The name of the container in the pods of the scaling target.'),
    name: str('The name of the resource in question.'),
    target: ref(`${AS2}MetricTarget`, 'The target value for the given metric.'),
  }, ['name', 'target', 'container']),

  [`${AS2}PodsMetricSource`]: object('A metric describing each pod in the current scale target (for example, transactions-processed-per-second), averaged across pods before being compared to the target value.', {
    metric: ref(`${AS2}MetricIdentifier`, 'Identifies the target metric by name and selector.'),
    target: ref(`${AS2}MetricTarget`, 'The target value for the given metric.'),
  }, ['metric', 'target']),

  [`${AS2}ObjectMetricSource`]: object('A metric describing a Kubernetes object (for example, hits-per-second on an Ingress object).', {
    describedObject: ref(`${AS2}CrossVersionObjectReference`, 'The object the metric describes.'),
    metric: ref(`${AS2}MetricIdentifier`, 'Identifies the target metric by name and selector.'),
    target: ref(`${AS2}MetricTarget`, 'The target value for the given metric.'),
  }, ['describedObject', 'target', 'metric']),

  [`${AS2}ExternalMetricSource`]: object('A global metric not associated with any Kubernetes object (for example, the length of a queue in a cloud messaging service).', {
    metric: ref(`${AS2}MetricIdentifier`, 'Identifies the target metric by name and selector.'),
    target: ref(`${AS2}MetricTarget`, 'The target value for the given metric.'),
  }, ['metric', 'target']),

  [`${AS2}MetricSpec`]: object('A specification for how to scale based on a single metric (only type and one matching field should be set at once).', {
    containerResource: ref(`${AS2}ContainerResourceMetricSource`, 'A resource metric of a single container in each pod of the current scale target.'),
    external: ref(`${AS2}ExternalMetricSource`, 'A global metric not associated with any Kubernetes object.'),
    object: ref(`${AS2}ObjectMetricSource`, 'A metric describing a single Kubernetes object.'),
    pods: ref(`${AS2}PodsMetricSource`, 'A metric describing each pod in the current scale target, averaged across pods.'),
    resource: ref(`${AS2}ResourceMetricSource`, 'A resource metric (cpu, memory) as specified in requests and limits, describing each pod in the current scale target.'),
    type: str('The type of metric source: one of "ContainerResource", "External", "Object", "Pods" or "Resource", each mapping to a matching field in the object.'),
  }, ['type']),

  [`${AS2}ResourceMetricStatus`]: object('The current value of a resource metric.', {
    current: ref(`${AS2}MetricValueStatus`, 'The current value for the given metric.'),
    name: str('The name of the resource in question.'),
  }, ['name', 'current']),

  [`${AS2}ContainerResourceMetricStatus`]: object('The current value of a resource metric of one container.', {
    container: str('The name of the container in the pods of the scaling target.'),
    current: ref(`${AS2}MetricValueStatus`, 'The current value for the given metric.'),
    name: str('The name of the resource in question.'),
  }, ['name', 'current', 'container']),

  [`${AS2}PodsMetricStatus`]: object('The current value of a pods metric.', {
    current: ref(`${AS2}MetricValueStatus`, 'The current value for the given metric.'),
    metric: ref(`${AS2}MetricIdentifier`, 'Identifies the target metric by name and selector.'),
  }, ['metric', 'current']),

  [`${AS2}ObjectMetricStatus`]: object('The current value of an object metric.', {
    current: ref(`${AS2}MetricValueStatus`, 'The current value for the given metric.'),
    describedObject: ref(`${AS2}CrossVersionObjectReference`, 'The object the metric describes.'),
    metric: ref(`${AS2}MetricIdentifier`, 'Identifies the target metric by name and selector.'),
  }, ['metric', 'current', 'describedObject']),

  [`${AS2}ExternalMetricStatus`]: object('The current value of a global metric.', {
    current: ref(`${AS2}MetricValueStatus`, 'The current value for the given metric.'),
    metric: ref(`${AS2}MetricIdentifier`, 'Identifies the target metric by name and selector.'),
  }, ['metric', 'current']),

  [`${AS2}MetricStatus`]: object('The last read state of a single metric.', {
    containerResource: ref(`${AS2}ContainerResourceMetricStatus`, 'The current value of a container resource metric.'),
    external: ref(`${AS2}ExternalMetricStatus`, 'The current value of a global metric.'),
    object: ref(`${AS2}ObjectMetricStatus`, 'The current value of an object metric.'),
    pods: ref(`${AS2}PodsMetricStatus`, 'The current value of a pods metric.'),
    resource: ref(`${AS2}ResourceMetricStatus`, 'The current value of a resource metric.'),
    type: str('The type of metric source: "ContainerResource", "External", "Object", "Pods" or "Resource".'),
  }, ['type']),

  [`${AS2}HPAScalingPolicy`]: object('A single policy which must hold true for a specified past interval.', {
    periodSeconds: int32('The window of time for which the policy should hold true. Must be greater than zero and less than or equal to 1800 (30 min).'),
    type: str('The scaling policy: Pods or Percent.'),
    value: int32('The amount of change permitted by the policy. Must be greater than zero.'),
  }, ['type', 'value', 'periodSeconds']),

  [`${AS2}HPAScalingRules`]: object('Configures the scaling behavior for one direction: a stabilization window and policies limiting the rate of change.', {
    policies: listOf(`${AS2}HPAScalingPolicy`, 'A list of potential scaling policies which can be used during scaling. If not set, the defaults apply: scale up by 4 pods or 100% per 15 s, scale down by 100% per 15 s.', { listType: 'atomic' }),
    selectPolicy: str('Which policy should be used: Max (the default), Min or Disabled.'),
    stabilizationWindowSeconds: int32('The number of seconds for which past recommendations should be considered while scaling up or scaling down (0 to 3600). Defaults to 0 for scale up and to the controller\'s downscale stabilization (300) for scale down.'),
  }),

  [`${AS2}HorizontalPodAutoscalerBehavior`]: object('Configures the scaling behavior of the target in both up and down directions.', {
    scaleDown: ref(`${AS2}HPAScalingRules`, 'Scaling policy for scaling down. If not set, the default allows scaling down to minReplicas pods, with a 300 second stabilization window.'),
    scaleUp: ref(`${AS2}HPAScalingRules`, 'Scaling policy for scaling up. If not set, the default is the highest of: increase no more than 4 pods per 15 s, double the number of pods per 15 s; no stabilization.'),
  }),

  [`${AS2}HorizontalPodAutoscalerSpec`]: object('The desired functionality of the HorizontalPodAutoscaler.', {
    behavior: ref(`${AS2}HorizontalPodAutoscalerBehavior`, 'Configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively). If not set, the default HPAScalingRules for scale up and scale down are used.'),
    maxReplicas: int32('The upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
    metrics: listOf(`${AS2}MetricSpec`, 'Contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used). If not set, the default metric will be set to 80% average CPU utilization.', { listType: 'atomic' }),
    minReplicas: int32('The lower limit for the number of replicas to which the autoscaler can scale down. It defaults to 1 pod.'),
    scaleTargetRef: ref(`${AS2}CrossVersionObjectReference`, 'Points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
  }, ['scaleTargetRef', 'maxReplicas']),

  [`${AS2}HorizontalPodAutoscalerCondition`]: object('The state of a HorizontalPodAutoscaler at a certain point.', {
    lastTransitionTime: time('The last time the condition transitioned from one status to another.'),
    message: str('A human-readable explanation containing details about the transition.'),
    reason: str('The reason for the condition\'s last transition.'),
    status: str('The status of the condition (True, False, Unknown).'),
    type: str('Describes the current condition: AbleToScale, ScalingActive or ScalingLimited.'),
  }, ['type', 'status']),

  [`${AS2}HorizontalPodAutoscalerStatus`]: object('The current status of a horizontal pod autoscaler.', {
    conditions: listOf(`${AS2}HorizontalPodAutoscalerCondition`, 'The set of conditions required for this autoscaler to scale its target, and indicates whether or not those conditions are met.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    currentMetrics: listOf(`${AS2}MetricStatus`, 'The last read state of the metrics used by this autoscaler.', { listType: 'atomic' }),
    currentReplicas: int32('Current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    desiredReplicas: int32('The desired number of replicas of pods managed by this autoscaler, as last calculated by the autoscaler.'),
    lastScaleTime: time('The last time the HorizontalPodAutoscaler scaled the number of pods, used by the autoscaler to control how often the number of pods is changed.'),
    observedGeneration: int64('The most recent generation observed by this autoscaler.'),
  }, ['desiredReplicas']),

  [`${AS2}HorizontalPodAutoscaler`]: kind(gvk('autoscaling', 'v2', 'HorizontalPodAutoscaler'), 'The configuration for a horizontal pod autoscaler, which automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${AS2}HorizontalPodAutoscalerSpec`, 'The specification for the behaviour of the autoscaler.'),
    status: ref(`${AS2}HorizontalPodAutoscalerStatus`, 'The current information about the autoscaler.'),
  }),

  [`${AS2}HorizontalPodAutoscalerList`]: listKind('autoscaling', 'v2', 'HorizontalPodAutoscalerList', `${AS2}HorizontalPodAutoscaler`, 'HorizontalPodAutoscalers'),
};

const AS1 = 'io.k8s.api.autoscaling.v1.';

/** autoscaling/v1 HorizontalPodAutoscaler: a cpu utilization target; the rest lives in annotations. */
export const AUTOSCALING_V1_DEFINITIONS: Definitions = {
  [`${AS1}CrossVersionObjectReference`]: object('Names the referred resource: its API version, kind and name.', {
    apiVersion: str('API version of the referent (apps/v1).'),
    kind: str('Kind of the referent (Deployment, StatefulSet...).'),
    name: str('Name of the referent.'),
  }, ['kind', 'name'], { mapType: 'atomic' }),

  [`${AS1}HorizontalPodAutoscalerSpec`]: object('The specification of a horizontal pod autoscaler.', {
    maxReplicas: int32('The upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.'),
    minReplicas: int32('The lower limit for the number of replicas to which the autoscaler can scale down. It defaults to 1 pod.'),
    scaleTargetRef: ref(`${AS1}CrossVersionObjectReference`, 'Reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.'),
    targetCPUUtilizationPercentage: int32('The target average CPU utilization (represented as a percentage of requested CPU) over all the pods; if not specified the default autoscaling policy will be used.'),
  }, ['scaleTargetRef', 'maxReplicas']),

  [`${AS1}HorizontalPodAutoscalerStatus`]: object('The current status of a horizontal pod autoscaler.', {
    currentCPUUtilizationPercentage: int32('The current average CPU utilization over all pods, represented as a percentage of requested CPU, e.g. 70 means that an average pod is using now 70% of its requested CPU.'),
    currentReplicas: int32('The current number of replicas of pods managed by this autoscaler.'),
    desiredReplicas: int32('The desired number of replicas of pods managed by this autoscaler.'),
    lastScaleTime: time('The last time the HorizontalPodAutoscaler scaled the number of pods; used by the autoscaler to control how often the number of pods is changed.'),
    observedGeneration: int64('The most recent generation observed by this autoscaler.'),
  }, ['currentReplicas', 'desiredReplicas']),

  [`${AS1}HorizontalPodAutoscaler`]: kind(gvk('autoscaling', 'v1', 'HorizontalPodAutoscaler'), 'The configuration for a horizontal pod autoscaler.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${AS1}HorizontalPodAutoscalerSpec`, 'The behaviour of the autoscaler.'),
    status: ref(`${AS1}HorizontalPodAutoscalerStatus`, 'The current information about the autoscaler.'),
  }),

  [`${AS1}HorizontalPodAutoscalerList`]: listKind('autoscaling', 'v1', 'HorizontalPodAutoscalerList', `${AS1}HorizontalPodAutoscaler`, 'HorizontalPodAutoscalers'),
};
