// Pure parts of `logs`: which container (and what kubectl says about the choice), the
// pod kubectl picks first from several, the selector of a controller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../api/types/core.js';
import { chooseContainer, compareForLogging, podSelectorOf, sinceSeconds } from '../../kubectl/logs-target.js';

function pod(name: string, o: { containers?: string[]; init?: string[]; annotation?: string; node?: string; phase?: string; ready?: boolean; created?: string } = {}): Pod {
  return {
    metadata: { name, creationTimestamp: o.created ?? '2024-01-01T00:00:00Z', ...(o.annotation ? { annotations: { 'kubectl.kubernetes.io/default-container': o.annotation } } : {}) },
    spec: {
      ...(o.node === '' ? {} : { nodeName: o.node ?? 'n' }),
      containers: (o.containers ?? ['app']).map((n) => ({ name: n, image: 'i' })),
      ...(o.init ? { initContainers: o.init.map((n) => ({ name: n, image: 'i' })) } : {}),
    },
    status: { phase: o.phase ?? 'Running', conditions: o.ready ? [{ type: 'Ready', status: 'True' }] : [] },
  };
}

test('container choice: asked for, annotated, or the first with kubectl\'s notice', () => {
  assert.deepEqual(chooseContainer(pod('p'), undefined), { container: 'app', notice: undefined });
  assert.deepEqual(chooseContainer(pod('p', { containers: ['a', 'b'] }), undefined), { container: 'a', notice: 'Defaulted container "a" out of: a, b' });
  assert.deepEqual(chooseContainer(pod('p', { containers: ['a'], init: ['setup'] }), undefined), { container: 'a', notice: 'Defaulted container "a" out of: a, setup (init)' });
  assert.deepEqual(chooseContainer(pod('p', { containers: ['a', 'b'], annotation: 'b' }), undefined), { container: 'b', notice: undefined });
  assert.deepEqual(chooseContainer(pod('p', { containers: ['a', 'b'], annotation: 'zz' }), undefined), {
    container: 'a', notice: 'Default container name "zz" not found in pod p\nDefaulted container "a" out of: a, b',
  });
  assert.deepEqual(chooseContainer(pod('p', { containers: ['a'], init: ['setup'] }), 'setup'), { container: 'setup', notice: undefined });
  assert.throws(() => chooseContainer(pod('p'), 'nope'), { message: 'container nope is not valid for pod p' });
});

test('the first pod for logs: scheduled, running, ready, then oldest', () => {
  const sorted = (pods: Pod[]): string[] => [...pods].sort(compareForLogging).map((p) => p.metadata.name!);
  assert.deepEqual(sorted([pod('unscheduled', { node: '' }), pod('scheduled')]), ['scheduled', 'unscheduled']);
  assert.deepEqual(sorted([pod('pending', { phase: 'Pending' }), pod('running')]), ['running', 'pending']);
  assert.deepEqual(sorted([pod('notready'), pod('ready', { ready: true })]), ['ready', 'notready']);
  assert.deepEqual(sorted([pod('new', { created: '2024-02-01T00:00:00Z' }), pod('old')]), ['old', 'new']);
});

test('controllers stand for the pods their selector matches; --since rounds to seconds', () => {
  assert.equal(podSelectorOf({ metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'web', tier: 'fe' } } } }, 'Deployment'), 'app=web,tier=fe');
  assert.equal(podSelectorOf({ metadata: { name: 's' }, spec: { selector: { app: 'web' } } }, 'Service'), 'app=web');
  assert.throws(() => podSelectorOf({ metadata: { name: 's' }, spec: {} }, 'Service'), { message: "invalid service 's': Service is defined without a selector" });
  assert.throws(() => podSelectorOf({ metadata: { name: 'c' } }, 'ConfigMap'), /cannot get the logs from ConfigMap/);
  assert.equal(sinceSeconds(1500), 2);
  assert.equal(sinceSeconds(3_600_000), 3600);
});
