// The kubelet's TLS bootstrap against the real apiserver (bootstrap token
// authentication on) and a real controller manager running the CSR approving and
// signing controllers with the cluster CA, as their service account (the
// certificate-controller role's approve and sign rights): with kubeadm's join RBAC and a bootstrap
// token, bootstrapKubeconfig gets a client certificate for system:node:<name> and writes
// a kubeconfig that is that node (it may register its own Node, not another); a denied
// request and an expired token are clear errors; the real kubectl lists the requests
// and approves and denies them.
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino, type Logger } from 'pino';
import { rfc3339 } from '../../api/helpers/time.js';
import type { CertificateSigningRequest } from '../../api/types/certificates.js';
import type { Node, Secret } from '../../api/types/core.js';
import type { ClusterRole, ClusterRoleBinding } from '../../api/types/rbac.js';
import { writeKubeconfig } from '../../apiserver/kubeconfig.js';
import { loadClientConfig } from '../../client/kubeconfig.js';
import { resourceClient } from '../../client/resource-client.js';
import { RestClient } from '../../client/rest-client.js';
import { bootstrapKubeconfig, CURRENT_PEM, makeCSR } from '../../kubelet/bootstrap.js';
import { bootstrapTokenSecret, createBootstrapToken, DEFAULT_NODE_TOKEN_GROUP, joinRbac } from '../../scripts/bootstrap-token.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { as, certificate } from '../harness/identity.js';
import { kubectl, kubectlFails } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';
import { podApi, startKubelet } from '../harness/kubelet.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';

const RBAC = 'rbac.authorization.k8s.io';
let cp: ControlPlane;
let cm: ControllerManagerHandle;
let admin: RestClient;
let work: string;
const abort = new AbortController();
const clients: RestClient[] = [];

/** A logger whose lines the test can read. */
function capturingLog(): { log: Logger; lines: () => string[] } {
  const out: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { out.push(...chunk.toString().split('\n').filter(Boolean)); cb(); } });
  return { log: pino({ level: 'debug' }, stream), lines: () => out.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

const csrs = () => resourceClient<CertificateSigningRequest>(admin, 'certificatesigningrequests');

async function bootstrapFile(name: string, token: string): Promise<string> {
  const file = join(work, name);
  await writeKubeconfig(file, cp.secureUrl, join(cp.dir, 'pki'), { token }, { userName: 'tls-bootstrap-token-user' });
  return file;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'tskube-tls-bootstrap-'));
  cp = await startControlPlane({ args: ['--enable-bootstrap-token-auth'] });
  admin = adminClient(cp);
  for (const b of joinRbac()) await resourceClient<ClusterRoleBinding>(admin, 'clusterrolebindings').create('', b);
  cm = await startControllerManager(cp, [
    '--controllers', 'certificatesigningrequest-approving-controller,certificatesigningrequest-signing-controller',
    // As kubeadm runs it: both act as kube-system/certificate-controller, with its role only.
    '--use-service-account-credentials=true',
    '--cluster-signing-cert-file', join(cp.dir, 'pki', 'ca.crt'), '--cluster-signing-key-file', join(cp.dir, 'pki', 'ca.key'),
  ]);
});

