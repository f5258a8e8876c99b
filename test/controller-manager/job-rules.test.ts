// Pure rules of the Job controller (pod failure policy matching, backoff, index sets,
// conditions, uncounted pods), the TTL expiry, robfig/cron parsing, and reconciles of a
// JobController over filled informers with a FakePodControl and a fake status client.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { CronParseError, parseCronSchedule } from '../../api/cron.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_TRACKING_FINALIZER, type Job, type JobStatus } from '../../api/types/batch.js';
import type { Pod } from '../../api/types/core.js';
import { FakeClock } from '../../client/clock.js';
import { backoffDuration, nextBackoffRecord, remainingBackoff } from '../../controller-manager/job/backoff.js';
import { isJobFinished } from '../../api/helpers/job.js';
import { ensureConditionStatus } from '../../controller-manager/job/conditions.js';
import { JobController } from '../../controller-manager/job/controller.js';
import { duplicatedIndexPods, firstPendingIndexes, OrderedIntervals, parseIndexes } from '../../controller-manager/job/indexed.js';
import { matchPodFailurePolicy } from '../../controller-manager/job/pod-failure-policy.js';
import { matchSuccessPolicy, pastBackoffLimitOnFailure, wantActive } from '../../controller-manager/job/sync.js';
import { cleanUncountedPodsWithoutFinalizers } from '../../controller-manager/job/tracking.js';
import { FakePodControl } from '../../controller-manager/pod-control.js';
import { jobExpiresAt } from '../../controller-manager/ttl-after-finished/controller.js';
import { filledInformer } from '../harness/filled-informer.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');

function pod(name: string, o: { phase?: string; exitCode?: number; container?: string; conditions?: { type: string; status: string }[]; index?: number; finishedAt?: number; finalizer?: boolean; uid?: string } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: o.uid ?? `uid-${name}`, creationTimestamp: at(0), resourceVersion: '1',
      labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' },
      ...(o.index !== undefined ? { annotations: { [JOB_COMPLETION_INDEX_ANNOTATION]: String(o.index) } } : {}),
      ...(o.finalizer === false ? {} : { finalizers: [JOB_TRACKING_FINALIZER] }),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'job-uid', controller: true, blockOwnerDeletion: true }],
    },
    spec: { containers: [{ name: 'c', image: 'i' }], nodeName: 'n' },
    status: {
      phase: (o.phase ?? 'Running') as 'Running',
      conditions: (o.conditions ?? []) as Pod['status'] extends infer S ? S extends { conditions?: infer C } ? C : never : never,
      containerStatuses: o.exitCode !== undefined ? [{
        name: o.container ?? 'c', image: 'i', imageID: '', ready: false, restartCount: 0,
        state: { terminated: { exitCode: o.exitCode, finishedAt: at(o.finishedAt ?? 0) } },
      }] : [],
    },
  } as Pod;
}

describe('pod failure policy', () => {
  const policy = {
    rules: [
      { action: 'Ignore', onExitCodes: { operator: 'In', values: [42] } },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [3] } },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [3, 42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ],
  };

  it('matches exit codes In and NotIn, by container name, in rule order', () => {
    assert.deepEqual(matchPodFailurePolicy(policy, pod('a', { phase: 'Failed', exitCode: 42 })), { countFailed: false, action: 'Ignore' });
    assert.deepEqual(matchPodFailurePolicy(policy, pod('b', { phase: 'Failed', exitCode: 3, container: 'main' })), {
      countFailed: true, action: 'FailJob', failJobMessage: 'Container main for pod default/b failed with exit code 3 matching FailJob rule at index 1',
    });
    // Exit 3 of another container: not the FailJob rule, and NotIn [3, 42] does not match.
    assert.deepEqual(matchPodFailurePolicy(policy, pod('c', { phase: 'Failed', exitCode: 3, container: 'side' })), { countFailed: true });
    assert.deepEqual(matchPodFailurePolicy(policy, pod('d', { phase: 'Failed', exitCode: 7 })), { countFailed: true, action: 'Count' });
  });

  it('matches pod conditions such as DisruptionTarget; exit code 0 never matches', () => {
    const evicted = pod('e', { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    assert.deepEqual(matchPodFailurePolicy(policy, evicted), { countFailed: false, action: 'Ignore' });
    const failJobOnCondition = { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget' }] }] };
    assert.equal(matchPodFailurePolicy(failJobOnCondition, evicted).failJobMessage, 'Pod default/e has condition DisruptionTarget matching FailJob rule at index 0');
    assert.deepEqual(matchPodFailurePolicy({ rules: [{ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1] } }] }, pod('f', { phase: 'Failed', exitCode: 0 })), { countFailed: true });
    assert.deepEqual(matchPodFailurePolicy(undefined, pod('g', { phase: 'Failed', exitCode: 1 })), { countFailed: true });
  });
});

