// autoscaling/v2 types (HorizontalPodAutoscaler) and the resource metrics API's
// metrics.k8s.io/v1beta1 PodMetrics the HPA controller reads. Plain interfaces
// mirroring Kubernetes' JSON. (autoscaling/v1 Scale lives in apps.ts.)
import type { ConditionStatus, Quantity } from './core.js';
import type { KubeObject, LabelSelector, ObjectMeta } from './meta.js';

export const AUTOSCALING_GROUP = 'autoscaling';

/** What the HPA scales: a resource with a scale subresource, by apiVersion, kind and name. */
export interface CrossVersionObjectReference {
  kind: string;
  name: string;
  apiVersion?: string;
}

export type MetricSourceType = 'Object' | 'Pods' | 'Resource' | 'ContainerResource' | 'External';
export type MetricTargetType = 'Utilization' | 'Value' | 'AverageValue';

export interface MetricTarget {
  type: MetricTargetType | string;
  value?: Quantity;
  averageValue?: Quantity;
  /** Percent of the pods' requests (Resource and ContainerResource metrics only). */
  averageUtilization?: number;
}

export interface MetricIdentifier {
  name: string;
  selector?: LabelSelector;
}

export interface ResourceMetricSource {
  name: string;
  target: MetricTarget;
}

export interface ContainerResourceMetricSource {
  name: string;
  target: MetricTarget;
  container: string;
}

export interface PodsMetricSource {
  metric: MetricIdentifier;
  target: MetricTarget;
}

export interface ObjectMetricSource {
  describedObject: CrossVersionObjectReference;
  target: MetricTarget;
  metric: MetricIdentifier;
}

export interface ExternalMetricSource {
  metric: MetricIdentifier;
  target: MetricTarget;
}

export interface MetricSpec {
  type: MetricSourceType | string;
  object?: ObjectMetricSource;
  pods?: PodsMetricSource;
  resource?: ResourceMetricSource;
  containerResource?: ContainerResourceMetricSource;
  external?: ExternalMetricSource;
}

export type HPAScalingPolicyType = 'Pods' | 'Percent';
export type ScalingPolicySelect = 'Max' | 'Min' | 'Disabled';

export interface HPAScalingPolicy {
  type: HPAScalingPolicyType | string;
  value: number;
  periodSeconds: number;
}

export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: ScalingPolicySelect | string;
  policies?: HPAScalingPolicy[];
}

export interface HorizontalPodAutoscalerBehavior {
  scaleUp?: HPAScalingRules;
  scaleDown?: HPAScalingRules;
}

export interface HorizontalPodAutoscalerSpec {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: HorizontalPodAutoscalerBehavior;
}

export interface MetricValueStatus {
  value?: Quantity;
  averageValue?: Quantity;
  averageUtilization?: number;
}

export interface ResourceMetricStatus {
  name: string;
  current: MetricValueStatus;
}

export interface ContainerResourceMetricStatus {
  name: string;
  current: MetricValueStatus;
  container: string;
}

export interface PodsMetricStatus {
  metric: MetricIdentifier;
  current: MetricValueStatus;
}

export interface ObjectMetricStatus {
  metric: MetricIdentifier;
  current: MetricValueStatus;
  describedObject: CrossVersionObjectReference;
}

export interface ExternalMetricStatus {
  metric: MetricIdentifier;
  current: MetricValueStatus;
}

export interface MetricStatus {
  type: MetricSourceType | string;
  object?: ObjectMetricStatus;
  pods?: PodsMetricStatus;
  resource?: ResourceMetricStatus;
  containerResource?: ContainerResourceMetricStatus;
  external?: ExternalMetricStatus;
}

export type HorizontalPodAutoscalerConditionType = 'ScalingActive' | 'AbleToScale' | 'ScalingLimited';

export interface HorizontalPodAutoscalerCondition {
  type: HorizontalPodAutoscalerConditionType | string;
  status: ConditionStatus | string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface HorizontalPodAutoscalerStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas: number;
  /** Serialized even when empty (null), as Kubernetes does: no omitempty on it. */
  currentMetrics?: MetricStatus[] | null;
  conditions?: HorizontalPodAutoscalerCondition[];
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec?: HorizontalPodAutoscalerSpec;
  status?: HorizontalPodAutoscalerStatus;
}

// ---------------------------------------------------------------- metrics.k8s.io/v1beta1

export interface ContainerMetrics {
  name: string;
  /** cpu "123456n", memory "1234Ki": quantities as metrics-server writes them. */
  usage: Record<string, Quantity>;
}

/** metrics.k8s.io/v1beta1 PodMetrics: one pod's usage over `window` ending at `timestamp`. */
export interface PodMetrics {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  timestamp: string;
  /** A Go duration ("10.5s", "1m0s"). */
  window: string;
  containers: ContainerMetrics[];
}

export interface PodMetricsList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string };
  items: PodMetrics[];
}

// ---------------------------------------------------------------- autoscaling/v1

/** autoscaling/v1 HorizontalPodAutoscalerSpec: a cpu utilization target only. */
export interface HorizontalPodAutoscalerSpecV1 {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage?: number;
}

export interface HorizontalPodAutoscalerStatusV1 {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas: number;
  desiredReplicas: number;
  currentCPUUtilizationPercentage?: number;
}

/**
 * autoscaling/v1 HorizontalPodAutoscaler: what v2 holds beyond a cpu utilization
 * target travels in the autoscaling.alpha.kubernetes.io/* annotations.
 */
export interface HorizontalPodAutoscalerV1 extends KubeObject {
  spec?: HorizontalPodAutoscalerSpecV1;
  status?: HorizontalPodAutoscalerStatusV1;
}
