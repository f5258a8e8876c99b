// Prometheus metrics of the apiserver, named as kube-apiserver names them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiserverMetrics {
  registry: Registry;
  requests: Counter<'verb' | 'resource' | 'code'>;
  latency: Histogram<'verb' | 'resource' | 'code'>;
  watchers: Gauge<'resource'>;
}

/** One set of metrics per server instance (tests may run several in one process). */
export function createMetrics(): ApiserverMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'apiserver_request_total', help: 'Counter of apiserver requests broken out by verb, resource and HTTP response code.',
      labelNames: ['verb', 'resource', 'code'], registers: [registry],
    }),
    latency: new Histogram({
      name: 'apiserver_request_duration_seconds', help: 'Response latency distribution in seconds for each verb and resource.',
      labelNames: ['verb', 'resource', 'code'], registers: [registry],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 10, 15, 30, 60],
    }),
    watchers: new Gauge({
      name: 'apiserver_registered_watchers', help: 'Number of currently registered watchers for a given resource.',
      labelNames: ['resource'], registers: [registry],
    }),
  };
}
