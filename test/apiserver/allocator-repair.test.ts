// The ClusterIP/nodePort allocation repair loop, in the real apiserver (started in this
// process, so the pass interval can be 300 ms and its log read) on a real etcd. The
// faults are made straight in etcd with etcd3: an allocation a killed apiserver left
// without its Service, an allocation deleted behind the apiserver's back, values
// stored as plain strings by an older apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { LEAK_PASSES } from '../../apiserver/allocation-repair.js';
import { startApiServer, type RunningApiServer } from '../../apiserver/server.js';
import { startEtcd, type EtcdHandle } from '../harness/etcd.js';
import { http } from '../harness/http.js';
import { waitFor } from '../harness/processes.js';

const INTERVAL_MS = 300;
const IP_PREFIX = '/registry/ranges/serviceips/';
const PORT_PREFIX = '/registry/ranges/servicenodeports/';

interface LogLine { component?: string; msg: string; pass?: number; clusterIP?: string; nodePort?: string; passes?: number; service?: string; level: number }

let etcdProc: EtcdHandle;
let etcd: Etcd3;
let server: RunningApiServer;
let dir: string;
const lines: LogLine[] = [];
const api = (method: string, path: string, body?: unknown) => http(server.insecureUrl as string, method, path, body);
const repairLines = (value: string): LogLine[] => lines.filter((l) => l.component === 'allocation-repair' && (l.clusterIP === value || l.nodePort === value));

/** What an apiserver killed between allocating and writing leaves behind. */
const strayRecord = (value: string, name: string): string => JSON.stringify({
  metadata: { name: value, creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: { parentRef: { group: '', resource: 'services', namespace: 'default', name, uid: '0bd1e2d3-0000-4000-8000-000000000000' } },
});

const uidOf = (name: string): string => `5e7c0000-0000-4000-8000-${name.padStart(12, '0').slice(-12)}`;

/** A Service as the registry stores it, for writing one straight into etcd. */
const storedService = (name: string, clusterIP: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'Service',
  metadata: { name, namespace: 'default', uid: uidOf(name), creationTimestamp: '2025-01-01T00:00:00Z', generation: 1 },
  spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], sessionAffinity: 'None' },
  status: { loadBalancer: {} },
});

