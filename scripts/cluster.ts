// `npm run cluster`: a local cluster on this machine. First the certificates and
// kubeconfigs (pki.ts: one identity per component), then the components in order,
// each gated on the previous being ready (etcd, then kube-apiserver, the cluster DNS
// objects (addons.ts), the scheduler, the controller manager, a kubelet on the local
// Docker Engine, kube-proxy with cluster DNS, and metrics-server behind its APIService).
// Keeps state under .cluster/:
//   pki/                           the cluster CA, the apiserver's keys, the encryption configuration
//   kubeconfig                     admin (system:masters): the person at this machine
//   kube-scheduler/scheduler.conf  system:kube-scheduler
//   kube-controller-manager/       controller-manager.conf (system:kube-controller-manager), ca.crt
//   kubelet/pki/                   kubelet.conf (system:node:<node>), kubelet.crt/.key (its HTTPS), ca.crt
//   kube-proxy/kube-proxy.conf     system:kube-proxy
//   metrics-server/metrics-server.conf  system:serviceaccount:kube-system:metrics-server
// starts a component that exits again by itself (supervisor.ts: capped backoff, one
// line each time), and stops everything on Ctrl-C (pods' containers keep running, as
// with a real node; the next start adopts them).
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { hostname } from 'node:os';
import { loadClientConfig } from '../client/kubeconfig.js';
import { NODE_FLAGS } from '../client/node-flags.js';
import { RestClient } from '../client/rest-client.js';
import { defaultNodeIP } from '../kubelet/node-ip.js';
import { ensureMetricsServerObjects } from '../metrics-server/manifests.js';
import { ensureClusterAddons } from './addons.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE, LOCAL_PAUSE_IMAGE, LOCAL_TESTSERVER_IMAGE } from './images.js';
import {
  ADMIN, ensureControllerManager, ensureControlPlane, ensureKubeconfig, ensureKubelet, FILES, KUBE_PROXY, METRICS_SERVER, SCHEDULER, type Report,
} from './pki.js';
import { Supervisor } from './supervisor.js';
import { BUNDLES, type BundledComponent } from './bundles.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** A component's one-file bundle (`npm run build` makes it: scripts/bundles.ts). */
const bundled = (component: BundledComponent): string => join(root, 'dist', BUNDLES[component].out);
const program = new Command('cluster')
  .description('Run a local cluster: etcd, kube-apiserver, kube-scheduler, kube-controller-manager, a kubelet on the local Docker Engine, kube-proxy with cluster DNS and metrics-server')
  .option('--dir <dir>', 'state directory', join(root, '.cluster'))
  .option('--etcd-port <port>', 'etcd client port', '12379')
  .option('--etcd-peer-port <port>', 'etcd peer port (default: the client port + 1)')
  .option('--secure-port <port>', 'kube-apiserver HTTPS port (kubectl)', '6443')
  .option('--insecure-port <port>', 'also serve the kube-apiserver on plain HTTP on this loopback port, with no authentication or authorization: anyone on this machine is cluster-admin there (for curl without credentials; off by default: use `kubectl proxy`)')
  .option('--bind-address <ip>', 'kube-apiserver bind address', '127.0.0.1')
  .option('--node-name <name>', 'name of the node the kubelet registers', defaultNodeName())
  .option('--kubelet-port <port>', 'kubelet server port (HTTPS)', '10250')
  .option('--kubelet-healthz-port <port>', 'kubelet plain-HTTP /healthz port on loopback', '10248')
  .option('--pod-network <name>', 'Docker network pods get their IP from (created if missing)', 'tskube-pods')
  .option('--pod-network-cidr <cidr>', 'subnet of the pod network when it is created', '10.244.0.0/16')
  .option('--controller-manager-port <port>', 'kube-controller-manager /healthz and /metrics port', '10257')
  .option('--proxy-mode <mode>', 'kube-proxy mode: userspace (needs no kernel support) or nftables (DNAT in the kernel; faster)', 'userspace')
  .option('--proxy-port <port>', 'kube-proxy /healthz and /metrics port', '10256')
  .option('--metrics-server-port <port>', 'metrics-server HTTPS port (the apiserver proxies metrics.k8s.io to it)', '4443')
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
  dir: string; etcdPort: string; etcdPeerPort?: string; securePort: string; insecurePort?: string; bindAddress: string; fresh?: boolean;
  nodeName: string; kubeletPort: string; kubeletHealthzPort: string; podNetwork: string; podNetworkCidr: string; controllerManagerPort: string; publicImages?: boolean;
  proxyMode: string; proxyPort: string; dnsUpstream?: string; metricsServerPort: string;
}>();

