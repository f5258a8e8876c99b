// The horizontal pod autoscaler controller (pkg/controller/podautoscaler/horizontal.go).
// Every --horizontal-pod-autoscaler-sync-period each HPA is reconciled: its target's
// scale is read, each metric proposes a replica count (replica-calculator.ts over the
// resource metrics API), the highest proposal is stabilized and limited (normalize.ts),
// the target is rescaled when the count changes, and the HPA's status (current and
// desired replicas, current metrics, conditions, lastScaleTime) is written when it
// changed. The recommendations and scale events the windows and policies need live in
// memory per HPA, as in Kubernetes.
import type { Logger } from 'pino';
import { rfc3339 } from '../../api/helpers/time.js';
import { formatMilliCPU, milliValue } from '../../api/quantity.js';
import { parseLabelSelector, type LabelSelectorMatcher } from '../../api/labels.js';
import { jsonEqual } from '../../api/validation/field.js';
import type { Scale } from '../../api/types/apps.js';
import type {
  HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus, MetricSpec, MetricStatus, MetricTarget, MetricValueStatus,
} from '../../api/types/autoscaling.js';
import type { Pod } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Clock, TimerHandle } from '../../client/clock.js';
import type { EventType } from '../../client/event-recorder.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';
import { setCondition, type ConditionChange } from './conditions.js';
import type { MetricsClient } from './metrics-client.js';
import {
  newScaleHistory, normalizeDesiredReplicas, normalizeDesiredReplicasWithBehaviors, recordInitialRecommendation, storeScaleEvent,
  type Normalized, type ScaleHistory,
} from './normalize.js';
import { rawResourceReplicas, resourceReplicas, type CalculatorOptions } from './replica-calculator.js';
import type { HPAClient, TargetScale } from './scale-client.js';

export const NAME = 'horizontal-pod-autoscaler-controller';
/** The Events' source component, as Kubernetes' HPA controller records them. */
export const EVENT_SOURCE = 'horizontal-pod-autoscaler';

export interface EventSink {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export interface HPAControllerOptions extends CalculatorOptions {
  hpas: Pick<Informer<HorizontalPodAutoscaler>, 'addEventHandler' | 'get'>;
  pods: Pick<Informer<Pod>, 'listByNamespace'>;
  client: HPAClient;
  metricsClient: MetricsClient;
  recorder: EventSink;
  clock: Clock;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  metrics?: ControllerMetrics;
  /** --horizontal-pod-autoscaler-sync-period, ms. */
  syncPeriodMs: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization, ms. */
  downscaleStabilizationMs: number;
  /** --concurrent-horizontal-pod-autoscaler-syncs. */
  workers: number;
  /** Called once the controller stopped (closes a metrics client of its own). */
  onStopped?: () => Promise<void>;
}

/** A metric's proposal, or why it has none. */
interface Proposal {
  replicas: number;
  /** "cpu resource utilization (percentage of request)". */
  metricName: string;
  status: MetricStatus;
}

class MetricError extends Error {
  constructor(message: string, readonly condition: ConditionChange) {
    super(message);
  }
}

const milli = (v: number): string => formatMilliCPU(v);

/**
 * NewHorizontalController: the HPA informer's handlers schedule each HPA one sync
 * period out (Kubernetes' fixed-interval rate limiter: a pending key is not
 * rescheduled), and every reconcile schedules the next.
 */
export class HorizontalController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;
  private readonly history = new Map<string, ScaleHistory>();
  private readonly pending = new Map<string, TimerHandle>();
  private stopped = false;