describe('pod-failure backoff', () => {
  it('is 10 s doubling per consecutive failure, capped at 6 min', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDuration(n) / 1000), [0, 10, 20, 40, 80, 160, 320, 360, 360]);
  });

  it('counts failures since the last success and waits from the last failure', () => {
    const r1 = nextBackoffRecord(undefined, [], [pod('a', { phase: 'Failed', exitCode: 1, finishedAt: 5 })]);
    assert.deepEqual(r1, { failuresAfterLastSuccess: 1, lastFailureTime: T0 + 5000 });
    const r2 = nextBackoffRecord(r1, [], [pod('b', { phase: 'Failed', exitCode: 1, finishedAt: 9 })]);
    assert.equal(r2.failuresAfterLastSuccess, 2);
    assert.equal(remainingBackoff(r2, T0 + 9000), 20_000);
    assert.equal(remainingBackoff(r2, T0 + 24_000), 5_000);
    assert.equal(remainingBackoff(r2, T0 + 40_000), 0);
    // A success resets; failures after it count anew.
    const r3 = nextBackoffRecord(r2, [pod('s', { phase: 'Succeeded', exitCode: 0, finishedAt: 10 })], [pod('c', { phase: 'Failed', exitCode: 1, finishedAt: 8 }), pod('d', { phase: 'Failed', exitCode: 1, finishedAt: 12 })]);
    assert.deepEqual(r3, { failuresAfterLastSuccess: 1, lastFailureTime: T0 + 12_000 });
    assert.deepEqual(nextBackoffRecord(r2, [pod('s', { phase: 'Succeeded', exitCode: 0, finishedAt: 10 })], []), { failuresAfterLastSuccess: 0 });
  });

  it('restartPolicy OnFailure counts container restarts of running pods', () => {
    const job: Job = { metadata: { name: 'j' }, spec: { backoffLimit: 2, template: { spec: { containers: [], restartPolicy: 'OnFailure' } } } };
    const running = pod('r');
    running.status!.containerStatuses = [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: 2 }];
    assert.equal(pastBackoffLimitOnFailure(job, [running]), true);
    running.status!.containerStatuses![0].restartCount = 1;
    assert.equal(pastBackoffLimitOnFailure(job, [running]), false);
  });
});

describe('completion indexes', () => {
  it('parses and formats "1,3-5" as Kubernetes does', () => {
    assert.equal(parseIndexes('1,3-5,7', 10).toString(), '1,3-5,7');
    assert.equal(parseIndexes('1,3-5,7', 10).total(), 5);
    assert.equal(OrderedIntervals.fromSorted([0, 1, 2, 5, 7, 8]).toString(), '0-2,5,7,8');
    assert.equal(OrderedIntervals.fromSorted([3, 4]).toString(), '3,4');
    assert.equal(parseIndexes('0-9', 4).toString(), '0-3', 'indexes at or above completions are dropped');
    assert.equal(parseIndexes('', 4).total(), 0);
    assert.equal(parseIndexes('1,x,3', 5).toString(), '1', 'a malformed part ends the parse');
    const merged = parseIndexes('1,3-5', 10).withOrderedIndexes([2, 6, 9]);
    assert.equal(merged.toString(), '1-6,9');
    assert.ok(merged.has(4) && !merged.has(7));
  });

  it('the first pending indexes skip succeeded, failed and running ones', () => {
    const active = [pod('a', { index: 2 })];
    assert.deepEqual(firstPendingIndexes(active, OrderedIntervals.fromSorted([0]), undefined, 2, 5), [1, 3]);
    assert.deepEqual(firstPendingIndexes(active, OrderedIntervals.fromSorted([0]), OrderedIntervals.fromSorted([1]), 5, 5), [3, 4]);
  });

  it('duplicated, out-of-range and index-less pods are removed first', () => {
    const pods = [pod('a', { index: 1 }), pod('b', { index: 1 }), pod('c', { index: 9 }), pod('d'), pod('e', { index: 0 })];
    const { remove, keep } = duplicatedIndexPods(pods, 3);
    assert.deepEqual(remove.map((p) => p.metadata.name).sort(), ['b', 'c', 'd']);
    assert.deepEqual(keep.map((p) => p.metadata.name).sort(), ['a', 'e']);
  });
});

