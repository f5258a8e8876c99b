// tskubectl events against the real kubectl: Events created through the API (times
// far enough back that LAST SEEN does not change during the test), printed with every
// flag the same way, sorted the same way; -w prints events as they come; and the
// printing rules (LAST SEEN, sort order, typed JSON) as unit tests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectlEnv } from '../harness/kubectl.js';
import { tskubectlRun, tskubectlStart } from '../harness/tskubectl.js';
import { kubectlWithInput } from './kubectl-compare.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { Event } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { eventRow, interval, sortEvents, typedEvent } from '../../kubectl/events/event-printer.js';

let cp: ControlPlane;
let rest: RestClient;
const HOUR = 3600_000;
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
const agoMicro = (ms: number): string => new Date(Date.now() - ms).toISOString().replace(/Z$/, '000Z');

function event(ns: string, name: string, e: Partial<Event>): Event {
  return { apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: ns }, involvedObject: { kind: 'Pod', name: 'web', namespace: ns, apiVersion: 'v1' }, ...e } as Event;
}

async function create(e: Event): Promise<void> {
  await resourceClient(rest, 'events').create(e.metadata.namespace!, e as unknown as KubeObject);
}

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  await resourceClient(rest, 'namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  await resourceClient(rest, 'namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty' } });
  await create(event('default', 'web.1', { reason: 'Scheduled', message: 'Successfully assigned default/web to node1', type: 'Normal', firstTimestamp: ago(40 * HOUR), lastTimestamp: ago(26 * HOUR), count: 3, source: { component: 'default-scheduler' } }));
  await create(event('default', 'web.2', { reason: 'BackOff', message: 'Back-off restarting failed container', type: 'Warning', firstTimestamp: ago(30 * HOUR), lastTimestamp: ago(30 * HOUR), count: 1 }));
  await create(event('default', 'deploy.1', {
    involvedObject: { kind: 'Deployment', name: 'web', namespace: 'default', apiVersion: 'apps/v1' },
    reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-1 to 1', type: 'Normal', firstTimestamp: ago(20 * HOUR), lastTimestamp: ago(20 * HOUR), count: 1, source: { component: 'deployment-controller' },
  }));
  await create(event('other', 'node.1', {
    involvedObject: { kind: 'Pod', name: 'db', namespace: 'other', apiVersion: 'v1' }, reason: 'NodeReady', message: 'Node node1 is now ready', type: 'Normal',
    eventTime: agoMicro(50 * HOUR), reportingComponent: 'kubelet', reportingInstance: 'node1', action: 'Ready',
  }));
  await create(event('other', 'node.2', {
    involvedObject: { kind: 'Pod', name: 'db', namespace: 'other', apiVersion: 'v1' }, reason: 'Rebooted', message: 'Node node1 has been rebooted', type: 'Warning',
    eventTime: agoMicro(45 * HOUR), series: { count: 4, lastObservedTime: agoMicro(28 * HOUR) }, reportingComponent: 'kubelet', reportingInstance: 'node1', action: 'Reboot',
  }));
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

async function same(args: string[]): Promise<void> {
  const [theirs, ours] = await Promise.all([kubectlWithInput(cp, args), tskubectlRun(cp, args)]);
  assert.deepEqual(ours, theirs, args.join(' '));
}

test('events: table, -A, --no-headers, --types, --for, sorted by last seen', async () => {
  await same(['events']);
  await same(['events', '-A']);
  await same(['events', '--all-namespaces', '--no-headers']);
  await same(['events', '-n', 'other']);
  await same(['events', '--types=Warning']);
  await same(['events', '--types', 'normal,WARNING', '-A']);
  await same(['events', '--for', 'pod/web']);
  await same(['events', '--for=deployment.apps/web']);
  await same(['events', '--for', 'deploy/web', '--types=Warning']);
  await same(['events', '--chunk-size=1', '-A']);
});

test('events: -o json|yaml|name|jsonpath as kubectl prints its EventList', async () => {
  await same(['events', '-o', 'json']);
  await same(['events', '-A', '-o', 'json']);
  await same(['events', '-o', 'yaml', '-n', 'other']);
  await same(['events', '-o', 'name']);
  await same(['events', '-A', '-o', 'jsonpath={.items[*].metadata.name}']);
});

test('events: "No events found", and kubectl\'s errors', async () => {
  await same(['events', '-n', 'empty']);
  await same(['events', '-n', 'empty', '-A', '--for', 'pod/nope']);
  await same(['events', '--for', 'pod/nope']);
  await same(['events', '--types=Error']);
  await same(['events', '--for', 'web']);
  await same(['events', '--for', 'a/b/c']);
  await same(['events', '--for', 'nosuchkind/x']);
  await same(['events', '-o', 'wide']);
});

test('events -w prints each new event as it comes, as kubectl does', async () => {
  await resourceClient(rest, 'namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } });
  const ours = tskubectlStart(cp, ['events', '-w', '-n', 'watched', '--types=Warning']);
  const theirs = spawn('kubectl', ['events', '-w', '-n', 'watched', '--types=Warning'], { env: kubectlEnv(cp) });
  let theirOut = '';
  theirs.stdout.setEncoding('utf8').on('data', (d: string) => { theirOut += d; });
  try {
    // Both watches must be open before the events are made: poll for them being served.
    await new Promise((r) => setTimeout(r, 1500));
    await create(event('watched', 'w.1', { reason: 'Ignored', message: 'normal one', type: 'Normal', firstTimestamp: ago(30 * HOUR), lastTimestamp: ago(30 * HOUR), count: 1 }));
    await create(event('watched', 'w.2', { reason: 'Failed', message: 'first warning', type: 'Warning', firstTimestamp: ago(30 * HOUR), lastTimestamp: ago(30 * HOUR), count: 1 }));
    await create(event('watched', 'w.3', { reason: 'FailedAgain', message: 'second warning', type: 'Warning', firstTimestamp: ago(40 * HOUR), lastTimestamp: ago(26 * HOUR), count: 2 }));
    await ours.waitForStdout(/second warning/, 20_000);
    const deadline = Date.now() + 20_000;
    while (!/second warning/.test(theirOut) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(ours.stdout(), theirOut);
    assert.match(ours.stdout(), /^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE\n30h +Warning +Failed +Pod\/web +first warning\n26h \(x2 over 40h\) +Warning/);
  } finally {
    theirs.kill('SIGINT');
    await ours.stop();
  }
});

test('events printing rules: LAST SEEN, order, typed JSON', () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  const e = (x: Partial<Event>): Event => ({ metadata: { name: 'e', namespace: 'ns' }, involvedObject: { kind: 'Pod', name: 'p' }, ...x }) as Event;
  assert.equal(interval(e({ firstTimestamp: '2026-01-01T23:59:00Z', lastTimestamp: '2026-01-01T23:59:00Z', count: 1 }), now), '60s');
  assert.equal(interval(e({ firstTimestamp: '2026-01-01T23:00:00Z', lastTimestamp: '2026-01-01T23:59:30Z', count: 5 }), now), '30s (x5 over 60m)');
  assert.equal(interval(e({ eventTime: '2026-01-01T22:00:00.000000Z', series: { count: 2, lastObservedTime: '2026-01-01T23:58:00.000000Z' } }), now), '2m (x2 over 120m)');
  assert.equal(interval(e({}), now), '<unknown>');
  assert.deepEqual(eventRow(e({ type: 'Normal', reason: 'R', message: '  padded \x1b[31m\rred\r ' }), now, true), ['ns', '<unknown>', 'Normal', 'R', 'Pod/p', 'padded ^[[31m\\rred']);
  const sorted = sortEvents([
    e({ metadata: { name: 'late' }, lastTimestamp: '2026-01-01T10:00:00Z' }),
    e({ metadata: { name: 'series' }, lastTimestamp: '2026-01-01T12:00:00Z', series: { count: 2, lastObservedTime: '2026-01-01T08:00:00.000000Z' } }),
    e({ metadata: { name: 'micro' }, eventTime: '2026-01-01T09:00:00.000000Z' }),
  ]);
  assert.deepEqual(sorted.map((x) => x.metadata.name), ['series', 'micro', 'late']);
  assert.deepEqual(Object.keys(typedEvent(e({ reason: 'R', count: 1 }))), ['kind', 'apiVersion', 'metadata', 'involvedObject', 'reason', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'eventTime', 'reportingComponent', 'reportingInstance']);
});
