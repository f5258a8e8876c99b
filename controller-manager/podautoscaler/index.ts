// The HPA controller as kube-controller-manager registers it ("horizontalpodautoscaling"),
// with its flags. --horizontal-pod-autoscaler-metrics-api-server is ours: the resource
// metrics API is read from the apiserver (metrics.k8s.io) unless it names another server
// that serves the same API (tests hand in metrics that way).
import type { HorizontalPodAutoscaler } from '../../api/types/autoscaling.js';
import type { Pod } from '../../api/types/core.js';
import { RestClient } from '../../client/rest-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import { EVENT_SOURCE, HorizontalController, NAME } from './controller.js';
import { RestMetricsClient } from './metrics-client.js';
import { restHPAClient } from './scale-client.js';

export const horizontalPodAutoscalerDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['horizontalpodautoscaling'],
  serviceAccountName: 'horizontal-pod-autoscaler',
  flags: [
    { name: 'horizontal-pod-autoscaler-sync-period', kind: 'duration', default: '15s', description: 'The period for syncing the number of pods in horizontal pod autoscaler.' },
    { name: 'horizontal-pod-autoscaler-tolerance', kind: 'float', default: '0.1', description: 'The minimum change (from 1.0) in the desired-to-actual metrics ratio for the horizontal pod autoscaler to consider scaling.' },
    { name: 'horizontal-pod-autoscaler-downscale-stabilization', kind: 'duration', default: '5m0s', description: 'The period for which autoscaler will look backwards and not scale down below any recommendation it made during that period.' },
    { name: 'horizontal-pod-autoscaler-cpu-initialization-period', kind: 'duration', default: '5m0s', description: 'The period after pod start when CPU samples might be skipped.' },
    { name: 'horizontal-pod-autoscaler-initial-readiness-delay', kind: 'duration', default: '30s', description: 'The period after pod start during which readiness changes will be treated as initial readiness.' },
    { name: 'concurrent-horizontal-pod-autoscaler-syncs', kind: 'int', default: '5', description: 'The number of horizontal pod autoscaler objects that are allowed to sync concurrently. Larger number = more responsive horizontal pod autoscaler objects processing, but more CPU (and network) load.' },
    { name: 'horizontal-pod-autoscaler-metrics-api-server', kind: 'string', default: '', description: 'Base URL of a server serving the resource metrics API (metrics.k8s.io/v1beta1) to read instead of the apiserver (tskube; for tests).' },
  ],
  create(ctx) {
    const o = ctx.options;
    const metricsServer = o.string('horizontal-pod-autoscaler-metrics-api-server');
    const metricsRest = metricsServer ? new RestClient({ server: metricsServer, namespace: '' }, { userAgent: 'kube-controller-manager/horizontal-pod-autoscaler' }) : ctx.rest;
    return new HorizontalController({
      hpas: ctx.informers.informer<HorizontalPodAutoscaler>('horizontalpodautoscalers'),
      pods: ctx.informers.informer<Pod>('pods'),
      client: restHPAClient(ctx.rest),
      metricsClient: new RestMetricsClient(metricsRest),
      recorder: ctx.recorder(EVENT_SOURCE),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
      syncPeriodMs: o.duration('horizontal-pod-autoscaler-sync-period'),
      tolerance: o.float('horizontal-pod-autoscaler-tolerance'),
      downscaleStabilizationMs: o.duration('horizontal-pod-autoscaler-downscale-stabilization'),
      cpuInitializationPeriodMs: o.duration('horizontal-pod-autoscaler-cpu-initialization-period'),
      delayOfInitialReadinessStatusMs: o.duration('horizontal-pod-autoscaler-initial-readiness-delay'),
      workers: o.int('concurrent-horizontal-pod-autoscaler-syncs'),
      onStopped: metricsRest !== ctx.rest ? () => metricsRest.close() : undefined,
    });
  },
};