describe('status rules', () => {
  it('wants min(parallelism, completions - succeeded) pods; a work queue keeps what runs after a success', () => {
    const job = (completions: number | undefined, parallelism: number): Job => ({ metadata: { name: 'j' }, spec: { completions, parallelism, template: {} } });
    assert.equal(wantActive(job(5, 2), 0, 0), 2);
    assert.equal(wantActive(job(5, 2), 4, 1), 1);
    assert.equal(wantActive(job(5, 2), 6, 0), 0);
    assert.equal(wantActive(job(undefined, 3), 0, 0), 3);
    assert.equal(wantActive(job(undefined, 3), 1, 2), 2);
  });

  it('ensureConditionStatus adds True conditions, never a new False one, and updates on change', () => {
    const a = ensureConditionStatus([], 'Suspended', 'False', 'JobResumed', 'Job resumed', T0);
    assert.deepEqual(a, { conditions: [], changed: false });
    const b = ensureConditionStatus([], 'Suspended', 'True', 'JobSuspended', 'Job suspended', T0);
    assert.equal(b.changed, true);
    assert.deepEqual(b.conditions[0], { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: at(0), lastTransitionTime: at(0) });
    assert.equal(ensureConditionStatus(b.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', T0 + 5000).changed, false);
    const c = ensureConditionStatus(b.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', T0 + 5000);
    assert.equal(c.conditions[0].status, 'False');
    assert.equal(c.conditions[0].lastTransitionTime, at(5));
    assert.equal(isJobFinished({ metadata: {}, status: { conditions: [{ type: 'Complete', status: 'True' }] } }), true);
    assert.equal(isJobFinished({ metadata: {}, status: { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] } }), false);
  });

  it('uncounted pods whose finalizer is gone move into the counters', () => {
    const status: JobStatus = { succeeded: 2, failed: 1, uncountedTerminatedPods: { succeeded: ['a', 'b'], failed: ['c'] } };
    assert.equal(cleanUncountedPodsWithoutFinalizers(status, new Set(['b'])), true);
    assert.deepEqual(status, { succeeded: 3, failed: 2, uncountedTerminatedPods: { succeeded: ['b'], failed: [] } });
    assert.equal(cleanUncountedPodsWithoutFinalizers(status, new Set(['b'])), false);
  });

  it('a success policy is met by its indexes or its count', () => {
    const job = (rules: { succeededIndexes?: string; succeededCount?: number }[]): Job => ({ metadata: {}, spec: { completions: 10, completionMode: 'Indexed', successPolicy: { rules }, template: {} } });
    assert.equal(matchSuccessPolicy(job([{ succeededIndexes: '0-2' }]), OrderedIntervals.fromSorted([0, 1])), undefined);
    assert.equal(matchSuccessPolicy(job([{ succeededIndexes: '0-2' }]), OrderedIntervals.fromSorted([0, 1, 2, 7])), 'Matched rules at index 0');
    assert.equal(matchSuccessPolicy(job([{ succeededIndexes: '5-9', succeededCount: 5 }, { succeededCount: 2 }]), OrderedIntervals.fromSorted([0, 4])), 'Matched rules at index 1');
  });

  it('a finished Job with a TTL expires TTL seconds after its Complete or Failed condition', () => {
    const finished: Job = { metadata: {}, spec: { ttlSecondsAfterFinished: 100, template: {} }, status: { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at(0) }] } };
    assert.equal(jobExpiresAt(finished), T0 + 100_000);
    assert.equal(jobExpiresAt({ ...finished, spec: { template: {} } }), undefined);
    assert.equal(jobExpiresAt({ ...finished, status: {} }), undefined);
  });
});

