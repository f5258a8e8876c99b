// Checks the etcd harness itself: a real etcd starts healthy, survives a crash and
// restart on the same endpoint with its data, and stop() leaves nothing behind.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';

import { startEtcd, type EtcdHandle } from '../harness/etcd.js';
import { waitFor } from '../harness/processes.js';

async function health(endpoint: string): Promise<unknown> {
  const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2000) });
  return res.json();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// etcd's v3 JSON gateway: keys and values are base64.
async function v3(endpoint: string, path: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${endpoint}/v3/${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(2000),
  });
  assert.equal(res.status, 200, `POST /v3/${path}`);
  return (await res.json()) as Record<string, unknown>;
}
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let etcd: EtcdHandle | undefined;
after(async () => {
  await etcd?.stop();
});

test('etcd harness: start, kill, restart with data, stop', async () => {
  etcd = await startEtcd();
  const { endpoint, dataDir } = etcd;
  assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(await health(endpoint), { health: 'true' });
  assert.ok(existsSync(dataDir));

  await v3(endpoint, 'kv/put', { key: b64('/selfcheck'), value: b64('kept') });

  const firstPid = etcd.pid;
  await etcd.kill();
  assert.equal(alive(firstPid), false, 'killed etcd is gone');
  assert.ok(existsSync(dataDir), 'kill keeps the data dir');
  await assert.rejects(health(endpoint), 'nothing answers while etcd is down');

  await etcd.restart();
  assert.notEqual(etcd.pid, firstPid);
  assert.equal(etcd.endpoint, endpoint, 'restart keeps the endpoint');
  assert.deepEqual(await health(endpoint), { health: 'true' });
  const range = await v3(endpoint, 'kv/range', { key: b64('/selfcheck') });
  const kvs = range['kvs'] as Array<{ value: string }>;
  assert.equal(Buffer.from(kvs[0]!.value, 'base64').toString(), 'kept', 'data survives restart');

  const secondPid = etcd.pid;
  await etcd.stop();
  await waitFor(() => !alive(secondPid), { timeoutMs: 2000, intervalMs: 20, what: 'etcd to exit' });
  assert.equal(existsSync(dataDir), false, 'stop removes the data dir');
  await etcd.stop(); // idempotent
  await assert.rejects(etcd.restart(), /stopped/);
});
