// Prometheus metrics of the controller manager, named as client-go's workqueue metrics
// (workqueue_*) plus a reconcile latency per controller.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkQueueMetrics } from '../client/work-queue.js';

const LATENCY_BUCKETS = [1e-5, 1e-4, 1e-3, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ControllerMetrics {
  registry: Registry;
  /** The WorkQueueMetrics a controller's queue reports to, labelled name=<controller>. */
  queue(name: string): WorkQueueMetrics;
  /** Records one reconcile of a controller: its duration and whether it failed. */
  reconciled(controller: string, ms: number, ok: boolean): void;
  leader: Gauge<'name'>;
}

/** One set per process (tests may build several). */
export function createControllerMetrics(): ControllerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers: [registry] });
  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers: [registry] });
  const retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers: [registry] });
  const queued = new Histogram({
    name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.',
    labelNames: ['name'], buckets: LATENCY_BUCKETS, registers: [registry],
  });
  const worked = new Histogram({
    name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.',
    labelNames: ['name'], buckets: LATENCY_BUCKETS, registers: [registry],
  });
  const reconcile = new Histogram({
    name: 'controller_reconcile_duration_seconds', help: 'How long in seconds one reconcile of a key takes, by controller and result.',
    labelNames: ['controller', 'result'], buckets: LATENCY_BUCKETS, registers: [registry],
  });
  const reconcileErrors = new Counter({
    name: 'controller_reconcile_errors_total', help: 'Reconciles that failed, by controller.', labelNames: ['controller'], registers: [registry],
  });
  const leader = new Gauge({
    name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
    labelNames: ['name'], registers: [registry],
  });
  return {
    registry,
    leader,
    queue(name) {
      const l = { name };
      depth.set(l, 0);
      adds.inc(l, 0);
      retries.inc(l, 0);
      return {
        added: () => adds.inc(l),
        depth: (n) => depth.set(l, n),
        retried: () => retries.inc(l),
        waited: (ms) => queued.observe(l, ms / 1000),
        worked: (ms) => worked.observe(l, ms / 1000),
      };
    },
    reconciled(controller, ms, ok) {
      reconcile.observe({ controller, result: ok ? 'success' : 'error' }, ms / 1000);
      if (!ok) reconcileErrors.inc({ controller });
    },
  };
}
