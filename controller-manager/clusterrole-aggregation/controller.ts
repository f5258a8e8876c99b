// The ClusterRole aggregation controller (pkg/controller/clusterroleaggregation): a
// ClusterRole with an aggregationRule holds exactly the rules of the other ClusterRoles
// its clusterRoleSelectors match (admin, edit and view gain what CRDs' roles labelled
// rbac.authorization.k8s.io/aggregate-to-* add). Which roles feed which is not known
// in advance, so any ClusterRole change queues every aggregated role; each sync
// recomputes from the cache and writes only when the rules differ.
import type { Logger } from 'pino';
import type { ClusterRole, PolicyRule } from '../../api/types/rbac.js';
import { aggregate, rulesEqual } from '../../apiserver/rbac/rules.js';
import type { Clock } from '../../client/clock.js';
import { keyOf, type Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';

export const NAME = 'clusterrole-aggregation-controller';
/** Kubernetes starts this controller with five workers. */
const WORKERS = 5;

/** The controller's one write (ResourceClient; tests pass a recording fake). */
export type ClusterRoleWriter = Pick<ResourceClient<ClusterRole>, 'patch'>;

export interface ClusterRoleAggregationOptions {
  clusterRoles: Pick<Informer<ClusterRole>, 'getByKey' | 'list' | 'addEventHandler'>;
  client: ClusterRoleWriter;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

/**
 * The rules to write into target given every cached ClusterRole: aggregate()'s, or
 * undefined when target aggregates nothing or already holds them (nil and empty
 * alike). No rule selected is null: the merge patch removes them. Throws for an invalid
 * selector, as the sync fails.
 */
export function aggregatedRules(target: ClusterRole, all: readonly ClusterRole[]): { rules: PolicyRule[] | null } | undefined {
  if (!target.aggregationRule) return undefined;
  const rules = aggregate(target, all);
  if (rulesEqual(rules, target.rules)) return undefined;
  return { rules: rules.length ? structuredClone(rules) : null };
}

export class ClusterRoleAggregationController implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;

  constructor(private readonly o: ClusterRoleAggregationOptions) {
    this.queue = controllerQueue({ name: NAME, clock: o.clock, metrics: o.metrics });
    const enqueueAll = (): void => this.enqueueAggregated();
    o.clusterRoles.addEventHandler({ add: enqueueAll, update: enqueueAll, delete: enqueueAll });
  }

  /** enqueue: every ClusterRole that aggregates (the set is small, the dependencies unknown). */
  enqueueAggregated(): void {
    for (const role of this.o.clusterRoles.list()) if (role.aggregationRule) this.queue.add(keyOf(role));
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: NAME }, 'starting controller');
    await runQueue(this.queue, (key) => this.syncClusterRole(key), signal, {
      name: NAME, workers: WORKERS, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics,
    });
    this.o.log.info({ controller: NAME }, 'shutting down controller');
  }

  /**
   * syncClusterRole: the aggregated role's rules written when they differ. Kubernetes
   * server-side applies them with its field manager, forced: only `rules` is written,
   * with no resourceVersion to conflict on. A JSON merge patch of `rules` (a list is
   * replaced whole) does the same here; a write from a stale cache is corrected by the
   * event of whatever made it stale, which queues the role again.
   */
  async syncClusterRole(key: string): Promise<void> {
    const role = this.o.clusterRoles.getByKey(key);
    if (!role) return;
    const write = aggregatedRules(role, this.o.clusterRoles.list());
    if (!write) return;
    await this.o.client.patch('', role.metadata.name ?? key, 'merge', write, { fieldManager: NAME });
    this.o.log.info({ clusterRole: key, rules: write.rules?.length ?? 0 }, 'updated aggregated cluster role');
  }
}
