// kube-apiserver: parses flags, starts the server, stops cleanly on SIGTERM/SIGINT.
import { Command, InvalidArgumentError } from 'commander';
import { componentLogger } from '../client/logger.js';
import { parseDurationFlag } from '../api/duration.js';
import { runComponent } from '../client/signals.js';
import { parseRuntimeConfig } from './runtime-config.js';
import { startApiServer } from './server.js';

/** A repeatable flag's values. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const list = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter(Boolean));

/** An int64 flag value, as pflag parses it (strconv.ParseInt's refusal otherwise). */
function int64(value: string): number {
  if (!/^[+-]?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  return Number(value);
}

const program = new Command('kube-apiserver')
  .description('The Kubernetes API server, persisting to etcd')
  .option('--etcd-servers <urls>', 'comma-separated etcd client URLs', 'http://127.0.0.1:2379')
  .option('--etcd-cafile <file>', 'CA (PEM) that signed the etcd servers\' certificates (https:// servers)')
  .option('--etcd-certfile <file>', 'client certificate (PEM) this apiserver shows etcd')
  .option('--etcd-keyfile <file>', 'key (PEM) of --etcd-certfile')
  .option('--bind-address <ip>', 'address to listen on', '127.0.0.1')
  .option('--secure-port <port>', 'port to serve HTTPS on (0 picks a free one)', '6443')
  .option('--port <port>', 'also serve plain HTTP on this port of --bind-address (off unless given; 0 picks a free one)')
  .option('--cert-dir <dir>', 'where the generated CA and serving certificate are kept', '/var/run/kubernetes')
  .option('--tls-cert-file <file>', 'serving certificate (PEM); generated into --cert-dir when absent')
  .option('--tls-private-key-file <file>', 'serving key (PEM)')
  .option('--advertise-address <ip>', 'address other components reach this apiserver on')
  .option('--service-cluster-ip-range <cidr>', 'range of ClusterIPs for services', '10.96.0.0/12')
  .option('--service-node-port-range <range>', 'range of nodePorts for services', '30000-32767')
  .option('--etcd-compaction-interval <seconds>', 'how often etcd history is compacted (0 disables)', '300')
  .option('--event-ttl <seconds>', 'how long events are kept', '3600')
  .option('--watch-bookmark-interval <seconds>', 'how often watchers that allow bookmarks get one', '60')
  .option('--watch-cache-size <events>', 'events kept per resource for resuming watches', '10000')
  .option('--etcd-request-timeout <seconds>', 'deadline of each etcd request', '5')
  .option('--allocation-repair-interval <seconds>', 'how often ClusterIP and nodePort allocations are checked against the Services that hold them', '180')
  .option('--default-not-ready-toleration-seconds <seconds>', 'tolerationSeconds of the toleration for node.kubernetes.io/not-ready:NoExecute that DefaultTolerationSeconds admission adds to every pod without one', int64, 300)
  .option('--default-unreachable-toleration-seconds <seconds>', 'tolerationSeconds of the toleration for node.kubernetes.io/unreachable:NoExecute that DefaultTolerationSeconds admission adds to every pod without one', int64, 300)
  .option('--token-auth-file <file>', 'static bearer tokens: a CSV file of token,user,uid,"group1,group2"')
  .option('--enable-bootstrap-token-auth', 'accept bootstrap tokens (kube-system secrets of type bootstrap.kubernetes.io/token) for joining nodes', false)
  .option('--service-account-issuer <url>', 'issuer written into service account tokens; repeat to accept tokens of earlier issuers too', collect, [])
  .option('--service-account-signing-key-file <file>', 'private key (PEM) that signs service account tokens; generated into --cert-dir as sa.key when absent')
  .option('--service-account-key-file <file>', 'more public keys (PEM) that verify service account tokens; may be repeated', collect, [])
  .option('--api-audiences <list>', 'comma-separated audiences a token must be meant for (default: the issuer)')
  .option('--service-account-max-token-expiration <duration>', 'longest lifetime a TokenRequest gets (0: no limit)', '0')
  .option('--authorization-mode <modes>', 'comma-separated authorizers, in order: Node, RBAC, AlwaysAllow, AlwaysDeny', 'Node,RBAC')
  .option('--enable-admission-plugins <plugins>', 'admission plugins to run besides the default ones (ServiceAccount, NodeRestriction, PodSecurity are on by default)')
  .option('--disable-admission-plugins <plugins>', 'comma-separated admission plugins to turn off')
  .option('--encryption-provider-config <file>', 'EncryptionConfiguration (apiserver.config.k8s.io/v1): resources whose values are stored encrypted, and their keys')
  .option('--audit-log-path <file>', 'write an audit event (audit.k8s.io/v1, one JSON line) per request to this file; "-" is standard output')
  .option('--audit-policy-file <file>', 'audit Policy (audit.k8s.io/v1): which requests are logged at which level')
  .option('--audit-log-maxage <days>', 'days to keep rotated audit logs (0: no limit)', '0')
  .option('--audit-log-maxbackup <count>', 'rotated audit logs to keep (0: all)', '0')
  .option('--audit-log-maxsize <megabytes>', 'size at which the audit log is rotated', '100')
  .option('--kubelet-client-certificate <file>', 'client certificate (PEM) the apiserver presents to kubelets (default: one issued from the CA in --cert-dir at start, CN kube-apiserver-kubelet-client)')
  .option('--kubelet-client-key <file>', 'key (PEM) of --kubelet-client-certificate')
  .option('--runtime-config <pairs>', 'group versions switched on or off, key=value comma-separated; only metrics.k8s.io/v1beta1 (aggregated: served by metrics-server through its APIService, on by default) can be switched')
  .option('--proxy-client-cert-file <file>', 'client certificate (PEM) the aggregator presents to aggregated API servers (default: one issued at start from front-proxy-ca.crt in --cert-dir, CN front-proxy-client)')
  .option('--proxy-client-key-file <file>', 'key (PEM) of --proxy-client-cert-file')
  .option('--requestheader-client-ca-file <file>', 'CA (PEM) of the front-proxy client certificates aggregated servers should accept X-Remote-* headers from (default: front-proxy-ca.crt in --cert-dir); published in kube-system/extension-apiserver-authentication')
  .option('--requestheader-allowed-names <names>', 'comma-separated common names of front-proxy client certificates allowed (empty: any the CA signed; default front-proxy-client with the generated CA)')
  .option('--requestheader-username-headers <headers>', 'request headers holding the user name', 'X-Remote-User')
  .option('--requestheader-group-headers <headers>', 'request headers holding the groups', 'X-Remote-Group')
  .option('--requestheader-extra-headers-prefix <prefixes>', 'prefixes of request headers holding extra user information', 'X-Remote-Extra-')
  .option('--enable-aggregator-routing', 'reach aggregated API servers and admission webhooks at an endpoint of their Service instead of its ClusterIP', false)
  .option('--kubelet-certificate-authority <file>', 'CA bundle kubelets\' serving certificates are verified against (when absent they are not verified)')
  .option('--log-level <level>', 'pino log level', 'info')
  .option('--port-file <file>', 'write {"securePort","port"} as JSON to this file once ready (for tests and scripts)');

program.parse();
const o = program.opts<Record<string, string | undefined>>();
const tolerations = program.opts<{ defaultNotReadyTolerationSeconds: number; defaultUnreachableTolerationSeconds: number }>();
const auth = program.opts<{ serviceAccountIssuer: string[]; serviceAccountKeyFile: string[]; enableBootstrapTokenAuth: boolean; enableAggregatorRouting: boolean }>();
// Asynchronous destination: one line per request must not block the event loop on a slow disk.
const log = componentLogger('kube-apiserver', String(o.logLevel));
const seconds = (v: string | undefined): number => Number(v) * 1000;

await runComponent(log, 'kube-apiserver', async () => {
  const server = await startApiServer({
    etcdServers: String(o.etcdServers).split(','),
    etcdTls: { caFile: o.etcdCafile, certFile: o.etcdCertfile, keyFile: o.etcdKeyfile },
    bindAddress: String(o.bindAddress),
    securePort: Number(o.securePort),
    insecurePort: o.port === undefined ? undefined : Number(o.port),
    certDir: String(o.certDir),
    tlsCertFile: o.tlsCertFile,
    tlsPrivateKeyFile: o.tlsPrivateKeyFile,
    advertiseAddress: o.advertiseAddress,
    serviceClusterIPRange: String(o.serviceClusterIpRange),
    serviceNodePortRange: String(o.serviceNodePortRange),
    compactionIntervalMs: seconds(o.etcdCompactionInterval),
    eventTtlSeconds: Number(o.eventTtl),
    bookmarkIntervalMs: seconds(o.watchBookmarkInterval),
    watchCacheCapacity: Number(o.watchCacheSize),
    etcdRequestTimeoutMs: seconds(o.etcdRequestTimeout),
    allocationRepairIntervalMs: seconds(o.allocationRepairInterval),
    defaultNotReadyTolerationSeconds: tolerations.defaultNotReadyTolerationSeconds,
    defaultUnreachableTolerationSeconds: tolerations.defaultUnreachableTolerationSeconds,
    encryptionProviderConfig: o.encryptionProviderConfig,
    audit: o.auditLogPath ? {
      logPath: o.auditLogPath, policyFile: o.auditPolicyFile,
      maxAge: Number(o.auditLogMaxage), maxBackup: Number(o.auditLogMaxbackup), maxSize: Number(o.auditLogMaxsize),
    } : undefined,
    security: {
      tokenAuthFile: o.tokenAuthFile,
      enableBootstrapTokenAuth: auth.enableBootstrapTokenAuth,
      serviceAccountIssuers: auth.serviceAccountIssuer,
      serviceAccountSigningKeyFile: o.serviceAccountSigningKeyFile,
      serviceAccountKeyFiles: auth.serviceAccountKeyFile,
      apiAudiences: list(o.apiAudiences),
      serviceAccountMaxTokenExpirationSeconds: parseDurationFlag(String(o.serviceAccountMaxTokenExpiration)) / 1000,
      authorizationModes: list(o.authorizationMode),
      enableAdmissionPlugins: list(o.enableAdmissionPlugins),
      disableAdmissionPlugins: list(o.disableAdmissionPlugins),
      enableAggregatorRouting: auth.enableAggregatorRouting,
    },
    kubeletClientCertificate: o.kubeletClientCertificate,
    kubeletClientKey: o.kubeletClientKey,
    kubeletCertificateAuthority: o.kubeletCertificateAuthority,
    proxyClientCertFile: o.proxyClientCertFile,
    proxyClientKeyFile: o.proxyClientKeyFile,
    requestHeader: {
      clientCAFile: o.requestheaderClientCaFile,
      allowedNames: list(o.requestheaderAllowedNames),
      usernameHeaders: list(o.requestheaderUsernameHeaders),
      groupHeaders: list(o.requestheaderGroupHeaders),
      extraHeadersPrefix: list(o.requestheaderExtraHeadersPrefix),
    },
    enableAggregatorRouting: auth.enableAggregatorRouting,
    disabledGroupVersions: [...parseRuntimeConfig(o.runtimeConfig)].filter(([, on]) => !on).map(([gv]) => gv),
    logger: log,
  });
  if (o.portFile) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(o.portFile, JSON.stringify({ securePort: server.securePort, port: server.insecurePort }));
  }
  return () => server.close();
});
