// `npm run cluster`: a local cluster on this machine. Starts components in order,
// each gated on the previous being ready (etcd, then kube-apiserver, then the
// scheduler, the controller manager, a kubelet on the local Docker Engine and
// kube-proxy with cluster DNS),
// keeps state under
// .cluster/, starts a component that exits again by itself (supervisor.ts: capped
// backoff, one line each time), and stops everything on Ctrl-C (pods' containers keep
// running, as with a real node; the next start adopts them).
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { hostname } from 'node:os';
import { writeAdminKubeconfig } from '../apiserver/kubeconfig.js';
import { NODE_FLAGS } from '../client/node-flags.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE, LOCAL_PAUSE_IMAGE, LOCAL_TESTSERVER_IMAGE } from './images.js';
import { Supervisor } from './supervisor.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const program = new Command('cluster')
  .description('Run a local cluster: etcd, kube-apiserver, kube-scheduler, kube-controller-manager, a kubelet on the local Docker Engine and kube-proxy with cluster DNS')
  .option('--dir <dir>', 'state directory', join(root, '.cluster'))
  .option('--etcd-port <port>', 'etcd client port', '12379')
  .option('--secure-port <port>', 'kube-apiserver HTTPS port (kubectl)', '6443')
  .option('--port <port>', 'kube-apiserver plain-HTTP port on loopback (curl)', '8080')
  .option('--bind-address <ip>', 'kube-apiserver bind address', '127.0.0.1')
  .option('--node-name <name>', 'name of the node the kubelet registers', defaultNodeName())
  .option('--kubelet-port <port>', 'kubelet server port', '10250')
  .option('--pod-network <name>', 'Docker network pods get their IP from (created if missing)', 'tskube-pods')
  .option('--pod-network-cidr <cidr>', 'subnet of the pod network when it is created', '10.244.0.0/16')
  .option('--controller-manager-port <port>', 'kube-controller-manager /healthz and /metrics port', '10257')
  .option('--proxy-mode <mode>', 'kube-proxy mode: userspace (needs no kernel support) or nftables (DNAT in the kernel; faster)', 'userspace')
  .option('--proxy-port <port>', 'kube-proxy /healthz and /metrics port', '10256')
  .option('--dns-upstream <ip:port>', 'where cluster DNS forwards names outside cluster.local (default: nowhere, they fail)')
  .option('--public-images', 'use the public pause image (registry.k8s.io/pause:3.10) instead of building a local one')
  .option('--fresh', 'delete the previous cluster state first');

/** This machine's hostname as a valid node name (a DNS-1123 subdomain). */
function defaultNodeName(): string {
  const name = hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return name || 'tskube-node';
}
program.parse();
const o = program.opts<{
  dir: string; etcdPort: string; securePort: string; port: string; bindAddress: string; fresh?: boolean;
  nodeName: string; kubeletPort: string; podNetwork: string; podNetworkCidr: string; controllerManagerPort: string; publicImages?: boolean;
  proxyMode: string; proxyPort: string; dnsUpstream?: string;
}>();

/** The kube-dns address: the tenth of the apiserver's default service range (10.96.0.0/12). */
const CLUSTER_DNS = '10.96.0.10';

const step = (msg: string): void => { process.stdout.write(`cluster: ${msg}\n`); };

// A component that exits is started again (capped backoff), as `restart: unless-stopped`.
const supervisor = new Supervisor({ say: step });

function start(name: string, cmd: string, args: string[]): void {
  supervisor.start({ name, cmd, args, logFile: join(o.dir, 'logs', `${name}.log`) });
}

