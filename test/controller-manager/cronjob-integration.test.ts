// The CronJob controller against real parts: etcd, the apiserver (RBAC on) and one
// kube-controller-manager process running only the cronjob-controller as its own
// ServiceAccount (--use-service-account-credentials, so the system:controller:
// cronjob-controller role is what lets it work). Its clock runs 30 times faster
// (the hidden test flag --cronjob-controller-time-scale 30): `* * * * *` fires every
// 2 s of real time. Within the test a CronJob made by the real `kubectl create cronjob`
// creates Jobs named <name>-<minutes since the epoch> with the scheduled-timestamp
// annotation, its status and `kubectl get cronjobs` show them; Forbid starts nothing
// while a Job is active (JobAlreadyActive) and starts the next once it finished;
// Replace deletes the running Job and starts a new one; the history limits delete old
// finished Jobs; `kubectl create job --from=cronjob/x` (real kubectl and ours) makes a
// manual Job the controller reports as UnexpectedJob.
//
// No Job controller runs here (it is not this component's): a Job is finished the way
// the Job controller would finish it, by writing its Complete (or Failed) condition
// through jobs/status.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCertificateKubeconfig } from '../../apiserver/kubeconfig.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob, type Job } from '../../api/types/batch.js';
import type { Event } from '../../api/types/core.js';
import { rfc3339 } from '../../api/helpers/time.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { kubectl } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';
import { tskubectl } from '../harness/tskubectl.js';

// A scheduled run every 2 s plus the manager's start; generous for a loaded 2-core machine.
const TIMEOUT_MS = 40_000;
const NS = 'default';

let cp: ControlPlane;
let rest: RestClient;
let cm: ControllerManagerHandle | undefined;

const cronJobs = () => resourceClient<CronJob>(rest, 'cronjobs');
const jobs = () => resourceClient<Job>(rest, 'jobs');

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  const kubeconfig = join(cp.dir, 'controller-manager.kubeconfig');
  await writeCertificateKubeconfig(kubeconfig, cp.secureUrl, join(cp.dir, 'pki'), 'system:kube-controller-manager');
  cm = await startControllerManager(cp, [
    '--kubeconfig', kubeconfig, '--controllers', 'cronjob-controller', '--use-service-account-credentials=true',
    '--cronjob-controller-time-scale', '30',
  ]);
});

after(async () => {
  await cm?.stop();
  await rest?.close();
  await cp?.stop();
});

async function until(check: () => Promise<boolean>, what: () => string): Promise<void> {
  try {
    await waitFor(check, { timeoutMs: TIMEOUT_MS, what: 'the condition' });
  } catch (err) {
    throw new Error(`timed out after ${TIMEOUT_MS}ms waiting for ${what()}`, { cause: err });
  }
}

interface CJOpts {
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

function createCronJob(name: string, o: CJOpts = {}): Promise<CronJob> {
  return cronJobs().create(NS, {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: NS },
    spec: {
      schedule: '* * * * *',
      ...o,
      jobTemplate: {
        metadata: { labels: { cron: name } },
        spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:1' }], restartPolicy: 'Never' } } },
      },
    },
  });
}

/** The Jobs the CronJob controls, by name. */
async function jobsOf(name: string): Promise<Job[]> {
  const list = await jobs().list(NS);
  return list.items
    .filter((j) => j.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === name && r.controller))
    .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
}

async function eventsOf(name: string): Promise<string[]> {
  const list = await resourceClient<Event>(rest, 'events').list(NS, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.source?.component === 'cronjob-controller').map((e) => `${e.reason} ${e.message}`);
}

/** Events are posted apart from the writes they describe: wait for them. */
async function untilEvents(name: string, wanted: string[]): Promise<void> {
  let ev: string[] = [];
  await until(async () => {
    ev = await eventsOf(name);
    return wanted.every((w) => ev.includes(w));
  }, () => `events of ${name}: ${wanted.join('; ')} (have ${ev.join('; ')})`);
}

