// The kubelet side of Services and cluster DNS, end to end: real etcd, the apiserver,
// two kubelet processes on Docker with the local busybox image, checked from inside the
// pods' containers. One kubelet has --cluster-dns and a resolv.conf of the test's own,
// the default service range and next hop; the other has neither cluster DNS nor a
// resolv.conf, and its own range and next hop. No pod uses the machine's resolver, and
// no DNS query is made: the tests read /etc/resolv.conf and the routing table.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import { MISSING_CLUSTER_DNS_MESSAGE } from '../../kubelet/dns-config.js';
import { LABEL_NODE, LABEL_POD_UID, LABEL_TYPE, TYPE_SANDBOX } from '../../kubelet/pod-worker.js';
import { serviceRouteFromFlags } from '../../kubelet/service-route.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { podApi, startKubelet, type KubeletHandle, type PodApi, type TestPodSpec } from '../harness/kubelet.js';
import { waitFor } from '../harness/processes.js';

/** Pod subnets no other test file uses. */
const CIDR_A = '10.226.0.0/16';
const CIDR_B = '10.225.0.0/16';
/** Kubelet B's own service range and next hop (on-link in its pod subnet; nothing answers there). */
const RANGE_B = '10.100.0.0/16';
const VIA_B = '10.225.0.254';
/** The test's node resolv.conf for kubelet A (TEST-NET addresses; nothing is ever sent to them). */
const NODE_RESOLV_CONF = '# the test node\nnameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.test. lab.test\noptions timeout:2 attempts:3\n';
/** NET_ADMIN is capability 12. */
const NET_ADMIN_BIT = 1n << 12n;

const sleeper = (extra: Partial<TestPodSpec> = {}): TestPodSpec => ({
  ...extra,
  containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }],
});

