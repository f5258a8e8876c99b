// Service type changes and allocateLoadBalancerNodePorts against the real apiserver on
// a real etcd, driven where a user would by the real kubectl. As kube-apiserver
// (pkg/registry/core/service/strategy.go dropTypeDependentFields, storage/alloc.go):
// - a type change clears the fields the new type does not use when the request left
//   them as they were (nodePorts, healthCheckNodePort, allocateLoadBalancerNodePorts,
//   externalTrafficPolicy, loadBalancerClass, the ClusterIPs and IP families going to
//   ExternalName, status.loadBalancer), and frees what they held; one the request
//   changed is still refused; loadBalancerClass is validated as kube-apiserver does
//   (fixed on a LoadBalancer, forbidden on other types);
// - a LoadBalancer with externalTrafficPolicy Local gets a healthCheckNodePort from the
//   nodePort range, kept while it needs one and freed when it stops;
// - allocateLoadBalancerNodePorts false allocates no nodePort but one asked for, on
//   create and on update.
// After each step the allocation keys, read straight from etcd, are exactly what the
// Services hold. Small ranges (30 IPs, 20 nodePorts) so a leak shows; the repair loop
// is left at its default interval, so it cannot clean up after one here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl, kubectlFails } from '../harness/kubectl.js';

const IP_PREFIX = '/registry/ranges/serviceips/';
const PORT_PREFIX = '/registry/ranges/servicenodeports/';
const FIRST_PORT = 30000;
const LAST_PORT = 30019;
const NS = 'types';

let cp: ControlPlane;
let etcd: Etcd3;
const api = (method: string, path: string, body?: unknown, ct?: string) => http(cp.url, method, path, body, ct);
const svcPath = (name = '') => `/api/v1/namespaces/${NS}/services${name ? `/${name}` : ''}`;

interface Port { name?: string; port: number; protocol?: string; nodePort?: number }
interface Svc {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    type?: string; clusterIP?: string; clusterIPs?: string[]; ipFamilies?: string[]; ipFamilyPolicy?: string; ports?: Port[];
    healthCheckNodePort?: number; externalTrafficPolicy?: string; internalTrafficPolicy?: string; allocateLoadBalancerNodePorts?: boolean;
    loadBalancerClass?: string; externalName?: string; selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

before(async () => {
  cp = await startControlPlane({ args: ['--service-cluster-ip-range', '10.98.0.0/27', '--service-node-port-range', `${FIRST_PORT}-${LAST_PORT}`] });
  etcd = new Etcd3({ hosts: cp.etcd.endpoint });
  const r = await api('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  etcd?.close();
  await cp?.stop();
});

/** The allocated values under prefix, read straight from etcd. */
const keys = async (prefix: string): Promise<string[]> => (await etcd.getAll().prefix(prefix).keys()).map((k) => k.slice(prefix.length)).sort();
const portKeys = async (): Promise<number[]> => (await keys(PORT_PREFIX)).map(Number);

/** The nodePorts a service holds: its ports' (each once) and its healthCheckNodePort. */
const heldPorts = (s: Svc): number[] => [...new Set([...(s.spec.ports ?? []).map((p) => p.nodePort), s.spec.healthCheckNodePort])]
  .filter((n): n is number => typeof n === 'number' && n > 0);

/** Allocations match the Services exactly: nothing leaked, nothing held without its key, nothing shared. */
async function assertAllocationsExact(): Promise<void> {
  const list = await api('GET', '/api/v1/services');
  assert.equal(list.status, 200, list.text);
  const items = list.json.items as Svc[];
  const ips = items.flatMap((s) => s.spec.clusterIPs ?? []).filter((ip) => ip !== 'None').sort();
  const ports = items.flatMap(heldPorts).map(String).sort();
  assert.equal(new Set(ips).size, ips.length, `no ClusterIP shared: ${ips.join(' ')}`);
  assert.equal(new Set(ports).size, ports.length, `no nodePort shared: ${ports.join(' ')}`);
  assert.deepEqual(await keys(IP_PREFIX), ips, 'ClusterIP allocations are exactly what the services hold');
  assert.deepEqual(await keys(PORT_PREFIX), ports, 'nodePort allocations are exactly what the services hold');
}

async function create(body: unknown): Promise<Svc> {
  const r = await api('POST', svcPath(), body);
  assert.equal(r.status, 201, r.text);
  return r.json as Svc;
}
async function get(name: string): Promise<Svc> {
  const r = await api('GET', svcPath(name));
  assert.equal(r.status, 200, r.text);
  return r.json as Svc;
}
async function remove(name: string): Promise<void> {
  assert.equal((await api('DELETE', svcPath(name))).status, 200);
}
/** kubectl patch (strategic merge, kubectl's default), as a user types it. */
async function patch(name: string, p: unknown): Promise<void> {
  const out = await kubectl(cp, 'patch', 'svc', name, '-n', NS, '-p', JSON.stringify(p));
  assert.equal(out.trim(), `service/${name} patched`);
}
/** The row kubectl get svc prints for a service, by column. */
async function kubectlRow(name: string): Promise<Record<string, string>> {
  const [head, row] = (await kubectl(cp, 'get', 'svc', name, '-n', NS)).trim().split('\n');
  const cols = head.split(/\s{2,}/);
  const cells = row.split(/\s{2,}/);
  return Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
}

const http80 = { name: 'http', port: 80, targetPort: 8080 };
const dns53 = { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 };
const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec: { selector: { app: name }, ports: [http80], ...spec } });
/** The first nodePort in the range nothing holds. */
async function freePort(): Promise<number> {
  const taken = new Set(await portKeys());
  for (let p = LAST_PORT; p >= FIRST_PORT; p--) if (!taken.has(p)) return p;
  throw new Error('the nodePort range is full');
}

