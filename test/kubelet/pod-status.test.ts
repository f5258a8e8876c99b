// Pod phase and conditions from container statuses, and restart decisions with
// CrashLoopBackOff timing: pure functions, no I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod } from '../../api/types/core.js';
import { podConditions, podPhase, statusChanged } from '../../kubelet/pod-status.js';
import { backoffMessage, RestartBackoff, shouldRestart } from '../../kubelet/restart-backoff.js';

const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never', inits: string[] = [], containers = ['app']): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { restartPolicy, initContainers: inits.map((name) => ({ name, image: 'x' })), containers: containers.map((name) => ({ name, image: 'x' })) },
});
const running = (name: string, ready = true): ContainerStatus => ({ name, ready, restartCount: 0, image: 'x', imageID: '', state: { running: { startedAt: 't' } } });
const exited = (name: string, exitCode: number): ContainerStatus => ({ name, ready: false, restartCount: 0, image: 'x', imageID: '', state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed' } } });
const crashLooping = (name: string): ContainerStatus => ({ name, ready: false, restartCount: 3, image: 'x', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } });
const waiting = (name: string, reason = 'ContainerCreating'): ContainerStatus => ({ name, ready: false, restartCount: 0, image: 'x', imageID: '', state: { waiting: { reason } } });

test('phase follows the kubelet\'s getPhase', () => {
  assert.equal(podPhase(pod('Always'), [], [waiting('app')]), 'Pending');
  assert.equal(podPhase(pod('Always'), [], [running('app')]), 'Running');
  assert.equal(podPhase(pod('Never'), [], [exited('app', 0)]), 'Succeeded');
  assert.equal(podPhase(pod('Never'), [], [exited('app', 1)]), 'Failed');
  assert.equal(podPhase(pod('OnFailure'), [], [exited('app', 1)]), 'Running', 'OnFailure restarts it');
  assert.equal(podPhase(pod('OnFailure'), [], [exited('app', 0)]), 'Succeeded');
  assert.equal(podPhase(pod('Always'), [], [crashLooping('app')]), 'Running', 'a crash loop is still Running');
  assert.equal(podPhase(pod('Never', ['init']), [exited('init', 1)], []), 'Failed');
  assert.equal(podPhase(pod('Always', ['init']), [running('init')], []), 'Pending');
  assert.equal(podPhase(pod('Always', ['init']), [exited('init', 0)], [running('app')]), 'Running');
  assert.equal(podPhase(pod('Always', [], ['a', 'b']), [], [running('a')]), 'Pending', 'unknown status of b');
});

test('conditions: reasons and messages as the kubelet writes them; transition times kept', () => {
  const p = pod('Always', ['init'], ['a', 'b']);
  const c1 = podConditions(p, 'Pending', [running('init')], [waiting('a', 'PodInitializing'), waiting('b', 'PodInitializing')], true, 'T1');
  assert.deepEqual(c1.map((c) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  const byType = (cs: typeof c1, t: string) => cs.find((c) => c.type === t)!;
  assert.deepEqual(byType(c1, 'Initialized'), { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init]', lastProbeTime: null, lastTransitionTime: 'T1' });
  assert.equal(byType(c1, 'Ready').message, 'containers with unready status: [a b]');
  const c2 = podConditions(p, 'Running', [exited('init', 0)], [running('a'), running('b', false)], true, 'T2', c1);
  assert.equal(byType(c2, 'Initialized').status, 'True');
  assert.equal(byType(c2, 'Initialized').lastTransitionTime, 'T2');
  assert.equal(byType(c2, 'Ready').message, 'containers with unready status: [b]');
  assert.equal(byType(c2, 'Ready').lastTransitionTime, 'T1', 'still False: the transition time stays');
  const c3 = podConditions(p, 'Running', [exited('init', 0)], [running('a'), running('b')], true, 'T3', c2);
  assert.equal(byType(c3, 'Ready').status, 'True');
  assert.equal(byType(c3, 'Ready').reason, undefined);
  assert.equal(byType(c3, 'PodReadyToStartContainers').lastTransitionTime, 'T1');
  const done = podConditions(pod('Never'), 'Succeeded', [], [exited('app', 0)], true, 'T4');
  assert.equal(byType(done, 'Ready').reason, 'PodCompleted');
  assert.equal(byType(done, 'PodReadyToStartContainers').status, 'False');
  assert.equal(byType(podConditions(pod('Never'), 'Failed', [], [exited('app', 1)], true, 'T5'), 'ContainersReady').reason, 'PodFailed');
});

test('statusChanged ignores order, sees real changes', () => {
  const a = { phase: 'Running', containerStatuses: [running('a'), running('b')] };
  assert.equal(statusChanged(a, { phase: 'Running', containerStatuses: [running('b'), running('a')] }), false);
  assert.equal(statusChanged(a, { phase: 'Running', containerStatuses: [running('a'), running('b', false)] }), true);
});

test('restart policy and CrashLoopBackOff: immediate, then 10 s doubling to 300 s; reset after 10 min', () => {
  assert.equal(shouldRestart('Always', 0), true);
  assert.equal(shouldRestart('OnFailure', 0), false);
  assert.equal(shouldRestart('OnFailure', 2), true);
  assert.equal(shouldRestart('Never', 2), false);
  const b = new RestartBackoff();
  let now = 1_000_000;
  const waits: number[] = [];
  for (let crash = 0; crash < 8; crash++) {
    const finished = now;
    const wait = b.remaining('u/app', finished, now);
    waits.push(wait / 1000);
    now += wait;
    b.restarted('u/app', now);
    now += 1000; // runs for a second, then crashes again
  }
  assert.deepEqual(waits, [0, 10, 20, 40, 80, 160, 300, 300]);
  assert.equal(backoffMessage(b.current('u/app'), 'app', 'web', 'default', 'u'), 'back-off 5m0s restarting failed container=app pod=web_default(u)');
  // Ran for more than 10 minutes since the last restart: the next crash restarts at once.
  now += 11 * 60_000;
  assert.equal(b.remaining('u/app', now, now), 0);
  b.restarted('u/app', now);
  assert.equal(b.current('u/app'), 10_000);
  const fast = new RestartBackoff({ initialMs: 100, maxMs: 400 });
  fast.restarted('k', 0);
  assert.equal(fast.remaining('k', 50, 60), 90);
});