describe('cron schedules (robfig/cron ParseStandard)', () => {
  const err = (s: string): string => {
    try {
      parseCronSchedule(s);
    } catch (e) {
      assert.ok(e instanceof CronParseError);
      return e.message;
    }
    return '';
  };
  it('parses fields, names, ranges, steps and descriptors', () => {
    const s = parseCronSchedule('*/15 9-17 * jan-mar MON,fri');
    assert.deepEqual([...s.minutes], [0, 15, 30, 45]);
    assert.deepEqual([...s.hours].length, 9);
    assert.deepEqual([...s.months], [1, 2, 3]);
    assert.deepEqual([...s.daysOfWeek], [1, 5]);
    assert.equal(s.domStar, true);
    assert.equal(s.dowStar, false);
    assert.deepEqual([...parseCronSchedule('@weekly').daysOfWeek], [0]);
    assert.equal(parseCronSchedule('@every 90s').everyMs, 90_000);
    assert.equal(parseCronSchedule('CRON_TZ=Europe/Paris 0 0 * * *').timeZone, 'Europe/Paris');
  });
  it('gives robfig\'s errors', () => {
    assert.equal(err(''), 'empty spec string');
    assert.equal(err('* * *'), 'expected exactly 5 fields, found 3: [* * *]');
    assert.equal(err('60 * * * *'), 'end of range (60) above maximum (59): 60');
    assert.equal(err('* * 0 * *'), 'beginning of range (0) below minimum (1): 0');
    assert.equal(err('5-2 * * * *'), 'beginning of range (5) beyond end of range (2): 5-2');
    assert.equal(err('*/0 * * * *'), 'step of range should be a positive number: */0');
    assert.equal(err('a * * * *'), 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax');
    assert.equal(err('1-2-3 * * * *'), 'too many hyphens: 1-2-3');
    assert.equal(err('@sometimes'), 'unrecognized descriptor: @sometimes');
    assert.equal(err('TZ=Nowhere/Land * * * * *'), 'provided bad location Nowhere/Land: unknown time zone Nowhere/Land');
  });
});

describe('JobController reconcile over filled informers', () => {
  const baseJob = (spec: Partial<NonNullable<Job['spec']>>, status: JobStatus = {}): Job => ({
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: 'j', namespace: 'default', uid: 'job-uid', resourceVersion: '5', generation: 1, creationTimestamp: at(0) },
    spec: {
      completions: 5, parallelism: 2, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
      template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } }, spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } },
      ...spec,
    },
    status,
  });

  async function run(job: Job, pods: Pod[]): Promise<{ podControl: FakePodControl; written: Job[] }> {
    const ac = new AbortController();
    try {
      const jobInformer = await filledInformer<Job>([job], ac.signal);
      const podInformer = await filledInformer<Pod>(pods, ac.signal);
      const podControl = new FakePodControl();
      const written: Job[] = [];
      const controller = new JobController({
        jobInformer, podInformer, podControl, recorder: { event: () => undefined },
        client: { get: async () => job, updateStatus: async (_ns, j) => { written.push(structuredClone(j)); return structuredClone(j); } },
        clock: new FakeClock(T0 + 1000), log: pino({ level: 'silent' }),
      });
      await controller.reconcile('default/j');
      return { podControl, written };
    } finally {
      ac.abort();
    }
  }

  it('creates parallelism pods with the tracking finalizer and records startTime and active', async () => {
    const { podControl, written } = await run(baseJob({}), []);
    assert.equal(podControl.templates.length, 2);
    assert.deepEqual(podControl.templates[0]?.metadata?.finalizers, [JOB_TRACKING_FINALIZER]);
    assert.equal(podControl.controllerRefs[0].kind, 'Job');
    const last = written[written.length - 1];
    assert.equal(last.status?.active, 2);
    assert.equal(last.status?.startTime, at(1));
  });

  it('counts a succeeded pod through uncountedTerminatedPods, then removes its finalizer', async () => {
    const done = pod('p1', { phase: 'Succeeded', exitCode: 0 });
    const { podControl, written } = await run(baseJob({ completions: 1, parallelism: 1 }, { startTime: at(0) }), [done]);
    assert.deepEqual(written[0].status?.uncountedTerminatedPods, { succeeded: ['uid-p1'] }, 'uncounted first');
    assert.deepEqual(podControl.patches.map((p) => p.name), ['p1']);
    assert.deepEqual(podControl.patches[0].patch, { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } });
    const last = written[written.length - 1];
    assert.equal(last.status?.succeeded, 1);
    assert.deepEqual(last.status?.uncountedTerminatedPods, {});
    assert.ok(last.status?.conditions?.some((c) => c.type === 'SuccessCriteriaMet'));
    assert.ok(last.status?.conditions?.some((c) => c.type === 'Complete' && c.reason === 'CompletionsReached'));
    assert.equal(podControl.templates.length, 0);
  });

  it('a suspended Job deletes its active pods (finalizer first) and sets Suspended', async () => {
    const { podControl, written } = await run(baseJob({ suspend: true }, { startTime: at(0), active: 2 }), [pod('a'), pod('b')]);
    assert.deepEqual(podControl.deletePodNames.sort(), ['a', 'b']);
    assert.deepEqual(podControl.patches.map((p) => p.name).sort(), ['a', 'b']);
    const last = written[written.length - 1];
    assert.equal(last.status?.active, 0);
    assert.equal(last.status?.terminating, 2);
    assert.equal(last.status?.conditions?.find((c) => c.type === 'Suspended')?.reason, 'JobSuspended');
  });

  it('an Indexed Job creates the pods of its pending indexes', async () => {
    const { podControl } = await run(baseJob({ completionMode: 'Indexed', completions: 4, parallelism: 3 }, { startTime: at(0), completedIndexes: '0' }), [pod('x', { index: 2 })]);
    const created = podControl.templates.map((t) => t?.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort();
    assert.deepEqual(created, ['1', '3']);
    assert.deepEqual(podControl.generateNames.sort(), ['j-1-', 'j-3-']);
    assert.deepEqual(podControl.templates.map((t) => t?.spec?.hostname).sort(), ['j-1', 'j-3']);
  });
});
