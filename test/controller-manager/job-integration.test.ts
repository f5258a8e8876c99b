// The Job and TTL-after-finished controllers in the kube-controller-manager process,
// against etcd, the apiserver, the scheduler and a hollow kubelet of 2 nodes whose pods
// finish as each test says (by the pod's `mode` label): completions and parallelism,
// backoffLimit, Indexed Jobs, a pod failure policy ignoring an exit code, suspend and
// resume, activeDeadlineSeconds, ttlSecondsAfterFinished and the real
// `kubectl wait --for=condition=complete`. The pod-failure backoff is shortened to
// 200 ms by its flag.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPodTerminal } from '../../api/helpers/pod.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_TRACKING_FINALIZER, type Job, type JobCondition } from '../../api/types/batch.js';
import type { Event, Pod } from '../../api/types/core.js';
import { informerFor, type Informer } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl } from '../harness/kubectl.js';
import { sameAsKubectl } from '../cli/get-fixtures.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const TIMEOUT = 30_000;
const NS = 'default';

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
let pods: Informer<Pod>;
const stop = new AbortController();

/** Jobs whose pods now succeed (the others, in mode "hold", keep running). */
const released = new Set<string>();
/** Per pod uid, what the hollow kubelet decided for it the first time it saw it. */
const decided = new Map<string, { phase: 'Running' | 'Succeeded' | 'Failed'; exitCode: number }>();
/** Per Job, how many pods failed with exit 42 so far (mode "exit42-twice"). */
const failures42 = new Map<string, number>();

function decide(pod: Pod): { phase: 'Running' | 'Succeeded' | 'Failed'; exitCode: number } {
  const uid = pod.metadata.uid as string;
  let d = decided.get(uid);
  if (d) return d;
  const job = pod.metadata.labels?.['job-name'] ?? '';
  switch (pod.metadata.labels?.mode) {
    case 'fail': d = { phase: 'Failed', exitCode: 1 }; break;
    case 'hold': d = released.has(job) ? { phase: 'Succeeded', exitCode: 0 } : { phase: 'Running', exitCode: 0 }; break;
    case 'exit42-twice': {
      const n = failures42.get(job) ?? 0;
      if (n < 2) {
        failures42.set(job, n + 1);
        d = { phase: 'Failed', exitCode: 42 };
      } else d = { phase: 'Succeeded', exitCode: 0 };
      break;
    }
    default: d = { phase: 'Succeeded', exitCode: 0 };
  }
  // A held pod is decided again later (after a release); a terminal one never changes.
  if (d.phase !== 'Running') decided.set(uid, d);
  return d;
}

const jobs = () => resourceClient<Job>(rest, 'jobs');

function job(name: string, mode: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS },
    spec: {
      template: {
        metadata: { labels: { mode } },
        spec: { containers: [{ name: 'c', image: 'tskube.local/busybox:1.35' }], restartPolicy: 'Never', terminationGracePeriodSeconds: 0 },
      },
      ...spec,
    },
  };
}

const jobPods = (name: string): Pod[] => pods.list().filter((p) => p.metadata.labels?.['job-name'] === name);
const cond = (j: Job, type: string): JobCondition | undefined => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

async function waitForCondition(name: string, type: string): Promise<Job> {
  let j: Job | undefined;
  await waitFor(async () => {
    j = await jobs().get(NS, name);
    return cond(j, type) !== undefined;
  }, { timeoutMs: TIMEOUT, what: `Job ${name} condition ${type} (last status: ${JSON.stringify(j?.status)})` });
  return j as Job;
}

async function events(name: string): Promise<Event[]> {
  return (await resourceClient<Event>(rest, 'events').list(NS, { fieldSelector: `involvedObject.name=${name}` })).items;
}

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({
    rest, nodes: 2, prefix: 'batch-hollow-',
    podPhase: (p) => decide(p).phase,
    exitCode: (p) => decide(p).exitCode,
  });
  await hollow.start();
  scheduler = startScheduler(cp);
  pods = informerFor<Pod>(rest, 'pods', { namespace: NS });
  void pods.run(stop.signal);
  await pods.waitForSync();
  cm = await startControllerManager(cp, [
    '--controllers', 'job-controller,ttl-after-finished-controller,garbage-collector-controller',
    '--job-pod-failure-backoff', '200ms',
  ]);
});

after(async () => {
  stop.abort();
  await cm?.stop();
  await scheduler?.stop();
  await hollow?.stop();
  await rest?.close();
  await cp?.stop();
});