async function waitReady(name: string, url: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  let dots = 0;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        step(`${name} ready (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
        return;
      }
    } catch {
      // not up yet
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${name} did not become ready in ${timeoutMs / 1000}s; see ${join(o.dir, 'logs')}`);
    if (++dots % 10 === 0) step(`waiting for ${name} (${((Date.now() - t0) / 1000).toFixed(0)}s)...`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the node reports Ready (its kubelet registered and found Docker). */
async function waitNodeReady(apiUrl: string, node: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  for (let i = 1; ; i++) {
    try {
      const res = await fetch(`${apiUrl}/api/v1/nodes/${node}`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        const n = await res.json() as { status?: { conditions?: { type: string; status: string }[] } };
        if (n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
          step(`node ${node} Ready (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
          return;
        }
      }
    } catch {
      // not registered yet
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`node ${node} did not become Ready in ${timeoutMs / 1000}s; see ${join(o.dir, 'logs', 'kubelet.log')}`);
    if (i % 10 === 0) step(`waiting for node ${node} to be Ready (${((Date.now() - t0) / 1000).toFixed(0)}s)...`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let stopping = false;
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Reverse start order: clients first, etcd last.
  await supervisor.stopAll();
  step('stopped');
  process.exit(code);
}

async function main(): Promise<void> {
  if (o.fresh) await rm(o.dir, { recursive: true, force: true });
  await mkdir(join(o.dir, 'logs'), { recursive: true });
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const etcdUrl = `http://127.0.0.1:${o.etcdPort}`;
  const peerPort = Number(o.etcdPort) + 1;
  step(`starting etcd on ${etcdUrl} (data in ${join(o.dir, 'etcd')})`);
  start('etcd', 'etcd', [
    '--name', 'default', '--data-dir', join(o.dir, 'etcd'),
    '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-cluster', `default=http://127.0.0.1:${peerPort}`, '--log-level', 'warn', '--logger', 'zap',
    // Progress notifications let the apiserver's bookmarks keep up with quiet resources.
    '--experimental-watch-progress-notify-interval', '5s',
  ]);
  await waitReady('etcd', `${etcdUrl}/health`, 30_000);

  const host = o.bindAddress === '0.0.0.0' ? '127.0.0.1' : o.bindAddress;
  const apiUrl = `https://${host}:${o.securePort}`;
  const plainUrl = `http://${host}:${o.port}`;
  const pki = join(o.dir, 'pki');
  step(`starting kube-apiserver on ${apiUrl} (and ${plainUrl})`);
  start('kube-apiserver', process.execPath, [...NODE_FLAGS['kube-apiserver'], join(root, 'dist/apiserver/main.js'), '--etcd-servers', etcdUrl,
    '--secure-port', o.securePort, '--port', o.port, '--bind-address', o.bindAddress, '--cert-dir', pki]);
  await waitReady('kube-apiserver', `${plainUrl}/readyz`, 60_000);
  const kubeconfig = join(o.dir, 'kubeconfig');
  await writeAdminKubeconfig(kubeconfig, apiUrl, pki);

  step('starting kube-scheduler');
  start('kube-scheduler', process.execPath, [...NODE_FLAGS['kube-scheduler'], join(root, 'dist/scheduler/main.js'), '--kubeconfig', kubeconfig]);
  step(`starting kube-controller-manager (/healthz on 127.0.0.1:${o.controllerManagerPort})`);
  start('kube-controller-manager', process.execPath, [...NODE_FLAGS['kube-controller-manager'], join(root, 'dist/controller-manager/main.js'), '--kubeconfig', kubeconfig,
    '--port', o.controllerManagerPort]);
  await waitReady('kube-controller-manager', `http://127.0.0.1:${o.controllerManagerPort}/healthz`, 30_000);

  // No registry may be reachable: the pause image (and busybox and the test server
  // for trying things out) are built from this machine's binaries when missing.
  let pauseImage = 'registry.k8s.io/pause:3.10';
  if (!o.publicImages) {
    await ensureLocalImages({ log: (line) => step(line.trim()) });
    pauseImage = LOCAL_PAUSE_IMAGE;
  }
  step(`starting kubelet for node ${o.nodeName} (pods on Docker network ${o.podNetwork}, ${o.podNetworkCidr})`);
  start('kubelet', process.execPath, [...NODE_FLAGS.kubelet, join(root, 'dist/kubelet/main.js'), '--kubeconfig', kubeconfig,
    '--node-name', o.nodeName, '--port', o.kubeletPort, '--root-dir', join(o.dir, 'kubelet'), '--pause-image', pauseImage,
    '--pod-network', o.podNetwork, '--pod-network-cidr', o.podNetworkCidr, '--cluster-dns', CLUSTER_DNS]);
  await waitNodeReady(plainUrl, o.nodeName, 60_000);
  step(`starting kube-proxy (${o.proxyMode} mode; ClusterIPs on lo, cluster DNS on ${CLUSTER_DNS}:53)`);
  start('kube-proxy', process.execPath, [...NODE_FLAGS['kube-proxy'], join(root, 'dist/kube-proxy/main.js'), '--kubeconfig', kubeconfig,
    '--node-name', o.nodeName, '--proxy-mode', o.proxyMode, '--healthz-bind-address', `127.0.0.1:${o.proxyPort}`,
    '--cluster-dns', CLUSTER_DNS, ...(o.dnsUpstream ? ['--dns-upstream', o.dnsUpstream] : [])]);
  await waitReady('kube-proxy', `http://127.0.0.1:${o.proxyPort}/healthz`, 30_000);
  step(`ready. kubeconfig: ${kubeconfig}`);
  step(`try:  kubectl --kubeconfig ${kubeconfig} get nodes`);
  step(`      kubectl --kubeconfig ${kubeconfig} run hello --image=${o.publicImages ? 'busybox' : LOCAL_BUSYBOX_IMAGE} -- sleep 3600`);
  step(`      kubectl --kubeconfig ${kubeconfig} create deployment web --image=${o.publicImages ? 'busybox' : LOCAL_BUSYBOX_IMAGE} --replicas=3 -- sleep 3600`);
  step(`      kubectl --kubeconfig ${kubeconfig} rollout status deployment/web`);
  step(`      kubectl --kubeconfig ${kubeconfig} create deployment echo --image=${o.publicImages ? 'registry.k8s.io/e2e-test-images/agnhost:2.53' : LOCAL_TESTSERVER_IMAGE} --replicas=2 --port=8080`);
  step(`      kubectl --kubeconfig ${kubeconfig} expose deployment echo --type=NodePort --port=80 --target-port=8080`);
  step(`      curl localhost:$(kubectl --kubeconfig ${kubeconfig} get svc echo -o jsonpath='{.spec.ports[0].nodePort}')`);
  step(`      curl ${plainUrl}/api/v1/namespaces/default/pods`);
  step(`      curl --cacert ${join(pki, 'ca.crt')} ${apiUrl}/api/v1/namespaces/default/pods`);
  step('press Ctrl-C to stop');
}

main().catch(async (err: unknown) => {
  step(`failed: ${(err as Error).message}`);
  await stopAll(1);
});
