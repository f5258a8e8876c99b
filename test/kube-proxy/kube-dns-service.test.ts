// kube-proxy's check of kube-system/kube-dns against a fake client that records what it
// was asked: read first (creating over a taken address fails on the address, not the
// name), created when missing, kept when there, and a 403 (system:kube-proxy may not
// create Services: the cluster's setup made it) is logged at info and not retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { alreadyExists, forbidden, notFound, type StatusError } from '../../api/errors.js';
import type { RestClient, RequestOptions } from '../../client/rest-client.js';
import { createKubeDnsService, ensureKubeDnsService, kubeDnsService } from '../../kube-proxy/kube-dns-service.js';

const PATH = '/api/v1/namespaces/kube-system/services';
const services = { group: '', resource: 'services' };

/** A RestClient answering GET and POST of kube-dns as told; calls lists "METHOD path". */
function fakeRest(answers: { get: () => unknown; post: () => unknown }): { rest: RestClient; calls: string[] } {
  const calls: string[] = [];
  const request = async (o: RequestOptions): Promise<unknown> => {
    calls.push(`${o.method ?? 'GET'} ${o.path}`);
    return (o.method === 'POST' ? answers.post : answers.get)();
  };
  return { rest: { request } as unknown as RestClient, calls };
}

const fail = (err: StatusError) => (): never => { throw err; };

/** A logger whose lines (level, msg) are kept. */
function recordingLog(): { log: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString())); done(); } });
  return { log: pino({ level: 'debug' }, sink) as Logger, lines };
}

test('missing: read, then created', async () => {
  const { rest, calls } = fakeRest({ get: fail(notFound(services, 'kube-dns')), post: () => kubeDnsService('10.96.0.10') });
  assert.deepEqual(await createKubeDnsService(rest, '10.96.0.10'), { created: true, clusterIP: '10.96.0.10' });
  assert.deepEqual(calls, [`GET ${PATH}/kube-dns`, `POST ${PATH}`]);
});

test('there already: read only, never a create that would fail on its taken address', async () => {
  const { rest, calls } = fakeRest({ get: () => kubeDnsService('10.96.0.10'), post: fail(alreadyExists(services, 'kube-dns')) });
  assert.deepEqual(await createKubeDnsService(rest, '10.96.0.10'), { created: false, clusterIP: '10.96.0.10' });
  assert.deepEqual(calls, [`GET ${PATH}/kube-dns`]);
});

test('made by another at the same moment: AlreadyExists, then read', async () => {
  let gets = 0;
  const { rest, calls } = fakeRest({
    get: () => (gets++ === 0 ? fail(notFound(services, 'kube-dns'))() : kubeDnsService('10.96.0.10')),
    post: fail(alreadyExists(services, 'kube-dns')),
  });
  assert.deepEqual(await createKubeDnsService(rest, '10.96.0.10'), { created: false, clusterIP: '10.96.0.10' });
  assert.deepEqual(calls, [`GET ${PATH}/kube-dns`, `POST ${PATH}`, `GET ${PATH}/kube-dns`]);
});

test('kube-proxy as system:kube-proxy: a 403 is the setup\'s Service, logged at info, no error', async () => {
  const denied = forbidden('services "kube-dns" is forbidden: User "system:kube-proxy" cannot get resource "services"');
  const { rest } = fakeRest({ get: fail(denied), post: fail(denied) });
  const { log, lines } = recordingLog();
  await ensureKubeDnsService(rest, '10.96.0.10', log);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 30);
  assert.match(lines[0]!.msg, /may not read or create the kube-dns Service: the cluster's setup makes it/);
});

test('kube-proxy: a Service on another address is an error in the log, left as it is', async () => {
  const { rest, calls } = fakeRest({ get: () => kubeDnsService('10.96.0.53'), post: () => assert.fail('no create') });
  const { log, lines } = recordingLog();
  await ensureKubeDnsService(rest, '10.96.0.10', log);
  assert.deepEqual(calls, [`GET ${PATH}/kube-dns`]);
  assert.equal(lines[0]!.level, 50);
});

test('kube-proxy: other errors are thrown, for its retry loop', async () => {
  const { rest } = fakeRest({ get: () => { throw new Error('connection refused'); }, post: () => undefined });
  await assert.rejects(ensureKubeDnsService(rest, '10.96.0.10', recordingLog().log), /connection refused/);
});
