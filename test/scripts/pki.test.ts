// The PKI step (scripts/pki.ts) in a temporary folder: the first run makes every file,
// a second keeps them all, and only what no longer fits is made again (a kubelet with a
// new address, a kubeconfig naming another server). Each component's kubeconfig holds a
// client certificate of the cluster CA for its own user; etcd's certificates are its own
// CA's, not the cluster's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KeyPair } from '../../apiserver/tls.js';
import {
  ADMIN, ensureControllerManager, ensureControlPlane, ensureEtcd, ensureKubeconfig, ensureKubelet, FILES, KUBE_PROXY, METRICS_SERVER, SCHEDULER, type Report,
} from '../../scripts/pki.js';

let dir = '';
before(async () => { dir = await mkdtemp(join(tmpdir(), 'tskube-pki-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** Runs the whole layout once; resolves with the files written and kept. */
async function runAll(kubeletIPs = ['10.0.0.11'], server = 'https://apiserver:6443'): Promise<{ wrote: string[]; kept: string[]; ca: KeyPair }> {
  const wrote: string[] = [];
  const kept: string[] = [];
  const report: Report = (file, what) => (what === 'wrote' ? wrote : kept).push(file.slice(dir.length + 1));
  const certDir = join(dir, 'pki');
  const { ca } = await ensureControlPlane(certDir, ['apiserver', '10.96.0.1'], report);
  await ensureKubeconfig(certDir, ca, { file: join(dir, 'admin.conf'), server: 'https://127.0.0.1:6443', identity: ADMIN }, report);
  await ensureKubeconfig(certDir, ca, { file: join(dir, 'scheduler', FILES.scheduler), server, identity: SCHEDULER }, report);
  await ensureControllerManager(certDir, ca, join(dir, 'controller-manager'), server, report);
  await ensureKubeconfig(certDir, ca, { file: join(dir, 'kube-proxy', FILES.kubeProxy), server, identity: KUBE_PROXY }, report);
  await ensureKubeconfig(certDir, ca, { file: join(dir, 'metrics-server', FILES.metricsServer), server, identity: METRICS_SERVER }, report);
  await ensureKubelet(certDir, ca, { dir: join(dir, 'node-1'), node: 'node-1', ips: kubeletIPs }, server, report);
  await ensureEtcd(certDir, join(dir, 'etcd'), ['etcd', '127.0.0.1'], report);
  return { wrote: wrote.sort(), kept: kept.sort(), ca };
}

/** The client certificate of a kubeconfig and the server it names. */
async function kubeconfigOf(file: string): Promise<{ server: string; cert: X509Certificate }> {
  const cfg = parseYaml(await readFile(file, 'utf8')) as { clusters: { cluster: { server: string } }[]; users: { user: Record<string, string> }[] };
  return { server: cfg.clusters[0]!.cluster.server, cert: new X509Certificate(Buffer.from(cfg.users[0]!.user['client-certificate-data']!, 'base64')) };
}

const signedBy = (cert: X509Certificate, ca: string): boolean => cert.verify(new X509Certificate(ca).publicKey);

test('the first run makes every file; each component gets its own user, signed by the cluster CA', async () => {
  const { wrote, kept, ca } = await runAll();
  assert.deepEqual(kept, []);
  assert.deepEqual(wrote, [
    'admin.conf', 'controller-manager/ca.crt', 'controller-manager/ca.key', 'controller-manager/controller-manager.conf', 'etcd/ca.crt', 'etcd/healthcheck-client.crt',
    'etcd/server.crt', 'kube-proxy/kube-proxy.conf', 'metrics-server/metrics-server.conf', 'node-1/ca.crt', 'node-1/kubelet.conf', 'node-1/kubelet.crt',
    'pki/apiserver-etcd-client.crt', 'pki/ca.crt', 'pki/encryption-config.yaml', 'pki/etcd/ca.crt', 'pki/front-proxy-ca.crt', 'pki/sa.key', 'scheduler/scheduler.conf',
  ]);
  const users: [string, string][] = [
    ['admin.conf', 'O=system:masters\nCN=admin'],
    ['scheduler/scheduler.conf', 'CN=system:kube-scheduler'],
    ['controller-manager/controller-manager.conf', 'CN=system:kube-controller-manager'],
    ['kube-proxy/kube-proxy.conf', 'CN=system:kube-proxy'],
    ['metrics-server/metrics-server.conf', 'CN=system:serviceaccount:kube-system:metrics-server'],
    ['node-1/kubelet.conf', 'O=system:nodes\nCN=system:node:node-1'],
  ];
  for (const [file, subject] of users) {
    const { cert } = await kubeconfigOf(join(dir, file));
    assert.equal(cert.subject, subject, file);
    assert.ok(signedBy(cert, ca.cert), `${file}: signed by the cluster CA`);
    assert.equal((await stat(join(dir, file))).mode & 0o777, 0o600, `${file}: private`);
  }
  // The kubelet serves with the node's name and address; it trusts callers of the cluster CA.
  const serving = new X509Certificate(await readFile(join(dir, 'node-1', FILES.kubeletCert)));
  assert.ok(signedBy(serving, ca.cert));
  assert.equal(serving.checkHost('node-1'), 'node-1');
  assert.equal(serving.checkIP('10.0.0.11'), '10.0.0.11');
  assert.equal(await readFile(join(dir, 'node-1', FILES.ca), 'utf8'), ca.cert);
  // etcd: its own CA signs its serving certificate and the apiserver's client certificate.
  const etcdCA = await readFile(join(dir, 'etcd', 'ca.crt'), 'utf8');
  assert.notEqual(etcdCA, ca.cert);
  assert.equal(await readFile(join(dir, 'pki', FILES.etcdCA), 'utf8'), etcdCA);
  const etcdClient = new X509Certificate(await readFile(join(dir, 'pki', FILES.etcdClientCert)));
  assert.ok(signedBy(etcdClient, etcdCA) && !signedBy(etcdClient, ca.cert));
  assert.equal(new X509Certificate(await readFile(join(dir, 'etcd', FILES.etcdServerCert))).checkHost('etcd'), 'etcd');
  // The apiserver's serving certificate names what it was asked to.
  const apiserver = new X509Certificate(await readFile(join(dir, 'pki', 'apiserver.crt')));
  assert.equal(apiserver.checkHost('apiserver'), 'apiserver');
  assert.equal(apiserver.checkIP('10.96.0.1'), '10.96.0.1');
  // The front-proxy CA is a CA of its own: the apiserver's client certificate at aggregated servers.
  const frontProxy = await readFile(join(dir, 'pki', 'front-proxy-ca.crt'), 'utf8');
  assert.notEqual(frontProxy, ca.cert);
  assert.match(new X509Certificate(frontProxy).subject, /^CN=front-proxy-ca@\d+$/);
});

test('a second run keeps everything', async () => {
  const before = await readFile(join(dir, 'pki', 'ca.key'), 'utf8');
  const { wrote } = await runAll();
  assert.deepEqual(wrote, []);
  assert.equal(await readFile(join(dir, 'pki', 'ca.key'), 'utf8'), before);
});

test('only what no longer fits is made again: a kubelet\'s new address, a kubeconfig\'s new server', async () => {
  const { wrote } = await runAll(['10.0.0.11', '10.0.0.99'], 'https://other:6443');
  assert.deepEqual(wrote, [
    'controller-manager/controller-manager.conf', 'kube-proxy/kube-proxy.conf', 'metrics-server/metrics-server.conf', 'node-1/kubelet.conf', 'node-1/kubelet.crt', 'scheduler/scheduler.conf',
  ]);
  assert.equal((await kubeconfigOf(join(dir, 'scheduler', FILES.scheduler))).server, 'https://other:6443');
  assert.equal(new X509Certificate(await readFile(join(dir, 'node-1', FILES.kubeletCert))).checkIP('10.0.0.99'), '10.0.0.99');
});
