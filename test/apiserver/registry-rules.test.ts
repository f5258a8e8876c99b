// Registry rules on the in-memory storage, without etcd or HTTP: preconditions,
// finalizers, generateName, graceful deletion, and what a lagging watch cache must
// never cause (a lost update, a replayed event). The memory store holds back watch
// events on demand, so "the cache is behind" happens exactly where a test wants it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { findResource, type ResourceInfo } from '../../api/registry.js';
import { isAlreadyExists, isConflict, StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import { GenericRegistry } from '../../apiserver/registry/generic.js';
import { podStrategy } from '../../apiserver/registry/pods.js';
import { appsStrategy } from '../../apiserver/registry/simple.js';
import { defaultStrategy, type Strategy } from '../../apiserver/registry/strategy.js';
import { MemoryStore } from '../../apiserver/storage/memory-store.js';
import { WatchCaches } from '../../apiserver/watch-cache.js';

const log = pino({ level: 'silent' });

interface Setup { store: MemoryStore; caches: WatchCaches; reg: (plural: string) => GenericRegistry }

async function setup(freshnessTimeoutMs = 3000): Promise<Setup> {
  const store = new MemoryStore();
  const caches = new WatchCaches(store, log, { freshnessTimeoutMs });
  const strategies: Record<string, Strategy> = { pods: podStrategy, deployments: appsStrategy };
  const regs = new Map<string, GenericRegistry>();
  for (const [group, plural] of [['', 'configmaps'], ['', 'pods'], ['apps', 'deployments']]) {
    const ri = findResource(group, 'v1', plural) as ResourceInfo;
    regs.set(plural, new GenericRegistry(ri, store, strategies[plural] ?? defaultStrategy, caches.cache(`/registry/${plural}/`), { namespaceState: async () => 'Active' }));
  }
  await caches.start();
  return { store, caches, reg: (plural) => regs.get(plural) as GenericRegistry };
}

/** Resolves once the watch caches have caught up with the store. */
async function synced(s: Setup): Promise<void> {
  await s.caches.waitFresh(await s.store.revision());
}

const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } as KubeObject);
const deployment = (name: string, replicas: number): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
} as KubeObject);

const replicas = (o: KubeObject | undefined): number => (o as unknown as { spec: { replicas: number } }).spec.replicas;

