// Pod Security admission through the real apiserver: a namespace's
// pod-security.kubernetes.io labels decide what pods it admits (enforce), what the
// client is warned about (warn, shown by kubectl), and workloads are warned about their
// pod template; changing a namespace's level warns about the pods that violate it.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

let cp: ControlPlane;
const api = (method: string, path: string, body?: unknown) => http(cp.url, method, path, body, method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');

const privilegedPod = (name: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] },
});

async function namespace(name: string, labels: Record<string, string>): Promise<void> {
  const r = await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  assert.equal(r.status, 201, r.text);
}

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

it('a restricted namespace refuses a privileged pod with Kubernetes\' message', async () => {
  await namespace('locked', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const r = await api('POST', '/api/v1/namespaces/locked/pods', privilegedPod('priv'));
  assert.equal(r.status, 403);
  assert.equal(r.json.reason, 'Forbidden');
  assert.equal(r.json.message, 'pods "priv" is forbidden: violates PodSecurity "restricted:latest": '
    + 'privileged (container "c" must not set securityContext.privileged=true), '
    + 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
    + 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
    + 'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
    + 'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
  const compliant = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', image: 'busybox', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    },
  };
  assert.equal((await api('POST', '/api/v1/namespaces/locked/pods', compliant)).status, 201);
  // The default namespace has no labels: privileged, anything goes.
  assert.equal((await api('POST', '/api/v1/namespaces/default/pods', privilegedPod('priv'))).status, 201);
});

it('warn and workloads: the pod or template is admitted and the client warned, as kubectl shows it', async () => {
  await namespace('warned', { 'pod-security.kubernetes.io/warn': 'baseline' });
  const r = await api('POST', '/api/v1/namespaces/warned/pods', privilegedPod('priv'));
  assert.equal(r.status, 201);
  assert.equal(r.headers.warning, '299 - "would violate PodSecurity \\"baseline:latest\\": privileged (container \\"c\\" must not set securityContext.privileged=true)"');
  // A Deployment is never refused for its template, even where pods would be; it is warned.
  await namespace('strict', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'baseline' });
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: privilegedPod('x').spec } },
  };
  const d = await api('POST', '/apis/apps/v1/namespaces/strict/deployments', deployment);
  assert.equal(d.status, 201, d.text);
  assert.match(String(d.headers.warning), /would violate PodSecurity \\"baseline:latest\\": privileged/);
  const stderr = await kubectlStderr('run', 'p', '--image=busybox', '-n', 'warned', '--privileged');
  assert.match(stderr, /^Warning: would violate PodSecurity "baseline:latest": privileged \(container "p" must not set securityContext.privileged=true\)\n/);
});

it('raising a namespace\'s level warns about the pods that violate it; a bad level is refused', async () => {
  await namespace('growing', {});
  assert.equal((await api('POST', '/api/v1/namespaces/growing/pods', privilegedPod('old'))).status, 201);
  // The plugin reads pods from the watch cache, as Kubernetes' reads its informer: wait
  // until the cache (a list at resourceVersion 0) holds the new pod.
  for (const deadline = Date.now() + 10_000; ;) {
    const list = await api('GET', '/api/v1/namespaces/growing/pods?resourceVersion=0');
    if ((list.json.items as { metadata: { name: string } }[]).some((p) => p.metadata.name === 'old')) break;
    assert.ok(Date.now() < deadline, 'the watch cache never showed pod growing/old');
    await new Promise((r) => setTimeout(r, 50));
  }
  const r = await api('PATCH', '/api/v1/namespaces/growing', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
  assert.equal(r.status, 200);
  assert.match(String(r.headers.warning), /existing pods in namespace \\"growing\\" violate the new PodSecurity enforce level \\"baseline:latest\\"/);
  assert.match(String(r.headers.warning), /old: privileged/);
  const bad = await api('PATCH', '/api/v1/namespaces/growing', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'strictest' } } });
  assert.equal(bad.status, 422);
  assert.match(bad.json.message, /pod-security\.kubernetes\.io\/enforce/);
});

/** kubectl's stderr (warnings) for a command that succeeds. */
async function kubectlStderr(...args: string[]): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir } }, (err, _out, stderr) => (err ? reject(new Error(stderr)) : resolve(stderr)));
  });
}
