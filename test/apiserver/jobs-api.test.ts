// batch/v1 Jobs and CronJobs as the API serves them: defaults, the generated selector,
// validation with Kubernetes' messages, the status subresource, DELETE orphaning by
// default, and the real kubectl (create job/cronjob over protobuf, get columns,
// explain) and our CLI's create job/cronjob/--from.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl as runKubectl, kubectlFails } from '../harness/kubectl.js';
import { tskubectl, tskubectlFails } from '../harness/tskubectl.js';
import { sameAsKubectl } from '../cli/get-fixtures.js';

let cp: ControlPlane;
const JOBS = '/apis/batch/v1/namespaces/default/jobs';
const CRONJOBS = '/apis/batch/v1/namespaces/default/cronjobs';

const kubectl = (...args: string[]): Promise<string> => runKubectl(cp, ...args);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
type Json = any;

const podTemplate = (restartPolicy?: string, labels?: Record<string, string>): Json => ({
  ...(labels ? { metadata: { labels } } : {}),
  spec: { containers: [{ name: 'c', image: 'tskube.local/busybox:1.35', command: ['true'] }], ...(restartPolicy ? { restartPolicy } : {}) },
});
const job = (name: string, spec: Json = {}): Json => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: podTemplate('Never'), ...spec } });
const cronJob = (name: string, spec: Json = {}): Json => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
  spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: podTemplate('OnFailure') } }, ...spec },
});

/** POSTs obj, expects 422 Invalid, and returns "field: message" of each cause. */
async function invalidCauses(path: string, obj: Json): Promise<string[]> {
  const r = await http(cp.url, 'POST', path, obj);
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.reason, 'Invalid');
  return r.json.details.causes.map((c: Json) => `${c.field}: ${c.message}`);
}

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

describe('Job defaults and generated selector', () => {
  test('a minimal Job gets Kubernetes defaults, labels and a selector on its uid', async () => {
    const r = await http(cp.url, 'POST', JOBS, job('defaults'));
    assert.equal(r.status, 201, r.text);
    const j = r.json;
    const uid = j.metadata.uid;
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.backoffLimit, 6);
    assert.equal(j.spec.completionMode, 'NonIndexed');
    assert.equal(j.spec.suspend, false);
    assert.equal(j.spec.manualSelector, false);
    assert.equal(j.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'defaults', 'controller-uid': uid, 'job-name': 'defaults' };
    assert.deepEqual(j.spec.template.metadata.labels, labels);
    assert.deepEqual(j.metadata.labels, labels);
    assert.equal(j.spec.template.spec.restartPolicy, 'Never');
    assert.equal(j.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.deepEqual(j.status, {});
    assert.equal(j.metadata.generation, 1);
  });

  test('parallelism alone leaves completions unset; a pod failure policy makes podReplacementPolicy Failed', async () => {
    const r = await http(cp.url, 'POST', JOBS, job('queue', {
      parallelism: 3,
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
    }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.spec.completions, undefined);
    assert.equal(r.json.spec.parallelism, 3);
    assert.equal(r.json.spec.podReplacementPolicy, 'Failed');
    assert.equal(r.json.spec.podFailurePolicy.rules[0].onPodConditions[0].status, 'True');
  });

  test('manualSelector keeps the user\'s selector and labels', async () => {
    const r = await http(cp.url, 'POST', JOBS, job('manual', {
      manualSelector: true, selector: { matchLabels: { app: 'm' } }, template: podTemplate('OnFailure', { app: 'm' }),
    }));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.spec.selector, { matchLabels: { app: 'm' } });
    assert.deepEqual(r.json.spec.template.metadata.labels, { app: 'm' });
    assert.deepEqual(r.json.metadata.labels, { app: 'm' });
  });

  test('status is reset on create and written only through jobs/status; spec changes bump generation', async () => {
    const created = await http(cp.url, 'POST', JOBS, { ...job('st'), status: { active: 5 } });
    assert.deepEqual(created.json.status, {});
    const withStatus = { ...created.json, status: { active: 1, startTime: '2026-01-01T00:00:00Z' } };
    const main = await http(cp.url, 'PUT', `${JOBS}/st`, withStatus);
    assert.equal(main.status, 200, main.text);
    assert.deepEqual(main.json.status, {});
    const viaStatus = await http(cp.url, 'PUT', `${JOBS}/st/status`, { ...main.json, status: { active: 1 } });
    assert.equal(viaStatus.status, 200, viaStatus.text);
    assert.equal(viaStatus.json.status.active, 1);
    assert.equal(viaStatus.json.metadata.generation, 1);
    const negative = await http(cp.url, 'PUT', `${JOBS}/st/status`, { ...viaStatus.json, status: { active: -1 } });
    assert.equal(negative.status, 422);
    assert.equal(negative.json.details.causes[0].message, 'Invalid value: -1: must be greater than or equal to 0');
    const suspended = await http(cp.url, 'PATCH', `${JOBS}/st`, { spec: { suspend: true } }, 'application/merge-patch+json');
    assert.equal(suspended.status, 200, suspended.text);
    assert.equal(suspended.json.metadata.generation, 2);
    assert.equal(suspended.json.status.active, 1);
  });

  test('jobs select by status.successful', async () => {
    assert.equal((await http(cp.url, 'POST', JOBS, job('selectable'))).status, 201);
    const r = await http(cp.url, 'GET', `${JOBS}?fieldSelector=status.successful%3D0`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length >= 1);
    const none = await http(cp.url, 'GET', `${JOBS}?fieldSelector=status.successful%3D7`);
    assert.equal(none.json.items.length, 0);
    const bad = await http(cp.url, 'GET', `${JOBS}?fieldSelector=spec.parallelism%3D1`);
    assert.equal(bad.status, 400);
  });

  test('a DELETE without a propagation policy orphans the pods (batch/v1 default)', async () => {
    await http(cp.url, 'POST', JOBS, { ...job('orphan'), metadata: { name: 'orphan', finalizers: ['example.com/hold'] } });
    const del = await http(cp.url, 'DELETE', `${JOBS}/orphan`);
    assert.equal(del.status, 202, del.text);
    assert.deepEqual(del.json.metadata.finalizers.sort(), ['example.com/hold', 'orphan']);
    const bg = await http(cp.url, 'POST', JOBS, { ...job('bg'), metadata: { name: 'bg', finalizers: ['example.com/hold'] } });
    assert.equal(bg.status, 201);
    const del2 = await http(cp.url, 'DELETE', `${JOBS}/bg`, { propagationPolicy: 'Background' });
    assert.deepEqual(del2.json.metadata.finalizers, ['example.com/hold']);
  });
});