async function rejects(p: Promise<unknown>, code: number, message?: RegExp): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a ${code}`);
}

describe('registry rules on the memory store', () => {
  it('generateName gives a fresh name each time; a taken name is AlreadyExists', async () => {
    const s = await setup();
    const a = await s.reg('configmaps').create('default', { ...cm(''), metadata: { generateName: 'gen-' } });
    const b = await s.reg('configmaps').create('default', { ...cm(''), metadata: { generateName: 'gen-' } });
    assert.match(a.metadata.name as string, /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata.name, b.metadata.name);
    const err = await rejects(s.reg('configmaps').create('default', cm(a.metadata.name as string)), 409);
    assert.ok(isAlreadyExists(err));
  });

  it('delete preconditions: a wrong uid or resourceVersion is a 409 and deletes nothing', async () => {
    const s = await setup();
    const c = await s.reg('configmaps').create('default', cm('pre'));
    await rejects(s.reg('configmaps').delete('default', 'pre', { preconditions: { uid: 'other' } }), 409, /Precondition failed: UID in precondition: other, UID in object meta: /);
    await rejects(s.reg('configmaps').delete('default', 'pre', { preconditions: { resourceVersion: '1' } }), 409, /Precondition failed: ResourceVersion in precondition: 1/);
    assert.ok(await s.reg('configmaps').get('default', 'pre'));
    const res = await s.reg('configmaps').delete('default', 'pre', { preconditions: { uid: c.metadata.uid, resourceVersion: c.metadata.resourceVersion } });
    assert.equal(res.deleted, true);
  });

  it('finalizers hold a deletion until the last one is removed', async () => {
    const s = await setup();
    await s.reg('configmaps').create('default', { ...cm('fin'), metadata: { name: 'fin', finalizers: ['example.com/a', 'example.com/b'] } });
    const res = await s.reg('configmaps').delete('default', 'fin');
    assert.equal(res.deleted, false);
    assert.ok(res.obj.metadata.deletionTimestamp);
    await s.reg('configmaps').patch('default', 'fin', 'application/merge-patch+json', { metadata: { finalizers: ['example.com/b'] } });
    assert.ok((await s.reg('configmaps').get('default', 'fin')).metadata.deletionTimestamp);
    await s.reg('configmaps').patch('default', 'fin', 'application/merge-patch+json', { metadata: { finalizers: null } });
    await rejects(s.reg('configmaps').get('default', 'fin'), 404);
  });

  it('a DELETE sets the garbage-collection finalizers its policy asks for, removing the other one', async () => {
    const s = await setup();
    const meta = (name: string, finalizers: string[]): KubeObject => ({ ...cm(name), metadata: { name, finalizers } });
    // An orphan finalizer left by an earlier orphaning DELETE: a Background DELETE drops it.
    await s.reg('configmaps').create('default', meta('bg', ['orphan', 'example.com/keep']));
    const bg = await s.reg('configmaps').delete('default', 'bg', { propagationPolicy: 'Background' });
    assert.deepEqual(bg.obj.metadata.finalizers, ['example.com/keep']);
    // Foreground replaces orphan with foregroundDeletion.
    await s.reg('configmaps').create('default', meta('fg', ['orphan', 'example.com/keep']));
    const fg = await s.reg('configmaps').delete('default', 'fg', { propagationPolicy: 'Foreground' });
    assert.deepEqual(fg.obj.metadata.finalizers, ['example.com/keep', 'foregroundDeletion']);
    // No policy: the finalizer the object carries decides; orphanDependents=false clears it.
    await s.reg('configmaps').create('default', meta('none', ['orphan']));
    assert.deepEqual((await s.reg('configmaps').delete('default', 'none')).obj.metadata.finalizers, ['orphan']);
    const cleared = await s.reg('configmaps').delete('default', 'none', { orphanDependents: false });
    assert.equal(cleared.deleted, true, 'nothing left to hold it');
  });

  it('a pod on a node is deleted gracefully; one on no node at once', async () => {
    const s = await setup();
    const pod = (name: string, nodeName?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: 'busybox' }] } } as KubeObject);
    await s.reg('pods').create('default', pod('bound', 'node-1'));
    await s.reg('pods').create('default', pod('pending'));
    const bound = await s.reg('pods').delete('default', 'bound');
    assert.equal(bound.deleted, false);
    assert.equal(bound.obj.metadata.deletionGracePeriodSeconds, 20);
    const shorter = await s.reg('pods').delete('default', 'bound', { gracePeriodSeconds: 5 });
    assert.equal(shorter.obj.metadata.deletionGracePeriodSeconds, 5, 'a shorter grace period replaces a longer one');
    assert.equal((await s.reg('pods').delete('default', 'pending')).deleted, true);
    assert.equal((await s.reg('pods').delete('default', 'bound', { gracePeriodSeconds: 0 })).deleted, true);
  });

  it('a created pod\'s qosClass counts its init containers (ComputePodQOS)', async () => {
    const s = await setup();
    const guaranteed = { requests: { cpu: '1', memory: '64Mi' }, limits: { cpu: '1000m', memory: '64Mi' } };
    const pod = (name: string, init?: object): KubeObject => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: {
        containers: [{ name: 'app', image: 'busybox', resources: guaranteed }],
        ...(init ? { initContainers: [{ name: 'init', image: 'busybox', resources: init }] } : {}),
      },
    } as KubeObject);
    const qos = (o: KubeObject): unknown => (o as { status?: { qosClass?: string } }).status?.qosClass;
    assert.equal(qos(await s.reg('pods').create('default', pod('same-values'))), 'Guaranteed', '"1" and "1000m" are one cpu');
    assert.equal(qos(await s.reg('pods').create('default', pod('burstable-init', { requests: { cpu: '100m' } }))), 'Burstable', 'an init container without limits');
  });

  it('an update that is a no-op against a lagging cache is written, not lost', async () => {
    const s = await setup();
    const reg = s.reg('deployments');
    await reg.create('default', deployment('d', 3));
    await synced(s);
    s.store.holdWatch();
    await reg.patch('default', 'd', 'application/merge-patch+json', { spec: { replicas: 5 } });
    assert.equal(replicas(reg.cache.snapshotOne(reg.key('default', 'd'))), 3, 'the cache is behind');
    const out = await reg.guaranteedUpdate('default', 'd', (cur) => ({ ...cur, spec: { ...(cur as unknown as { spec: object }).spec, replicas: 3 } }), { subresource: 'scale' });
    assert.equal(replicas(out), 3);
    assert.equal(replicas(await reg.get('default', 'd')), 3, 'the scale to 3 reached the store');
    s.store.releaseWatch();
  });

  it('a precondition against a lagging cache is checked against the store, not refused', async () => {
    const s = await setup();
    const reg = s.reg('configmaps');
    await reg.create('default', cm('pc'));
    await synced(s);
    s.store.holdWatch();
    const fresh = await reg.patch('default', 'pc', 'application/merge-patch+json', { data: { a: '1' } });
    const out = await reg.guaranteedUpdate('default', 'pc', (cur) => ({ ...cur, data: { a: '2' } }), { precondition: fresh.metadata.resourceVersion });
    assert.equal((out as unknown as { data: Record<string, string> }).data.a, '2');
    const err = await rejects(reg.guaranteedUpdate('default', 'pc', (cur) => cur, { precondition: fresh.metadata.resourceVersion }), 409);
    assert.ok(isConflict(err));
    s.store.releaseWatch();
  });

  it('a watch from a revision the cache has not reached waits, then never replays that revision', async () => {
    const s = await setup();
    const reg = s.reg('configmaps');
    await synced(s);
    s.store.holdWatch();
    const a = await reg.create('default', cm('wa'));
    const b = await reg.create('default', cm('wb'));
    const from = Number(a.metadata.resourceVersion);
    const waiting = reg.cache.waitFresh(from);
    setTimeout(() => s.store.releaseWatch(), 50);
    await waiting;
    const seen: string[] = [];
    reg.cache.watch(from, { keyPrefix: reg.prefix('default'), matches: () => true }, { event: (type, obj) => seen.push(`${type} ${obj.metadata.name}`), fail: () => assert.fail('no failure') });
    assert.deepEqual(seen, ['ADDED wb']);
    assert.equal(b.metadata.name, 'wb');
  });

  it('a revision the cache does not reach in time is a 504 Too large resource version', async () => {
    const s = await setup(100);
    s.store.holdWatch();
    const a = await s.reg('configmaps').create('default', cm('late'));
    await rejects(s.reg('configmaps').cache.waitFresh(Number(a.metadata.resourceVersion)), 504, /^Timeout: Too large resource version: \d+, current: \d+$/);
    s.store.releaseWatch();
  });

  it('a delete whose previous value the store no longer has is still a DELETED event with the object', async () => {
    const s = await setup();
    const reg = s.reg('configmaps');
    await reg.create('default', cm('ghost', { k: 'v' }));
    await synced(s);
    const seen: KubeObject[] = [];
    reg.cache.watch(undefined, { keyPrefix: reg.prefix('default'), matches: () => true }, { event: (type, obj) => { if (type === 'DELETED') seen.push(obj); }, fail: () => undefined });
    s.store.forgetPreviousValues = true;
    await reg.delete('default', 'ghost');
    await synced(s);
    assert.equal(seen.length, 1);
    assert.deepEqual((seen[0] as unknown as { data: unknown }).data, { k: 'v' });
    assert.equal(reg.cache.snapshotOne(reg.key('default', 'ghost')), undefined, 'no ghost object left in the cache');
  });
});