describe('Job controller', () => {
  it('a Job of 5 completions with parallelism 2 completes, never running more than 2 pods', async () => {
    let maxActive = 0;
    const seen = new Set<string>();
    const watchActive = setInterval(() => {
      const active = jobPods('five').filter((p) => !isPodTerminal(p) && !p.metadata.deletionTimestamp);
      for (const p of jobPods('five')) seen.add(p.metadata.uid as string);
      maxActive = Math.max(maxActive, active.length);
    }, 5);
    try {
      await jobs().create(NS, job('five', 'succeed', { completions: 5, parallelism: 2 }));
      const done = await waitForCondition('five', 'Complete');
      assert.equal(done.status?.succeeded, 5);
      assert.equal(done.status?.failed ?? 0, 0);
      assert.equal(done.status?.active ?? 0, 0);
      assert.ok(done.status?.completionTime, 'completionTime set');
      assert.ok(done.status?.startTime, 'startTime set');
      assert.deepEqual(cond(done, 'Complete'), { ...cond(done, 'Complete'), reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
      assert.ok(cond(done, 'SuccessCriteriaMet'), 'SuccessCriteriaMet set before Complete');
      assert.deepEqual(done.status?.uncountedTerminatedPods, {});
    } finally {
      clearInterval(watchActive);
    }
    assert.ok(maxActive <= 2, `at most 2 active pods at once (saw ${maxActive})`);
    assert.equal(seen.size, 5, 'exactly 5 pods created');
    await waitFor(() => jobPods('five').every((p) => !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)),
      { timeoutMs: TIMEOUT, what: 'tracking finalizers removed' });
    const reasons = (await events('five')).map((e) => e.reason);
    assert.equal(reasons.filter((r) => r === 'SuccessfulCreate').length, 5);
    assert.ok(reasons.includes('Completed'));
    // The real kubectl prints it as Kubernetes does; our describe, events included, as kubectl's.
    assert.match(await kubectl(cp, 'get', 'job', 'five'), /\nfive\s+Complete\s+5\/5\s+\d+s\s+\d+s\n/);
    const described = await sameAsKubectl(cp, ['describe', 'job', 'five']);
    assert.match(described.stdout, /\nPods Statuses: +0 Active \(0 Ready\) \/ 5 Succeeded \/ 0 Failed\n/);
    assert.match(described.stdout, /\n {2}Normal +Completed +\d+s +job-controller +Job completed\n/);
  });

  it('a failing Job stops at backoffLimit with Failed/BackoffLimitExceeded', async () => {
    await jobs().create(NS, job('failing', 'fail', { backoffLimit: 2 }));
    const failed = await waitForCondition('failing', 'Failed');
    const c = cond(failed, 'Failed') as JobCondition;
    assert.equal(c.reason, 'BackoffLimitExceeded');
    assert.equal(c.message, 'Job has reached the specified backoff limit');
    assert.ok(cond(failed, 'FailureTarget'));
    assert.equal(failed.status?.failed, 3);
    assert.equal(failed.status?.succeeded ?? 0, 0);
    assert.equal(failed.status?.completionTime, undefined);
    // No pod is created after the Job failed.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(jobPods('failing').length, 3);
    const warning = (await events('failing')).find((e) => e.reason === 'BackoffLimitExceeded');
    assert.equal(warning?.type, 'Warning');
    assert.equal(warning?.message, 'Job has reached the specified backoff limit');
  });

  it('an Indexed Job runs each index once, with its index in annotation, label, env and hostname', async () => {
    await jobs().create(NS, job('indexed', 'succeed', { completions: 4, parallelism: 2, completionMode: 'Indexed' }));
    const done = await waitForCondition('indexed', 'Complete');
    assert.equal(done.status?.completedIndexes, '0-3');
    assert.equal(done.status?.succeeded, 4);
    const all = jobPods('indexed');
    const indexes = all.map((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort();
    assert.deepEqual(indexes, ['0', '1', '2', '3']);
    for (const p of all) {
      const ix = p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
      assert.equal(p.metadata.labels?.[JOB_COMPLETION_INDEX_ANNOTATION], ix);
      assert.equal(p.spec?.hostname, `indexed-${ix}`);
      assert.ok(p.metadata.name?.startsWith(`indexed-${ix}-`), p.metadata.name);
      const env = p.spec?.containers[0].env?.find((e) => e.name === 'JOB_COMPLETION_INDEX');
      assert.equal(env?.valueFrom?.fieldRef?.fieldPath, `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']`);
    }
  });

  it('a pod failure policy Ignore on exit code 42 does not count toward backoffLimit', async () => {
    await jobs().create(NS, job('ignore42', 'exit42-twice', {
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [42] } }] },
    }));
    const done = await waitForCondition('ignore42', 'Complete');
    assert.equal(done.status?.succeeded, 1);
    assert.equal(done.status?.failed ?? 0, 0, 'ignored failures are not counted');
    assert.equal(jobPods('ignore42').filter((p) => p.status?.phase === 'Failed').length, 2);
  });

  it('a FailJob rule fails the Job with reason PodFailurePolicy', async () => {
    await jobs().create(NS, job('failjob', 'fail', {
      backoffLimit: 5,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [1] } }] },
    }));
    const failed = await waitForCondition('failjob', 'Failed');
    const c = cond(failed, 'Failed') as JobCondition;
    assert.equal(c.reason, 'PodFailurePolicy');
    assert.match(c.message ?? '', /^Container c for pod default\/failjob-\w+ failed with exit code 1 matching FailJob rule at index 0$/);
    assert.equal(jobPods('failjob').length, 1);
  });

  it('suspend deletes the active pods (Suspended); resume runs the Job to completion', async () => {
    await jobs().create(NS, job('pausable', 'hold', { completions: 2, parallelism: 2 }));
    await waitFor(async () => (await jobs().get(NS, 'pausable')).status?.active === 2, { timeoutMs: TIMEOUT, what: '2 active pods' });
    await jobs().patch(NS, 'pausable', 'merge', { spec: { suspend: true } });
    const suspended = await waitForCondition('pausable', 'Suspended');
    assert.equal(cond(suspended, 'Suspended')?.reason, 'JobSuspended');
    await waitFor(async () => {
      const j = await jobs().get(NS, 'pausable');
      return (j.status?.active ?? 0) === 0 && (j.status?.terminating ?? 0) === 0 && jobPods('pausable').every((p) => isPodTerminal(p) || !p.metadata.deletionTimestamp);
    }, { timeoutMs: TIMEOUT, what: 'no active pods while suspended' });
    released.add('pausable');
    await jobs().patch(NS, 'pausable', 'merge', { spec: { suspend: false } });
    const done = await waitForCondition('pausable', 'Complete');
    const resumed = done.status?.conditions?.find((c) => c.type === 'Suspended');
    assert.equal(resumed?.status, 'False');
    assert.equal(resumed?.reason, 'JobResumed');
    assert.equal(done.status?.succeeded, 2);
    const reasons = (await events('pausable')).map((e) => e.reason);
    assert.ok(reasons.includes('Suspended') && reasons.includes('Resumed'), reasons.join());
  });

  it('activeDeadlineSeconds fails a running Job with DeadlineExceeded and stops its pods', async () => {
    await jobs().create(NS, job('deadline', 'hold', { activeDeadlineSeconds: 2 }));
    const failed = await waitForCondition('deadline', 'Failed');
    const c = cond(failed, 'Failed') as JobCondition;
    assert.equal(c.reason, 'DeadlineExceeded');
    assert.equal(c.message, 'Job was active longer than specified deadline');
    assert.equal(failed.status?.active ?? 0, 0);
    await waitFor(() => jobPods('deadline').every((p) => isPodTerminal(p) || p.metadata.deletionTimestamp !== undefined), { timeoutMs: TIMEOUT, what: 'deadline pods stopped' });
  });

  it('ttlSecondsAfterFinished deletes the finished Job and its pods', async () => {
    await jobs().create(NS, job('shortlived', 'succeed', { ttlSecondsAfterFinished: 1 }));
    await waitForCondition('shortlived', 'Complete');
    await waitFor(async () => {
      try {
        await jobs().get(NS, 'shortlived');
        return false;
      } catch {
        return true;
      }
    }, { timeoutMs: TIMEOUT, what: 'Job shortlived deleted by its TTL' });
    await waitFor(() => jobPods('shortlived').length === 0, { timeoutMs: TIMEOUT, what: 'its pods deleted' });
  });

  it('the real kubectl wait --for=condition=complete returns once the Job completes', async () => {
    await kubectl(cp, 'create', 'job', 'waited', '--image=tskube.local/busybox:1.35');
    const out = await kubectl(cp, 'wait', '--for=condition=complete', 'job/waited', '--timeout=30s');
    assert.match(out, /job.batch\/waited condition met/);
  });
});