describe('Job validation', () => {
  test('restartPolicy must be OnFailure or Never', async () => {
    assert.deepEqual(await invalidCauses(JOBS, job('rp', { template: podTemplate() })), [
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
    // The pod spec's own rule reports it too, as in Kubernetes.
    assert.deepEqual(await invalidCauses(JOBS, job('rp', { template: podTemplate('Sometimes') })), [
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
    ]);
  });

  test('counts must not be negative; Indexed needs completions', async () => {
    assert.deepEqual(await invalidCauses(JOBS, job('neg', { parallelism: -1, backoffLimit: -2, activeDeadlineSeconds: -3, ttlSecondsAfterFinished: -4 })), [
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.activeDeadlineSeconds: Invalid value: -3: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0',
      'spec.ttlSecondsAfterFinished: Invalid value: -4: must be greater than or equal to 0',
    ]);
    assert.deepEqual(await invalidCauses(JOBS, job('idx', { completionMode: 'Indexed', parallelism: 2 })), [
      'spec.completions: Required value: when completion mode is Indexed',
    ]);
    assert.deepEqual(await invalidCauses(JOBS, job('mode', { completionMode: 'Sometimes' })), [
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
    ]);
    assert.deepEqual(await invalidCauses(JOBS, job('per-index', { backoffLimitPerIndex: 1 })), [
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
    ]);
  });

  test('a manual selector must match the template labels; a generated one must not be tampered with', async () => {
    assert.deepEqual(await invalidCauses(JOBS, job('nomatch', {
      manualSelector: true, selector: { matchLabels: { app: 'a' } }, template: podTemplate('Never', { app: 'b' }),
    })), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`']);
    const causes = await invalidCauses(JOBS, job('tampered', { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'not-mine' } } }));
    assert.ok(causes.some((c) => c.startsWith('spec.selector: Invalid value: v1.LabelSelector{') && c.endsWith('`selector` not auto-generated')), causes.join('\n'));
  });

  test('pod failure policy rules are checked as Kubernetes does', async () => {
    const causes = await invalidCauses(JOBS, job('pfp', {
      podFailurePolicy: {
        rules: [
          { action: 'Retry', onExitCodes: { operator: 'In', values: [0, 3, 2, 3] } },
          { action: 'Ignore' },
          { action: 'FailJob', onExitCodes: { containerName: 'nope', operator: 'NotIn', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] },
        ],
      },
      template: podTemplate('OnFailure'),
    }));
    assert.deepEqual(causes, [
      'spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 3',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: "[0 3 2 3]": must be ordered',
      'spec.podFailurePolicy.rules[1]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
      'spec.podFailurePolicy.rules[2].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template',
      'spec.podFailurePolicy.rules[2].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'spec.podFailurePolicy.rules[2]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    ]);
  });

  test('an Indexed Job whose last hostname is not a DNS label is refused', async () => {
    const name = 'x'.repeat(62);
    assert.deepEqual(await invalidCauses(JOBS, job(name, { completionMode: 'Indexed', completions: 10 })), [
      `metadata.name: Invalid value: "${name}": will not able to create pod with invalid DNS label: ${name}-9`,
    ]);
  });

  test('completions, selector, template and completionMode are immutable', async () => {
    const created = await http(cp.url, 'POST', JOBS, job('immutable', { completions: 2 }));
    assert.equal(created.status, 201, created.text);
    const patch = (body: Json) => http(cp.url, 'PATCH', `${JOBS}/immutable`, body, 'application/merge-patch+json');
    const r1 = await patch({ spec: { completions: 3 } });
    assert.equal(r1.status, 422);
    assert.deepEqual(r1.json.details.causes.map((c: Json) => `${c.field}: ${c.message}`), ['spec.completions: Invalid value: 3: field is immutable']);
    const r2 = await patch({ spec: { template: { spec: { containers: [{ name: 'c', image: 'other' }] } } } });
    assert.equal(r2.status, 422);
    assert.ok(r2.json.details.causes.some((c: Json) => c.field === 'spec.template' && c.message.endsWith('field is immutable')));
    const r3 = await patch({ spec: { parallelism: 5, activeDeadlineSeconds: 100 } });
    assert.equal(r3.status, 200, r3.text);
  });
});

describe('CronJob', () => {
  test('defaults: concurrencyPolicy Allow, suspend false, history limits 3 and 1; the job template is not Job-defaulted', async () => {
    const r = await http(cp.url, 'POST', CRONJOBS, cronJob('every5'));
    assert.equal(r.status, 201, r.text);
    const s = r.json.spec;
    assert.equal(s.concurrencyPolicy, 'Allow');
    assert.equal(s.suspend, false);
    assert.equal(s.successfulJobsHistoryLimit, 3);
    assert.equal(s.failedJobsHistoryLimit, 1);
    assert.equal(s.jobTemplate.spec.backoffLimit, undefined);
    assert.equal(s.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.deepEqual(r.json.status, {});
  });

  test('schedules are parsed as robfig/cron does; time zones must be known', async () => {
    assert.deepEqual(await invalidCauses(CRONJOBS, cronJob('bad', { schedule: 'every minute' })), [
      'spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]',
    ]);
    assert.deepEqual(await invalidCauses(CRONJOBS, cronJob('bad', { schedule: '61 * * * *' })), [
      'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    ]);
    assert.deepEqual(await invalidCauses(CRONJOBS, cronJob('bad', { schedule: 'TZ=UTC * * * * * *' })), [
      'spec.schedule: Invalid value: "TZ=UTC * * * * * *": expected exactly 5 fields, found 6: [* * * * * *]',
      'spec.schedule: Invalid value: "TZ=UTC * * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
    assert.deepEqual(await invalidCauses(CRONJOBS, cronJob('bad', { timeZone: 'Mars/Olympus' })), [
      'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
    ]);
    assert.deepEqual(await invalidCauses(CRONJOBS, cronJob('bad', { concurrencyPolicy: 'Sometimes' })), [
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]);
    const ok = await http(cp.url, 'POST', CRONJOBS, cronJob('hourly', { schedule: '@hourly', timeZone: 'Europe/Paris' }));
    assert.equal(ok.status, 201, ok.text);
  });

  test('names longer than 52 characters and job template selectors are refused', async () => {
    const name = 'c'.repeat(53);
    assert.deepEqual(await invalidCauses(CRONJOBS, cronJob(name)), [`metadata.name: Invalid value: "${name}": must be no more than 52 characters`]);
    const causes = await invalidCauses(CRONJOBS, cronJob('sel', { jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate() } } }));
    assert.deepEqual(causes, [
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
      'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
    ]);
  });
});

describe('the real kubectl', () => {
  test('create job and cronjob (protobuf bodies), get with Kubernetes\' columns', async () => {
    assert.match(await kubectl('create', 'job', 'kj', '--image=tskube.local/busybox:1.35', '--', 'sh', '-c', 'exit 0'), /job.batch\/kj created/);
    const j = JSON.parse(await kubectl('get', 'job', 'kj', '-o', 'json'));
    assert.equal(j.spec.template.spec.restartPolicy, 'Never');
    assert.deepEqual(j.spec.template.spec.containers[0].command, ['sh', '-c', 'exit 0']);
    assert.equal(j.spec.template.spec.containers[0].name, 'kj');
    assert.equal(j.spec.backoffLimit, 6);
    const table = await kubectl('get', 'jobs', 'kj');
    assert.match(table, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/);
    assert.match(table, /\nkj\s+Running\s+0\/1\s+\d+s\n/);
    const wide = await kubectl('get', 'job', 'kj', '-o', 'wide');
    assert.match(wide, /CONTAINERS\s+IMAGES\s+SELECTOR/);
    assert.match(wide, /kj\s+tskube.local\/busybox:1.35\s+batch.kubernetes.io\/controller-uid=/);

    assert.match(await kubectl('create', 'cronjob', 'kcj', '--image=tskube.local/busybox:1.35', '--schedule=*/1 * * * *', '--', 'date'), /cronjob.batch\/kcj created/);
    const cj = JSON.parse(await kubectl('get', 'cj', 'kcj', '-o', 'json'));
    assert.equal(cj.spec.schedule, '*/1 * * * *');
    assert.equal(cj.spec.jobTemplate.spec.template.spec.restartPolicy, 'OnFailure');
    const cjTable = await kubectl('get', 'cronjobs');
    assert.match(cjTable, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\n/);
    assert.match(cjTable, /\nkcj\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s\n/);

    const err = await kubectlFails(cp, 'create', 'cronjob', 'badcj', '--image=busybox', '--schedule=nonsense');
    assert.match(err, /spec.schedule: Invalid value: "nonsense": expected exactly 5 fields, found 1: \[nonsense\]/);
  });

  test('create job --from=cronjob copies the template and sets the owner', async () => {
    assert.match(await kubectl('create', 'job', 'manual-run', '--from=cronjob/kcj'), /job.batch\/manual-run created/);
    const j = JSON.parse(await kubectl('get', 'job', 'manual-run', '-o', 'json'));
    assert.equal(j.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(j.metadata.ownerReferences[0].kind, 'CronJob');
    assert.equal(j.metadata.ownerReferences[0].name, 'kcj');
    assert.deepEqual(j.spec.template.spec.containers[0].command, ['date']);
  });

  test('explain job.spec and cronjob.spec.jobTemplate', async () => {
    const spec = await kubectl('explain', 'job.spec');
    assert.match(spec, /KIND:\s+Job/);
    assert.match(spec, /GROUP:\s+batch\nKIND:\s+Job\nVERSION:\s+v1\n/);
    for (const f of ['backoffLimit', 'completionMode', 'completions', 'parallelism', 'podFailurePolicy', 'suspend', 'template', 'ttlSecondsAfterFinished']) {
      assert.match(spec, new RegExp(`\\n  ${f}\\s`), f);
    }
    const rule = await kubectl('explain', 'job.spec.podFailurePolicy.rules.action');
    assert.match(rule, /FailJob/);
    const cj = await kubectl('explain', 'cronjob.spec.jobTemplate');
    assert.match(cj, /KIND:\s+CronJob/);
    assert.match(cj, /FIELD: jobTemplate <JobTemplateSpec>/);
  });

  test('api-resources lists jobs and cronjobs', async () => {
    const out = await kubectl('api-resources', '--api-group=batch');
    assert.match(out, /cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob/);
    assert.match(out, /jobs\s+batch\/v1\s+true\s+Job/);
  });
});

describe('our CLI', () => {
  test('tskubectl create job, create cronjob and create job --from=cronjob/x', async () => {
    assert.match(await tskubectl(cp, 'create', 'job', 'tj', '--image=tskube.local/busybox:1.35', '--', 'true'), /job.batch\/tj created/);
    const j = JSON.parse(await tskubectl(cp, 'get', 'job', 'tj', '-o', 'json'));
    assert.deepEqual(j.spec.template.spec.containers[0].command, ['true']);
    assert.equal(j.spec.template.spec.restartPolicy, 'Never');

    assert.match(await tskubectl(cp, 'create', 'cronjob', 'tcj', '--image=tskube.local/busybox:1.35', '--schedule=0 * * * *', '--restart=Never'), /cronjob.batch\/tcj created/);
    assert.match(await tskubectl(cp, 'create', 'job', 'tcj-run', '--from=cronjob/tcj'), /job.batch\/tcj-run created/);
    const run = JSON.parse(await tskubectl(cp, 'get', 'job', 'tcj-run', '-o', 'json'));
    assert.equal(run.metadata.ownerReferences[0].name, 'tcj');
    assert.equal(run.spec.template.spec.restartPolicy, 'Never');

    const dry = JSON.parse(await tskubectl(cp, 'create', 'job', 'dry', '--image=busybox', '--dry-run=client', '-o', 'json'));
    const real = JSON.parse(await kubectl('create', 'job', 'dry', '--image=busybox', '--dry-run=client', '-o', 'json'));
    assert.deepEqual(dry, real);
    const dryCj = JSON.parse(await tskubectl(cp, 'create', 'cronjob', 'dry', '--image=busybox', '--schedule=* * * * *', '--dry-run=client', '-o', 'json'));
    const realCj = JSON.parse(await kubectl('create', 'cronjob', 'dry', '--image=busybox', '--schedule=* * * * *', '--dry-run=client', '-o', 'json'));
    assert.deepEqual(dryCj, realCj);

    assert.match(await tskubectlFails(cp, 'create', 'job', 'neither'), /either --image or --from must be specified/);
    assert.match(await tskubectlFails(cp, 'create', 'cronjob', 'nosched', '--image=busybox'), /required flag\(s\) "schedule" not set/);
  });

  test('tskubectl describe job and cronjob print what kubectl prints', async () => {
    const created = await http(cp.url, 'POST', JOBS, job('described', {
      completions: 4, parallelism: 2, completionMode: 'Indexed', activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 30,
    }));
    assert.equal(created.status, 201, created.text);
    const status = {
      startTime: '2026-01-01T10:00:00Z', completionTime: '2026-01-01T10:02:05Z', active: 0, ready: 0, succeeded: 4, failed: 1,
      completedIndexes: '0-3', conditions: [{ type: 'Complete', status: 'True', lastProbeTime: '2026-01-01T10:02:05Z', lastTransitionTime: '2026-01-01T10:02:05Z' }],
    };
    const written = await http(cp.url, 'PUT', `${JOBS}/described/status`, { ...created.json, status });
    assert.equal(written.status, 200, written.text);
    await sameAsKubectl(cp, ['describe', 'job', 'described']);
    await sameAsKubectl(cp, ['describe', 'job', 'kj']);
    const cj = await http(cp.url, 'POST', CRONJOBS, cronJob('described-cj', { startingDeadlineSeconds: 20, timeZone: 'Etc/UTC' }));
    assert.equal(cj.status, 201, cj.text);
    const cjStatus = { lastScheduleTime: '2026-01-01T10:00:00Z', active: [{ kind: 'Job', namespace: 'default', name: 'described-cj-1', apiVersion: 'batch/v1' }, { kind: 'Job', namespace: 'default', name: 'described-cj-2', apiVersion: 'batch/v1' }] };
    assert.equal((await http(cp.url, 'PUT', `${CRONJOBS}/described-cj/status`, { ...cj.json, status: cjStatus })).status, 200);
    await sameAsKubectl(cp, ['describe', 'cronjob', 'described-cj']);
    await sameAsKubectl(cp, ['describe', 'cj', 'kcj']);
    const out = await tskubectl(cp, 'describe', 'job', 'described');
    assert.match(out, /\nPods Statuses: +0 Active \(0 Ready\) \/ 4 Succeeded \/ 1 Failed\nCompleted Indexes: +0-3\n/);
    assert.match(out, /\nDuration: +2m5s\n/);
  });

  test('tskubectl get jobs prints the server\'s columns', async () => {
    const out = await tskubectl(cp, 'get', 'jobs', 'tj');
    assert.match(out, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\ntj\s+Running\s+0\/1\s+/);
  });
});