after(async () => {
  abort.abort();
  for (const c of clients) await c.close();
  await admin?.close();
  await cm?.stop();
  await cp?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

let tokenId = '';

describe('joining with a bootstrap token', () => {
  test('the node gets a client certificate and a kubeconfig that is system:node:<name>', { timeout: 60_000 }, async () => {
    const token = await createBootstrapToken(admin, { ttlSeconds: 600, description: 'tls bootstrap test' });
    tokenId = token.id;
    assert.match(token.token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const secret = await resourceClient<Secret>(admin, 'secrets').get('kube-system', `bootstrap-token-${token.id}`);
    const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
    assert.deepEqual({ ...data, expiration: undefined }, {
      'token-id': token.id, 'token-secret': token.secret, description: 'tls bootstrap test', expiration: undefined,
      'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true', 'auth-extra-groups': DEFAULT_NODE_TOKEN_GROUP,
    });
    assert.ok(Math.abs(Date.parse(data.expiration) - (Date.now() + 600_000)) < 10_000);

    const kubeconfigPath = join(work, 'node-a', 'kubelet.conf');
    const certDir = join(work, 'node-a', 'pki');
    const { log, lines } = capturingLog();
    await bootstrapKubeconfig({
      kubeconfigPath, bootstrapKubeconfigPath: await bootstrapFile('bootstrap-a.conf', token.token), certDir, nodeName: 'node-a', log, signal: abort.signal,
    });
    assert.ok(lines().includes('waiting for the client certificate to be issued'), lines().join('\n'));
    assert.equal((await stat(kubeconfigPath)).mode & 0o777, 0o600);
    const current = join(certDir, CURRENT_PEM);
    assert.ok((await lstat(current)).isSymbolicLink());
    assert.match(await readlink(current), /^kubelet-client-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.pem$/);
    assert.equal((await stat(current)).mode & 0o777, 0o600);
    const pem = await readFile(current, 'utf8');
    assert.match(pem, /-----BEGIN CERTIFICATE-----[\s\S]*-----BEGIN PRIVATE KEY-----/);

    const node = new RestClient(loadClientConfig({ kubeconfig: kubeconfigPath }), { userAgent: 'tls-bootstrap-test' });
    clients.push(node);
    const review = await node.request<{ status: { userInfo: { username: string; groups: string[] } } }>({
      method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    assert.equal(review.status.userInfo.username, 'system:node:node-a');
    assert.deepEqual(review.status.userInfo.groups, ['system:nodes', 'system:authenticated']);
    const nodes = resourceClient<Node>(node, 'nodes');
    const registered = await nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    assert.equal(registered.metadata.name, 'node-a');
    await assert.rejects(nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b' } }), (err: { code?: number }) => err.code === 403);

    // The request as the apiserver recorded and the controllers decided it.
    const all = (await csrs().list()).items.filter((c) => c.spec.username === `system:bootstrap:${token.id}`);
    assert.equal(all.length, 1);
    const csr = all[0];
    assert.match(csr.metadata.name ?? '', /^node-csr-[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(csr.spec.groups, ['system:bootstrappers', DEFAULT_NODE_TOKEN_GROUP, 'system:authenticated']);
    assert.deepEqual(csr.spec.usages, ['digital signature', 'key encipherment', 'client auth']);
    const approved = csr.status?.conditions?.[0];
    assert.deepEqual([approved?.type, approved?.status, approved?.reason, approved?.message],
      ['Approved', 'True', 'AutoApproved', 'Auto approving kubelet client certificate after SubjectAccessReview.']);
    assert.ok(approved?.lastUpdateTime && approved.lastTransitionTime);
    assert.ok(csr.status?.certificate);

    // Valid now: a second start changes nothing.
    const before = (await stat(kubeconfigPath)).mtimeMs;
    await bootstrapKubeconfig({
      kubeconfigPath, bootstrapKubeconfigPath: join(work, 'bootstrap-a.conf'), certDir, nodeName: 'node-a', log: pino({ level: 'silent' }), signal: abort.signal,
    });
    assert.equal((await stat(kubeconfigPath)).mtimeMs, before);
    assert.equal((await csrs().list()).items.filter((c) => c.spec.username === `system:bootstrap:${token.id}`).length, 1);
  });

  test('kubectl get csr prints the request as Kubernetes does', async () => {
    const out = await kubectl(cp, 'get', 'csr');
    const [header, ...rows] = out.trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']);
    const row = rows.map((r) => r.split(/\s+/)).find((cells) => cells[3] === `system:bootstrap:${tokenId}`);
    assert.ok(row, out);
    assert.match(row[0], /^node-csr-/);
    assert.deepEqual(row.slice(2), ['kubernetes.io/kube-apiserver-client-kubelet', `system:bootstrap:${tokenId}`, '<none>', 'Approved,Issued']);
  });

  test('a denied request is an error with the condition\'s message', { timeout: 60_000 }, async () => {
    // A group kubeadm's RBAC does not auto-approve, allowed to ask.
    const group = 'system:bootstrappers:manual';
    await resourceClient<ClusterRoleBinding>(admin, 'clusterrolebindings').create('', {
      apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'manual-bootstrap' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'system:node-bootstrapper' }, subjects: [{ apiGroup: RBAC, kind: 'Group', name: group }],
    });
    const token = await createBootstrapToken(admin, { ttlSeconds: 600, groups: [group] });
    const { log, lines } = capturingLog();
    const joining = bootstrapKubeconfig({
      kubeconfigPath: join(work, 'node-d', 'kubelet.conf'), bootstrapKubeconfigPath: await bootstrapFile('bootstrap-d.conf', token.token),
      certDir: join(work, 'node-d', 'pki'), nodeName: 'node-d', log, signal: abort.signal,
    });
    joining.catch(() => undefined);
    let pending: CertificateSigningRequest | undefined;
    await waitFor(async () => {
      pending = (await csrs().list()).items.find((c) => c.spec.username === `system:bootstrap:${token.id}`);
      return pending !== undefined && lines().includes('waiting for the client certificate to be issued');
    }, { timeoutMs: 15_000, what: 'the request of node-d' });
    const csr = pending as CertificateSigningRequest;
    assert.equal(csr.status?.conditions, undefined);
    // A kubelet restarted meanwhile finds its key and its request again.
    const again = capturingLog();
    const rejoining = bootstrapKubeconfig({
      kubeconfigPath: join(work, 'node-d', 'kubelet.conf'), bootstrapKubeconfigPath: join(work, 'bootstrap-d.conf'),
      certDir: join(work, 'node-d', 'pki'), nodeName: 'node-d', log: again.log, signal: abort.signal,
    });
    rejoining.catch(() => undefined);
    await waitFor(async () => again.lines().includes('waiting for the client certificate to be issued'), { timeoutMs: 15_000, what: 'node-d to wait again' });
    assert.ok(again.lines().includes('csr for this node already exists, reusing'), again.lines().join('\n'));
    assert.equal((await csrs().list()).items.filter((c) => c.spec.username === `system:bootstrap:${token.id}`).length, 1);
    csr.status = { conditions: [{ type: 'Denied', status: 'True', reason: 'Nope', message: 'node-d is not welcome' }] };
    await csrs().updateSubresource('', csr.metadata.name ?? '', 'approval', csr);
    await assert.rejects(joining, /certificate signing request is denied, reason: Nope, message: node-d is not welcome/);
    await assert.rejects(rejoining, /certificate signing request is denied, reason: Nope, message: node-d is not welcome/);
  });

  test('an expired token is refused with a clear error', { timeout: 30_000 }, async () => {
    const secret = bootstrapTokenSecret('expird', '0123456789abcdef', { expiration: rfc3339(Date.now() - 60_000), groups: [DEFAULT_NODE_TOKEN_GROUP] });
    await resourceClient<Secret>(admin, 'secrets').create('kube-system', secret);
    await assert.rejects(bootstrapKubeconfig({
      kubeconfigPath: join(work, 'node-c', 'kubelet.conf'), bootstrapKubeconfigPath: await bootstrapFile('bootstrap-c.conf', 'expird.0123456789abcdef'),
      certDir: join(work, 'node-c', 'pki'), nodeName: 'node-c', log: pino({ level: 'silent' }), signal: abort.signal,
    }), /cannot create certificate signing request: Unauthorized \(the bootstrap kubeconfig's credentials were refused: the bootstrap token may have expired/);
  });
});

describe('a real kubelet joins with a bootstrap token', () => {
  test('kubelet --bootstrap-kubeconfig registers its Node as system:node:<name> and runs a pod', { timeout: 120_000 }, async () => {
    await ensureLocalImages();
    const token = await createBootstrapToken(admin, { ttlSeconds: 600, description: 'kubelet join test' });
    const kubelet = await startKubelet(cp, { name: 'join-test', cidr: '10.219.0.0/16', bootstrapKubeconfig: await bootstrapFile('bootstrap-join.conf', token.token) });
    try {
      const nodes = resourceClient<Node>(admin, 'nodes');
      await waitFor(async () => !!(await nodes.get('', kubelet.nodeName).catch(() => undefined)), { timeoutMs: 60_000, what: 'the joined node to register' });
      const csr = (await csrs().list()).items.find((c) => c.spec.username === `system:bootstrap:${token.id}`);
      assert.equal(csr?.status?.conditions?.[0]?.type, 'Approved');
      // The node runs pods with its own identity: it reads only what the Node authorizer lets it.
      const pod = await podApi(() => cp, () => kubelet).create('joined', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
      assert.equal(pod.spec?.nodeName, kubelet.nodeName);
      await podApi(() => cp, () => kubelet).wait('joined', 'running', (p) => p.status?.phase === 'Running', 60_000);
    } finally {
      await kubelet.cleanup();
    }
  });
});

describe('kubectl certificate approve and deny', () => {
  async function byHand(name: string): Promise<void> {
    const { generateKeyPairSync } = await import('node:crypto');
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await csrs().create('', {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
      spec: {
        request: Buffer.from(await makeCSR(key, name, ['devs'])).toString('base64'), signerName: 'example.com/by-hand',
        usages: ['digital signature', 'client auth'], expirationSeconds: 3600,
        // Whatever a client claims, the apiserver records who asked.
        username: 'someone-else', groups: ['system:masters'],
      },
    });
  }

  test('approve and deny write their conditions through /approval', { timeout: 60_000 }, async () => {
    await byHand('by-hand-1');
    await byHand('by-hand-2');
    const one = await csrs().get('', 'by-hand-1');
    assert.equal(one.spec.username, 'admin');
    assert.deepEqual(one.spec.groups, ['system:masters', 'system:authenticated']);
    assert.match(await kubectl(cp, 'get', 'csr', 'by-hand-1'), /by-hand-1\s+\S+\s+example\.com\/by-hand\s+admin\s+60m\s+Pending\n/);

    assert.equal((await kubectl(cp, 'certificate', 'approve', 'by-hand-1')).trim(), 'certificatesigningrequest.certificates.k8s.io/by-hand-1 approved');
    const approved = (await csrs().get('', 'by-hand-1')).status?.conditions ?? [];
    assert.deepEqual(approved.map((c) => [c.type, c.status, c.reason, c.message]),
      [['Approved', 'True', 'KubectlApprove', 'This CSR was approved by kubectl certificate approve.']]);
    assert.ok(approved[0].lastTransitionTime);
    assert.equal((await kubectl(cp, 'certificate', 'deny', 'by-hand-2')).trim(), 'certificatesigningrequest.certificates.k8s.io/by-hand-2 denied');
    assert.match(await kubectl(cp, 'get', 'csr', 'by-hand-2'), /by-hand-2\s+.*\s+Denied\n/);
    assert.match(await kubectlFails(cp, 'certificate', 'approve', 'by-hand-2'), /by-hand-2.*is already Denied/);
    // Not a signer the controllers run: approved, but nobody issues it.
    assert.match(await kubectl(cp, 'get', 'csr', 'by-hand-1'), /by-hand-1\s+.*\s+Approved\n/);
  });

  test('PATCH on /approval and /status: only what the subresource owns changes', { timeout: 30_000 }, async () => {
    await byHand('by-hand-4');
    const approved = await csrs().patch('', 'by-hand-4', 'merge', { status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Patched' }] } }, { subresource: 'approval' });
    const cond = approved.status?.conditions?.[0];
    assert.deepEqual([cond?.type, cond?.reason, Boolean(cond?.lastUpdateTime), Boolean(cond?.lastTransitionTime)], ['Approved', 'Patched', true, true]);
    // The signer's way to fail a request: a Failed condition through /status, Approved kept as it was.
    const failed = await csrs().patch('', 'by-hand-4', 'json', [
      { op: 'add', path: '/status/conditions/-', value: { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: 'no' } },
      { op: 'replace', path: '/spec/signerName', value: 'example.com/changed' },
    ], { subresource: 'status' });
    assert.deepEqual(failed.status?.conditions?.map((c) => c.type), ['Approved', 'Failed']);
    assert.equal(failed.spec.signerName, 'example.com/by-hand');
    assert.match(await kubectl(cp, 'get', 'csr', 'by-hand-4'), /by-hand-4\s+.*\s+Approved,Failed\n/);
    await assert.rejects(csrs().patch('', 'by-hand-4', 'merge', { status: { conditions: [] } }, { subresource: 'status' }),
      /updates may not remove a condition of type "Approved"/);
    // The main resource ignores status and spec, as Kubernetes' strategy resets them.
    const main = await csrs().patch('', 'by-hand-4', 'merge', { metadata: { labels: { a: 'b' } }, spec: { usages: ['any'] }, status: { conditions: [] } });
    assert.deepEqual([main.metadata.labels, main.spec.usages, main.status?.conditions?.length], [{ a: 'b' }, ['digital signature', 'client auth'], 2]);
  });

  test('approving needs "approve" on the signer; the status and spec do not change through /approval', { timeout: 30_000 }, async () => {
    await byHand('by-hand-3');
    // May update approvals, but holds no signer.
    await resourceClient<ClusterRole>(admin, 'clusterroles').create('', {
      apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'csr-approval-writer' },
      rules: [{ verbs: ['get', 'update'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/approval'] }],
    });
    await resourceClient<ClusterRoleBinding>(admin, 'clusterrolebindings').create('', {
      apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'csr-approval-writer' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'csr-approval-writer' }, subjects: [{ apiGroup: RBAC, kind: 'User', name: 'approver' }],
    });
    const approver = as(cp, await certificate(cp, 'approver'));
    try {
      const csr = (await approver('GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests/by-hand-3')).json as CertificateSigningRequest;
      csr.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'Mine' }] };
      const refused = await approver('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/by-hand-3/approval', csr);
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.json.message, 'certificatesigningrequests.certificates.k8s.io "by-hand-3" is forbidden: user not permitted to approve requests with signerName "example.com/by-hand"');
      // With "approve" on every signer of the domain it may.
      await resourceClient<ClusterRole>(admin, 'clusterroles').update('', {
        apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'csr-approval-writer' },
        rules: [
          { verbs: ['get', 'update'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/approval'] },
          { verbs: ['approve'], apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['example.com/*'] },
        ],
      });
      // A changed spec and a certificate in the same body are ignored.
      csr.spec.signerName = 'example.com/other';
      csr.status.certificate = Buffer.from('nope').toString('base64');
      let ok: Awaited<ReturnType<typeof approver>> | undefined;
      await waitFor(async () => {
        ok = await approver('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/by-hand-3/approval', csr);
        return ok.status !== 403;
      }, { timeoutMs: 10_000, what: 'the role change to reach the authorizer' });
      assert.equal(ok?.status, 200, ok?.text);
      const stored = await csrs().get('', 'by-hand-3');
      assert.equal(stored.spec.signerName, 'example.com/by-hand');
      assert.equal(stored.status?.certificate, undefined);
      assert.deepEqual(stored.status?.conditions?.map((c) => c.reason), ['Mine']);
    } finally {
      await approver.close();
    }
  });
});
