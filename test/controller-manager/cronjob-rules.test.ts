// The CronJob controller's rules without I/O (Kubernetes' utils_test.go and
// cronjob_controllerv2_test.go): robfig/cron's next times across DST in a time zone,
// the missed-schedule count and the most recent due time, startingDeadlineSeconds,
// Job names and annotations, history cleanup order, and sync decisions (Allow, Forbid,
// Replace, suspend, missed deadline, completed Jobs) with a client that records what it
// was asked, a FakeClock, and the controller's requeue on filled informers.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { alreadyExists, notFound } from '../../api/errors.js';
import { nextActivation, parseCronSchedule } from '../../api/cron.js';
import { rfc3339 } from '../../api/helpers/time.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob, type Job } from '../../api/types/batch.js';
import type { KubeObject } from '../../api/types/meta.js';
import { FakeClock } from '../../client/clock.js';
import { CronJobController, scaledClock } from '../../controller-manager/cronjob/controller.js';
import { syncCronJobKey, type CronJobClient } from '../../controller-manager/cronjob/sync.js';
import {
  jobFromTemplate, jobName, jobsOverHistoryLimits, mostRecentScheduleTime, nextScheduleTime, nextScheduleTimeDuration,
  parseSchedule, rfc1123z, rfc3339InZone, type Schedule,
} from '../../controller-manager/cronjob/utils.js';
import { filledInformer, sendEvent } from '../harness/filled-informer.js';

const silent = pino({ level: 'silent' });
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());
const at = (s: string): number => Date.parse(s);

function nexts(spec: string, from: string, n: number, zone = 'UTC'): (string | undefined)[] {
  const s = parseCronSchedule(spec);
  const out: (string | undefined)[] = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = nextActivation(s, t, zone);
    out.push(iso(t));
  }
  return out;
}