/** The kube-dns address: the tenth of the apiserver's default service range (10.96.0.0/12). */
const CLUSTER_DNS = '10.96.0.10';

const step = (msg: string): void => { process.stdout.write(`cluster: ${msg}\n`); };

// A component that exits is started again (capped backoff), as `restart: unless-stopped`.
const supervisor = new Supervisor({ say: step });

function start(name: string, cmd: string, args: string[]): void {
  supervisor.start({ name, cmd, args, logFile: join(o.dir, 'logs', `${name}.log`) });
}

/** Waits until url answers 200 (a plain-HTTP health endpoint). */
function waitReady(name: string, url: string, timeoutMs: number): Promise<void> {
  return waitFor(name, async () => (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok, timeoutMs);
}

/** Waits until probe resolves true (a throw counts as not yet), saying so every 2 s. */
async function waitFor(name: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  let dots = 0;
  for (;;) {
    try {
      if (await probe()) {
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
async function waitNodeReady(rest: RestClient, node: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  for (let i = 1; ; i++) {
    try {
      const n = await rest.request<{ status?: { conditions?: { type: string; status: string }[] } }>({ path: `/api/v1/nodes/${node}`, timeoutMs: 1000 });
      if (n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
        step(`node ${node} Ready (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
        return;
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

/** The files of .cluster/ (see the header). */
function layout(dir: string) {
  const pki = join(dir, 'pki');
  return {
    pki,
    encryptionConfig: join(pki, FILES.encryptionConfig),
    admin: join(dir, 'kubeconfig'),
    scheduler: join(dir, 'kube-scheduler', FILES.scheduler),
    controllerManagerDir: join(dir, 'kube-controller-manager'),
    kubeletDir: join(dir, 'kubelet', 'pki'),
    kubeProxy: join(dir, 'kube-proxy', FILES.kubeProxy),
    metricsServer: join(dir, 'metrics-server', FILES.metricsServer),
  };
}

/**
 * The PKI step (kubeadm's certs and kubeconfig phases): whatever of the layout is
 * missing or no longer fits is made, the rest kept; one line per file made.
 */
async function ensurePki(files: ReturnType<typeof layout>, apiUrl: string, host: string, nodeIP: string): Promise<void> {
  let kept = 0;
  const report: Report = (file, what, detail) => {
    if (what === 'kept') kept++;
    else step(`  wrote ${file}${detail ? ` (${detail})` : ''}`);
  };
  // The serving certificate also names the kubernetes Service's ClusterIP (in-cluster clients).
  const { ca } = await ensureControlPlane(files.pki, [host, '10.96.0.1'], report);
  await ensureKubeconfig(files.pki, ca, { file: files.admin, server: apiUrl, identity: ADMIN }, report);
  await ensureKubeconfig(files.pki, ca, { file: files.scheduler, server: apiUrl, identity: SCHEDULER }, report);
  await ensureControllerManager(files.pki, ca, files.controllerManagerDir, apiUrl, report);
  await ensureKubeconfig(files.pki, ca, { file: files.kubeProxy, server: apiUrl, identity: KUBE_PROXY }, report);
  await ensureKubeconfig(files.pki, ca, { file: files.metricsServer, server: apiUrl, identity: METRICS_SERVER }, report);
  await ensureKubelet(files.pki, ca, { dir: files.kubeletDir, node: o.nodeName, ips: [...new Set([nodeIP, '127.0.0.1'])] }, apiUrl, report);
  if (kept) step(`  kept ${kept} files made before`);
}

async function main(): Promise<void> {
  if (o.fresh) await rm(o.dir, { recursive: true, force: true });
  await mkdir(join(o.dir, 'logs'), { recursive: true });
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const host = o.bindAddress === '0.0.0.0' ? '127.0.0.1' : o.bindAddress;
  const apiUrl = `https://${host}:${o.securePort}`;
  const files = layout(o.dir);
  const nodeIP = defaultNodeIP();
  step(`certificates and kubeconfigs: one identity per component (${files.pki}, ${o.dir}/*/*.conf)`);
  await ensurePki(files, apiUrl, host, nodeIP);

  const etcdUrl = `http://127.0.0.1:${o.etcdPort}`;
  const peerPort = o.etcdPeerPort ? Number(o.etcdPeerPort) : Number(o.etcdPort) + 1;
  // As a kubeadm control-plane node keeps etcd on 127.0.0.1; docker compose runs it with TLS.
  step(`starting etcd on ${etcdUrl} (loopback only, plain HTTP without client certificates: any process on this machine can reach it; data in ${join(o.dir, 'etcd')})`);
  start('etcd', 'etcd', [
    '--name', 'default', '--data-dir', join(o.dir, 'etcd'),
    '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-cluster', `default=http://127.0.0.1:${peerPort}`, '--log-level', 'warn', '--logger', 'zap',
    // Progress notifications let the apiserver's bookmarks keep up with quiet resources.
    '--experimental-watch-progress-notify-interval', '5s',
  ]);
  await waitReady('etcd', `${etcdUrl}/health`, 30_000);

  const plainUrl = o.insecurePort ? `http://127.0.0.1:${o.insecurePort}` : undefined;
  step(`starting kube-apiserver on ${apiUrl}${plainUrl ? ` (and ${plainUrl}: no authentication there)` : ''}; Secrets encrypted at rest (${files.encryptionConfig})`);
  start('kube-apiserver', process.execPath, [...NODE_FLAGS['kube-apiserver'], bundled('apiserver'), '--etcd-servers', etcdUrl,
    '--secure-port', o.securePort, '--bind-address', o.bindAddress, '--cert-dir', files.pki,
    '--enable-bootstrap-token-auth', '--encryption-provider-config', files.encryptionConfig,
    // The kubelet's serving certificate is signed by the cluster CA: checked on logs and exec.
    '--kubelet-certificate-authority', join(files.pki, 'ca.crt'),
    // Aggregated servers (metrics-server) at their endpoints: no ClusterIP route on this machine's side.
    '--enable-aggregator-routing',
    ...(o.insecurePort ? ['--port', o.insecurePort] : [])]);
  const admin = new RestClient(loadClientConfig({ kubeconfig: files.admin }), { userAgent: 'tskube-cluster' });
  // /readyz answers anyone (as /healthz, /livez and /version); everything else needs credentials.
  await waitFor('kube-apiserver', async () => (await admin.requestText({ path: '/readyz', timeoutMs: 1000 })) === 'ok', 60_000);
  step('cluster DNS objects (kubeadm\'s addon phase, as admin):');
  await ensureClusterAddons(admin, CLUSTER_DNS, (line) => step(`  ${line}`));

  step(`starting kube-scheduler (as system:kube-scheduler)`);
  start('kube-scheduler', process.execPath, [...NODE_FLAGS['kube-scheduler'], bundled('scheduler'), '--kubeconfig', files.scheduler]);
  step(`starting kube-controller-manager (as system:kube-controller-manager, each controller as its own service account; /healthz on 127.0.0.1:${o.controllerManagerPort})`);
  start('kube-controller-manager', process.execPath, [...NODE_FLAGS['kube-controller-manager'], bundled('controller-manager'),
    '--kubeconfig', join(files.controllerManagerDir, FILES.controllerManager), '--use-service-account-credentials',
    '--root-ca-file', join(files.controllerManagerDir, FILES.ca), '--port', o.controllerManagerPort,
    '--cluster-signing-cert-file', join(files.controllerManagerDir, FILES.ca), '--cluster-signing-key-file', join(files.controllerManagerDir, FILES.caKey),
    // The local-path provisioner's volumes live with the cluster's state; its helper pods
    // use the local busybox, or k3s' public one with --public-images.
    '--local-path-root', join(o.dir, 'local-path-provisioner'),
    ...(o.publicImages ? ['--local-path-helper-image', 'rancher/mirrored-library-busybox:1.36.1'] : [])]);
  await waitReady('kube-controller-manager', `http://127.0.0.1:${o.controllerManagerPort}/healthz`, 30_000);

  // No registry may be reachable: the pause image (and busybox and the test server
  // for trying things out) are built from this machine's binaries when missing.
  let pauseImage = 'registry.k8s.io/pause:3.10';
  if (!o.publicImages) {
    await ensureLocalImages({ log: (line) => step(line.trim()) });
    pauseImage = LOCAL_PAUSE_IMAGE;
  }
  step(`starting kubelet for node ${o.nodeName} (as system:node:${o.nodeName}; HTTPS on :${o.kubeletPort}; pods on Docker network ${o.podNetwork}, ${o.podNetworkCidr})`);
  start('kubelet', process.execPath, [...NODE_FLAGS.kubelet, join(root, 'dist/kubelet/main.js'), '--kubeconfig', join(files.kubeletDir, FILES.kubelet),
    '--node-name', o.nodeName, '--node-ip', nodeIP, '--port', o.kubeletPort, '--root-dir', join(o.dir, 'kubelet'), '--pause-image', pauseImage,
    '--pod-network', o.podNetwork, '--pod-network-cidr', o.podNetworkCidr, '--cluster-dns', CLUSTER_DNS,
    '--tls-cert-file', join(files.kubeletDir, FILES.kubeletCert), '--tls-private-key-file', join(files.kubeletDir, FILES.kubeletKey),
    '--client-ca-file', join(files.kubeletDir, FILES.ca), '--healthz-port', o.kubeletHealthzPort]);
  await waitNodeReady(admin, o.nodeName, 60_000);
  step(`starting kube-proxy (as system:kube-proxy; ${o.proxyMode} mode; ClusterIPs on lo, cluster DNS on ${CLUSTER_DNS}:53)`);
  start('kube-proxy', process.execPath, [...NODE_FLAGS['kube-proxy'], bundled('kube-proxy'), '--kubeconfig', files.kubeProxy,
    '--node-name', o.nodeName, '--proxy-mode', o.proxyMode, '--healthz-bind-address', `127.0.0.1:${o.proxyPort}`,
    '--cluster-dns', CLUSTER_DNS, ...(o.dnsUpstream ? ['--dns-upstream', o.dnsUpstream] : [])]);
  await waitReady('kube-proxy', `http://127.0.0.1:${o.proxyPort}/healthz`, 30_000);
  // metrics-server's objects as its manifests make them (RBAC, Service with its endpoint here, APIService), then the process.
  step(`metrics-server (as system:serviceaccount:kube-system:metrics-server; HTTPS on ${host}:${o.metricsServerPort}, behind the APIService v1beta1.metrics.k8s.io):`);
  for (const line of await ensureMetricsServerObjects(admin, host, Number(o.metricsServerPort))) step(`  ${line}`);
  start('metrics-server', process.execPath, [...NODE_FLAGS['metrics-server'], bundled('metrics-server'), '--kubeconfig', files.metricsServer,
    '--bind-address', host, '--secure-port', o.metricsServerPort, '--kubelet-preferred-address-types', 'InternalIP']);
  await waitFor('metrics-server', async () => {
    const s = await admin.request<{ status?: { conditions?: { type: string; status: string }[] } }>({ path: '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io', timeoutMs: 2000 });
    return s.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
  }, 60_000);
  await admin.close();
  const kubeconfig = files.admin;
  const k = `kubectl --kubeconfig ${kubeconfig}`;
  step(`ready. admin kubeconfig (user admin, group system:masters): ${kubeconfig}`);
  step(`try:  ${k} get nodes`);
  step(`      ${k} run hello --image=${o.publicImages ? 'busybox' : LOCAL_BUSYBOX_IMAGE} -- sleep 3600`);
  step(`      ${k} create deployment web --image=${o.publicImages ? 'busybox' : LOCAL_BUSYBOX_IMAGE} --replicas=3 -- sleep 3600`);
  step(`      ${k} rollout status deployment/web`);
  step(`      ${k} top pods   # a resolution (15 s) after pods start`);
  step(`      ${k} create deployment echo --image=${o.publicImages ? 'registry.k8s.io/e2e-test-images/agnhost:2.53' : LOCAL_TESTSERVER_IMAGE} --replicas=2 --port=8080`);
  step(`      ${k} expose deployment echo --type=NodePort --port=80 --target-port=8080`);
  step(`      curl localhost:$(${k} get svc echo -o jsonpath='{.spec.ports[0].nodePort}')`);
  step(`curl: the API needs credentials; \`${k} proxy &\` then curl http://127.0.0.1:8001/api/v1/namespaces/default/pods`);
  if (plainUrl) step(`      or, with no credentials (--insecure-port): curl ${plainUrl}/api/v1/namespaces/default/pods`);
  step('press Ctrl-C to stop');
}

main().catch(async (err: unknown) => {
  step(`failed: ${(err as Error).message}`);
  await stopAll(1);
});
