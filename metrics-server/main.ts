// metrics-server: parses flags (metrics-server's own names), starts the server, stops
// cleanly on SIGTERM/SIGINT.
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parseDurationFlag } from '../api/duration.js';
import { loadClientConfig } from '../client/kubeconfig.js';
import { componentLogger } from '../client/logger.js';
import { runComponent } from '../client/signals.js';
import { DEFAULT_ADDRESS_TYPES } from './kubelet-address.js';
import { startMetricsServer } from './server.js';

const list = (v: string): string[] => v.split(',').map((x) => x.trim()).filter(Boolean);

const program = new Command('metrics-server')
  .description('Serves the resource metrics API (metrics.k8s.io/v1beta1) behind its APIService, from kubelets\' /metrics/resource')
  .option('--kubeconfig <file>', 'kubeconfig with the apiserver and metrics-server\'s credentials (in-cluster when absent)')
  .option('--master <url>', 'apiserver URL (overrides the kubeconfig server)')
  .option('--bind-address <ip>', 'address to serve HTTPS on', '0.0.0.0')
  .option('--secure-port <port>', 'HTTPS port (0 picks a free one)', '10250')
  .option('--cert-dir <dir>', 'accepted for compatibility; the self-signed certificate is kept in memory')
  .option('--tls-cert-file <file>', 'serving certificate (PEM); self-signed for metrics-server.kube-system.svc when absent')
  .option('--tls-private-key-file <file>', 'serving key (PEM)')
  .option('--metric-resolution <duration>', 'how often kubelets are scraped', '15s')
  .option('--kubelet-preferred-address-types <types>', 'node address types to reach kubelets at, in order', DEFAULT_ADDRESS_TYPES.join(','))
  .option('--kubelet-use-node-status-port', 'use the port in the node\'s status.daemonEndpoints', true)
  .option('--no-kubelet-use-node-status-port', 'use --kubelet-port instead of the node\'s status port')
  .option('--kubelet-port <port>', 'kubelet port when the node status port is not used', '10250')
  .option('--kubelet-insecure-tls', 'do not verify kubelets\' serving certificates', false)
  .option('--kubelet-certificate-authority <file>', 'CA (PEM) kubelets\' serving certificates must chain to (default: the kubeconfig\'s)')
  .option('--kubelet-client-certificate <file>', 'client certificate (PEM) for kubelets (default: the kubeconfig\'s credentials)')
  .option('--kubelet-client-key <file>', 'key (PEM) of --kubelet-client-certificate')
  .option('--kubelet-request-timeout <duration>', 'deadline of each kubelet scrape', '10s')
  .option('--log-level <level>', 'pino log level', 'info')
  .option('--port-file <file>', 'write {"securePort"} as JSON to this file once serving (for tests and scripts)');

program.parse();
const o = program.opts<Record<string, string | undefined>>();
const flags = program.opts<{ kubeletUseNodeStatusPort: boolean; kubeletInsecureTls: boolean }>();
const log = componentLogger('metrics-server', String(o.logLevel));

await runComponent(log, 'metrics-server', async (signal) => {
  const server = await startMetricsServer({
    client: loadClientConfig({ kubeconfig: o.kubeconfig, master: o.master }),
    bindAddress: String(o.bindAddress),
    securePort: Number(o.securePort),
    tlsCertFile: o.tlsCertFile,
    tlsPrivateKeyFile: o.tlsPrivateKeyFile,
    resolutionMs: parseDurationFlag(String(o.metricResolution)),
    address: { preferredAddressTypes: list(String(o.kubeletPreferredAddressTypes)), useNodeStatusPort: flags.kubeletUseNodeStatusPort, port: Number(o.kubeletPort) },
    kubeletRequestTimeoutMs: parseDurationFlag(String(o.kubeletRequestTimeout)),
    kubeletInsecureTls: flags.kubeletInsecureTls,
    kubeletCAFile: o.kubeletCertificateAuthority,
    kubeletClientCertFile: o.kubeletClientCertificate,
    kubeletClientKeyFile: o.kubeletClientKey,
    log,
  }, signal);
  if (o.portFile) await writeFile(o.portFile, JSON.stringify({ securePort: server.port }));
  return () => server.close();
});