describe('a type change drops what the new type does not use', () => {
  it('kubectl patch of a LoadBalancer to ClusterIP clears its nodePorts, healthCheckNodePort and LB-only fields, and frees them', async () => {
    const created = await create(svc('web', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerClass: 'example.com/lb', ports: [http80, dns53] }));
    const held = heldPorts(created);
    assert.equal(held.length, 3, `two nodePorts and a healthCheckNodePort: ${JSON.stringify(created.spec)}`);
    for (const p of held) assert.ok((await portKeys()).includes(p), `${p} allocated`);
    await assertAllocationsExact();

    await patch('web', { spec: { type: 'ClusterIP' } });
    const s = await get('web');
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.clusterIP, created.spec.clusterIP, 'the ClusterIP stays');
    assert.deepEqual(s.spec.ports?.map((p) => p.nodePort), [undefined, undefined]);
    assert.equal(s.spec.healthCheckNodePort, undefined);
    assert.equal(s.spec.allocateLoadBalancerNodePorts, undefined);
    assert.equal(s.spec.externalTrafficPolicy, undefined);
    assert.equal(s.spec.loadBalancerClass, undefined);
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster', 'what ClusterIP uses stays');
    const left = await portKeys();
    for (const p of held) assert.ok(!left.includes(p), `${p} freed`);
    await assertAllocationsExact();
    const row = await kubectlRow('web');
    assert.equal(row.TYPE, 'ClusterIP');
    assert.equal(row['CLUSTER-IP'], created.spec.clusterIP);
    assert.equal(row['EXTERNAL-IP'], '<none>');
    assert.equal(row['PORT(S)'], '80/TCP,53/UDP');
    await remove('web');
    await assertAllocationsExact();
  });

  it('kubectl patch of a NodePort to ClusterIP clears its nodePort and externalTrafficPolicy', async () => {
    const created = await create(svc('np', { type: 'NodePort', externalTrafficPolicy: 'Local' }));
    const nodePort = created.spec.ports?.[0].nodePort as number;
    assert.ok(nodePort >= FIRST_PORT && nodePort <= LAST_PORT, String(nodePort));
    assert.equal(created.spec.healthCheckNodePort, undefined, 'only a LoadBalancer needs a health check');
    assert.equal((await kubectlRow('np'))['PORT(S)'], `80:${nodePort}/TCP`);

    await patch('np', { spec: { type: 'ClusterIP' } });
    const s = await get('np');
    assert.equal(s.spec.ports?.[0].nodePort, undefined);
    assert.equal(s.spec.externalTrafficPolicy, undefined);
    assert.ok(!(await portKeys()).includes(nodePort), 'the nodePort is freed');
    assert.equal((await kubectlRow('np'))['PORT(S)'], '80/TCP');
    await assertAllocationsExact();
    await remove('np');
  });

  it('a type change that also changes a type-dependent field is still refused, as kube-apiserver refuses it', async () => {
    const created = await create(svc('strict', { type: 'NodePort' }));
    const other = await freePort();
    // The nodePort is not the one the service held: the user asked for it, so it stays and is refused.
    let err = await kubectlFails(cp, 'patch', 'svc', 'strict', '-n', NS, '-p', JSON.stringify({ spec: { type: 'ClusterIP', ports: [{ port: 80, nodePort: other }] } }));
    assert.match(err, /The Service "strict" is invalid: spec\.ports\[0\]\.nodePort: Forbidden: may not be used when `type` is 'ClusterIP'/);
    err = await kubectlFails(cp, 'patch', 'svc', 'strict', '-n', NS, '-p', JSON.stringify({ spec: { type: 'ClusterIP', externalTrafficPolicy: 'Local' } }));
    assert.match(err, /spec\.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services/);
    assert.deepEqual((await get('strict')).spec, created.spec, 'nothing changed');
    await assertAllocationsExact();
    await remove('strict');
  });

  it('loadBalancerClass is fixed on a LoadBalancer and refused on other types, as kube-apiserver validates it', async () => {
    const created = await create(svc('classy', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' }));
    let err = await kubectlFails(cp, 'patch', 'svc', 'classy', '-n', NS, '-p', JSON.stringify({ spec: { loadBalancerClass: 'example.com/other' } }));
    assert.match(err, /The Service "classy" is invalid: spec\.loadBalancerClass: Invalid value: "example\.com\/other": may not change once set/);
    err = await kubectlFails(cp, 'patch', 'svc', 'classy', '-n', NS, '-p', JSON.stringify({ spec: { type: 'NodePort', loadBalancerClass: 'example.com/other' } }));
    assert.match(err, /The Service "classy" is invalid: spec\.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'/);
    assert.deepEqual((await get('classy')).spec, created.spec, 'nothing changed');
    const r = await api('POST', svcPath(), svc('not-lb', { type: 'ClusterIP', loadBalancerClass: 'example.com/lb' }));
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.message, 'Service "not-lb" is invalid: spec.loadBalancerClass: Forbidden: may only be used when `type` is \'LoadBalancer\'');
    await assertAllocationsExact();
    await remove('classy');
  });

  it('LoadBalancer to NodePort keeps the nodePorts and externalTrafficPolicy, drops and frees the healthCheckNodePort, clears the status', async () => {
    const created = await create(svc('edge', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerClass: 'example.com/lb' }));
    const hc = created.spec.healthCheckNodePort as number;
    assert.ok(hc >= FIRST_PORT && hc <= LAST_PORT, String(hc));
    const cur = await get('edge');
    cur.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } };
    const st = await api('PUT', `${svcPath('edge')}/status`, cur);
    assert.equal(st.status, 200, st.text);
    assert.equal((await kubectlRow('edge'))['EXTERNAL-IP'], '192.0.2.10');

    await patch('edge', { spec: { type: 'NodePort' } });
    const s = await get('edge');
    assert.equal(s.spec.type, 'NodePort');
    assert.equal(s.spec.ports?.[0].nodePort, created.spec.ports?.[0].nodePort, 'the nodePort stays');
    assert.equal(s.spec.externalTrafficPolicy, 'Local', 'NodePort uses it too');
    assert.equal(s.spec.healthCheckNodePort, undefined);
    assert.equal(s.spec.allocateLoadBalancerNodePorts, undefined);
    assert.equal(s.spec.loadBalancerClass, undefined);
    assert.deepEqual(s.status?.loadBalancer, {}, 'no load balancer any more');
    assert.ok(!(await portKeys()).includes(hc), 'the healthCheckNodePort is freed');
    assert.equal((await kubectlRow('edge'))['EXTERNAL-IP'], '<none>');
    await assertAllocationsExact();
    await remove('edge');
  });

  it('ClusterIP to ExternalName drops the ClusterIPs and IP families and frees the IP; back to ClusterIP allocates one', async () => {
    const created = await create(svc('db', { type: 'NodePort' }));
    const ip = created.spec.clusterIP as string;
    assert.ok((await keys(IP_PREFIX)).includes(ip));
    await patch('db', { spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    let s = await get('db');
    assert.equal(s.spec.type, 'ExternalName');
    assert.equal(s.spec.clusterIP, undefined);
    assert.equal(s.spec.clusterIPs, undefined);
    assert.equal(s.spec.ipFamilies, undefined);
    assert.equal(s.spec.ipFamilyPolicy, undefined);
    assert.equal(s.spec.ports?.[0].nodePort, undefined);
    assert.equal(s.spec.externalTrafficPolicy, undefined);
    assert.ok(!(await keys(IP_PREFIX)).includes(ip), 'the ClusterIP is freed');
    await assertAllocationsExact();
    const row = await kubectlRow('db');
    assert.equal(row.TYPE, 'ExternalName');
    assert.equal(row['CLUSTER-IP'], '<none>');
    assert.equal(row['EXTERNAL-IP'], 'db.example.com');

    await patch('db', { spec: { type: 'ClusterIP' } });
    s = await get('db');
    assert.equal(s.spec.type, 'ClusterIP');
    assert.match(s.spec.clusterIP ?? '', /^10\.98\.0\.\d+$/);
    assert.deepEqual(s.spec.clusterIPs, [s.spec.clusterIP]);
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.equal((await kubectlRow('db'))['CLUSTER-IP'], s.spec.clusterIP);
    await assertAllocationsExact();
    await remove('db');
    await assertAllocationsExact();
  });
});