const finished = (j: Job): boolean => (j.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

/** Finishes a Job as the Job controller would: its terminal condition through jobs/status. */
async function finish(j: Job, outcome: 'Complete' | 'Failed'): Promise<void> {
  const now = rfc3339();
  const start = j.status?.startTime ?? j.metadata.creationTimestamp;
  const conditions = outcome === 'Complete'
    ? [{ type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      { type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }]
    : [{ type: 'FailureTarget', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
      { type: 'Failed', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }];
  await jobs().patch(NS, j.metadata.name!, 'merge', {
    status: {
      startTime: start, conditions, active: 0, ready: 0, terminating: 0,
      ...(outcome === 'Complete' ? { succeeded: 1, failed: 0, completionTime: now } : { succeeded: 0, failed: 1 }),
      uncountedTerminatedPods: {},
    },
  }, { subresource: 'status' });
}

const suspend = (name: string): Promise<CronJob> => cronJobs().patch(NS, name, 'merge', { spec: { suspend: true } });

describe('CronJob controller', () => {
  it('kubectl create cronjob: Jobs on schedule, named by minute, annotated, listed in status and kubectl get', async () => {
    assert.equal((await kubectl(cp, 'create', 'cronjob', 'hello', '--image=busybox:1', '--schedule=* * * * *')).trim(), 'cronjob.batch/hello created');
    let seen: Job[] = [];
    await until(async () => (seen = await jobsOf('hello')).length >= 2, () => `two Jobs of hello (have ${seen.map((j) => j.metadata.name)})`);
    await suspend('hello');
    for (const j of seen) {
      const m = /^hello-(\d+)$/.exec(j.metadata.name!);
      assert.ok(m, j.metadata.name);
      const stamp = j.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION];
      assert.ok(stamp?.endsWith(':00Z'), stamp);
      assert.equal(Date.parse(stamp ?? '') / 60_000, Number(m[1]));
      assert.equal(j.metadata.ownerReferences?.[0].blockOwnerDeletion, true);
      assert.equal(j.spec?.template.spec?.containers[0].image, 'busybox:1');
    }
    let cj: CronJob | undefined;
    await until(async () => {
      cj = await cronJobs().get(NS, 'hello');
      const active = new Set((cj.status?.active ?? []).map((r) => r.name));
      return seen.every((j) => active.has(j.metadata.name));
    }, () => `hello's status.active to list ${seen.map((j) => j.metadata.name)} (${JSON.stringify(cj?.status)})`);
    assert.ok(cj?.status?.lastScheduleTime);
    await untilEvents('hello', seen.map((j) => `SuccessfulCreate Created job ${j.metadata.name}`));

    const table = (await kubectl(cp, 'get', 'cronjobs', 'hello')).split('\n');
    assert.match(table[0], /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/);
    assert.match(table[1], /^hello\s+\* \* \* \* \*\s+<none>\s+True\s+\d+\s+\S+\s+\S+$/);
    const described = await kubectl(cp, 'describe', 'cronjob', 'hello');
    assert.match(described, /Schedule:\s+\* \* \* \* \*/);
    assert.match(described, /Concurrency Policy:\s+Allow/);
    assert.match(described, /SuccessfulCreate/);
  });

  it('Forbid: no second Job while one is active (JobAlreadyActive); the next once it completed', async () => {
    await createCronJob('forbid', { concurrencyPolicy: 'Forbid' });
    let first: Job[] = [];
    await until(async () => (first = await jobsOf('forbid')).length >= 1, () => 'the first Job of forbid');
    await until(async () => (await eventsOf('forbid')).some((e) => e.startsWith('JobAlreadyActive ')), () => 'JobAlreadyActive');
    assert.deepEqual((await eventsOf('forbid')).filter((e) => e.startsWith('JobAlreadyActive')).slice(0, 1),
      ['JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid']);
    assert.deepEqual((await jobsOf('forbid')).map((j) => j.metadata.name), [first[0].metadata.name]);

    await finish(first[0], 'Complete');
    let now: Job[] = [];
    await until(async () => (now = await jobsOf('forbid')).length >= 2, () => `a second Job of forbid (have ${now.map((j) => j.metadata.name)})`);
    await suspend('forbid');
    let cj: CronJob | undefined;
    await until(async () => {
      cj = await cronJobs().get(NS, 'forbid');
      return !!cj.status?.lastSuccessfulTime && !(cj.status?.active ?? []).some((r) => r.name === first[0].metadata.name);
    }, () => `forbid's lastSuccessfulTime and the finished Job out of active (${JSON.stringify(cj?.status)})`);
    await untilEvents('forbid', [`SawCompletedJob Saw completed job: ${first[0].metadata.name}, status: Complete`]);
    // Never two unfinished Jobs at once.
    assert.ok(now.filter((j) => !finished(j)).length <= 1, now.map((j) => j.metadata.name).join());
  });

  it('Replace: the running Job is deleted and a new one started', async () => {
    await createCronJob('replace', { concurrencyPolicy: 'Replace' });
    let first: Job[] = [];
    await until(async () => (first = await jobsOf('replace')).length >= 1, () => 'the first Job of replace');
    const name = first[0].metadata.name!;
    let now: Job[] = [];
    await until(async () => {
      now = await jobsOf('replace');
      return now.length >= 1 && !now.some((j) => j.metadata.name === name);
    }, () => `${name} replaced (have ${now.map((j) => j.metadata.name)})`);
    await suspend('replace');
    await untilEvents('replace', [`SuccessfulDelete Deleted job ${name}`]);
    const cj = await cronJobs().get(NS, 'replace');
    assert.ok((cj.status?.active?.length ?? 0) <= 1, JSON.stringify(cj.status));
  });

  it('history limits: finished Jobs over successfulJobsHistoryLimit and failedJobsHistoryLimit are deleted, oldest first', async () => {
    await createCronJob('history', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
    const made = new Set<string>();
    const outcome = new Map<string, 'Complete' | 'Failed'>();
    let now: Job[] = [];
    // Finish each new Job as it appears: first two fail, the rest complete.
    await until(async () => {
      now = await jobsOf('history');
      for (const j of now) {
        if (made.has(j.metadata.name!)) continue;
        made.add(j.metadata.name!);
        const o = made.size <= 2 ? 'Failed' : 'Complete';
        outcome.set(j.metadata.name!, o);
        await finish(j, o);
      }
      const complete = [...outcome].filter(([, o]) => o === 'Complete').map(([n]) => n);
      const failed = [...outcome].filter(([, o]) => o === 'Failed').map(([n]) => n);
      const names = new Set(now.map((j) => j.metadata.name));
      // Two successes and two failures made: only the newest of each is kept.
      return complete.length >= 2 && failed.length >= 2 &&
        failed.slice(0, -1).every((n) => !names.has(n)) && complete.slice(0, -1).every((n) => !names.has(n));
    }, () => `old finished Jobs of history deleted (made ${[...outcome]}, have ${now.map((j) => j.metadata.name)})`);
    await suspend('history');
    const [oldestFailed] = [...outcome].find(([, o]) => o === 'Failed')!;
    await untilEvents('history', [`SuccessfulDelete Deleted job ${oldestFailed}`]);
  });

  it('create job --from=cronjob: the real kubectl and ours make a manual Job the controller calls unexpected', async () => {
    assert.equal((await kubectl(cp, 'create', 'job', 'manual-k', '--from=cronjob/hello')).trim(), 'job.batch/manual-k created');
    assert.equal((await tskubectl(cp, 'create', 'job', 'manual-t', '--from=cronjob/hello')).trim(), 'job.batch/manual-t created');
    const hello = await cronJobs().get(NS, 'hello');
    for (const name of ['manual-k', 'manual-t']) {
      const j = await jobs().get(NS, name);
      assert.equal(j.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
      assert.deepEqual(j.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['CronJob', 'hello', hello.metadata.uid, true]]);
      assert.equal(j.spec?.template.spec?.containers[0].image, 'busybox:1');
    }
    await untilEvents('hello', ['manual-k', 'manual-t'].map((n) => `UnexpectedJob Saw a job that the controller did not create or forgot: ${n}`));
  });
});
