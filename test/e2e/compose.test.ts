// End to end: the repository's docker-compose.yml as a user runs it. The images are
// built offline (scripts/images.ts), `compose up` starts etcd, the control plane and
// two nodes; then, with the real kubectl and curl from the host:
//   nothing answers without credentials but health; each component acts as its own
//   identity with its role's rights only; etcd is reachable from neither the host nor a
//   pod, only the apiserver's network; a Secret is stored encrypted in etcd;
//   a Deployment of 3 answers through node-1's published NodePort, scales to 5, rolls
//   to a new image and only the new pods answer; a pod on node-1 reaches a pod on
//   node-2 by service name; `kubectl logs` and `get pods -o wide` work; the apiserver
//   killed with SIGKILL comes back by itself with nothing lost; node-2's containers
//   stopped, its pods are replaced on node-1 (short node-failure timings through the
//   compose variables); `compose down` and `up` again keep the cluster's state and
//   adopt the running pods; a third node joins with docker-compose.node-3.yml; the
//   README's clean-up leaves no container, network or volume of the project.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { ComposeCluster, NODE_3_FILE, PUBLISHED_NODE_PORT, webManifest } from '../harness/compose.js';
import { kubectl, kubectlFails } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';
import { holdHostLock } from '../harness/host-lock.js';

// Changes what the whole host shares: never beside another such file (test/harness/host-lock.ts).
await holdHostLock();

const run = promisify(execFile);
const NODES = ['node-1', 'node-2'];
const ALL_NODES = [...NODES, 'node-3'];
const NODE_PORT = PUBLISHED_NODE_PORT;
/** The "new version": the same server under another tag, so its pods get a new template. */
const IMAGE_V2 = 'tskube.local/testserver:2';

let cluster: ComposeCluster;
const say = (line: string): void => { process.stderr.write(`# compose e2e: ${line}\n`); };

before(async () => {
  cluster = await ComposeCluster.create({
    name: 'tskube-e2e',
    // A node that stops reporting is NotReady after 16 s, and its pods are evicted 2 s later.
    env: { TSKUBE_NODE_MONITOR_GRACE_PERIOD: '16s', TSKUBE_POD_EVICTION_SECONDS: '2' },
    log: say,
  });
  await run('docker', ['tag', LOCAL_TESTSERVER_IMAGE, IMAGE_V2]);
});

after(async () => {
  if (!cluster) return;
  await cluster.teardown().catch((err: Error) => say(`teardown: ${err.message}`));
  await run('docker', ['rmi', IMAGE_V2]).catch(() => undefined);
});

/** curl from the host to node-1's published NodePort: the answering pod's name, or '' on failure. */
async function curlNodePort(): Promise<string> {
  try {
    const { stdout } = await run('curl', ['-s', '-m', '2', `http://127.0.0.1:${NODE_PORT}/`]);
    return stdout.trim();
  } catch {
    return '';
  }
}

/** Curls until every name in want has answered (and only those, when exact); resolves with what answered. */
async function answering(want: string[], opts: { exact: boolean; timeoutMs: number }): Promise<Set<string>> {
  const seen = new Set<string>();
  await waitFor(async () => {
    for (let i = 0; i < 10; i++) {
      const who = await curlNodePort();
      if (!who) continue;
      if (opts.exact && !want.includes(who)) seen.clear();
      seen.add(who);
    }
    return want.every((w) => seen.has(w)) && (!opts.exact || [...seen].every((s) => want.includes(s)));
  }, { timeoutMs: opts.timeoutMs, intervalMs: 200, what: `pods ${want.join(', ')} answering on 127.0.0.1:${NODE_PORT} (seen: ${[...seen].join(', ')})` });
  return seen;
}

interface PodRow { name: string; node: string; phase: string; ready: boolean; deleting: boolean; image: string }

async function webPods(): Promise<PodRow[]> {
  const list = JSON.parse(await cluster.kubectl('get', 'pods', '-l', 'app=web', '-o', 'json')) as {
    items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string; containers: { image: string }[] }; status: { phase?: string; conditions?: { type: string; status: string }[] } }[];
  };
  return list.items.map((p) => ({
    name: p.metadata.name, node: p.spec.nodeName ?? '', phase: p.status.phase ?? '', image: p.spec.containers[0]!.image,
    ready: p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false, deleting: !!p.metadata.deletionTimestamp,
  }));
}

