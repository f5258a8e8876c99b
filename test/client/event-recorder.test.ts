// EventRecorder against the real apiserver: Events created, deduplicated into counts
// by patch, combined when similar, and never a failure for the caller.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { EventRecorder, formatTime, type EventRecorderOptions } from '../../client/event-recorder.js';
import { loadClientConfig } from '../../client/kubeconfig.js';
import { resourceClient } from '../../client/resource-client.js';
import { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { freePort } from '../harness/free-port.js';
import { waitFor } from '../harness/processes.js';

interface Logged { level: string; obj: Record<string, unknown>; msg: string }

function memoryLogger(): { logger: NonNullable<EventRecorderOptions['logger']>; lines: Logged[] } {
  const lines: Logged[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => { lines.push({ level, obj, msg }); };
  return { lines, logger: { debug: at('debug'), warn: at('warn'), error: at('error') } as unknown as NonNullable<EventRecorderOptions['logger']> };
}

describe('EventRecorder', () => {
  let cp: ControlPlane;
  let rest: RestClient;
  let recorder: EventRecorder;
  const events = () => resourceClient<Event>(rest, 'events');
  const eventsFor = async (ns: string, name: string): Promise<Event[]> =>
    (await events().list(ns)).items.filter((e) => e.involvedObject.name === name);

  before(async () => {
    cp = await startControlPlane();
    rest = new RestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: 'event-recorder-test' });
    recorder = new EventRecorder({ rest, component: 'test-controller', host: 'node-a' });
  });
  after(async () => {
    await recorder?.close();
    await rest?.close();
    await cp?.stop();
  });

  it('writes one Event and counts identical ones with a patch', async () => {
    const cm = await resourceClient(rest, 'configmaps').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ev-cm' } });
    recorder.event(cm, 'Normal', 'Synced', 'synced ev-cm');
    await recorder.flush();
    const [first] = await eventsFor('default', 'ev-cm');
    assert.ok(first);
    assert.match(first.metadata.name ?? '', /^ev-cm\.[0-9a-f]{16}$/);
    assert.equal(first.metadata.namespace, 'default');
    assert.deepEqual(first.involvedObject, {
      kind: 'ConfigMap', namespace: 'default', name: 'ev-cm', uid: cm.metadata.uid, apiVersion: 'v1', resourceVersion: cm.metadata.resourceVersion,
    });
    assert.equal(first.reason, 'Synced');
    assert.equal(first.message, 'synced ev-cm');
    assert.equal(first.type, 'Normal');
    assert.equal(first.count, 1);
    assert.deepEqual(first.source, { component: 'test-controller', host: 'node-a' });
    assert.equal(first.reportingComponent, 'test-controller');
    assert.equal(first.reportingInstance, 'node-a');
    assert.match(first.firstTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(first.lastTimestamp, first.firstTimestamp);

    // Timestamps have whole seconds: let the clock reach the next one.
    await waitFor(() => formatTime(new Date()) > (first.firstTimestamp ?? ''), { timeoutMs: 2000, what: 'the next second' });
    recorder.event(cm, 'Normal', 'Synced', 'synced ev-cm');
    recorder.event(cm, 'Normal', 'Synced', 'synced ev-cm');
    await recorder.flush();
    const all = await eventsFor('default', 'ev-cm');
    assert.equal(all.length, 1);
    const [ev] = all;
    assert.equal(ev!.metadata.name, first.metadata.name);
    assert.equal(ev!.count, 3);
    assert.equal(ev!.firstTimestamp, first.firstTimestamp);
    assert.ok((ev!.lastTimestamp ?? '') > (first.lastTimestamp ?? ''), `lastTimestamp ${ev!.lastTimestamp} after ${first.lastTimestamp}`);

    // Another message is another Event.
    recorder.eventf(cm, 'Warning', 'Synced', 'failed %d times', 2);
    await recorder.flush();
    const both = await eventsFor('default', 'ev-cm');
    assert.equal(both.length, 2);
    const other = both.find((e) => e.metadata.name !== first.metadata.name)!;
    assert.equal(other.message, 'failed 2 times');
    assert.equal(other.type, 'Warning');
    assert.equal(other.count, 1);
  });

  it('puts events about cluster-scoped objects in namespace default', async () => {
    const node = await resourceClient(rest, 'nodes').create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'ev-node' } });
    recorder.event(node, 'Normal', 'Starting', 'starting kubelet');
    await recorder.flush();
    const [ev] = await eventsFor('default', 'ev-node');
    assert.ok(ev);
    assert.equal(ev.metadata.namespace, 'default');
    assert.equal(ev.involvedObject.kind, 'Node');
    assert.equal(ev.involvedObject.namespace, undefined);
    assert.equal(ev.involvedObject.uid, node.metadata.uid);
  });

  it('creates the Event again when the one to patch has expired', async () => {
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ev-gone', namespace: 'default', uid: 'u-1' } };
    recorder.event(obj, 'Normal', 'Scheduled', 'assigned');
    await recorder.flush();
    const [first] = await eventsFor('default', 'ev-gone');
    await events().delete('default', first!.metadata.name!);
    recorder.event(obj, 'Normal', 'Scheduled', 'assigned');
    await recorder.flush();
    const all = await eventsFor('default', 'ev-gone');
    assert.equal(all.length, 1);
    assert.equal(all[0]!.metadata.name, first!.metadata.name);
    assert.equal(all[0]!.count, 2);
  });

  it('combines the tenth distinct message about an object into one aggregate Event', async () => {
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ev-similar', namespace: 'default', uid: 'u-2' } };
    for (let i = 0; i < 11; i++) recorder.event(obj, 'Warning', 'FailedScheduling', `0/${i} nodes are available`);
    await recorder.flush();
    const all = await eventsFor('default', 'ev-similar');
    assert.equal(all.length, 10, 'nine single events and one combined');
    const combined = all.filter((e) => e.message?.startsWith('(combined from similar events): '));
    assert.equal(combined.length, 1);
    assert.equal(combined[0]!.count, 2);
    assert.equal(combined[0]!.message, '(combined from similar events): 0/10 nodes are available');
  });

  it('drops event storms about one object beyond the spam burst', async () => {
    const { logger, lines } = memoryLogger();
    const limited = new EventRecorder({ rest, component: 'spammer', host: 'h', spamBurst: 3, logger });
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ev-spam', namespace: 'default', uid: 'u-3' } };
    for (let i = 0; i < 5; i++) limited.event(obj, 'Normal', `Reason${i}`, 'm');
    await limited.close();
    assert.equal((await eventsFor('default', 'ev-spam')).length, 3);
    assert.equal(lines.filter((l) => l.msg === 'event dropped by the spam filter').length, 2);
    limited.event(obj, 'Normal', 'Late', 'after close');
    await limited.flush();
    assert.equal((await eventsFor('default', 'ev-spam')).length, 3, 'nothing is recorded after close');
  });

  it('writes at most qps events a second after the burst, several writers keeping each object in order', async () => {
    const r = new EventRecorder({ rest, component: 'limited', host: 'h', qps: 20, burst: 2, writers: 3 });
    const objs = Array.from({ length: 6 }, (_, i): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `ev-qps-${i}`, namespace: 'default', uid: `u-qps-${i}` } }));
    const t0 = performance.now();
    for (const o of objs) r.event(o, 'Normal', 'Scheduled', 'assigned');
    // The same event twice more about one object: its writer keeps them in order, so they
    // become counts on one Event, not three Events.
    r.event(objs[0], 'Normal', 'Scheduled', 'assigned');
    r.event(objs[0], 'Normal', 'Scheduled', 'assigned');
    await r.flush();
    const elapsed = performance.now() - t0;
    // Eight writes: two at once (burst), six more at 20 a second.
    assert.ok(elapsed >= 250, `8 writes at qps 20 after a burst of 2 took ${elapsed.toFixed(0)} ms`);
    for (const [i, o] of objs.entries()) {
      const evs = await eventsFor('default', o.metadata.name!);
      assert.deepEqual(evs.map((e) => [e.reason, e.count]), [['Scheduled', i === 0 ? 3 : 1]], o.metadata.name);
    }
    await r.close();
  });

  it('drops events beyond the queue length', async () => {
    const { logger, lines } = memoryLogger();
    const r = new EventRecorder({ rest, component: 'queued', host: 'h', queueLength: 2, logger });
    // One is taken by the writer at once, two wait, the fourth finds the queue full.
    for (let i = 0; i < 4; i++) r.event({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `ev-queue-${i}`, namespace: 'default', uid: `u-queue-${i}` } }, 'Normal', 'Scheduled', 'assigned');
    await r.flush();
    const written = await Promise.all([0, 1, 2, 3].map(async (i) => (await eventsFor('default', `ev-queue-${i}`)).length));
    assert.deepEqual(written, [1, 1, 1, 0]);
    assert.equal(lines.filter((l) => l.msg === 'event queue full; dropping event').length, 1);
    await r.close();
  });

  it('never throws or blocks when the apiserver is unreachable', async () => {
    const port = await freePort();
    const dead = new RestClient(loadClientConfig({ master: `http://127.0.0.1:${port}`, env: {}, home: '/nonexistent' }));
    const { logger, lines } = memoryLogger();
    const r = new EventRecorder({ rest: dead, component: 'c', host: 'h', logger, maxTries: 3, retryDelayMs: 20 });
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' } };
    const t0 = performance.now();
    assert.doesNotThrow(() => {
      r.event(obj, 'Normal', 'A', 'a');
      r.event(obj, 'Warning', 'B', 'b');
      r.event({} as KubeObject, 'Bogus' as 'Normal', 'C', 'c');
    });
    assert.ok(performance.now() - t0 < 250, 'event() does not wait for the server');
    await r.flush();
    assert.equal(lines.filter((l) => l.msg === 'unable to write event (may retry)').length, 6);
    assert.equal(lines.filter((l) => l.msg === 'unable to write event (retry limit exceeded)').length, 2);
    assert.equal(lines.filter((l) => l.msg === 'unsupported event type; dropping event').length, 1);

    // close() gives up on retries that would outlast its deadline.
    const slow = new EventRecorder({ rest: dead, component: 'c', host: 'h', logger, retryDelayMs: 60_000 });
    slow.event(obj, 'Normal', 'A', 'a');
    slow.event(obj, 'Normal', 'B', 'b');
    const closing = performance.now();
    await slow.close(300);
    assert.ok(performance.now() - closing < 2000);
    assert.ok(lines.some((l) => l.msg === 'event recorder closed before every event was written' && l.obj.dropped === 1));
    await dead.close();
  });
});
