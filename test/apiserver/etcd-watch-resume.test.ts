// The storage's etcd watch across etcd restarts, against a real etcd: every revision is
// delivered exactly once and in order, even when etcd dies again while the watch is
// still catching up on what was written while it was away; a compacted history ends
// the watch with 410, never 503.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { EtcdClient, type RawEvent } from '../../apiserver/storage/etcd-client.js';
import type { Status } from '../../api/types/meta.js';
import { startEtcd, type EtcdHandle } from '../harness/etcd.js';
import { waitFor } from '../harness/processes.js';

let etcd: EtcdHandle;
before(async () => { etcd = await startEtcd(); });
after(async () => { await etcd?.stop(); });

async function writeKeys(endpoint: string, prefix: string, n: number, size: number): Promise<void> {
  const raw = new Etcd3({ hosts: endpoint });
  try {
    const value = 'v'.repeat(size);
    for (let i = 0; i < n; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => raw.put(`${prefix}${String(i + j).padStart(6, '0')}`).value(value)));
    }
  } finally {
    raw.close();
  }
}

test('a watch resumes from its last delivered revision when etcd dies in the middle of its catch-up', async () => {
  const client = new EtcdClient({ endpoints: [etcd.endpoint], requestTimeoutMs: 5000 });
  const seen: RawEvent[] = [];
  const errors: Status[] = [];
  let restarted: Promise<void> | undefined;
  try {
    // 3,000 large values written before the watch starts from a revision before them:
    // etcd sends them as a catch-up in several responses, and the first one says
    // etcd's current revision, which is past all of them.
    const start = (await client.revision()) + 1;
    await writeKeys(etcd.endpoint, '/resume/', 3000, 20_000);
    await client.watch(1, '/resume/', start, (events) => {
      seen.push(...events);
      // Kill etcd before it can send the rest of the catch-up.
      restarted ??= etcd.restart();
    }, (status) => errors.push(status));
    await waitFor(() => restarted !== undefined, { timeoutMs: 30_000, what: 'the catch-up to begin' });
    await restarted;
    assert.ok(seen.length < 3000, `etcd died before the catch-up was over (${seen.length} events seen)`);
    await waitFor(() => seen.length >= 3000, { timeoutMs: 60_000, what: `all 3,000 events (have ${seen.length})` });
    assert.equal(seen.length, 3000, 'no event twice');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].rev > seen[i - 1].rev, `revisions increase at ${i}`);
    assert.equal(new Set(seen.map((e) => e.key)).size, 3000, 'every key once');
    assert.deepEqual(errors, []);
  } finally {
    await restarted?.catch(() => undefined);
    await client.cancelWatch(1).catch(() => undefined);
    client.close();
  }
});

test('a watch from a compacted revision ends with 410 Expired, not 503', async () => {
  const client = new EtcdClient({ endpoints: [etcd.endpoint], requestTimeoutMs: 5000 });
  try {
    await writeKeys(etcd.endpoint, '/compacted/', 5, 10);
    const old = await client.revision();
    await writeKeys(etcd.endpoint, '/compacted/x', 5, 10);
    await client.compact(await client.revision());
    const errors: Status[] = [];
    await client.watch(2, '/compacted/', old - 2, () => undefined, (status) => errors.push(status));
    await waitFor(() => errors.length > 0, { timeoutMs: 10_000, what: 'the watch to end' });
    assert.equal(errors[0].code, 410, JSON.stringify(errors[0]));
    assert.equal(errors[0].reason, 'Expired');
  } finally {
    await client.cancelWatch(2).catch(() => undefined);
    client.close();
  }
});