/** The web pods that are Ready and not being deleted, once there are exactly n of them. */
async function readyWebPods(n: number, timeoutMs: number, extra: (p: PodRow) => boolean = () => true): Promise<PodRow[]> {
  let pods: PodRow[] = [];
  await waitFor(async () => {
    pods = (await webPods()).filter((p) => p.ready && !p.deleting && extra(p));
    return pods.length === n;
  }, { timeoutMs, intervalMs: 250, what: `${n} ready web pods` });
  return pods;
}

async function apply(manifest: string): Promise<void> {
  const file = `${cluster.dir}/manifest.yaml`;
  await writeFile(file, manifest);
  await cluster.kubectl('apply', '-f', file);
}

test('compose up: both nodes Ready within 90 s, the kubeconfig on the host names 127.0.0.1', async () => {
  const t0 = Date.now();
  say(`compose up (project ${cluster.project})`);
  await cluster.up();
  const ms = await cluster.waitNodesReady(NODES, 90_000);
  say(`both nodes Ready ${((Date.now() - t0) / 1000).toFixed(1)} s after compose up (${(ms / 1000).toFixed(1)} s after it returned)`);
  const kubeconfig = await readFile(cluster.kubeconfig, 'utf8');
  assert.match(kubeconfig, new RegExp(`server: https://127\\.0\\.0\\.1:${cluster.apiserverPort}\\n`));
  // The nodes' addresses are their fixed ones on the pod network.
  const wide = await cluster.kubectl('get', 'nodes', '-o', 'wide');
  assert.match(wide, /node-1\s+Ready\s.*\s10\.245\.0\.11\s/);
  assert.match(wide, /node-2\s+Ready\s.*\s10\.245\.0\.12\s/);
});

test('without credentials the apiserver answers 401, except on health and version', async () => {
  const ca = `${cluster.dir}/ca.crt`;
  const kubeconfig = await readFile(cluster.kubeconfig, 'utf8');
  await writeFile(ca, Buffer.from(/certificate-authority-data: (\S+)/.exec(kubeconfig)![1]!, 'base64'));
  const status = async (path: string): Promise<string> => (await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', ca,
    `https://127.0.0.1:${cluster.apiserverPort}${path}`])).stdout;
  assert.equal(await status('/api/v1/pods'), '401');
  assert.equal(await status('/api/v1/namespaces/kube-system/secrets'), '401');
  assert.equal(await status('/healthz'), '200');
  assert.equal(await status('/readyz'), '200');
  assert.equal(await status('/version'), '200');
});

