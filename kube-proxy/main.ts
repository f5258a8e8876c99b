// kube-proxy: parses flags, serves /healthz and /metrics, and runs the proxy
// (proxy-server.ts) until SIGTERM/SIGINT, then removes everything it added to the
// node (listeners or nftables rules, ClusterIPs on lo, the service-range route).
// `--cleanup` only removes what a previous run left and exits, as kube-proxy's does.
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { componentLogger } from '../client/logger.js';
import { parseDurationFlag } from '../api/duration.js';
import { cidrContains, ipToNumber, nthAddress, parseCidr } from '../api/ipv4.js';
import { startHealthServer } from '../client/health-server.js';
import { loadClientConfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest-client.js';
import { runComponent } from '../client/signals.js';
import { createProxyMetrics } from './metrics.js';
import { NodeNet } from './node-net.js';
import { NftablesProxier } from './nftables/proxier.js';
import { nftablesUnavailable } from './nftables/availability.js';
import { nodePortAddresses, parseNodePortCidrs } from './node-port-addresses.js';
import { startProxyServer, type ProxyMode } from './proxy-server.js';

const program = new Command('kube-proxy')
  .description('Makes Services reachable on this node: ClusterIPs, nodePorts and load-balancer IPs forwarded to ready endpoints (TCP and UDP), and cluster DNS')
  .option('--kubeconfig <file>', 'kubeconfig with the apiserver and credentials')
  .option('--master <url>', 'apiserver URL (overrides the kubeconfig server)')
  .option('--node-name <name>', 'name of this node (endpoints on it are local)', process.env.HOSTNAME)
  .option('--hostname-override <name>', 'the same as --node-name, as kube-proxy spells it')
  .addOption(new Option('--proxy-mode <mode>', 'userspace: forwarding in this process (needs no kernel support); nftables: DNAT rules in the kernel (falls back to userspace where not allowed)')
    .choices(['userspace', 'nftables']).default('userspace'))
  .option('--nodeport-addresses <cidrs>', 'comma-separated CIDRs: nodePorts are served on this node\'s addresses inside them (default: every address)', '')
  .option('--service-cluster-ip-range <cidr>', 'the apiserver\'s service range: ClusterIPs go on lo, and the whole range gets an unreachable route', '10.96.0.0/12')
  .option('--cluster-cidr <cidr>', 'the pods\' range: in nftables mode, ClusterIP traffic from outside it is masqueraded (default: only the node\'s own)')
  .option('--masquerade-all', 'in nftables mode, masquerade all ClusterIP traffic (nodes that are containers on one bridge need it: docker compose)')
  .option('--cluster-dns <ip>', 'address cluster DNS is served on (default: the tenth address of the service range; "none" disables DNS)')
  .option('--cluster-domain <domain>', 'the cluster\'s DNS domain', 'cluster.local')
  .option('--dns-port <port>', 'port of the cluster DNS server', '53')
  .option('--dns-upstream <ip:port>', 'where names outside the cluster domain are forwarded (default: nowhere; they are answered SERVFAIL)')
  .option('--min-sync-period <duration>', 'shortest time between two syncs of the proxy rules', '1s')
  .option('--sync-period <duration>', 'longest time between two syncs of the proxy rules', '30s')
  .option('--udp-timeout <duration>', 'how long an idle UDP flow is kept (userspace mode)', '250ms')
  .option('--healthz-bind-address <ip:port>', 'address of /healthz, /livez and /readyz (port 0: any free port)', '0.0.0.0:10256')
  .option('--metrics-bind-address <ip:port>', 'address of /metrics (and the health endpoints); loopback by default, as kube-proxy\'s (port 0: any free port)', '127.0.0.1:10249')
  .option('--port-file <file>', 'write {"port","metricsPort"} as JSON to this file once /healthz and /metrics listen (for tests and scripts)')
  .option('--cleanup', 'remove what a previous kube-proxy left on this node (nftables table, ClusterIPs on lo, the route) and exit')
  .option('--log-level <level>', 'pino log level', 'info');

program.parse();
const o = program.opts<Record<string, string | boolean | undefined>>();
const log = componentLogger('kube-proxy', String(String(o.logLevel)));
const str = (k: string): string | undefined => (o[k] === undefined ? undefined : String(o[k]));

function hostPort(flag: string, value: string): { address: string; port: number } {
  const i = value.lastIndexOf(':');
  const address = value.slice(0, i);
  const port = Number(value.slice(i + 1));
  if (i < 0 || ipToNumber(address) === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid ${flag} ${JSON.stringify(value)}: want IP:PORT`);
  }
  return { address, port };
}

const serviceCIDR = str('serviceClusterIpRange')!;
parseCidr(serviceCIDR);
const clusterCIDR = str('clusterCidr') || undefined;
if (clusterCIDR !== undefined) {
  const c = parseCidr(clusterCIDR);
  if (ipToNumber(clusterCIDR.split('/')[0]!) !== c.network) throw new Error(`invalid --cluster-cidr ${JSON.stringify(clusterCIDR)}: host bits are set`);
}

if (o.cleanup) {
  const cleaned: string[] = [];
  if (!(await nftablesUnavailable())) {
    await new NftablesProxier({ nodePortAddresses: [], log }).cleanup();
    cleaned.push('nftables');
  }
  await new NodeNet({ serviceCIDR, log }).cleanup();
  cleaned.push('addresses', 'route');
  log.info({ cleaned }, 'cleaned up');
  log.flush();
  process.exit(0);
}

await runComponent(log, 'kube-proxy', async (signal) => {
  const nodeName = (str('hostnameOverride') ?? str('nodeName'))?.toLowerCase();
  if (!nodeName) throw new Error('--node-name is required (or --hostname-override, or HOSTNAME)');
  const dnsFlag = str('clusterDns') ?? nthAddress(serviceCIDR, 10);
  if (dnsFlag !== 'none' && !cidrContains(serviceCIDR, dnsFlag)) throw new Error(`--cluster-dns ${dnsFlag} is not in the service range ${serviceCIDR}`);
  const metrics = createProxyMetrics();
  const rest = new RestClient(loadClientConfig({ kubeconfig: str('kubeconfig'), master: str('master') }), { userAgent: `kube-proxy/${nodeName}` });
  let unhealthy = (): string | undefined => 'starting';
  const healthAt = hostPort('--healthz-bind-address', str('healthzBindAddress')!);
  const health = await startHealthServer({ ...healthAt, log: log.child({ component: 'health' }), unhealthy: () => unhealthy() });
  const metricsServer = await startHealthServer({
    ...hostPort('--metrics-bind-address', str('metricsBindAddress')!), registry: metrics.registry, log: log.child({ component: 'metrics' }), unhealthy: () => unhealthy(),
  });
  if (o.portFile) await writeFile(str('portFile')!, JSON.stringify({ port: health.port, metricsPort: metricsServer.port }));
  const proxy = await startProxyServer({
    rest, nodeName, mode: str('proxyMode') as ProxyMode,
    nodePortAddresses: nodePortAddresses(parseNodePortCidrs(str('nodeportAddresses') ?? '')),
    serviceCIDR, clusterCIDR, masqueradeAll: o.masqueradeAll === true,
    minSyncPeriodMs: parseDurationFlag(str('minSyncPeriod')!), syncPeriodMs: parseDurationFlag(str('syncPeriod')!),
    udpIdleTimeoutMs: parseDurationFlag(str('udpTimeout')!),
    dns: dnsFlag === 'none' ? undefined : {
      ip: dnsFlag, port: Number(str('dnsPort')), domain: str('clusterDomain')!,
      upstream: o.dnsUpstream ? hostPort('--dns-upstream', str('dnsUpstream')!) : undefined,
    },
    metrics, log,
  }, signal);
  unhealthy = () => proxy.unhealthy();
  log.info({ nodeName, mode: proxy.mode, serviceCIDR, dns: dnsFlag, healthz: health.port }, 'kube-proxy started');
  return async () => {
    await proxy.stop();
    await Promise.all([health.close(), metricsServer.close(), rest.close()]);
  };
});
