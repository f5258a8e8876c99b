// ClusterIP and nodePort allocations against the real apiserver on a real etcd: every
// path that allocates and then fails to write frees what it allocated, and what the
// allocator holds is exactly what the Services hold. The allocation keys are read
// straight from etcd. Small ranges (62 IPs, 40 nodePorts) so a leak or a shared value
// shows quickly; the repair loop is left at its default interval (its first pass runs
// at start, before any of this), so it cannot clean up after a leak here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

const IP_PREFIX = '/registry/ranges/serviceips/';
const PORT_PREFIX = '/registry/ranges/servicenodeports/';
const FIRST_PORT = 30000;
const LAST_PORT = 30039;

let cp: ControlPlane;
let etcd: Etcd3;
const api = (method: string, path: string, body?: unknown, ct?: string) => http(cp.url, method, path, body, ct);

interface Svc { metadata: { name: string; namespace: string }; spec: { type?: string; clusterIP?: string; ports?: { nodePort?: number }[] } }

before(async () => {
  cp = await startControlPlane({ args: ['--service-cluster-ip-range', '10.97.0.0/26', '--service-node-port-range', `${FIRST_PORT}-${LAST_PORT}`] });
  etcd = new Etcd3({ hosts: cp.etcd.endpoint });
  for (const ns of ['cas', 'revert', 'fin', 'collide', 'many', 'proto']) {
    const r = await api('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => {
  etcd?.close();
  await cp?.stop();
});

/** Values allocated in etcd that no Service holds, held without an allocation, or held twice. */
interface Mismatch { leaked: string[]; missing: string[]; shared: string[] }

/** The allocated values under prefix, read straight from etcd. */
const keys = async (prefix: string): Promise<string[]> => (await etcd.getAll().prefix(prefix).keys()).map((k) => k.slice(prefix.length));

/**
 * The first of candidates that nothing holds now. A test that requests a specific value
 * must pick a free one: the services of earlier tests got random values, any of which
 * a fixed choice could collide with (a 422 "already allocated" that is no bug).
 */
async function freeValue(prefix: string, candidates: string[]): Promise<string> {
  const taken = new Set(await keys(prefix));
  const free = candidates.find((v) => !taken.has(v));
  assert.ok(free, `a free value under ${prefix}`);
  return free;
}

async function mismatches(): Promise<{ ips: Mismatch; ports: Mismatch }> {
  const list = await api('GET', '/api/v1/services');
  assert.equal(list.status, 200, list.text);
  const items = list.json.items as Svc[];
  const heldIPs = items.map((s) => s.spec.clusterIP).filter((ip): ip is string => !!ip && ip !== 'None');
  // A service may give one nodePort to two ports of different protocols: it holds it once.
  const heldPorts = items.flatMap((s) => [...new Set((s.spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n))]).map(String);
  const compare = (allocated: string[], held: string[]): Mismatch => ({
    leaked: allocated.filter((v) => !held.includes(v)).sort(),
    missing: held.filter((v) => !allocated.includes(v)).sort(),
    shared: held.filter((v, i) => held.indexOf(v) !== i).sort(),
  });
  return { ips: compare(await keys(IP_PREFIX), heldIPs), ports: compare(await keys(PORT_PREFIX), heldPorts) };
}

/**
 * Runs body and checks that it left the allocations as consistent with the Services as
 * it found them: no new leak, no value held without its allocation, nothing shared.
 */
function keepsAllocationsExact(body: (check: () => Promise<void>) => Promise<void>): () => Promise<void> {
  return async () => {
    const before = await mismatches();
    const check = async (): Promise<void> => assert.deepEqual(await mismatches(), before, 'allocations are exactly what the services hold');
    await body(check);
    await check();
  };
}

const nodePortSvc = (name: string, port = 80) => ({ metadata: { name }, spec: { type: 'NodePort', selector: { app: name }, ports: [{ port }] } });

test('an update that allocates a nodePort and then loses the compare-and-swap frees it', keepsAllocationsExact(async (check) => {
  // The race this guards against: an update reads the service (holding nodePort P),
  // another update replaces it and frees P, and the first then allocates a port for its
  // new one and gets P, now free, before losing the compare-and-swap. P is this
  // attempt's to free, though the service it read held P too. With a few free ports
  // besides those these updates can hold at once (12 requests each holding at most one,
  // plus the service's), an allocation is likely to get the port just freed: a filler
  // service holds the rest of the range.
  const spare = LAST_PORT - FIRST_PORT + 1 - (await keys(PORT_PREFIX)).length - 14;
  const filler = await api('POST', '/api/v1/namespaces/cas/services', {
    metadata: { name: 'filler' },
    spec: { type: 'NodePort', selector: { app: 'filler' }, ports: Array.from({ length: spare }, (_, i) => ({ name: `p${i}`, port: 10000 + i })) },
  });
  assert.equal(filler.status, 201, filler.text);
  const created = await api('POST', '/api/v1/namespaces/cas/services', { metadata: { name: 'flip' }, spec: { selector: { app: 'flip' }, ports: [{ port: 80 }] } });
  assert.equal(created.status, 201, created.text);
  // PUTs without a resourceVersion have no precondition: a 409 can only come from the
  // compare-and-swap itself, after beforeUpdate allocated a nodePort for the new port.
  let conflicts = 0;
  for (let round = 0; round < 5 && conflicts === 0; round++) {
    const puts = await Promise.all(Array.from({ length: 12 }, (_, i) => api('PUT', '/api/v1/namespaces/cas/services/flip', {
      metadata: { name: 'flip' }, spec: { type: 'NodePort', selector: { app: 'flip' }, ports: [{ port: 1000 + round * 100 + i }] },
    })));
    for (const r of puts) assert.ok(r.status === 200 || r.status === 409, `${r.status} ${r.text}`);
    conflicts += puts.filter((r) => r.status === 409).length;
    await check();
  }
  assert.ok(conflicts > 0, 'some PUTs lost the compare-and-swap');
  // Patches retry a lost compare-and-swap themselves: each lost attempt frees its port
  // too, and each retry starts from the service another patch has just replaced.
  for (let round = 0; round < 3; round++) {
    const patches = await Promise.all(Array.from({ length: 12 }, (_, i) => api('PATCH', '/api/v1/namespaces/cas/services/flip',
      { spec: { ports: [{ port: 2000 + round * 100 + i }] } }, 'application/merge-patch+json')));
    for (const r of patches) assert.ok(r.status === 200 || r.status === 409, `${r.status} ${r.text}`);
    await check();
  }
  assert.equal((await api('DELETE', '/api/v1/namespaces/cas/services/filler')).status, 200);
}));

test('an update whose ClusterIP is refused frees the nodePorts it had allocated', keepsAllocationsExact(async (check) => {
  const holder = await api('POST', '/api/v1/namespaces/revert/services', { metadata: { name: 'holder' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } });
  assert.equal(holder.status, 201, holder.text);
  const taken = holder.json.spec.clusterIP as string;
  const ext = await api('POST', '/api/v1/namespaces/revert/services', { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
  assert.equal(ext.status, 201, ext.text);
  // ExternalName to NodePort: the nodePort is allocated, then the requested IP is taken.
  const r = await api('PUT', '/api/v1/namespaces/revert/services/ext', {
    metadata: { name: 'ext' }, spec: { type: 'NodePort', clusterIP: taken, clusterIPs: [taken], selector: { a: 'b' }, ports: [{ port: 80 }] },
  });
  assert.equal(r.status, 422, r.text);
  assert.match(r.json.message, /provided IP is already allocated/);
  await check();
}));

test('an update from ExternalName that requests a free ClusterIP allocates it', keepsAllocationsExact(async (check) => {
  const ext = await api('POST', '/api/v1/namespaces/revert/services', { metadata: { name: 'ext2' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
  assert.equal(ext.status, 201, ext.text);
  const ip = await freeValue(IP_PREFIX, Array.from({ length: 62 }, (_, i) => `10.97.0.${62 - i}`));
  const r = await api('PUT', '/api/v1/namespaces/revert/services/ext2', {
    metadata: { name: 'ext2' }, spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], selector: { a: 'b' }, ports: [{ port: 80 }] },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.spec.clusterIP, ip);
  await check();
  const dup = await api('POST', '/api/v1/namespaces/revert/services', { metadata: { name: 'dup' }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ port: 80 }] } });
  assert.equal(dup.status, 422, dup.text);
  assert.match(dup.json.message, /provided IP is already allocated/);
}));

test('a create whose write fails after allocating (name taken, found only at write) frees what it allocated', keepsAllocationsExact(async (check) => {
  const first = await api('POST', '/api/v1/namespaces/collide/services', nodePortSvc('same'));
  assert.equal(first.status, 201, first.text);
  const again = await api('POST', '/api/v1/namespaces/collide/services', nodePortSvc('same'));
  assert.equal(again.status, 409, again.text);
  assert.equal(again.json.reason, 'AlreadyExists');
  await check();
  // The same name raced by many creates: one wins, the rest free their IP and port.
  const race = await Promise.all(Array.from({ length: 10 }, () => api('POST', '/api/v1/namespaces/collide/services', nodePortSvc('raced'))));
  assert.equal(race.filter((r) => r.status === 201).length, 1);
  assert.equal(race.filter((r) => r.status === 409).length, 9);
  await check();
}));

test('removing the last finalizer frees what the stored service held, not what the request names', keepsAllocationsExact(async (check) => {
  const other = await api('POST', '/api/v1/namespaces/fin/services', nodePortSvc('other'));
  assert.equal(other.status, 201, other.text);
  const otherPort = other.json.spec.ports[0].nodePort as number;
  const held = await api('POST', '/api/v1/namespaces/fin/services', { ...nodePortSvc('held'), metadata: { name: 'held', finalizers: ['example.com/hold'] } });
  assert.equal(held.status, 201, held.text);
  const del = await api('DELETE', '/api/v1/namespaces/fin/services/held');
  assert.equal(del.status, 202, del.text);
  const cur = (await api('GET', '/api/v1/namespaces/fin/services/held')).json;
  assert.ok(cur.metadata.deletionTimestamp);
  // The request that ends deletion also names another service's nodePort.
  cur.metadata.finalizers = [];
  cur.spec.ports[0].nodePort = otherPort;
  const fin = await api('PUT', '/api/v1/namespaces/fin/services/held', cur);
  assert.equal(fin.status, 200, fin.text);
  assert.equal((await api('GET', '/api/v1/namespaces/fin/services/held')).status, 404);
  await check();
}));

test('one nodePort for the TCP and UDP ports of a service is allocated once', keepsAllocationsExact(async (check) => {
  const port = Number(await freeValue(PORT_PREFIX, Array.from({ length: LAST_PORT - FIRST_PORT + 1 }, (_, i) => String(LAST_PORT - i))));
  const r = await api('POST', '/api/v1/namespaces/proto/services', {
    metadata: { name: 'dns' },
    spec: { type: 'NodePort', selector: { app: 'dns' }, ports: [{ name: 'tcp', port: 53, protocol: 'TCP', nodePort: port }, { name: 'udp', port: 53, protocol: 'UDP', nodePort: port }] },
  });
  assert.equal(r.status, 201, r.text);
  await check();
  assert.equal((await api('DELETE', '/api/v1/namespaces/proto/services/dns')).status, 200);
  await check();
}));

test('many concurrent creates into a nearly full range never share a ClusterIP or nodePort', keepsAllocationsExact(async (check) => {
  const results = await Promise.all(Array.from({ length: 60 }, (_, i) => api('POST', '/api/v1/namespaces/many/services', nodePortSvc(`m${i}`))));
  const ok = results.filter((r) => r.status === 201);
  for (const r of results) {
    if (r.status !== 201) {
      assert.equal(r.status, 422, r.text);
      assert.match(r.json.message, /range is full/);
    }
  }
  assert.ok(ok.length > 20, `${ok.length} created`);
  assert.ok(ok.length < 60, 'the nodePort range ran out');
  const ips = ok.map((r) => r.json.spec.clusterIP as string);
  const ports = ok.map((r) => r.json.spec.ports[0].nodePort as number);
  assert.equal(new Set(ips).size, ips.length, 'no ClusterIP shared');
  assert.equal(new Set(ports).size, ports.length, 'no nodePort shared');
  for (const p of ports) assert.ok(p >= FIRST_PORT && p <= LAST_PORT, String(p));
  await check();
  // Deleting them frees every value: the range can be filled again.
  await Promise.all(ok.map((r) => api('DELETE', `/api/v1/namespaces/many/services/${r.json.metadata.name as string}`)));
  await check();
}));