test('each component acts as its own identity, with its default role\'s rights only', async () => {
  const components = [
    { service: 'scheduler', file: '/etc/tskube/scheduler/scheduler.conf', user: 'system:kube-scheduler' },
    { service: 'controller-manager', file: '/etc/tskube/controller-manager/controller-manager.conf', user: 'system:kube-controller-manager' },
    { service: 'node-1', file: '/etc/tskube/node-1/kubelet.conf', user: 'system:node:node-1' },
    { service: 'node-1-proxy', file: '/etc/tskube/kube-proxy/kube-proxy.conf', user: 'system:kube-proxy' },
  ];
  // The components did their work as themselves, and no request of theirs was refused
  // (the apiserver logs each request with its code and user).
  const { stdout } = await run('docker', ['logs', await cluster.containerId('apiserver')], { maxBuffer: 64 * 1024 * 1024 });
  const refused = stdout.split('\n').filter((l) => /"code":403/.test(l) && /"user":"system:(kube-|node:|serviceaccount:kube-system:)/.test(l));
  assert.deepEqual(refused, [], 'requests of the components refused by authorization');
  const as: Record<string, { kubeconfig: string; dir: string }> = {};
  for (const c of components) {
    // The file its process was started with: that is the identity it uses.
    assert.ok((await cluster.serviceCommand(c.service)).includes(`--kubeconfig=${c.file}`), `${c.service} runs with ${c.file}`);
    as[c.service] = await cluster.componentKubeconfig(c.service, c.file);
    assert.equal(await kubectl(as[c.service]!, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'), c.user);
  }
  // kube-proxy (system:node-proxier) watches Services but may not make one.
  await kubectl(as['node-1-proxy']!, 'get', 'services', '-A');
  assert.match(await kubectlFails(as['node-1-proxy']!, 'create', 'service', 'clusterip', 'probe', '--tcp=80:80'),
    /\(Forbidden\).*User "system:kube-proxy" cannot create resource "services"|services is forbidden: User "system:kube-proxy" cannot create resource "services"/);
  assert.match(await kubectlFails(as.scheduler!, 'get', 'secrets', '-A'), /User "system:kube-scheduler" cannot list resource "secrets"/);
  assert.match(await kubectlFails(as['controller-manager']!, 'create', 'configmap', 'probe'), /User "system:kube-controller-manager" cannot create resource "configmaps"/);
  assert.match(await kubectlFails(as['node-1']!, 'get', 'secrets', '-A'), /User "system:node:node-1" cannot list resource "secrets"/);
  // The Node authorizer and NodeRestriction: node-1's kubelet may not change node-2.
  assert.match(await kubectlFails(as['node-1']!, 'label', 'node', 'node-2', 'probe=x'), /Forbidden|forbidden/);
});

/** What answers TLS on etcd's client port at address, seen from where this script runs: the server certificate's CN, or why not. */
const ETCD_PROBE = `const s = require('tls').connect({ host: process.argv[1], port: 2379, rejectUnauthorized: false, timeout: 3000 }, () => { console.log('server CN=' + (s.getPeerCertificate().subject || {}).CN); s.destroy(); });
s.on('error', (e) => console.log('no TLS server: ' + e.code)); s.on('timeout', () => { console.log('no answer'); s.destroy(); });`;

test('etcd is reachable only on its internal network: not from the host, not from a pod', async () => {
  const { address: etcd, network } = await cluster.etcdAddress();
  assert.equal((await run('docker', ['port', await cluster.containerId('etcd')])).stdout.trim(), '', 'etcd publishes no port');
  // Seen from the apiserver's side of the etcd network, etcd answers with its certificate.
  const inside = await run('docker', ['run', '--rm', '--network', network, '--entrypoint', '/usr/bin/node', LOCAL_TESTSERVER_IMAGE, '-e', ETCD_PROBE, etcd]);
  assert.equal(inside.stdout.trim(), 'server CN=etcd');
  // From the host: whatever answers there (nothing, or a machine's egress proxy), not etcd.
  const fromHost = await new Promise<string>((resolve) => {
    const s = connect({ host: etcd, port: 2379, rejectUnauthorized: false, timeout: 3000 }, () => { resolve(`server CN=${s.getPeerCertificate().subject?.CN}`); s.destroy(); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(`no TLS server: ${e.code}`));
    s.on('timeout', () => { resolve('no answer'); s.destroy(); });
  });
  assert.notEqual(fromHost, 'server CN=etcd', `from the host: ${fromHost}`);
  // From a pod, which does reach the apiserver.
  await apply(`apiVersion: v1
kind: Pod
metadata: {name: etcd-probe}
spec:
  nodeName: node-1
  restartPolicy: Never
  containers:
  - name: probe
    image: ${LOCAL_TESTSERVER_IMAGE}
    command: [/usr/bin/node, -e, ${JSON.stringify(`${ETCD_PROBE} require('net').connect(6443, '10.245.0.2', function () { console.log('apiserver reachable'); this.destroy(); }).on('error', (e) => console.log('apiserver: ' + e.code));`)}, ${JSON.stringify(etcd)}]
`);
  let logs = '';
  await waitFor(async () => {
    logs = await cluster.kubectl('logs', 'etcd-probe').catch(() => '');
    return logs.includes('apiserver') && /server CN=|no TLS server|no answer/.test(logs);
  }, { timeoutMs: 60_000, intervalMs: 500, what: 'the etcd probe pod\'s answer' });
  assert.match(logs, /apiserver reachable/);
  assert.doesNotMatch(logs, /server CN=etcd/, `from a pod: ${logs}`);
  await cluster.kubectl('delete', 'pod', 'etcd-probe', '--wait=false');
});

test('a Secret created through the API is stored encrypted in etcd', async () => {
  await cluster.kubectl('create', 'secret', 'generic', 'enc-check', '--from-literal=k=plaintext-not-for-etcd');
  const raw = await cluster.etcdctl('get', '/registry/secrets/default/enc-check', '--print-value-only');
  assert.ok(raw.startsWith('k8s:enc:secretbox:v1:key1:'), `stored as ${JSON.stringify(raw.slice(0, 40))}`);
  assert.ok(!raw.includes('plaintext-not-for-etcd'));
  // A ConfigMap is not in the configuration: stored as it is.
  await cluster.kubectl('create', 'configmap', 'enc-check', '--from-literal=k=plain');
  assert.match(await cluster.etcdctl('get', '/registry/configmaps/default/enc-check', '--print-value-only'), /"k":"plain"/);
  assert.equal(Buffer.from(await cluster.kubectl('get', 'secret', 'enc-check', '-o', 'jsonpath={.data.k}'), 'base64').toString(), 'plaintext-not-for-etcd');
});

test('a Deployment of 3 answers through node-1\'s published NodePort; scaled to 5, all 5 answer', async () => {
  const t0 = Date.now();
  await apply(webManifest(LOCAL_TESTSERVER_IMAGE, 3));
  const three = await readyWebPods(3, 60_000);
  await answering(three.map((p) => p.name), { exact: true, timeoutMs: 30_000 });
  say(`3 replicas answering through the NodePort ${((Date.now() - t0) / 1000).toFixed(1)} s after apply`);
  assert.deepEqual(new Set(three.map((p) => p.node)), new Set(NODES), 'the scheduler spreads the replicas over both nodes');

  await cluster.kubectl('scale', 'deployment/web', '--replicas=5');
  const five = await readyWebPods(5, 60_000);
  await answering(five.map((p) => p.name), { exact: true, timeoutMs: 30_000 });
});

test('pods are sibling containers on the host\'s Docker Engine, labelled with their node', async () => {
  const pods = await readyWebPods(5, 10_000);
  for (const p of pods) {
    const { stdout } = await run('docker', ['ps', '--filter', `label=io.kubernetes.pod.name=${p.name}`, '--filter', 'label=io.kubernetes.container.name=web',
      '--format', '{{.Label "io.kubernetes.node.name"}}']);
    assert.equal(stdout.trim(), p.node, `${p.name}'s container`);
  }
});

test('kubectl top: metrics-server behind its APIService, reached through the apiserver', async () => {
  assert.match(await cluster.kubectl('get', 'apiservice', 'v1beta1.metrics.k8s.io'), /\nv1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+True\s/);
  let out = '';
  // metrics-server scrapes every 15 s; a pod has metrics from its second point.
  await waitFor(async () => {
    out = await cluster.kubectl('top', 'pods', '-l', 'app=web', '--no-headers').catch(() => '');
    return out.trim().split('\n').filter((l) => /^web-\S+\s+\d+m\s+\d+Mi$/.test(l.trim())).length === 5;
  }, { timeoutMs: 90_000, intervalMs: 2000, what: `5 web pods in kubectl top (last: ${out})` });
  assert.match(await cluster.kubectl('top', 'nodes'), /\nnode-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*\nnode-2\s/);
});

test('rolled to a new image, only the new version answers', async () => {
  await cluster.kubectl('set', 'image', 'deployment/web', `web=${IMAGE_V2}`);
  await cluster.kubectl('rollout', 'status', 'deployment/web', '--timeout=120s');
  const pods = await readyWebPods(5, 60_000, (p) => p.image === IMAGE_V2);
  await answering(pods.map((p) => p.name), { exact: true, timeoutMs: 30_000 });
  // A burst more: nothing of the old ReplicaSet answers any more.
  for (let i = 0; i < 20; i++) {
    const who = await curlNodePort();
    assert.ok(pods.some((p) => p.name === who), `${who} answered, not one of the new pods`);
  }
});

test('a pod on node-1 reaches a pod on node-2 by the service\'s name', async () => {
  const onNode2 = (await readyWebPods(5, 10_000)).filter((p) => p.node === 'node-2').map((p) => p.name);
  assert.ok(onNode2.length > 0, 'some web pod runs on node-2');
  await apply(`apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: node-1
  restartPolicy: Never
  containers:
  - name: client
    image: tskube.local/busybox:1.35
    command: [sh, -c, 'for i in $(seq 1 40); do printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 2 web 80 | tail -n 1; done']
`);
  let logs = '';
  await waitFor(async () => {
    logs = await cluster.kubectl('logs', 'client');
    return onNode2.some((name) => logs.includes(name));
  }, { timeoutMs: 60_000, intervalMs: 500, what: `the client pod on node-1 to reach one of ${onNode2.join(', ')} (logs: ${logs.slice(-300)})` });
});

test('kubectl logs and kubectl get pods -o wide, with the real kubectl', async () => {
  const pods = await readyWebPods(5, 10_000);
  for (const node of NODES) {
    const pod = pods.find((p) => p.node === node);
    if (!pod) continue;
    assert.match(await cluster.kubectl('logs', pod.name), /testserver listening on 8080/);
  }
  const wide = await cluster.kubectl('get', 'pods', '-o', 'wide');
  for (const p of pods) assert.match(wide, new RegExp(`${p.name}\\s+1/1\\s+Running\\s+\\d+\\s+\\S+\\s+10\\.245\\.\\d+\\.\\d+\\s+${p.node}\\s`));
});

test('the apiserver killed with SIGKILL restarts by itself and nothing is lost', async () => {
  await cluster.kubectl('create', 'configmap', 'before-kill', '--from-literal=k=v');
  const before = (await webPods()).map((p) => p.name).sort();
  const id = await cluster.containerId('apiserver');
  const restarts = async (): Promise<number> => Number((await run('docker', ['inspect', '--format', '{{.RestartCount}}', id])).stdout.trim());
  const restartsBefore = await restarts();
  // The component's process, not the container's init (nor a healthcheck running
  // beside it): a crash, as the restart policy sees one.
  const apiserverPid = await cluster.componentPid(id);
  process.kill(apiserverPid, 'SIGKILL');
  await waitFor(async () => (await restarts()) > restartsBefore, { timeoutMs: 30_000, intervalMs: 200, what: 'Docker to restart the apiserver container' });
  await waitFor(async () => (await cluster.kubectl('get', '--raw', '/readyz')).trim() === 'ok', { timeoutMs: 60_000, intervalMs: 250, what: 'the apiserver ready again' });
  assert.equal((await cluster.kubectl('get', 'configmap', 'before-kill', '-o', 'jsonpath={.data.k}')).trim(), 'v');
  assert.deepEqual((await webPods()).map((p) => p.name).sort(), before);
  await answering((await readyWebPods(5, 30_000)).map((p) => p.name), { exact: true, timeoutMs: 30_000 });
});

test('node-2\'s containers stopped: its pods are replaced on node-1', async () => {
  const t0 = Date.now();
  await cluster.compose('stop', '-t', '5', 'node-2-proxy', 'node-2');
  await waitFor(async () => /node-2\s+NotReady/.test(await cluster.kubectl('get', 'nodes')), { timeoutMs: 60_000, intervalMs: 500, what: 'node-2 NotReady' });
  say(`node-2 NotReady ${((Date.now() - t0) / 1000).toFixed(1)} s after its containers stopped`);
  const pods = await readyWebPods(5, 90_000, (p) => p.node === 'node-1');
  say(`5 web pods ready on node-1 ${((Date.now() - t0) / 1000).toFixed(1)} s after node-2 stopped`);
  await answering(pods.map((p) => p.name), { exact: true, timeoutMs: 30_000 });
});

test('compose down and up again: the cluster\'s state is kept and running pods are adopted', async () => {
  const before = await readyWebPods(5, 10_000, (p) => p.node === 'node-1');
  const containerIds = async (): Promise<string> => (await run('docker', ['ps', '-q', '--no-trunc', '--filter', 'label=io.kubernetes.node.name=node-1', '--filter', 'label=io.kubernetes.container.name=web'])).stdout.split('\n').filter(Boolean).sort().join(',');
  const idsBefore = await containerIds();
  // `down` cannot remove the pod network while pods use it: it says so and exits 1,
  // and leaves the pods running on purpose.
  await cluster.compose('down', '-t', '5').catch((err: Error) => assert.match(err.message, /has active endpoints/));
  await cluster.up();
  await cluster.waitNodesReady(['node-1'], 90_000);
  const after = await readyWebPods(5, 60_000, (p) => p.node === 'node-1');
  assert.deepEqual(after.map((p) => p.name).sort(), before.map((p) => p.name).sort(), 'the same pods');
  assert.equal(await containerIds(), idsBefore, 'the same containers: adopted, not restarted');
  await answering(after.map((p) => p.name), { exact: true, timeoutMs: 30_000 });
});

test('a third node joins with docker-compose.node-3.yml and runs pods', async () => {
  cluster.addFile(NODE_3_FILE);
  await cluster.up('node-3', 'node-3-proxy');
  await cluster.waitNodesReady(['node-3'], 90_000);
  await cluster.kubectl('run', 'on-node-3', `--image=${LOCAL_TESTSERVER_IMAGE}`, '--overrides={"spec":{"nodeName":"node-3"}}');
  await waitFor(async () => (await cluster.kubectl('get', 'pod', 'on-node-3', '-o', 'jsonpath={.status.phase}')) === 'Running',
    { timeoutMs: 60_000, intervalMs: 250, what: 'a pod on node-3 Running' });
  assert.match(await cluster.kubectl('get', 'pod', 'on-node-3', '-o', 'jsonpath={.status.podIP}'), /^10\.245\.\d+\.\d+$/);
});

test('clean-up: `run --rm cleanup` and `down -v` leave no container, network or volume of the project', async () => {
  await cluster.teardown();
  assert.deepEqual(await cluster.leftovers(ALL_NODES), []);
});