describe('healthCheckNodePort', () => {
  it('is allocated while a LoadBalancer requests only local traffic, kept across updates, freed when it stops', async () => {
    const created = await create(svc('local', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    const hc = created.spec.healthCheckNodePort as number;
    assert.ok(hc >= FIRST_PORT && hc <= LAST_PORT, String(hc));
    assert.notEqual(hc, created.spec.ports?.[0].nodePort);
    await assertAllocationsExact();

    // kubectl replace of the manifest it was created from (no allocated values) keeps them.
    const manifest = join(cp.dir, 'local.json');
    await writeFile(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'Service', ...svc('local', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }) }));
    assert.equal((await kubectl(cp, 'replace', '-n', NS, '-f', manifest)).trim(), 'service/local replaced');
    const replaced = await get('local');
    assert.equal(replaced.spec.healthCheckNodePort, hc);
    assert.equal(replaced.spec.ports?.[0].nodePort, created.spec.ports?.[0].nodePort);
    await assertAllocationsExact();

    await patch('local', { spec: { externalTrafficPolicy: 'Cluster' } });
    assert.equal((await get('local')).spec.healthCheckNodePort, undefined);
    assert.ok(!(await portKeys()).includes(hc), 'freed when the policy is Cluster');
    await assertAllocationsExact();

    await patch('local', { spec: { externalTrafficPolicy: 'Local' } });
    const again = (await get('local')).spec.healthCheckNodePort as number;
    assert.ok(again >= FIRST_PORT && again <= LAST_PORT, String(again));
    await assertAllocationsExact();
    await remove('local');
    await assertAllocationsExact();
  });

  it('a requested one is allocated; one already taken is refused with a 422 on the field (kube-apiserver: 500), freeing the rest', async () => {
    const want = await freePort();
    const created = await create(svc('asks', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: want }));
    assert.equal(created.spec.healthCheckNodePort, want);
    assert.ok((await portKeys()).includes(want));
    const r = await api('POST', svcPath(), svc('clash', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: want }));
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.reason, 'Invalid');
    assert.equal(r.json.message, `Service "clash" is invalid: spec.healthCheckNodePort: Invalid value: ${want}: provided port is already allocated`);
    await assertAllocationsExact();
    await remove('asks');
    await assertAllocationsExact();
  });

  it('requested values are claimed before random ones: with two ports free, asking for one as healthCheckNodePort leaves the other for the nodePort', async () => {
    // Before: the nodePort was picked first, at random, and half the time took the
    // requested healthCheckNodePort, which then answered 422 "already allocated".
    const taken = new Set(await portKeys());
    const free = [];
    for (let p = FIRST_PORT; p <= LAST_PORT; p++) if (!taken.has(p)) free.push(p);
    const keepFree = free.slice(-2);
    const fill = free.slice(0, -2).map((nodePort, i) => ({ name: `p${i}`, port: 1000 + i, targetPort: 1000 + i, nodePort }));
    if (fill.length > 0) await create(svc('filler', { type: 'NodePort', ports: fill }));
    for (let round = 0; round < 8; round++) {
      const want = keepFree[round % 2]!;
      const made = await create(svc('asks-first', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: want }));
      assert.equal(made.spec.healthCheckNodePort, want);
      assert.equal(made.spec.ports?.[0].nodePort, keepFree[(round + 1) % 2]);
      await remove('asks-first');
    }
    if (fill.length > 0) await remove('filler');
    await assertAllocationsExact();
  });

  it('an update refused after it allocated a healthCheckNodePort frees it', async () => {
    const holder = await create(svc('holder', { type: 'ClusterIP' }));
    const ext = await create({ metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    // ExternalName to LoadBalancer (Local): nodePort and healthCheckNodePort allocated, then the requested ClusterIP is taken.
    const r = await api('PUT', svcPath('ext'), {
      metadata: { name: 'ext', resourceVersion: ext.metadata.resourceVersion },
      spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: holder.spec.clusterIP, clusterIPs: holder.spec.clusterIPs, selector: { a: 'b' }, ports: [http80] },
    });
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.message, /provided IP is already allocated/);
    await assertAllocationsExact();
    await remove('ext');
    await remove('holder');
  });

  it('the allocation repair loop counts it as held: one deleted behind the apiserver\'s back is re-claimed', async () => {
    const created = await create(svc('repaired', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    const hc = created.spec.healthCheckNodePort as number;
    await etcd.delete().key(`${PORT_PREFIX}${hc}`);
    // The first repair pass runs before the apiserver is ready.
    await cp.restartApiserver();
    assert.ok((await portKeys()).includes(hc), 're-claimed');
    await assertAllocationsExact();
    await remove('repaired');
    await assertAllocationsExact();
  });
});