  constructor(private readonly o: HPAControllerOptions) {
    this.queue = controllerQueue({ name: 'horizontalpodautoscaler', clock: o.clock, metrics: o.metrics });
    o.hpas.addEventHandler({
      add: (hpa) => this.schedule(keyOf(hpa)),
      update: (_old, hpa) => this.schedule(keyOf(hpa)),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ syncPeriodMs: this.o.syncPeriodMs }, 'starting HPA controller');
    signal.addEventListener('abort', () => {
      this.stopped = true;
      for (const t of this.pending.values()) this.o.clock.clearTimeout(t);
      this.pending.clear();
    }, { once: true });
    await runQueue(this.queue, (key) => this.reconcile(key), signal, {
      name: NAME, workers: this.o.workers, log: this.o.log as Logger, clock: this.o.clock, metrics: this.o.metrics,
    });
    await this.o.onStopped?.();
  }

  /** Queues key one sync period from now, unless it is already waiting. */
  schedule(key: string): void {
    if (this.stopped || this.pending.has(key)) return;
    this.pending.set(key, this.o.clock.setTimeout(() => {
      this.pending.delete(key);
      this.queue.add(key);
    }, this.o.syncPeriodMs));
  }

  /** reconcileKey: a deleted HPA's history is dropped; any other is synced and scheduled again. */
  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const hpa = this.o.hpas.get(namespace, name);
    if (!hpa) {
      this.o.log.info({ hpa: key }, 'horizontal pod autoscaler has been deleted');
      this.history.delete(key);
      return;
    }
    try {
      await this.reconcileAutoscaler(hpa, key);
    } catch (err) {
      this.o.log.warn({ hpa: key, err }, 'failed to reconcile horizontal pod autoscaler');
    } finally {
      this.schedule(key);
    }
  }

  private historyOf(key: string): ScaleHistory {
    let h = this.history.get(key);
    if (!h) {
      h = newScaleHistory();
      this.history.set(key, h);
    }
    return h;
  }

  /** reconcileAutoscaler: one sync of one HPA. Throws after recording why (events, conditions, status). */
  async reconcileAutoscaler(shared: HorizontalPodAutoscaler, key: string): Promise<void> {
    const hpa = structuredClone(shared);
    const statusOriginal = structuredClone(hpa.status);
    const spec = hpa.spec!;
    const namespace = hpa.metadata.namespace ?? '';
    const reference = `${spec.scaleTargetRef.kind}/${namespace}/${spec.scaleTargetRef.name}`;
    const now = this.o.clock.now();

    let target: TargetScale;
    try {
      target = await this.o.client.getScale(namespace, spec.scaleTargetRef);
    } catch (err) {
      const msg = (err as Error).message;
      this.o.recorder.event(hpa, 'Warning', 'FailedGetScale', msg);
      setCondition(hpa, { type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${msg}` }, now);
      await this.updateStatusIfNeeded(statusOriginal, hpa);
      throw new Error(`failed to query scale subresource for ${reference}: ${msg}`, { cause: err });
    }
    setCondition(hpa, { type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: 'the HPA controller was able to get the target\'s current scale' }, now);
    const scale = target.scale;
    const currentReplicas = scale.spec?.replicas ?? 0;
    const history = this.historyOf(key);
    recordInitialRecommendation(history, currentReplicas, now);

    const minReplicas = spec.minReplicas ?? 1;
    let desiredReplicas = 0;
    let rescaleReason = '';
    let rescale = true;
    let metricStatuses: MetricStatus[] | null = null;

    if (currentReplicas === 0 && minReplicas !== 0) {
      // Autoscaling is disabled for this resource.
      rescale = false;
      setCondition(hpa, { type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' }, now);
    } else if (currentReplicas > spec.maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = spec.maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      let computed: { replicas: number; metricName: string; statuses: MetricStatus[] };
      try {
        computed = await this.computeReplicasForMetrics(hpa, scale, spec.metrics ?? [], now);
      } catch (err) {
        const statuses = err instanceof MetricsFailed ? err.statuses : hpa.status?.currentMetrics ?? null;
        this.setStatus(hpa, currentReplicas, hpa.status?.desiredReplicas ?? 0, statuses, false, now);
        await this.updateStatusIfNeeded(statusOriginal, hpa).catch((e: unknown) => this.o.log.warn({ hpa: key, err: e }, 'failed to update status'));
        this.o.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', (err as Error).message);
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${(err as Error).message}`, { cause: err });
      }
      metricStatuses = computed.statuses;
      this.o.log.debug({ hpa: key, proposal: computed.replicas, metric: computed.metricName }, 'proposing desired replicas');
      let rescaleMetric = '';
      if (computed.replicas > desiredReplicas) {
        desiredReplicas = computed.replicas;
        rescaleMetric = computed.metricName;
      }
      if (desiredReplicas > currentReplicas) rescaleReason = `${rescaleMetric} above target`;
      if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
      const n: Normalized = spec.behavior
        ? normalizeDesiredReplicasWithBehaviors(history, spec.behavior, currentReplicas, desiredReplicas, minReplicas, spec.maxReplicas, this.o.downscaleStabilizationMs, now)
        : normalizeDesiredReplicas(history, currentReplicas, desiredReplicas, minReplicas, spec.maxReplicas, this.o.downscaleStabilizationMs, now);
      setCondition(hpa, { type: 'AbleToScale', status: 'True', ...n.ableToScale }, now);
      setCondition(hpa, { type: 'ScalingLimited', status: n.scalingLimited.limited ? 'True' : 'False', reason: n.scalingLimited.reason, message: n.scalingLimited.message }, now);
      desiredReplicas = n.desiredReplicas;
      rescale = desiredReplicas !== currentReplicas;
    }

    if (rescale) {
      try {
        await this.o.client.updateScale(namespace, target, desiredReplicas);
      } catch (err) {
        const msg = (err as Error).message;
        this.o.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${msg}`);
        setCondition(hpa, { type: 'AbleToScale', status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${msg}` }, now);
        this.setStatus(hpa, currentReplicas, hpa.status?.desiredReplicas ?? 0, hpa.status?.currentMetrics ?? null, false, now);
        await this.updateStatusIfNeeded(statusOriginal, hpa).catch((e: unknown) => this.o.log.warn({ hpa: key, err: e }, 'failed to update status'));
        throw new Error(`failed to rescale ${reference}: ${msg}`, { cause: err });
      }
      setCondition(hpa, { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desiredReplicas}` }, now);
      this.o.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      storeScaleEvent(history, spec.behavior, currentReplicas, desiredReplicas, now);
      this.o.log.info({ hpa: key, oldSize: currentReplicas, newSize: desiredReplicas, reason: rescaleReason }, 'successful rescale');
    } else {
      this.o.log.debug({ hpa: key, desiredReplicas, lastScaleTime: hpa.status?.lastScaleTime }, 'decided not to scale');
      desiredReplicas = currentReplicas;
    }
    this.setStatus(hpa, currentReplicas, desiredReplicas, metricStatuses, rescale, now);
    await this.updateStatusIfNeeded(statusOriginal, hpa);
  }

  /** setStatus: recreates the status from the counts and metrics, keeping conditions and lastScaleTime. */
  private setStatus(hpa: HorizontalPodAutoscaler, current: number, desired: number, metrics: MetricStatus[] | null, rescale: boolean, now: number): void {
    const old = hpa.status;
    const status: HorizontalPodAutoscalerStatus = { desiredReplicas: desired };
    if (old?.lastScaleTime) status.lastScaleTime = old.lastScaleTime;
    if (current !== 0) status.currentReplicas = current;
    status.desiredReplicas = desired; // after currentReplicas, as Go serializes them
    status.currentMetrics = metrics && metrics.length > 0 ? metrics : null;
    if (old?.conditions?.length) status.conditions = old.conditions;
    if (rescale) status.lastScaleTime = rfc3339(now);
    hpa.status = status;
  }

  private async updateStatusIfNeeded(original: HorizontalPodAutoscalerStatus | undefined, hpa: HorizontalPodAutoscaler): Promise<void> {
    if (jsonEqual(original ?? null, hpa.status ?? null)) return;
    try {
      await this.o.client.updateStatus(hpa);
    } catch (err) {
      this.o.recorder.event(hpa, 'Warning', 'FailedUpdateStatus', (err as Error).message);
      throw new Error(`failed to update status for ${hpa.metadata.name ?? ''}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * computeReplicasForMetrics: the highest proposal over the metrics; ScalingActive
   * True when one metric could be computed. With every metric failing, or some failing
   * while the others would scale down, ScalingActive takes the first failure.
   */
  async computeReplicasForMetrics(hpa: HorizontalPodAutoscaler, scale: Scale, specs: MetricSpec[], now: number): Promise<{ replicas: number; metricName: string; statuses: MetricStatus[] }> {
    const selectorText = scale.status?.selector ?? '';
    if (!selectorText) {
      const msg = 'selector is required';
      this.o.recorder.event(hpa, 'Warning', 'SelectorRequired', msg);
      setCondition(hpa, { type: 'ScalingActive', status: 'False', reason: 'InvalidSelector', message: 'the HPA target\'s scale is missing a selector' }, now);
      throw new Error(msg);
    }
    let selector: LabelSelectorMatcher;
    try {
      selector = parseLabelSelector(selectorText);
    } catch (err) {
      const msg = `couldn't convert selector into a corresponding internal selector object: ${(err as Error).message}`;
      this.o.recorder.event(hpa, 'Warning', 'InvalidSelector', msg);
      setCondition(hpa, { type: 'ScalingActive', status: 'False', reason: 'InvalidSelector', message: msg }, now);
      throw new Error(msg);
    }
    const specReplicas = scale.spec?.replicas ?? 0;
    const statuses: MetricStatus[] = specs.map(() => ({ type: '' }));
    let replicas = 0;
    let metricName = '';
    let invalid = 0;
    let firstError: MetricError | undefined;
    for (let i = 0; i < specs.length; i++) {
      try {
        const p = await this.computeReplicasForMetric(hpa, specs[i], specReplicas, selectorText, selector, now);
        statuses[i] = p.status;
        if (replicas === 0 || p.replicas > replicas) {
          replicas = p.replicas;
          metricName = p.metricName;
        }
      } catch (err) {
        const e = err instanceof MetricError ? err : new MetricError((err as Error).message, unableToCompute('FailedGetResourceMetric', (err as Error).message));
        if (!firstError) firstError = e;
        invalid++;
      }
    }
    if (firstError && (invalid >= specs.length || replicas < specReplicas)) {
      setCondition(hpa, firstError.condition, now);
      throw new MetricsFailed(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}`, statuses);
    }
    setCondition(hpa, { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metricName}` }, now);
    return { replicas, metricName, statuses };
  }

  /** computeReplicasForMetric: one metric's proposal; throws a MetricError carrying its condition (and records its event). */
  private async computeReplicasForMetric(
    hpa: HorizontalPodAutoscaler, spec: MetricSpec, specReplicas: number, selectorText: string, selector: LabelSelectorMatcher, now: number,
  ): Promise<Proposal> {
    const fail = (reason: string, err: string, wrapped = err): never => {
      this.o.recorder.event(hpa, 'Warning', reason, err);
      throw new MetricError(wrapped, unableToCompute(reason, err));
    };
    switch (spec.type) {
      case 'Resource':
      case 'ContainerResource': {
        const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const name = src?.name ?? '';
        const container = spec.type === 'ContainerResource' ? spec.containerResource?.container : undefined;
        const reason = spec.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
        let r: { replicas: number; current: MetricValueStatus; metricName: string };
        try {
          r = await this.computeResource(hpa, src?.target ?? { type: '' }, name, specReplicas, selectorText, selector, now, container, spec.type);
        } catch (err) {
          const msg = (err as Error).message;
          return fail(reason, msg, spec.type === 'Resource' ? `failed to get ${name} resource metric value: ${msg}` : `failed to get ${name} container metric value: ${msg}`);
        }
        const status: MetricStatus = spec.type === 'Resource'
          ? { type: 'Resource', resource: { name, current: r.current } }
          : { type: 'ContainerResource', containerResource: { name, container: container ?? '', current: r.current } };
        return { replicas: r.replicas, metricName: r.metricName, status };
      }
      case 'Pods':
        return fail('FailedGetPodsMetric', `unable to get metric ${spec.pods?.metric?.name ?? ''}: no custom metrics API (custom.metrics.k8s.io) is served`,
          `failed to get pods metric value: unable to get metric ${spec.pods?.metric?.name ?? ''}: no custom metrics API (custom.metrics.k8s.io) is served`);
      case 'Object':
        return fail('FailedGetObjectMetric', `unable to get metric ${spec.object?.metric?.name ?? ''}: no custom metrics API (custom.metrics.k8s.io) is served`,
          `failed to get object metric value: unable to get metric ${spec.object?.metric?.name ?? ''}: no custom metrics API (custom.metrics.k8s.io) is served`);
      case 'External':
        return fail('FailedGetExternalMetric', `unable to get external metric ${hpa.metadata.namespace ?? ''}/${spec.external?.metric?.name ?? ''}: no external metrics API (external.metrics.k8s.io) is served`);
      default:
        return fail('InvalidMetricSourceType', `unknown metric source type "${spec.type}"`);
    }
  }

  /** computeStatusForResourceMetricGeneric: a utilization or an average value target of cpu or memory. */
  private async computeResource(
    hpa: HorizontalPodAutoscaler, target: MetricTarget, resource: string, currentReplicas: number, selectorText: string,
    selector: LabelSelectorMatcher, now: number, container: string | undefined, sourceType: string,
  ): Promise<{ replicas: number; current: MetricValueStatus; metricName: string }> {
    const namespace = hpa.metadata.namespace ?? '';
    const pods = (): Pod[] => this.o.pods.listByNamespace(namespace).filter((p) => selector.matches(p.metadata.labels));
    const fetch = async () => {
      try {
        return (await this.o.metricsClient.getResourceMetric(resource, namespace, selectorText, container)).metrics;
      } catch (err) {
        throw new Error(`unable to get metrics for resource ${resource}: ${(err as Error).message}`, { cause: err });
      }
    };
    if (target.averageValue !== undefined) {
      try {
        const r = rawResourceReplicas(currentReplicas, milliValue(target.averageValue), resource, pods(), await fetch(), this.o, now);
        return { replicas: r.replicas, current: { averageValue: milli(r.usage) }, metricName: `${resource} resource` };
      } catch (err) {
        throw new Error(`failed to get ${resource} usage: ${(err as Error).message}`, { cause: err });
      }
    }
    if (target.averageUtilization === undefined) {
      throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    }
    try {
      const r = resourceReplicas(currentReplicas, target.averageUtilization, resource, pods(), await fetch(), this.o, now, container);
      const metricName = sourceType === 'ContainerResource'
        ? `${resource} container resource utilization (percentage of request)`
        : `${resource} resource utilization (percentage of request)`;
      return { replicas: r.replicas, current: { averageUtilization: r.utilization, averageValue: milli(r.rawAverage) }, metricName };
    } catch (err) {
      throw new Error(`failed to get ${resource} utilization: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** All metrics failed: carries the statuses computed so far for the HPA's status. */
class MetricsFailed extends Error {
  constructor(message: string, readonly statuses: MetricStatus[]) {
    super(message);
  }
}

/** getUnableComputeReplicaCountCondition. */
function unableToCompute(reason: string, err: string): ConditionChange {
  return { type: 'ScalingActive', status: 'False', reason, message: `the HPA was unable to compute the replica count: ${err}` };
}
