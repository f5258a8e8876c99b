// The controller manager as a process: --controllers as kube-controller-manager reads
// it, flags checked by kind, /healthz and /metrics, and leader election: two
// processes, the leader killed with SIGKILL, the standby takes over within the lease
// and nothing is created twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaSet } from '../../api/types/apps.js';
import type { Lease } from '../../api/types/coordination.js';
import type { Pod } from '../../api/types/core.js';
import { informerFor } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { enabledControllers, type ControllerDescriptor } from '../../controller-manager/controllers.js';
import { checkFlag, ControllerOptions } from '../../controller-manager/options.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const descriptor = (name: string, aliases: string[] = [], disabledByDefault = false): ControllerDescriptor => ({
  name, aliases, disabledByDefault, flags: [], create: () => { throw new Error('not built in this test'); },
});
const ALL = [descriptor('replicaset-controller', ['replicaset']), descriptor('deployment-controller', ['deployment']), descriptor('bootstrap-signer-controller', [], true)];
const names = (list: string): string[] => enabledControllers(list.split(','), ALL).map((d) => d.name);

describe('--controllers', () => {
  it("'*' enables every controller not disabled by default", () => {
    assert.deepEqual(names('*'), ['replicaset-controller', 'deployment-controller']);
  });
  it("'-name' disables one, by canonical name or alias; a name alone enables only it", () => {
    assert.deepEqual(names('*,-deployment'), ['replicaset-controller']);
    assert.deepEqual(names('-deployment-controller,*'), ['replicaset-controller']);
    assert.deepEqual(names('deployment'), ['deployment-controller']);
    assert.deepEqual(names('*,bootstrap-signer-controller'), ALL.map((d) => d.name));
  });
  it('the first mention of a controller wins', () => {
    assert.deepEqual(names('replicaset,-replicaset'), ['replicaset-controller']);
    assert.deepEqual(names('-replicaset,replicaset,*'), ['deployment-controller']);
  });
  it('an unknown name is an error that names it', () => {
    assert.throws(() => names('*,-nosuch'), { message: '"nosuch" is not in the list of known controllers' });
  });
});

describe('flags', () => {
  const defs = [
    { name: 'node-monitor-grace-period', kind: 'duration' as const, default: '40s', description: '' },
    { name: 'concurrent-replicaset-syncs', kind: 'int' as const, default: '5', description: '' },
  ];
  it('are read by kind, defaults applied', () => {
    const o = ControllerOptions.from(defs, { 'concurrent-replicaset-syncs': 2 });
    assert.equal(o.duration('node-monitor-grace-period'), 40_000);
    assert.equal(o.int('concurrent-replicaset-syncs'), 2);
    assert.throws(() => o.int('nosuch'), /no flag --nosuch/);
  });
  it('a malformed value is refused with the flag named', () => {
    assert.throws(() => checkFlag(defs[0], 'soon'), /invalid argument "soon" for "--node-monitor-grace-period" flag/);
    assert.throws(() => checkFlag(defs[1], '5x'), /invalid argument "5x" for "--concurrent-replicaset-syncs" flag/);
    checkFlag(defs[0], '500ms');
  });
});

describe('kube-controller-manager process', () => {
  let cp: ControlPlane;
  let rest: RestClient;
  let hollow: HollowKubelet;
  let scheduler: ChildHandle;
  const managers: ControllerManagerHandle[] = [];

  before(async () => {
    cp = await startControlPlane();
    rest = adminClient(cp);
    hollow = new HollowKubelet({ rest, nodes: 2 });
    await hollow.start();
    scheduler = startScheduler(cp);
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.stop()));
    await scheduler?.stop();
    await hollow?.stop();
    await rest?.close();
    await cp?.stop();
  });

  it('refuses an unknown controller at start, naming it', async () => {
    await assert.rejects(startControllerManager(cp, ['--controllers', '*,-nosuch'], 'bad'), /exited/);
  });

  it('serves /healthz and workqueue metrics per controller', async () => {
    const cm = await startControllerManager(cp, ['--controllers', 'replicaset-controller'], 'a');
    managers.push(cm);
    const health = await fetch(`http://127.0.0.1:${cm.port}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok');
    await waitFor(async () => (await (await fetch(`http://127.0.0.1:${cm.port}/metrics`)).text()).includes('workqueue_depth{name="replicaset-controller"}'),
      { what: 'workqueue metrics of the replicaset controller', timeoutMs: 15_000 });
    const leases = resourceClient<Lease>(rest, 'leases');
    await waitFor(async () => !!(await leases.get('kube-system', 'kube-controller-manager')).spec?.holderIdentity, { what: 'a leader', timeoutMs: 15_000 });
  });

  it('a standby takes over within the lease when the leader is killed, and nothing is created twice', async () => {
    const standby = await startControllerManager(cp, ['--controllers', 'replicaset-controller'], 'b');
    managers.push(standby);
    const leases = resourceClient<Lease>(rest, 'leases');
    const leaderBefore = (await leases.get('kube-system', 'kube-controller-manager')).spec?.holderIdentity;
    // Count every pod ever created for the ReplicaSet: a double create would show as more than replicas.
    const created = new Set<string>();
    const pods = informerFor<Pod>(rest, 'pods', { namespace: 'default', labelSelector: 'app=failover' });
    pods.addEventHandler({ add: (p) => created.add(p.metadata.uid as string) });
    const stop = new AbortController();
    void pods.run(stop.signal);
    try {
      await pods.waitForSync();
      const rs = resourceClient<ReplicaSet>(rest, 'replicasets.apps');
      const make = (replicas: number): ReplicaSet => ({
        apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'failover' },
        spec: { replicas, selector: { matchLabels: { app: 'failover' } }, template: { metadata: { labels: { app: 'failover' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
      });
      await rs.create('default', make(3));
      await waitFor(() => pods.list().length === 3, { what: '3 pods', timeoutMs: 20_000 });
      // Kill the leader (the first manager) while it is idle, then scale: only the new leader can act.
      await managers[0].kill9();
      const killedAt = Date.now();
      await rs.patch('default', 'failover', 'merge', { spec: { replicas: 5 } });
      await waitFor(() => pods.list().length === 5, { what: '5 pods after failover', timeoutMs: 20_000 });
      const tookOverMs = Date.now() - killedAt;
      const leaderAfter = (await leases.get('kube-system', 'kube-controller-manager')).spec?.holderIdentity;
      assert.notEqual(leaderAfter, leaderBefore);
      // The lease is 3 s (test harness); allow the retry period, cache sync and the creates on a busy machine.
      assert.ok(tookOverMs < 15_000, `took over after ${tookOverMs} ms`);
      // Settle: let any stray double create show up, then count.
      await waitFor(async () => (await rs.get('default', 'failover')).status?.replicas === 5, { what: 'status replicas 5', timeoutMs: 10_000 });
      assert.equal(created.size, 5, `pods ever created: ${created.size}`);
    } finally {
      stop.abort();
    }
  });
});
