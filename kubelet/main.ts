// kubelet: parses flags, builds the client, runtime and loops, starts them, and stops
// them on SIGTERM/SIGINT with one AbortSignal (pods' containers keep running).
import { join } from 'node:path';
import { Command } from 'commander';
import { componentLogger } from '../client/logger.js';
import { runComponent } from '../client/signals.js';
import { parseDurationFlag } from '../api/duration.js';
import { EventRecorder } from '../client/event-recorder.js';
import { loadClientConfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest-client.js';
import { bootstrapKubeconfig } from './bootstrap.js';
import { DEFAULT_DNS_FLAGS, parseClusterDNSFlag } from './dns-config.js';
import { hairpinModeFromFlag } from './hairpin.js';
import { readMachineInfo } from './machine-info.js';
import { NodeLeaseController } from './node-lease.js';
import { defaultNodeIP } from './node-ip.js';
import { NodeStatusManager } from './node-status.js';
import { missingNodeFlags } from '../client/node-flags.js';
import { PodManager } from './pod-manager.js';
import { DockerRuntime } from './runtime/docker.js';
import { startHealthzServer, startKubeletServer } from './server.js';
import { addServerFlags, serverOptionsFromFlags } from './server-flags.js';
import { serviceRouteFromFlags } from './service-route.js';
import { StatsCollector } from './stats-collector.js';

const program = new Command('kubelet')
  .description('Runs the pods bound to this node as Docker containers')
  .option('--kubeconfig <file>', 'kubeconfig with the apiserver and credentials')
  .option('--bootstrap-kubeconfig <file>', 'kubeconfig with a bootstrap token: when --kubeconfig is missing or its client certificate has expired, a client certificate is requested with it (TLS bootstrap) and --kubeconfig is written')
  .option('--master <url>', 'apiserver URL (overrides the kubeconfig server)')
  .option('--node-name <name>', 'name of this node', process.env.HOSTNAME)
  .option('--node-ip <ip>', 'InternalIP of this node (default: the first non-loopback IPv4 address)')
  .option('--pod-network <name>', 'Docker network pods get their IP from (created if missing)', 'tskube-pods')
  .option('--pod-network-cidr <cidr>', 'subnet of the pod network when it is created', '10.244.0.0/16')
  .option('--address <ip>', 'address the kubelet server listens on', '0.0.0.0')
  .option('--port <port>', 'port of the kubelet server, HTTPS (0 picks a free one)', '10250')
  .option('--root-dir <dir>', 'directory for pod volumes', '/var/lib/kubelet')
  .option('--pause-image <image>', 'image of pod sandboxes', 'registry.k8s.io/pause:3.10')
  .option('--cluster-dns <ips>', 'comma-separated cluster DNS server addresses for ClusterFirst pods (none: they fall back to Default)')
  .option('--cluster-domain <domain>', 'the cluster\'s DNS domain, searched by ClusterFirst pods', DEFAULT_DNS_FLAGS.clusterDomain)
  .option('--resolv-conf <file>', 'resolver file of the node, the base of pods\' DNS (\'\' for none)', DEFAULT_DNS_FLAGS.resolvConf)
  .option('--service-cluster-ip-range <cidr>', 'service range each pod sandbox routes to the node (\'\' for no route)', '10.96.0.0/12')
  .option('--service-route-via <ip>', 'next hop of the service route in pod sandboxes (default: the pod network\'s gateway, the node\'s address on it)')
  .option('--hairpin-mode <mode>', 'how pods reach themselves through their own Services: hairpin-veth (hairpin mode on each sandbox\'s bridge port) or none; promiscuous-bridge is not supported (the pod network\'s bridge is Docker\'s) and refused', 'hairpin-veth')
  .option('--crashloop-backoff-base <seconds>', 'first CrashLoopBackOff delay (doubling up to 30x)', '10')
  .option('--docker-socket <path>', 'Docker Engine socket', '/var/run/docker.sock')
  .option('--capacity-cpu <cpus>', 'report this cpu capacity instead of the machine\'s')
  .option('--capacity-memory <quantity>', 'report this memory capacity instead of the machine\'s')
  .option('--max-pods <n>', 'pods capacity', '110')
  .option('--node-status-update-frequency <seconds>', 'how often node status is synced', '10')
  .option('--housekeeping-interval <duration>', 'how often the node\'s and containers\' usage is sampled (cAdvisor\'s housekeeping; /metrics/resource and /stats/summary)', '10s')
  .option('--sync-frequency <duration>', 'longest time between two syncs of a pod (e.g. 1m, 30s)', '1m')
  .option('--no-docker-events', 'do not follow Docker\'s event stream (the relist notices container changes; for tests)')
  .option('--log-level <level>', 'pino log level', 'info');
addServerFlags(program);

program.parse();
const o = program.opts<Record<string, string | undefined>>();
const followDockerEvents = (o.dockerEvents as unknown) !== false;
const log = componentLogger('kubelet', String(o.logLevel));

await runComponent(log, 'kubelet', async (signal) => {
  if (!o.nodeName) throw new Error('--node-name is required (or HOSTNAME)');
  const dns = { clusterDNS: parseClusterDNSFlag(o.clusterDns), clusterDomain: String(o.clusterDomain), resolvConf: String(o.resolvConf) };
  const serviceRoute = serviceRouteFromFlags(String(o.serviceClusterIpRange), o.serviceRouteVia);
  const hairpinMode = hairpinModeFromFlag(String(o.hairpinMode));
  const nodeName = o.nodeName.toLowerCase();
  const nodeIP = o.nodeIp ?? defaultNodeIP();
  if (o.bootstrapKubeconfig) {
    if (!o.kubeconfig) throw new Error('--bootstrap-kubeconfig needs --kubeconfig: where the kubeconfig with the issued certificate is written');
    await bootstrapKubeconfig({
      kubeconfigPath: o.kubeconfig, bootstrapKubeconfigPath: o.bootstrapKubeconfig,
      certDir: o.certDir ?? join(String(o.rootDir), 'pki'), nodeName, log: log.child({ component: 'tls-bootstrap' }), signal,
    });
  }
  const rest = new RestClient(loadClientConfig({ kubeconfig: o.kubeconfig, master: o.master }), { userAgent: `kubelet/${nodeName}` });
  const serverFlags = await serverOptionsFromFlags(o, { nodeName, nodeIP, rootDir: String(o.rootDir), rest, log });
  const runtime = new DockerRuntime({ log, socketPath: o.dockerSocket });
  const version = await runtime.version();
  await runtime.ensureNetwork(String(o.podNetwork), { subnet: o.podNetworkCidr });
  const capacity: Record<string, string> = {};
  if (o.capacityCpu) capacity.cpu = o.capacityCpu;
  if (o.capacityMemory) capacity.memory = o.capacityMemory;
  const machine = await readMachineInfo({ rootDir: o.rootDir, capacity, maxPods: Number(o.maxPods) });
  const recorder = new EventRecorder({ rest, component: 'kubelet', host: nodeName, logger: log.child({ component: 'events' }) });
  const pods = new PodManager({
    rest, runtime, recorder, nodeName, nodeIP, network: String(o.podNetwork), pauseImage: String(o.pauseImage), rootDir: String(o.rootDir), dns, serviceRoute, hairpinMode,
    crashLoopBackoffBaseMs: Number(o.crashloopBackoffBase) * 1000, syncFrequencyMs: parseDurationFlag(String(o.syncFrequency)),
    dockerEvents: followDockerEvents, log,
    // As the kubelet's one goroutine per pod: every pod the node can hold syncs at once.
    workers: Number(o.maxPods),
  });
  const stats = new StatsCollector({ runtime, nodeName, intervalMs: parseDurationFlag(String(o.housekeepingInterval)), log });
  const server = await startKubeletServer({ address: String(o.address), port: Number(o.port), logs: pods, exec: pods, usage: stats, log, tls: serverFlags.tls, auth: serverFlags.auth,
    streamingIdleTimeoutMs: serverFlags.streamingIdleTimeoutMs });
  const healthz = serverFlags.healthz && await startHealthzServer({ ...serverFlags.healthz, log });
  const status = new NodeStatusManager({
    rest, nodeName, nodeIP, kubeletPort: server.port, machine, containerRuntimeVersion: `docker://${version.version}`,
    nodeStatusUpdateFrequencyMs: Number(o.nodeStatusUpdateFrequency) * 1000, recorder, logger: log.child({ component: 'node-status' }),
  });
  const lease = new NodeLeaseController({ rest, nodeName, logger: log.child({ component: 'node-lease' }) });
  const loops = [status.run(signal), lease.run(signal), pods.run(signal), stats.run(signal)];
  log.info({ nodeName, nodeIP, port: server.port, network: o.podNetwork, dns, serviceRoute, hairpinMode }, 'kubelet started');
  const missing = missingNodeFlags('kubelet');
  if (missing.length) log.info({ missing }, 'node was started without the kubelet\'s flags (client/node-flags.ts); it will use more memory');

  return async () => {
    log.info('pods keep running');
    await Promise.allSettled(loops);
    await server.close();
    await healthz?.close();
    await recorder.close(2000);
  };
});