before(async () => {
  etcdProc = await startEtcd();
  etcd = new Etcd3({ hosts: etcdProc.endpoint });
  // An older apiserver stored each allocation as a plain "namespace/name" string: one
  // for a Service that exists, one left by a Service that does not.
  await etcd.put('/registry/services/default/legacy').value(storedService('legacy', '10.96.0.50'));
  await etcd.put(`${IP_PREFIX}10.96.0.50`).value('default/legacy');
  await etcd.put(`${PORT_PREFIX}30050`).value('default/gone');
  dir = await mkdtemp(join(tmpdir(), 'tskube-allocation-repair-'));
  const logger = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s) as LogLine); } });
  server = await startApiServer({
    etcdServers: [etcdProc.endpoint], bindAddress: '127.0.0.1', securePort: 0, insecurePort: 0, certDir: join(dir, 'pki'),
    serviceClusterIPRange: '10.96.0.0/24', serviceNodePortRange: '30000-30099', compactionIntervalMs: 300_000, eventTtlSeconds: 3600,
    bookmarkIntervalMs: 60_000, watchCacheCapacity: 1000, etcdRequestTimeoutMs: 5000, allocationRepairIntervalMs: INTERVAL_MS, logger,
  });
});
after(async () => {
  await server?.close();
  etcd?.close();
  await etcdProc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = async (key: string): Promise<boolean> => (await etcd.get(key).string()) !== null;
const parentRef = async (key: string): Promise<{ namespace: string; name: string; uid?: string } | undefined> =>
  (JSON.parse((await etcd.get(key).string()) ?? '{}') as { spec?: { parentRef?: { namespace: string; name: string; uid?: string } } }).spec?.parentRef;

test('allocations an older apiserver stored as plain values become records; the held one is kept, the leaked one freed', async () => {
  // The pass at start rewrote both and adopted the held one for its Service.
  assert.deepEqual(await parentRef(`${IP_PREFIX}10.96.0.50`), { group: '', resource: 'services', namespace: 'default', name: 'legacy', uid: uidOf('legacy') });
  await waitFor(async () => !(await exists(`${PORT_PREFIX}30050`)), { timeoutMs: 20 * INTERVAL_MS + 5000, what: 'the leaked plain nodePort 30050 to be freed' });
  assert.ok(await exists(`${IP_PREFIX}10.96.0.50`), 'the held ClusterIP stays allocated');
  const dup = await api('POST', '/api/v1/namespaces/default/services', { metadata: { name: 'dup' }, spec: { clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50'], ports: [{ port: 80 }] } });
  assert.equal(dup.status, 422, dup.text);
});

test('an allocation left by an apiserver killed before it wrote the Service is freed after the grace passes', async () => {
  await etcd.put(`${IP_PREFIX}10.96.0.77`).value(strayRecord('10.96.0.77', 'ghost'));
  await etcd.put(`${PORT_PREFIX}30077`).value(strayRecord('30077', 'ghost'));
  // The repair logs a release after etcd has applied it: wait for the log lines too.
  const freedLogged = (value: string): boolean => repairLines(value).some((l) => /leaked: no service held it/.test(l.msg));
  await waitFor(async () => !(await exists(`${IP_PREFIX}10.96.0.77`)) && !(await exists(`${PORT_PREFIX}30077`)) && freedLogged('10.96.0.77') && freedLogged('30077'),
    { timeoutMs: 20 * INTERVAL_MS + 5000, what: 'the stray allocations to be freed' });
  for (const value of ['10.96.0.77', '30077']) {
    const seen = repairLines(value);
    const flagged = seen.find((l) => /may have leaked/.test(l.msg));
    const freed = seen.find((l) => /leaked: no service held it/.test(l.msg));
    assert.ok(flagged && freed, `flagged then freed ${value}: ${JSON.stringify(seen)}`);
    // Not freed on the pass that first saw it: an in-flight create gets LEAK_PASSES passes.
    assert.equal((freed.pass as number) - (flagged.pass as number), LEAK_PASSES - 1);
    assert.equal(freed.passes, LEAK_PASSES);
  }
  // Freed means allocatable again.
  const again = await api('POST', '/api/v1/namespaces/default/services', {
    metadata: { name: 'reuse' }, spec: { type: 'NodePort', clusterIP: '10.96.0.77', clusterIPs: ['10.96.0.77'], selector: { a: 'b' }, ports: [{ port: 80, nodePort: 30077 }] },
  });
  assert.equal(again.status, 201, again.text);
});

test('an allocation whose Service is written while it is flagged is kept', async () => {
  // What a slow create does: allocate, then (a pass or more later) write the Service.
  await etcd.put(`${IP_PREFIX}10.96.0.88`).value(strayRecord('10.96.0.88', 'late'));
  await waitFor(() => repairLines('10.96.0.88').some((l) => /may have leaked/.test(l.msg)), { timeoutMs: 10 * INTERVAL_MS + 5000, what: 'the allocation to be flagged' });
  await etcd.put('/registry/services/default/late').value(storedService('late', '10.96.0.88'));
  const flaggedAt = repairLines('10.96.0.88')[0].pass as number;
  // Passes beyond the grace run; none frees it.
  await waitFor(() => lines.some((l) => l.component === 'allocation-repair' && (l.pass ?? 0) > flaggedAt + LEAK_PASSES),
    { timeoutMs: 20 * INTERVAL_MS + 5000, what: 'passes beyond the grace' });
  assert.ok(!repairLines('10.96.0.88').some((l) => /freed/.test(l.msg)), JSON.stringify(repairLines('10.96.0.88')));
  assert.ok(await exists(`${IP_PREFIX}10.96.0.88`));
});

test('an allocation deleted behind the apiserver\'s back is re-claimed for the Service that holds it', async () => {
  const created = await api('POST', '/api/v1/namespaces/default/services', { metadata: { name: 'lost' }, spec: { type: 'NodePort', selector: { a: 'b' }, ports: [{ port: 80 }] } });
  assert.equal(created.status, 201, created.text);
  const ip = created.json.spec.clusterIP as string;
  const port = String(created.json.spec.ports[0].nodePort);
  await etcd.delete().key(IP_PREFIX + ip);
  await etcd.delete().key(PORT_PREFIX + port);
  // Logged after etcd has the allocation again: wait for the log lines too.
  const reclaimedLogged = (value: string): boolean => repairLines(value).some((l) => /re-claimed/.test(l.msg));
  await waitFor(async () => (await exists(IP_PREFIX + ip)) && (await exists(PORT_PREFIX + port)) && reclaimedLogged(ip) && reclaimedLogged(port),
    { timeoutMs: 10 * INTERVAL_MS + 5000, what: 'the allocations to be re-claimed' });
  const owner = { group: '', resource: 'services', namespace: 'default', name: 'lost', uid: created.json.metadata.uid as string };
  assert.deepEqual(await parentRef(IP_PREFIX + ip), owner);
  assert.deepEqual(await parentRef(PORT_PREFIX + port), owner);
  for (const value of [ip, port]) assert.ok(repairLines(value).some((l) => /re-claimed/.test(l.msg) && l.service === 'default/lost'), JSON.stringify(repairLines(value)));
  // Taken again: nobody else gets them, and deleting the service frees them.
  const dup = await api('POST', '/api/v1/namespaces/default/services', { metadata: { name: 'dup2' }, spec: { type: 'NodePort', clusterIP: ip, clusterIPs: [ip], ports: [{ port: 80 }] } });
  assert.equal(dup.status, 422, dup.text);
  assert.equal((await api('DELETE', '/api/v1/namespaces/default/services/lost')).status, 200);
  assert.ok(!(await exists(IP_PREFIX + ip)) && !(await exists(PORT_PREFIX + port)));
});

test('a ClusterIP two Services hold is reported, and neither loses it', async () => {
  const created = await api('POST', '/api/v1/namespaces/default/services', { metadata: { name: 'first' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } });
  assert.equal(created.status, 201, created.text);
  const ip = created.json.spec.clusterIP as string;
  await etcd.put('/registry/services/default/second').value(storedService('second', ip));
  await waitFor(() => repairLines(ip).some((l) => /held by several services/.test(l.msg)), { timeoutMs: 10 * INTERVAL_MS + 5000, what: 'the duplicate to be reported' });
  assert.ok(await exists(IP_PREFIX + ip));
});