describe('kubelet: pod DNS and the service route', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let a: KubeletHandle;
  let b: KubeletHandle;
  let dir: string;
  const apiA = podApi(() => cp, () => a);
  const apiB = podApi(() => cp, () => b);

  before(async () => {
    await ensureLocalImages();
    dir = await mkdtemp(join(tmpdir(), 'tskube-pod-network-'));
    const resolvConf = join(dir, 'resolv.conf');
    await writeFile(resolvConf, NODE_RESOLV_CONF);
    cp = await startControlPlane();
    a = await startKubelet(cp, { name: 'podnet-a', cidr: CIDR_A, args: ['--cluster-dns', '10.96.0.10', '--resolv-conf', resolvConf] });
    b = await startKubelet(cp, {
      name: 'podnet-b', cidr: CIDR_B,
      args: ['--resolv-conf', '', '--service-cluster-ip-range', RANGE_B, '--service-route-via', VIA_B],
    });
  });

  after(async () => {
    await a?.cleanup();
    await b?.cleanup();
    await cp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const running = (api: PodApi, name: string, restarts = 0): Promise<Pod> =>
    api.wait(name, `Running with restartCount ${restarts}`, (p) => {
      const st = api.status(p, 'main');
      return p.status?.phase === 'Running' && !!st?.state?.running && st.restartCount === restarts;
    }, 40_000);
  const containerId = (api: PodApi, p: Pod, container = 'main'): string => api.status(p, container)!.containerID!.replace('docker://', '');
  /** Runs cmd in a container of the pod; resolves with its stdout (rejects on a non-zero exit). */
  const exec = async (k: KubeletHandle, id: string, cmd: string[]): Promise<string> => {
    const r = await k.runtime.exec(id, cmd, { timeoutMs: 10_000 });
    assert.equal(r.exitCode, 0, `${cmd.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const sandboxOf = async (k: KubeletHandle, uid: string): Promise<string> => {
    const all = await k.runtime.list({ labels: { [LABEL_POD_UID]: uid, [LABEL_NODE]: k.nodeName, [LABEL_TYPE]: TYPE_SANDBOX } });
    const live = all.filter((c) => c.state === 'running');
    assert.equal(live.length, 1, JSON.stringify(all));
    return live[0]!.id;
  };
  const capEff = (status: string): bigint => BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)![1]}`);

  it('ClusterFirst: the cluster DNS server, the cluster search domains then the node\'s, ndots:5, in every container', async () => {
    await apiA.create('cluster-first', {
      containers: [
        { name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] },
        { name: 'sidecar', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] },
      ],
    });
    const p = await running(apiA, 'cluster-first');
    const want = 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local corp.test lab.test\noptions ndots:5\n';
    assert.equal(await exec(a, containerId(apiA, p), ['cat', '/etc/resolv.conf']), want);
    assert.equal(await exec(a, containerId(apiA, p, 'sidecar'), ['cat', '/etc/resolv.conf']), want);
    // The pod's own file on the node, never Docker's embedded DNS.
    assert.equal(await readFile(join(a.rootDir, 'pods', p.metadata.uid!, 'etc-resolv.conf'), 'utf8'), want);
    assert.ok(!(await apiA.events('cluster-first')).some((e) => e.reason === 'MissingClusterDNS'));
  });

  it('Default: the node\'s resolv.conf (--resolv-conf)', async () => {
    await apiA.create('default-dns', sleeper({ dnsPolicy: 'Default' }));
    const p = await running(apiA, 'default-dns');
    assert.equal(await exec(a, containerId(apiA, p), ['cat', '/etc/resolv.conf']),
      'nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.test lab.test\noptions timeout:2 attempts:3\n');
  });

  it('None: only dnsConfig', async () => {
    await apiA.create('none-dns', sleeper({
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['198.51.100.1', '198.51.100.2'], searches: ['ns1.svc.cluster.local', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    }));
    const p = await running(apiA, 'none-dns');
    assert.equal(await exec(a, containerId(apiA, p), ['cat', '/etc/resolv.conf']),
      'nameserver 198.51.100.1\nnameserver 198.51.100.2\nsearch ns1.svc.cluster.local my.dns.search.suffix\noptions ndots:2 edns0\n');
  });

  it('readOnlyRootFilesystem makes the resolv.conf read-only too; otherwise it is writable, as Docker\'s own', async () => {
    await apiA.create('ro-dns', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'], securityContext: { readOnlyRootFilesystem: true } }] });
    await apiA.create('rw-dns', sleeper());
    const ro = await running(apiA, 'ro-dns');
    const rw = await running(apiA, 'rw-dns');
    const append = ['sh', '-c', 'echo "# appended" >> /etc/resolv.conf'];
    const r = await a.runtime.exec(containerId(apiA, ro), append, { timeoutMs: 10_000 });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /Read-only file system/);
    await exec(a, containerId(apiA, rw), append);
    assert.match(await exec(a, containerId(apiA, rw), ['cat', '/etc/resolv.conf']), /# appended\n$/);
  });

  it('ClusterFirst + dnsConfig: appended to the cluster configuration, options overridden by name', async () => {
    await apiA.create('merged-dns', sleeper({ dnsConfig: { nameservers: ['198.51.100.1'], searches: ['extra.test'], options: [{ name: 'ndots', value: '1' }, { name: 'edns0' }] } }));
    const p = await running(apiA, 'merged-dns');
    assert.equal(await exec(a, containerId(apiA, p), ['cat', '/etc/resolv.conf']),
      'nameserver 10.96.0.10\nnameserver 198.51.100.1\nsearch default.svc.cluster.local svc.cluster.local cluster.local corp.test lab.test extra.test\noptions ndots:1 edns0\n');
  });

  it('the service range is routed to the node\'s address on the pod network; no container of the pod holds NET_ADMIN', async () => {
    await apiA.create('routed', sleeper());
    const p = await running(apiA, 'routed');
    const id = containerId(apiA, p);
    // The default next hop: the pod network's gateway, the node's address on it.
    const gateway = /^default via (\S+)/m.exec(await exec(a, id, ['ip', 'route']))?.[1];
    assert.equal(gateway, '10.226.0.1');
    assert.match(await exec(a, id, ['ip', 'route', 'show', '10.96.0.0/12']), /^10\.96\.0\.0\/12 via 10\.226\.0\.1 dev eth0/);
    // The app container: no NET_ADMIN, so it cannot remove the route.
    assert.equal(capEff(await exec(a, id, ['cat', '/proc/self/status'])) & NET_ADMIN_BIT, 0n);
    const del = await a.runtime.exec(id, ['ip', 'route', 'del', '10.96.0.0/12'], { timeoutMs: 10_000 });
    assert.notEqual(del.exitCode, 0);
    assert.match(del.stderr, /Operation not permitted/);
    // Nor the sandbox.
    const sandbox = await a.runtime.inspect(await sandboxOf(a, p.metadata.uid!));
    assert.ok(sandbox && sandbox.pid > 0);
    assert.equal(capEff(await readFile(`/proc/${sandbox.pid}/status`, 'utf8')) & NET_ADMIN_BIT, 0n);
    assert.match(await exec(a, id, ['ip', 'route', 'show', '10.96.0.0/12']), /via 10\.226\.0\.1/);
  });

  it('a restarted container and a recreated sandbox keep the resolv.conf; the new sandbox gets the route again', async () => {
    await apiA.create('restarts', sleeper());
    let p = await running(apiA, 'restarts');
    const want = await exec(a, containerId(apiA, p), ['cat', '/etc/resolv.conf']);
    assert.match(want, /^nameserver 10\.96\.0\.10\n/);

    // The container dies: the kubelet starts a new one in the same sandbox.
    const first = containerId(apiA, p);
    await a.runtime.kill(first, 'KILL');
    p = await running(apiA, 'restarts', 1);
    assert.notEqual(containerId(apiA, p), first);
    assert.equal(await exec(a, containerId(apiA, p), ['cat', '/etc/resolv.conf']), want);

    // The sandbox dies (its network namespace with it): a new sandbox, routed again.
    const oldSandbox = await sandboxOf(a, p.metadata.uid!);
    await a.runtime.kill(oldSandbox, 'KILL');
    p = await running(apiA, 'restarts', 2);
    await waitFor(async () => (await sandboxOf(a, p.metadata.uid!)) !== oldSandbox, { timeoutMs: 20_000, what: 'a new sandbox' });
    const id = containerId(apiA, p);
    assert.equal(await exec(a, id, ['cat', '/etc/resolv.conf']), want);
    assert.match(await exec(a, id, ['ip', 'route', 'show', '10.96.0.0/12']), /^10\.96\.0\.0\/12 via 10\.226\.0\.1 dev eth0/);
  });

  it('a restarted kubelet adopts the pod: same container, same resolv.conf and route', async () => {
    await apiA.create('adopted', sleeper());
    const p = await running(apiA, 'adopted');
    const id = containerId(apiA, p);
    const resolv = await exec(a, id, ['cat', '/etc/resolv.conf']);
    assert.match(resolv, /^nameserver 10\.96\.0\.10\n/);
    await a.restart();
    await apiA.create('after-restart', sleeper());
    const q = await running(apiA, 'after-restart');
    assert.equal(await exec(a, containerId(apiA, q), ['cat', '/etc/resolv.conf']), resolv);
    const again = await apiA.get('adopted');
    assert.equal(containerId(apiA, again!), id);
    assert.equal(await exec(a, id, ['cat', '/etc/resolv.conf']), resolv);
    assert.match(await exec(a, id, ['ip', 'route', 'show', '10.96.0.0/12']), /via 10\.226\.0\.1/);
  });

  it('no --cluster-dns: ClusterFirst falls back to Default with MissingClusterDNS; no --resolv-conf: no lookups at all', async () => {
    const created = await apiB.create('no-cluster-dns', sleeper());
    const p = await running(apiB, 'no-cluster-dns');
    assert.equal(await exec(b, containerId(apiB, p), ['cat', '/etc/resolv.conf']), 'nameserver 127.0.0.1\nsearch .\n');
    const evs = await apiB.events('no-cluster-dns');
    const missing = evs.find((e) => e.reason === 'MissingClusterDNS');
    assert.ok(missing, JSON.stringify(evs));
    assert.equal(missing.type, 'Warning');
    assert.equal(missing.message, `pod: "no-cluster-dns_default(${created.metadata.uid})". ${MISSING_CLUSTER_DNS_MESSAGE}`);
    assert.equal(missing.message,
      `pod: "no-cluster-dns_default(${created.metadata.uid})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`);
  });

  it('--service-cluster-ip-range and --service-route-via choose the route', async () => {
    await apiB.create('routed-b', sleeper());
    const p = await running(apiB, 'routed-b');
    const routes = await exec(b, containerId(apiB, p), ['ip', 'route']);
    assert.match(routes, /^10\.100\.0\.0\/16 via 10\.225\.0\.254 dev eth0/m);
    assert.doesNotMatch(routes, /10\.96\.0\.0\/12/);
  });

  it('serviceRouteFromFlags: the range normalized, "" disables, bad values refused', () => {
    assert.deepEqual(serviceRouteFromFlags('10.96.0.0/12', undefined), { cidr: '10.96.0.0/12' });
    assert.deepEqual(serviceRouteFromFlags('10.96.5.7/12', '172.18.0.2'), { cidr: '10.96.0.0/12', via: '172.18.0.2' });
    assert.equal(serviceRouteFromFlags('', '172.18.0.2'), undefined);
    assert.throws(() => serviceRouteFromFlags('10.96.0.0', undefined), /--service-cluster-ip-range "10\.96\.0\.0"/);
    assert.throws(() => serviceRouteFromFlags('10.96.0.0/12', 'node-a'), /--service-route-via "node-a"/);
  });
});
