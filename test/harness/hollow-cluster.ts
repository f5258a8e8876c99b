// A cluster of hollow nodes for scheduling tests: real etcd and apiserver, a hollow
// kubelet (test/harness/hollow-kubelet.ts), kube-scheduler and kube-controller-manager as
// processes. One start and one stop, in the order each test file needs them.
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from './apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from './controllers.js';
import { HollowKubelet, type HollowKubeletOptions } from './hollow-kubelet.js';
import type { ChildHandle } from './processes.js';

export interface HollowClusterOptions {
  /** The hollow kubelet's nodes, capacity and labels (its `rest` is the cluster's). */
  kubelet: Omit<HollowKubeletOptions, 'rest'>;
  /** kube-scheduler's extra flags, or a function of the control plane that makes them (a --config file in cp.dir). */
  schedulerArgs?: string[] | ((cp: ControlPlane) => Promise<string[]>);
  /** The controllers kube-controller-manager runs (`--controllers`). */
  controllers: string[];
}

export interface HollowCluster {
  cp: ControlPlane;
  rest: RestClient;
  hollow: HollowKubelet;
  scheduler: ChildHandle;
  cm: ControllerManagerHandle;
  /** Stops what started, last first; safe after a partial start. */
  stop(): Promise<void>;
}

export async function startHollowCluster(o: HollowClusterOptions): Promise<HollowCluster> {
  const started: Partial<HollowCluster> = {};
  const stop = async (): Promise<void> => {
    await started.cm?.stop();
    await started.scheduler?.stop();
    await started.hollow?.stop();
    await started.rest?.close();
    await started.cp?.stop();
  };
  try {
    const cp = started.cp = await startControlPlane();
    const rest = started.rest = adminClient(cp);
    const hollow = started.hollow = new HollowKubelet({ rest, ...o.kubelet });
    await hollow.start();
    const args = typeof o.schedulerArgs === 'function' ? await o.schedulerArgs(cp) : o.schedulerArgs ?? [];
    const scheduler = started.scheduler = startScheduler(cp, args);
    const cm = started.cm = await startControllerManager(cp, ['--controllers', o.controllers.join(',')]);
    return { cp, rest, hollow, scheduler, cm, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