describe('next activation (robfig/cron SpecSchedule.Next)', () => {
  test("robfig/cron v3's TestNext and TestNextWithTz cases, in five fields", () => {
    const cases: [string, string, string | undefined, string?][] = [
      ['2012-07-09T14:45:00Z', '0/15 * * * *', '2012-07-09T15:00:00.000Z'],
      ['2012-07-09T14:59:59Z', '0/15 * * * *', '2012-07-09T15:00:00.000Z'],
      ['2012-07-09T15:45:00Z', '20-35/15 * * * *', '2012-07-09T16:20:00.000Z'],
      ['2012-07-09T23:46:00Z', '*/15 * * * *', '2012-07-10T00:00:00.000Z'],
      ['2012-07-09T23:45:00Z', '20-35/15 * * * *', '2012-07-10T00:20:00.000Z'],
      ['2012-07-09T23:35:51Z', '20-35/15 1/2 * * *', '2012-07-10T01:20:00.000Z'],
      ['2012-07-09T23:35:51Z', '20-35/15 10-12 * * *', '2012-07-10T10:20:00.000Z'],
      ['2012-07-09T23:35:51Z', '20-35/15 1/2 */2 * *', '2012-07-11T01:20:00.000Z'],
      ['2012-07-09T23:35:51Z', '20-35/15 * 9-20 Jul *', '2012-07-10T00:20:00.000Z'],
      ['2012-07-09T23:35:00Z', '0 0 9 Apr-Oct ?', '2012-08-09T00:00:00.000Z'],
      // v3: a step makes */5 a restricted field, so day of month OR day of week.
      ['2012-07-09T23:35:00Z', '0 0 */5 Apr,Aug,Oct Mon', '2012-08-01T00:00:00.000Z'],
      ['2012-07-09T23:35:00Z', '0 0 */5 Oct Mon', '2012-10-01T00:00:00.000Z'],
      ['2012-07-09T23:35:00Z', '0 0 * Feb Mon', '2013-02-04T00:00:00.000Z'],
      ['2012-07-09T23:35:00Z', '0 0 * Feb Mon/2', '2013-02-01T00:00:00.000Z'],
      ['2012-12-31T23:59:45Z', '* * * * *', '2013-01-01T00:00:00.000Z'],
      ['2012-07-09T23:35:00Z', '0 0 29 Feb ?', '2016-02-29T00:00:00.000Z'],
      // Daylight saving time in America/New_York: EST -> EDT skips 02:30 for a year; EDT -> EST.
      ['2012-03-11T05:00:00Z', '30 2 11 Mar ?', '2013-03-11T06:30:00.000Z', 'America/New_York'],
      ['2012-11-04T04:00:00Z', '30 2 04 Nov ?', '2012-11-04T07:30:00.000Z', 'America/New_York'],
      ['2012-11-04T05:45:00Z', '30 1 04 Nov ?', '2012-11-04T06:30:00.000Z', 'America/New_York'],
      ['2012-03-11T05:00:00Z', '0 * * * ?', '2012-03-11T06:00:00.000Z', 'America/New_York'],
      ['2012-03-11T06:00:00Z', '0 * * * ?', '2012-03-11T07:00:00.000Z', 'America/New_York'],
      ['2012-03-11T05:00:00Z', '0 1 * * ?', '2012-03-11T06:00:00.000Z', 'America/New_York'],
      ['2012-03-11T06:00:00Z', '0 1 * * ?', '2012-03-12T05:00:00.000Z', 'America/New_York'],
      ['2012-03-11T05:00:00Z', '0 2 * * ?', '2012-03-12T06:00:00.000Z', 'America/New_York'],
      ['2012-11-04T05:00:00Z', '0 * * * ?', '2012-11-04T06:00:00.000Z', 'America/New_York'],
      ['2012-11-04T06:00:00Z', '0 * * * ?', '2012-11-04T07:00:00.000Z', 'America/New_York'],
      ['2012-11-04T04:00:00Z', '0 1 * * ?', '2012-11-04T05:00:00.000Z', 'America/New_York'],
      ['2012-11-04T05:00:00Z', '0 1 * * ?', '2012-11-04T06:00:00.000Z', 'America/New_York'],
      ['2012-11-04T06:00:00Z', '0 1 * * ?', '2012-11-05T06:00:00.000Z', 'America/New_York'],
      ['2012-11-04T04:00:00Z', '0 2 * * ?', '2012-11-04T07:00:00.000Z', 'America/New_York'],
      ['2012-11-04T04:00:00Z', '0 3 * * ?', '2012-11-04T08:00:00.000Z', 'America/New_York'],
      ['2012-11-04T04:00:00Z', '0 3 3 * ?', '2012-12-03T08:00:00.000Z', 'America/New_York'],
      // Midnight that does not exist (robfig/cron issue 157).
      ['2018-10-17T09:00:00Z', '0 9 10 * ?', '2018-11-10T11:00:00.000Z', 'America/Sao_Paulo'],
      ['2018-02-14T10:00:00Z', '0 9 22 * ?', '2018-02-22T12:00:00.000Z', 'America/Sao_Paulo'],
      // TestNextWithTz, in a +05:30 zone.
      ['2016-01-03T07:39:03Z', '14 14 * * *', '2016-01-03T08:44:00.000Z', 'Asia/Kolkata'],
      ['2016-01-02T22:39:03Z', '14 14 * * ?', '2016-01-03T08:44:00.000Z', 'Asia/Kolkata'],
      ['2012-07-09T23:35:00Z', '0 0 30 Feb ?', undefined],
      ['2012-07-09T23:35:00Z', '0 0 31 Apr ?', undefined],
    ];
    for (const [from, spec, want, zone] of cases) assert.deepEqual(nexts(spec, from, 1, zone), [want], `${spec} after ${from}`);
  });

  test('every minute, strictly after the given time', () => {
    assert.deepEqual(nexts('* * * * *', '2026-01-01T00:00:00Z', 2), ['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
    assert.deepEqual(nexts('* * * * *', '2026-01-01T00:00:30.250Z', 1), ['2026-01-01T00:01:00.000Z']);
  });

  test('a time in the hour skipped by DST does not run that day (America/New_York, 2026-03-08)', () => {
    assert.deepEqual(nexts('30 2 * * *', '2026-03-07T00:00:00Z', 3, 'America/New_York'),
      ['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    // spec.timeZone as the TZ= prefix formatSchedule gives it; the default zone does not matter then.
    assert.deepEqual(nexts('TZ=America/New_York 30 2 * * *', '2026-03-07T00:00:00Z', 2, 'Asia/Tokyo'),
      ['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  test('a time in the hour repeated by DST runs twice (EDT then EST)', () => {
    assert.deepEqual(nexts('30 1 * * *', '2026-10-31T12:00:00Z', 3, 'America/New_York'),
      ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  test('hourly across the fall-back hour: every real hour', () => {
    assert.deepEqual(nexts('0 * * * *', '2026-11-01T04:30:00Z', 4, 'America/New_York'),
      ['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z']);
  });

  test('a zone whose midnight does not exist (America/Sao_Paulo, 2018-11-04)', () => {
    // robfig walks hour by hour past the missing midnight, so the next midnight is the 5th's.
    assert.deepEqual(nexts('0 0 * * *', '2018-11-02T12:00:00Z', 2, 'America/Sao_Paulo'),
      ['2018-11-03T03:00:00.000Z', '2018-11-05T02:00:00.000Z']);
  });

  test('Europe/Berlin daily at 09:00 across the March change keeps local 09:00', () => {
    assert.deepEqual(nexts('0 9 * * *', '2026-03-28T00:00:00Z', 3, 'Europe/Berlin'),
      ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });

  test('day of month and day of week: OR when both restricted, AND when one is * (a step makes it restricted)', () => {
    assert.deepEqual(nexts('0 0 1 * 1', '2026-01-01T00:00:00Z', 2), ['2026-01-05T00:00:00.000Z', '2026-01-12T00:00:00.000Z']);
    assert.deepEqual(nexts('0 0 * * 1', '2026-01-01T00:00:00Z', 1), ['2026-01-05T00:00:00.000Z']);
    assert.deepEqual(nexts('0 0 ? * 1', '2026-01-01T00:00:00Z', 1), ['2026-01-05T00:00:00.000Z']);
    assert.deepEqual(nexts('0 0 */2 * 1', '2026-01-01T00:00:00Z', 2), ['2026-01-03T00:00:00.000Z', '2026-01-05T00:00:00.000Z']);
  });

  test('descriptors, @every and a schedule that never fires', () => {
    assert.deepEqual(nexts('@weekly', '2026-01-01T00:00:00Z', 1), ['2026-01-04T00:00:00.000Z']);
    assert.deepEqual(nexts('@monthly', '2026-01-15T00:00:00Z', 1), ['2026-02-01T00:00:00.000Z']);
    assert.deepEqual(nexts('@every 90s', '2026-01-01T00:00:00.500Z', 2), ['2026-01-01T00:01:30.000Z', '2026-01-01T00:03:00.000Z']);
    assert.deepEqual(nexts('30 0 31 2 *', '2026-01-01T00:00:00Z', 1), [undefined]);
    assert.deepEqual(nexts('0 0 29 2 *', '2026-03-01T00:00:00Z', 1), ['2028-02-29T00:00:00.000Z']);
  });
});

// ---------------------------------------------------------------- fixtures

const T0 = at('2026-05-19T10:00:00Z');

function cronJob(o: Partial<CronJob['spec']> & { created?: number; lastScheduleTime?: number; active?: Job[] } = {}): CronJob {
  const { created, lastScheduleTime, active, ...spec } = o;
  return {
    apiVersion: 'batch/v1', kind: 'CronJob',
    metadata: { name: 'mycronjob', namespace: 'snazzycats', uid: 'cj-uid', resourceVersion: '7', creationTimestamp: rfc3339(created ?? T0 - 10 * 3_600_000) },
    spec: {
      schedule: '0 * * * *', concurrencyPolicy: 'Allow',
      jobTemplate: { metadata: { labels: { a: 'b' }, annotations: { x: 'y' } }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } } },
      ...spec,
    },
    status: {
      ...(lastScheduleTime !== undefined ? { lastScheduleTime: rfc3339(lastScheduleTime) } : {}),
      ...(active ? { active: active.map((j) => ({ kind: 'Job', apiVersion: 'batch/v1', namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid })) } : {}),
    },
  } as CronJob;
}

function job(cj: CronJob, scheduled: number, finished?: 'Complete' | 'Failed', startTime?: number, completionTime?: number): Job {
  const j = jobFromTemplate(cj, scheduled);
  j.metadata.uid = `uid-${j.metadata.name}`;
  j.metadata.resourceVersion = '3';
  j.status = {
    ...(startTime !== undefined ? { startTime: rfc3339(startTime) } : {}),
    ...(completionTime !== undefined ? { completionTime: rfc3339(completionTime) } : {}),
    ...(finished ? { conditions: [{ type: finished, status: 'True' }] } : {}),
  };
  return j;
}

const sched = (cj: CronJob): Schedule => parseSchedule(cj, 'UTC');

describe('mostRecentScheduleTime and nextScheduleTime (utils_test.go)', () => {
  test('nothing due yet: created after the last schedule time', () => {
    const cj = cronJob({ created: T0 - 30 * 60_000 });
    const r = mostRecentScheduleTime(cj, T0 - 10 * 60_000, sched(cj), false);
    assert.equal(r.mostRecent, undefined);
    assert.equal(r.missed, 'none');
  });

  test('one due, none missed; then several missed counted by the interval', () => {
    const cj = cronJob({ created: T0 - 30 * 60_000 });
    let r = mostRecentScheduleTime(cj, T0 + 60_000, sched(cj), false);
    assert.equal(iso(r.mostRecent), iso(T0));
    assert.equal(r.missed, 'none');
    r = mostRecentScheduleTime(cronJob({ created: T0 - 150 * 60_000 }), T0 + 60_000, sched(cj), false);
    assert.equal(iso(r.mostRecent), iso(T0));
    assert.equal(r.missed, 'few');
    r = mostRecentScheduleTime(cj, T0 + 60_000, { spec: parseCronSchedule('*/10 * * * *'), defaultZone: 'UTC' }, false);
    assert.equal(iso(r.mostRecent), iso(T0));
    assert.equal(r.missed, 'few');
  });

  test('more than 100 missed: the most recent is still exact and nextScheduleTime asks for TooManyMissedTimes', () => {
    const cj = cronJob({ created: T0 - 200 * 3_600_000, schedule: '30 * * * *' });
    const due = nextScheduleTime(cj, T0 + 5 * 60_000, sched(cj));
    assert.equal(iso(due.time), iso(T0 - 30 * 60_000));
    assert.equal(due.tooManyMissed, true);
  });

  test('lastScheduleTime, not creation, starts the count', () => {
    const cj = cronJob({ created: T0 - 200 * 3_600_000, lastScheduleTime: T0 - 3_600_000 });
    const due = nextScheduleTime(cj, T0 + 60_000, sched(cj));
    assert.equal(iso(due.time), iso(T0));
    assert.equal(due.tooManyMissed, false);
  });

  test('startingDeadlineSeconds moves the earliest time up: old misses do not count', () => {
    const cj = cronJob({ created: T0 - 200 * 3_600_000, startingDeadlineSeconds: 600 });
    const due = nextScheduleTime(cj, T0 + 60_000, sched(cj));
    assert.equal(iso(due.time), iso(T0));
    assert.equal(due.tooManyMissed, false);
    // past the deadline: nothing to start.
    assert.equal(nextScheduleTime(cj, T0 + 11 * 60_000, sched(cj)).time, undefined);
  });

  test('a schedule that never fires is an error', () => {
    const cj = cronJob({ schedule: '59 23 31 2 *' });
    const due = nextScheduleTime(cj, T0, sched(cj));
    assert.equal(due.time, undefined);
    assert.equal(due.error, 'time difference between two schedules is less than 1 second');
  });

  test('@every: missed runs counted from creation', () => {
    const cj = cronJob({ schedule: '@every 1h', created: T0 - 5 * 3_600_000 + 1000 });
    assert.equal(iso(nextScheduleTime(cj, T0 + 2000, sched(cj)).time), iso(T0 + 1000));
  });

  test('requeue: just past the next schedule time, from the most recent one or from creation', () => {
    const cj = cronJob({ created: T0 - 30 * 60_000, lastScheduleTime: T0 });
    assert.equal(nextScheduleTimeDuration(cj, T0 + 60_000, sched(cj)), 59 * 60_000 + 100);
    const fresh = cronJob({ created: T0 + 60_000 });
    assert.equal(nextScheduleTimeDuration(fresh, T0 + 120_000, sched(fresh)), 58 * 60_000 + 100);
  });

  test('the time zone is spec.timeZone: 09:00 in New York is 13:00 UTC in summer', () => {
    const cj = cronJob({ schedule: '0 9 * * *', timeZone: 'America/New_York', created: at('2026-05-19T00:00:00Z') });
    assert.equal(iso(nextScheduleTime(cj, at('2026-05-19T13:00:30Z'), sched(cj)).time), '2026-05-19T13:00:00.000Z');
  });
});

describe('Jobs made for a schedule time', () => {
  test('name: <cronjob>-<minutes since the epoch>; annotation in the time zone; template copied; controller ref', () => {
    const cj = cronJob({ timeZone: 'America/New_York' });
    const j = jobFromTemplate(cj, T0);
    assert.equal(jobName(cj, T0), `mycronjob-${T0 / 60_000}`);
    assert.equal(j.metadata.name, 'mycronjob-29653080');
    assert.deepEqual(j.metadata.labels, { a: 'b' });
    assert.deepEqual(j.metadata.annotations, { x: 'y', [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: '2026-05-19T06:00:00-04:00' });
    assert.deepEqual(j.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'mycronjob', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(j.spec, cj.spec?.jobTemplate.spec);
    assert.equal(jobFromTemplate(cronJob(), T0).metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION], '2026-05-19T10:00:00Z');
  });

  test('time formats of the annotation and the MissSchedule event', () => {
    assert.equal(rfc3339InZone(T0, 'Asia/Kolkata'), '2026-05-19T15:30:00+05:30');
    assert.equal(rfc1123z(T0), 'Tue, 19 May 2026 10:00:00 +0000');
  });

  test('history limits remove the oldest finished Jobs first, per outcome; unfinished ones never', () => {
    const cj = cronJob({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
    const ok1 = job(cj, T0 - 3 * 3_600_000, 'Complete', T0 - 3 * 3_600_000);
    const ok2 = job(cj, T0 - 2 * 3_600_000, 'Complete', T0 - 2 * 3_600_000);
    const ok3 = job(cj, T0 - 1 * 3_600_000, 'Complete'); // no startTime: sorts last
    const bad1 = job(cj, T0 - 5 * 3_600_000, 'Failed', T0 - 5 * 3_600_000);
    const bad2 = job(cj, T0 - 4 * 3_600_000, 'Failed', T0 - 4 * 3_600_000);
    const running = job(cj, T0, undefined, T0);
    assert.deepEqual(jobsOverHistoryLimits(cj, [ok3, running, ok2, bad2, ok1, bad1]).map((j) => j.metadata.name),
      [ok1, ok2, bad1].map((j) => j.metadata.name));
    assert.deepEqual(jobsOverHistoryLimits(cronJob(), [ok1, ok2, ok3]), []);
  });
});

// ---------------------------------------------------------------- sync decisions

interface Recorded { events: string[]; created: Job[]; deleted: string[]; statuses: CronJob[] }

function fakeClient(existing: Job[] = [], fresh?: CronJob): CronJobClient & Recorded {
  const jobs = new Map(existing.map((j) => [j.metadata.name!, j]));
  const r: Recorded = { events: [], created: [], deleted: [], statuses: [] };
  return Object.assign(r, {
    getCronJob: async () => structuredClone(fresh!),
    updateCronJobStatus: async (cj: CronJob) => { r.statuses.push(structuredClone(cj)); return cj; },
    getJob: async (_ns: string, name: string) => {
      const j = jobs.get(name);
      if (!j) throw notFound({ group: 'batch', resource: 'jobs' }, name);
      return structuredClone(j);
    },
    createJob: async (_ns: string, j: Job) => {
      if (jobs.has(j.metadata.name!)) throw alreadyExists({ group: 'batch', resource: 'jobs' }, j.metadata.name!);
      const made = { ...structuredClone(j), metadata: { ...j.metadata, uid: `uid-${j.metadata.name}`, resourceVersion: '9' } };
      jobs.set(j.metadata.name!, made);
      r.created.push(made);
      return made;
    },
    deleteJob: async (_ns: string, name: string) => {
      r.deleted.push(name);
      jobs.delete(name);
    },
  });
}

async function sync(cj: CronJob, jobs: Job[], now: number, client = fakeClient(jobs)): Promise<{ client: ReturnType<typeof fakeClient>; requeue: number | undefined }> {
  const clock = new FakeClock(now);
  const recorder = { event: (_o: KubeObject, type: string, reason: string, message: string) => client.events.push(`${type} ${reason} ${message}`) };
  const requeue = await syncCronJobKey({ client, recorder, clock, log: silent, defaultZone: 'UTC' }, cj, jobs);
  return { client, requeue };
}

describe('syncCronJob decisions', () => {
  test('Allow: the due Job is created, recorded in active and lastScheduleTime; requeued for the next time', async () => {
    const cj = cronJob({ lastScheduleTime: T0 - 3_600_000 });
    const { client, requeue } = await sync(cj, [], T0 + 1000);
    assert.deepEqual(client.created.map((j) => j.metadata.name), ['mycronjob-29653080']);
    assert.deepEqual(client.events, ['Normal SuccessfulCreate Created job mycronjob-29653080']);
    assert.equal(client.statuses.length, 1);
    assert.equal(client.statuses[0].status?.lastScheduleTime, rfc3339(T0));
    assert.deepEqual(client.statuses[0].status?.active, [{ kind: 'Job', namespace: 'snazzycats', name: 'mycronjob-29653080', uid: 'uid-mycronjob-29653080', apiVersion: 'batch/v1', resourceVersion: '9' }]);
    assert.equal(requeue, 3_600_000 - 1000 + 100);
  });

  test('already processed (lastScheduleTime is the due time): nothing created, requeued', async () => {
    const cj = cronJob({ lastScheduleTime: T0 });
    const { client, requeue } = await sync(cj, [], T0 + 1000);
    assert.deepEqual(client.created, []);
    assert.equal(client.statuses.length, 0);
    assert.equal(requeue, 3_600_000 - 1000 + 100);
  });

  test('Forbid with a Job active: JobAlreadyActive, no new Job', async () => {
    const base = cronJob({ lastScheduleTime: T0 - 3_600_000, concurrencyPolicy: 'Forbid' });
    const running = job(base, T0 - 3_600_000, undefined, T0 - 3_600_000);
    const cj = cronJob({ lastScheduleTime: T0 - 3_600_000, concurrencyPolicy: 'Forbid', active: [running] });
    const { client } = await sync(cj, [running], T0 + 1000);
    assert.deepEqual(client.created, []);
    assert.deepEqual(client.events, ['Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid']);
  });

  test('Forbid once the active Job finished: SawCompletedJob, lastSuccessfulTime, then the new Job', async () => {
    const base = cronJob({ lastScheduleTime: T0 - 3_600_000, concurrencyPolicy: 'Forbid' });
    const done = job(base, T0 - 3_600_000, 'Complete', T0 - 3_600_000, T0 - 3_000_000);
    const cj = cronJob({ lastScheduleTime: T0 - 3_600_000, concurrencyPolicy: 'Forbid', active: [done] });
    const { client } = await sync(cj, [done], T0 + 1000);
    assert.deepEqual(client.events, [
      `Normal SawCompletedJob Saw completed job: ${done.metadata.name}, status: Complete`,
      'Normal SuccessfulCreate Created job mycronjob-29653080',
    ]);
    assert.equal(client.statuses[0].status?.lastSuccessfulTime, rfc3339(T0 - 3_000_000));
    assert.deepEqual(client.statuses[0].status?.active?.map((r) => r.name), ['mycronjob-29653080']);
  });

  test('Replace: the running Job is deleted, then the new one created', async () => {
    const base = cronJob({ lastScheduleTime: T0 - 3_600_000, concurrencyPolicy: 'Replace' });
    const running = job(base, T0 - 3_600_000, undefined, T0 - 3_600_000);
    const cj = cronJob({ lastScheduleTime: T0 - 3_600_000, concurrencyPolicy: 'Replace', active: [running] });
    const { client } = await sync(cj, [running], T0 + 1000, fakeClient([running]));
    assert.deepEqual(client.deleted, [running.metadata.name]);
    assert.deepEqual(client.events, [`Normal SuccessfulDelete Deleted job ${running.metadata.name}`, 'Normal SuccessfulCreate Created job mycronjob-29653080']);
    assert.deepEqual(client.statuses[0].status?.active?.map((r) => r.name), ['mycronjob-29653080']);
  });

  test('suspended: nothing starts and no requeue', async () => {
    const { client, requeue } = await sync(cronJob({ lastScheduleTime: T0 - 3_600_000, suspend: true }), [], T0 + 1000);
    assert.deepEqual(client.created, []);
    assert.equal(requeue, undefined);
  });

  test('startingDeadlineSeconds: a due time older than the deadline is not started', async () => {
    // The window (now - 5 s) starts after the 10:00 run: nothing is due, nothing is made,
    // and the key comes back at 11:00. (Since the window is applied before the due time is
    // chosen, the MissSchedule branch after it cannot trigger, in Kubernetes either.)
    const cj = cronJob({ lastScheduleTime: T0 - 3_600_000, startingDeadlineSeconds: 5 });
    const { client, requeue } = await sync(cj, [], T0 + 30_000);
    assert.deepEqual(client.created, []);
    assert.deepEqual(client.events, []);
    assert.equal(requeue, 3_600_000 - 30_000 + 100);
    // Within the deadline it starts.
    const r = await sync(cronJob({ lastScheduleTime: T0 - 3_600_000, startingDeadlineSeconds: 3_600 }), [], T0 + 1000);
    assert.equal(r.client.created.length, 1);
  });

  test('too many missed times: the warning, and the most recent one still starts', async () => {
    const cj = cronJob({ created: T0 - 300 * 3_600_000 });
    const { client } = await sync(cj, [], T0 + 1000);
    assert.deepEqual(client.events, [
      'Warning TooManyMissedTimes too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      'Normal SuccessfulCreate Created job mycronjob-29653080',
    ]);
  });

  test('an unfinished Job of ours not in active: UnexpectedJob', async () => {
    const cj = cronJob({ lastScheduleTime: T0 });
    const manual = { ...job(cj, T0 - 60_000), metadata: { ...job(cj, T0 - 60_000).metadata, name: 'manual' } };
    const { client } = await sync(cj, [manual], T0 + 1000, fakeClient([manual], cj));
    assert.deepEqual(client.events, ['Warning UnexpectedJob Saw a job that the controller did not create or forgot: manual']);
  });

  test('an active Job gone from the API: MissingJob, taken out of active', async () => {
    const base = cronJob({ lastScheduleTime: T0 });
    const gone = job(base, T0);
    const cj = cronJob({ lastScheduleTime: T0, active: [gone] });
    const { client } = await sync(cj, [], T0 + 1000);
    assert.deepEqual(client.events, [`Normal MissingJob Active job went missing: ${gone.metadata.name}`]);
    assert.deepEqual(client.statuses[0].status?.active, []);
  });

  test('the Job already exists (status write lost): added to active without SuccessfulCreate', async () => {
    const cj = cronJob({ lastScheduleTime: T0 - 3_600_000 });
    const existing = job(cj, T0, undefined, T0);
    const client = fakeClient([existing], cj);
    // The cache has not seen it yet.
    const { requeue } = await sync(cj, [], T0 + 1000, client);
    assert.deepEqual(client.created, []);
    assert.deepEqual(client.events, []);
    assert.deepEqual(client.statuses[0].status?.active?.map((r) => r.uid), [existing.metadata.uid]);
    assert.ok(requeue !== undefined);
  });

  test('history cleanup deletes finished Jobs over the limits with SuccessfulDelete', async () => {
    const cj = cronJob({ lastScheduleTime: T0, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 });
    const ok1 = job(cj, T0 - 2 * 3_600_000, 'Complete', T0 - 2 * 3_600_000, T0 - 2 * 3_600_000 + 5000);
    const ok2 = job(cj, T0 - 3_600_000, 'Complete', T0 - 3_600_000, T0 - 3_600_000 + 5000);
    const bad = job(cj, T0 - 3 * 3_600_000, 'Failed', T0 - 3 * 3_600_000);
    const { client } = await sync(cj, [ok2, bad, ok1], T0 + 1000, fakeClient([ok1, ok2, bad]));
    assert.deepEqual(client.deleted, [ok1.metadata.name, bad.metadata.name]);
    assert.deepEqual(client.events, [`Normal SuccessfulDelete Deleted job ${ok1.metadata.name}`, `Normal SuccessfulDelete Deleted job ${bad.metadata.name}`]);
  });

  test('an unparseable schedule (stored before validation): UnparseableSchedule, no requeue', async () => {
    const { client, requeue } = await sync(cronJob({ schedule: 'not a schedule' }), [], T0);
    assert.deepEqual(client.events, ['Warning UnparseableSchedule unparseable schedule: "not a schedule" : expected exactly 5 fields, found 3: [not a schedule]']);
    assert.equal(requeue, undefined);
  });
});

describe('CronJobController on filled informers', () => {
  const ac = new AbortController();
  after(() => ac.abort());

  test('a sync creates the due Job and queues the key again at the next schedule time', async () => {
    const clock = new FakeClock(T0 + 1000);
    const cj = cronJob({ lastScheduleTime: T0 - 3_600_000 });
    const cronJobs = await filledInformer<CronJob>([cj], ac.signal);
    const jobs = await filledInformer<Job>([], ac.signal);
    const client = fakeClient();
    const c = new CronJobController({
      cronJobs, jobs, client, recorder: { event: () => undefined }, clock, log: silent, workers: 1, defaultZone: 'UTC',
    });
    // The informer's initial add queued the key: take it as a worker would.
    const key = await c.queue.get();
    assert.equal(key, 'snazzycats/mycronjob');
    await c.reconcile(key);
    c.queue.done(key);
    assert.deepEqual(client.created.map((j) => j.metadata.name), ['mycronjob-29653080']);
    assert.equal(clock.pending(), 1);
    assert.equal(c.queue.length, 0);
    clock.step(3_600_000 - 1000 + 99);
    assert.equal(c.queue.length, 0);
    clock.step(1);
    assert.equal(c.queue.length, 1);
    // A deleted CronJob is done.
    await c.reconcile('snazzycats/other');
  });

  test('a changed schedule requeues at its next time; an unparseable one records UnParseableCronJobSchedule', async () => {
    const clock = new FakeClock(T0 + 1000);
    const cj = cronJob({ lastScheduleTime: T0 });
    const cronJobs = await filledInformer<CronJob>([cj], ac.signal);
    const jobs = await filledInformer<Job>([], ac.signal);
    const events: string[] = [];
    const c = new CronJobController({
      cronJobs, jobs, client: fakeClient(), clock, log: silent, workers: 1, defaultZone: 'UTC',
      recorder: { event: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
    });
    c.queue.done((await c.queue.get())!);
    // Every 5 minutes from 10:00: next at 10:05, 100 ms past it.
    await sendEvent(cronJobs, 'MODIFIED', { ...cj, metadata: { ...cj.metadata, resourceVersion: '8' }, spec: { ...cj.spec!, schedule: '*/5 * * * *' } });
    assert.equal(c.queue.length, 0);
    clock.step(5 * 60_000 - 1000 + 99);
    assert.equal(c.queue.length, 0);
    clock.step(1);
    assert.equal(c.queue.length, 1);
    c.queue.done((await c.queue.get())!);
    await sendEvent(cronJobs, 'MODIFIED', { ...cj, metadata: { ...cj.metadata, resourceVersion: '9' }, spec: { ...cj.spec!, schedule: 'bad' } });
    assert.deepEqual(events, ['Warning UnParseableCronJobSchedule unparseable schedule for cronjob: bad']);
    // Any other change syncs at once.
    await sendEvent(cronJobs, 'MODIFIED', { ...cj, metadata: { ...cj.metadata, resourceVersion: '10' }, spec: { ...cj.spec!, schedule: 'bad', suspend: true } });
    assert.equal(c.queue.length, 1);
  });

  test('scaledClock runs faster and shortens timers alike', () => {
    const base = new FakeClock(T0);
    const fast = scaledClock(base, 60);
    base.step(1000);
    assert.equal(fast.now(), T0 + 60_000);
    let fired = false;
    fast.setTimeout(() => { fired = true; }, 60_000);
    base.step(999);
    assert.equal(fired, false);
    base.step(1);
    assert.equal(fired, true);
  });
});
