// SchedulingQueue without I/O: a fake clock, and the flush methods called directly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import {
  ASSIGNED_POD_DELETE, NODE_ADD, nodeUpdateEvent, type QueuedPodInfo, SchedulingQueue,
} from '../../scheduler/queue.js';
import { buildFramework } from '../../scheduler/config.js';
import { runPreEnqueue } from '../../scheduler/framework.js';
import { makeNode, makePod } from './fixtures.js';

function setup(): { q: SchedulingQueue; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  return { q: new SchedulingQueue({ now: () => clock.t }), clock };
}

const withPriority = (name: string, priority: number): Pod => {
  const p = makePod(name);
  p.spec!.priority = priority;
  return p;
};

async function popName(q: SchedulingQueue): Promise<string | undefined> {
  const p = await q.pop();
  return p?.pod.metadata.name;
}

/** Pops the pod and reports it unschedulable, rejected by `plugins`. */
async function failUnschedulable(q: SchedulingQueue, plugins: string[]): Promise<QueuedPodInfo> {
  const p = (await q.pop())!;
  q.addUnschedulableIfNotPresent(p, plugins, q.cycle);
  return p;
}

describe('SchedulingQueue', () => {
  it('parks a pod with scheduling gates until an update removes the last gate; events and the flush leave it parked', async () => {
    const clock = { t: 1_000_000 };
    const fw = buildFramework();
    const q = new SchedulingQueue({ now: () => clock.t, preEnqueue: (pod) => runPreEnqueue(fw, pod) });
    const gated = makePod('gated');
    gated.spec!.schedulingGates = [{ name: 'example.com/a' }, { name: 'example.com/b' }];
    q.add(gated);
    q.add(makePod('free'));
    assert.deepEqual(q.stats(), { active: 1, backoff: 0, unschedulable: 1, gated: 1, inFlight: 0 });
    assert.ok(q.isGated(gated));
    assert.equal(await popName(q), 'free');
    q.moveAllToActiveOrBackoffQueue(NODE_ADD);
    clock.t += 10 * 60_000;
    q.flushUnschedulableLeftover();
    assert.equal(q.where(gated), 'unschedulable');
    // One gate removed: still gated. Both removed: straight to activeQ (never attempted, no backoff).
    const oneLeft = structuredClone(gated);
    oneLeft.spec!.schedulingGates = [{ name: 'example.com/b' }];
    q.update(gated, oneLeft);
    assert.ok(q.isGated(gated));
    const open = structuredClone(oneLeft);
    delete open.spec!.schedulingGates;
    q.update(oneLeft, open);
    assert.equal(q.where(gated), 'active');
    assert.equal(await popName(q), 'gated');
  });

  it('pops by priority, then by queue time (FIFO among equals)', async () => {
    const { q, clock } = setup();
    q.add(withPriority('low-old', 0));
    clock.t += 1;
    q.add(withPriority('high', 100));
    clock.t += 1;
    q.add(withPriority('low-new', 0));
    q.add(withPriority('mid', 10));
    q.add(withPriority('low-same-time', 0));
    const order = [];
    for (let i = 0; i < 5; i++) order.push(await popName(q));
    assert.deepEqual(order, ['high', 'mid', 'low-old', 'low-new', 'low-same-time']);
  });

  it('pop waits for the next add and returns undefined once closed or aborted', async () => {
    const { q } = setup();
    const waiting = q.pop();
    q.add(makePod('later'));
    assert.equal((await waiting)?.pod.metadata.name, 'later');
    const ac = new AbortController();
    const aborted = q.pop(ac.signal);
    ac.abort();
    assert.equal(await aborted, undefined);
    const closed = q.pop();
    q.close();
    assert.equal(await closed, undefined);
  });

  it('dedupes by uid: adding a queued or in-flight pod again keeps one entry with the newest object', async () => {
    const { q } = setup();
    const pod = makePod('dup');
    q.add(pod);
    const newer = structuredClone(pod);
    newer.metadata.labels = { v: '2' };
    q.add(newer);
    assert.deepEqual(q.stats(), { active: 1, backoff: 0, unschedulable: 0, gated: 0, inFlight: 0 });
    const p = (await q.pop())!;
    assert.deepEqual(p.pod.metadata.labels, { v: '2' });
    q.add(pod);
    assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 0, gated: 0, inFlight: 1 });
  });

  it('an update re-orders an active pod, and delete removes a pod from anywhere', async () => {
    const { q } = setup();
    const a = makePod('a');
    const b = makePod('b');
    q.add(a);
    q.add(b);
    const b2 = structuredClone(b);
    b2.spec!.priority = 5;
    q.update(b, b2);
    assert.equal(await popName(q), 'b');
    q.delete(a);
    assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 0, gated: 0, inFlight: 1 });
  });

  it('backs off 1 s doubling per attempt up to 10 s', async () => {
    const { q, clock } = setup();
    q.add(makePod('b'));
    const expected = [1000, 2000, 4000, 8000, 10_000, 10_000];
    for (const d of expected) {
      const p = (await q.pop())!;
      assert.equal(q.backoffDuration(p), d);
      q.addBackoff(p);
      assert.equal(q.where(p.key), 'backoff');
      clock.t += d - 1;
      q.flushBackoffCompleted();
      assert.equal(q.where(p.key), 'backoff', `still backing off after ${d - 1} ms`);
      clock.t += 1;
      q.flushBackoffCompleted();
      assert.equal(q.where(p.key), 'active');
    }
  });

  it('moves unschedulable pods on events their rejecting plugins care about, to backoff or active', async () => {
    const { q, clock } = setup();
    q.add(makePod('cpu'));
    q.add(makePod('ports'));
    q.add(makePod('taint'));
    const cpu = await failUnschedulable(q, ['NodeResourcesFit']);
    const ports = await failUnschedulable(q, ['NodePorts']);
    const taint = await failUnschedulable(q, ['TaintToleration']);
    assert.equal(q.stats().unschedulable, 3);

    // Heartbeat-only node updates are not events.
    const n = makeNode('n1');
    const heartbeat = structuredClone(n);
    heartbeat.status!.conditions = [{ type: 'Ready', status: 'True' }];
    assert.equal(nodeUpdateEvent(n, heartbeat), undefined);

    // More allocatable wakes the cpu pod only; still within its 1 s backoff, so backoffQ.
    const grown = makeNode('n1', { cpu: '8' });
    assert.equal(q.moveAllToActiveOrBackoffQueue(nodeUpdateEvent(n, grown)!), 1);
    assert.equal(q.where(cpu.key), 'backoff');
    assert.equal(q.where(ports.key), 'unschedulable');

    // A deleted assigned pod frees ports; after the backoff it goes straight to activeQ.
    clock.t += 1000;
    assert.equal(q.moveAllToActiveOrBackoffQueue(ASSIGNED_POD_DELETE), 1);
    assert.equal(q.where(ports.key), 'active');
    assert.equal(q.where(taint.key), 'unschedulable');

    // Taints removed, or uncordoning, or a new node.
    const tainted = makeNode('n2', { taints: [{ key: 'k', effect: 'NoSchedule' }] });
    assert.deepEqual([...nodeUpdateEvent(tainted, makeNode('n2'))!.plugins!], ['TaintToleration', 'PodTopologySpread']);
    const cordoned = makeNode('n3', { unschedulable: true });
    assert.deepEqual([...nodeUpdateEvent(cordoned, makeNode('n3'))!.plugins!], ['NodeUnschedulable']);
    assert.equal(q.moveAllToActiveOrBackoffQueue(NODE_ADD), 1);
    assert.equal(q.where(taint.key), 'active');
  });

  it('a pod rejected for no particular plugin (no nodes) moves on any event', async () => {
    const { q } = setup();
    q.add(makePod('p'));
    const p = await failUnschedulable(q, []);
    assert.equal(q.where(p.key), 'unschedulable');
    q.moveAllToActiveOrBackoffQueue(ASSIGNED_POD_DELETE);
    assert.equal(q.where(p.key), 'backoff');
  });

  it('a pod that failed after a move request in its cycle goes to backoff, not unschedulable', async () => {
    const { q } = setup();
    q.add(makePod('p'));
    const p = (await q.pop())!;
    const cycle = q.cycle;
    q.moveAllToActiveOrBackoffQueue(NODE_ADD); // e.g. a node added while binding/deciding
    q.addUnschedulableIfNotPresent(p, ['NodeResourcesFit'], cycle);
    assert.equal(q.where(p.key), 'backoff');
  });

  it('a spec change of an unschedulable pod moves it; a status-only change does not', async () => {
    const { q, clock } = setup();
    const pod = makePod('p');
    q.add(pod);
    const p = await failUnschedulable(q, ['NodeAffinity']);
    const statusOnly = structuredClone(pod);
    statusOnly.status = { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] };
    q.update(pod, statusOnly);
    assert.equal(q.where(p.key), 'unschedulable');
    clock.t += 1000;
    const newSpec = structuredClone(statusOnly);
    newSpec.spec!.nodeSelector = { disk: 'ssd' };
    q.update(statusOnly, newSpec);
    assert.equal(q.where(p.key), 'active');
    assert.deepEqual((await q.pop())!.pod.spec?.nodeSelector, { disk: 'ssd' });
  });

  it('flushes pods left unschedulable for 5 minutes', async () => {
    const { q, clock } = setup();
    q.add(makePod('p'));
    const p = await failUnschedulable(q, ['NodeAffinity']);
    clock.t += 5 * 60_000;
    q.flushUnschedulableLeftover();
    assert.equal(q.where(p.key), 'unschedulable');
    clock.t += 1;
    q.flushUnschedulableLeftover();
    assert.equal(q.where(p.key), 'active');
  });

  it('drops a pod deleted while in flight instead of requeueing it', async () => {
    const { q } = setup();
    q.add(makePod('a'));
    q.add(makePod('b'));
    const a = (await q.pop())!;
    const b = (await q.pop())!;
    q.delete(a.pod);
    q.delete(b.pod);
    q.addBackoff(a);
    q.addUnschedulableIfNotPresent(b, [], q.cycle);
    assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 0, gated: 0, inFlight: 0 });
  });

  it('run() moves a pod out of backoff when its backoff ends (real timers, short backoff)', async () => {
    const q = new SchedulingQueue({ initialBackoffMs: 20, maxBackoffMs: 40 });
    const ac = new AbortController();
    const running = q.run(ac.signal);
    q.add(makePod('p'));
    const p = (await q.pop())!;
    const t0 = performance.now();
    q.addBackoff(p);
    const again = await q.pop();
    assert.equal(again?.key, p.key);
    assert.ok(performance.now() - t0 >= 19);
    ac.abort();
    await running;
  });
});
