// metrics-server's parts, in order: the serving certificate (given, or self-signed for
// its Service's names), the node and pod informers, the scraper, and the HTTPS server
// of an aggregated API (apiserver/extension: delegated authentication and
// authorization) with the Metrics API routes. main.ts only parses flags.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { ClientConfig } from '../client/kubeconfig.js';
import { SharedInformerFactory } from '../client/informer-factory.js';
import { RestClient } from '../client/rest-client.js';
import { createExtensionServer } from '../apiserver/extension/server.js';
import { createCertificateAuthority, signCertificate } from '../apiserver/tls.js';
import { registerMetricsApi } from './api.js';
import type { KubeletAddressOptions } from './kubelet-address.js';
import { Scraper } from './scraper.js';
import { MetricsStorage } from './storage.js';
import { METRICS_SERVER, METRICS_SERVER_NAMESPACE } from './manifests.js';

export interface MetricsServerOptions {
  client: ClientConfig;
  bindAddress: string;
  securePort: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** --metric-resolution. */
  resolutionMs: number;
  address: KubeletAddressOptions;
  kubeletRequestTimeoutMs: number;
  /** --kubelet-insecure-tls: kubelets' serving certificates are not verified. */
  kubeletInsecureTls: boolean;
  /** --kubelet-certificate-authority (PEM file); the kubeconfig's CA when absent. */
  kubeletCAFile?: string;
  /** --kubelet-client-certificate/--kubelet-client-key; the kubeconfig's credentials when absent. */
  kubeletClientCertFile?: string;
  kubeletClientKeyFile?: string;
  log: Logger;
}

export interface RunningMetricsServer {
  port: number;
  close(): Promise<void>;
}

/** The serving certificate: the files, or one generated for this start (metrics-server's self-signed one). */
async function servingCert(o: MetricsServerOptions): Promise<{ cert: string; key: string }> {
  if (o.tlsCertFile && o.tlsPrivateKeyFile) return { cert: await readFile(o.tlsCertFile, 'utf8'), key: await readFile(o.tlsPrivateKeyFile, 'utf8') };
  const ca = await createCertificateAuthority(`${METRICS_SERVER}-ca@${Math.floor(Date.now() / 1000)}`);
  const svc = `${METRICS_SERVER}.${METRICS_SERVER_NAMESPACE}.svc`;
  return signCertificate(ca, { commonName: svc, dnsNames: [svc, 'localhost', hostname()], ips: ['127.0.0.1'], usages: ['server'] });
}

/** Connections to kubelets with metrics-server's credentials. */
async function kubeletTransport(o: MetricsServerOptions): Promise<{ agent: Agent; authorization?: string }> {
  const file = (f: string | undefined): Promise<string | undefined> => (f ? readFile(f, 'utf8') : Promise.resolve(undefined));
  const [ca, cert, key] = await Promise.all([file(o.kubeletCAFile), file(o.kubeletClientCertFile), file(o.kubeletClientKeyFile)]);
  const clientCert = cert && key ? { cert, key } : o.client.cert && o.client.key ? { cert: o.client.cert, key: o.client.key } : {};
  const trust = o.kubeletInsecureTls ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ...(ca ?? o.client.ca ? { ca: ca ?? o.client.ca } : {}) };
  const agent = new Agent({ connect: { ...clientCert, ...trust, timeout: 10_000 } });
  const authorization = !('cert' in clientCert) && o.client.token ? `Bearer ${o.client.token}` : undefined;
  return { agent, authorization };
}

export async function startMetricsServer(o: MetricsServerOptions, signal: AbortSignal): Promise<RunningMetricsServer> {
  const log = o.log;
  const rest = new RestClient(o.client, { userAgent: 'metrics-server' });
  const tls = await servingCert(o);
  const factory = new SharedInformerFactory(rest, { log: log.child({ component: 'informers' }) });
  const nodes = factory.informer('nodes');
  const pods = factory.informer('pods');
  const storage = new MetricsStorage(o.resolutionMs);
  const kubelets = await kubeletTransport(o);
  const scraper = new Scraper({
    nodes: async () => nodes.list(), transport: kubelets.agent, authorization: kubelets.authorization, address: o.address,
    requestTimeoutMs: o.kubeletRequestTimeoutMs, storage, resolutionMs: o.resolutionMs, log: log.child({ component: 'scraper' }),
  });
  const server = createExtensionServer({ rest, tls, log: log.child({ component: 'server' }) });
  registerMetricsApi(server.app, { nodes, pods, storage, scraper });

  factory.start(signal);
  await server.start(signal);
  if (!await factory.waitForSync(signal)) throw new Error('stopped before the informers synced');
  await server.app.listen({ host: o.bindAddress, port: o.securePort });
  const port = (server.app.server.address() as { port: number }).port;
  const scraping = scraper.run(signal);
  log.info({ port }, 'metrics-server listening');
  return {
    port,
    async close() {
      await server.app.close();
      await scraping;
      await factory.done();
      await kubelets.agent.close();
      await rest.close();
    },
  };
}