describe('allocateLoadBalancerNodePorts: false', () => {
  it('allocates no nodePort on create but one asked for, and none on update', async () => {
    const before = await portKeys();
    const created = await create(svc('bare', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [http80, dns53] }));
    assert.deepEqual(created.spec.ports?.map((p) => p.nodePort), [undefined, undefined]);
    assert.deepEqual(await portKeys(), before, 'no nodePort allocated');
    assert.equal((await kubectlRow('bare'))['PORT(S)'], '80/TCP,53/UDP');

    const want = await freePort();
    const some = await create(svc('some', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ ...http80, nodePort: want }, dns53] }));
    assert.deepEqual(some.spec.ports?.map((p) => p.nodePort), [want, undefined], 'only the nodePort asked for');
    await assertAllocationsExact();

    // Updates that leave it false allocate none either: a new port, a changed selector.
    await patch('bare', { spec: { selector: { app: 'other' }, ports: [{ name: 'https', port: 443, targetPort: 8443 }] } });
    const s = await get('bare');
    assert.equal(s.spec.ports?.length, 3);
    assert.deepEqual(s.spec.ports?.map((p) => p.nodePort), [undefined, undefined, undefined]);
    assert.deepEqual(await portKeys(), [...before, want].sort((a, b) => a - b));
    await assertAllocationsExact();

    // Turned on, every port gets one; turned off again, they stay (as in Kubernetes).
    await patch('bare', { spec: { allocateLoadBalancerNodePorts: true } });
    const on = await get('bare');
    const ports = on.spec.ports?.map((p) => p.nodePort) ?? [];
    for (const p of ports) assert.ok(typeof p === 'number' && p >= FIRST_PORT && p <= LAST_PORT, JSON.stringify(on.spec.ports));
    await assertAllocationsExact();
    await patch('bare', { spec: { allocateLoadBalancerNodePorts: false } });
    assert.deepEqual((await get('bare')).spec.ports?.map((p) => p.nodePort), ports);
    await assertAllocationsExact();

    // To ClusterIP: the flag and the nodePorts go.
    await patch('some', { spec: { type: 'ClusterIP' } });
    const c = await get('some');
    assert.equal(c.spec.allocateLoadBalancerNodePorts, undefined);
    assert.deepEqual(c.spec.ports?.map((p) => p.nodePort), [undefined, undefined]);
    assert.ok(!(await portKeys()).includes(want));
    await assertAllocationsExact();
    await remove('bare');
    await remove('some');
    await assertAllocationsExact();
  });
});
