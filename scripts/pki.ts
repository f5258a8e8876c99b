// `tskube pki` (and the first step of `npm run cluster`): the cluster's certificates,
// keys and kubeconfigs, as kubeadm's `init phase certs` and `init phase kubeconfig`
// make them. Each file is created when missing, and made again only when it no longer
// fits (signed by another CA, lacking a name or address asked for, expiring within 30
// days, a kubeconfig naming another server); otherwise it is kept. Every component gets
// its own identity, whose rights are its default role's:
//
//   <cert-dir>/                       the apiserver's, and only its
//     ca.crt, ca.key                  the cluster CA: signs every certificate below but etcd's
//     apiserver.crt, apiserver.key    its serving certificate (loadOrCreateServingCerts)
//     sa.key, sa.pub                  signs and verifies service-account tokens
//     encryption-config.yaml          encrypts Secrets at rest with a generated key
//     etcd/ca.crt, apiserver-etcd-client.crt, .key   (with --etcd) TLS to etcd
//   --admin FILE=SERVER               CN=admin, O=system:masters: the person at the host
//   --scheduler DIR                   scheduler.conf            CN=system:kube-scheduler
//   --controller-manager DIR          controller-manager.conf   CN=system:kube-controller-manager
//                                     ca.crt                    its --root-ca-file
//   --kube-proxy DIR                  kube-proxy.conf           CN=system:kube-proxy
//   --kubelet DIR=NODE[,IP...]        kubelet.conf              CN=system:node:NODE, O=system:nodes
//                                     kubelet.crt, kubelet.key  serving certificate (SANs: NODE, its IPs)
//                                     ca.crt                    its --client-ca-file
//   --etcd DIR                        ca.crt, ca.key            etcd's own CA: etcd trusts nothing else
//                                     server.crt, server.key    SANs --etcd-server-sans
//                                     healthcheck-client.crt, .key   for etcdctl
//
// A file is written aside and renamed into place, and (when run as root) given the
// owner of its folder: a volume folder the image made for its non-root user gives that
// user its files, the host's kubeconfig folder gives them its owner.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { writeKubeconfig } from '../apiserver/kubeconfig.js';
import { ensureSigningKey } from '../apiserver/authn/service-account-token.js';
import { MASTERS_GROUP, NODE_USER_PREFIX, NODES_GROUP } from '../apiserver/authn/user.js';
import { KUBE_CONTROLLER_MANAGER_USER, KUBE_PROXY_USER, KUBE_SCHEDULER_USER } from '../apiserver/rbac/bootstrap-policy.js';
import { writeDefaultEncryptionConfig } from '../apiserver/storage/encryption/generate.js';
import { ensureFrontProxyCA, FRONT_PROXY_CA, FRONT_PROXY_CA_KEY } from '../apiserver/aggregator/front-proxy.js';
import { METRICS_SERVER_USER } from '../metrics-server/manifests.js';
import {
  certificateFits, createCertificateAuthority, loadOrCreateServingCerts, readCertificateAuthority, signCertificate,
  type CertificateSpec, type KeyPair,
} from '../apiserver/tls.js';

/** A user as a client certificate names it: CN the user, O the groups. */
export interface Identity {
  user: string;
  groups: string[];
}

export const ADMIN: Identity = { user: 'admin', groups: [MASTERS_GROUP] };
export const SCHEDULER: Identity = { user: KUBE_SCHEDULER_USER, groups: [] };
export const CONTROLLER_MANAGER: Identity = { user: KUBE_CONTROLLER_MANAGER_USER, groups: [] };
export const KUBE_PROXY: Identity = { user: KUBE_PROXY_USER, groups: [] };
/** metrics-server, as its ServiceAccount's user (metrics-server/manifests.ts binds its RBAC to that ServiceAccount). */
export const METRICS_SERVER: Identity = { user: METRICS_SERVER_USER, groups: [] };
export const kubeletIdentity = (node: string): Identity => ({ user: `${NODE_USER_PREFIX}${node}`, groups: [NODES_GROUP] });

/** File names inside each component's folder. */
export const FILES = {
  encryptionConfig: 'encryption-config.yaml',
  scheduler: 'scheduler.conf',
  controllerManager: 'controller-manager.conf',
  kubeProxy: 'kube-proxy.conf',
  metricsServer: 'metrics-server.conf',
  kubelet: 'kubelet.conf',
  kubeletCert: 'kubelet.crt',
  kubeletKey: 'kubelet.key',
  ca: 'ca.crt',
  caKey: 'ca.key',
  etcdCA: 'etcd/ca.crt',
  etcdClientCert: 'apiserver-etcd-client.crt',
  etcdClientKey: 'apiserver-etcd-client.key',
  etcdServerCert: 'server.crt',
  etcdServerKey: 'server.key',
  etcdHealthcheckCert: 'healthcheck-client.crt',
  etcdHealthcheckKey: 'healthcheck-client.key',
} as const;

/** Where the apiserver reaches etcd by default: the names etcd's serving certificate lists. */
export const DEFAULT_ETCD_SANS = ['etcd', 'localhost', '127.0.0.1'];

/** What a step did to one file, for the caller to print. */
export type Report = (file: string, what: 'wrote' | 'kept', detail?: string) => void;

const isRoot = (): boolean => process.getuid?.() === 0;

/** Gives file the owner of its folder (as root only: anyone else can only own their own files). */
async function adopt(file: string): Promise<void> {
  if (!isRoot()) return;
  const [owner, now] = await Promise.all([stat(dirname(file)), stat(file)]);
  // Owned already: nothing to write (the folder may be mounted read-only).
  if (now.uid !== owner.uid || now.gid !== owner.gid) await chown(file, owner.uid, owner.gid);
}

/** Writes text to file (mode) through a file aside and a rename, owned as its folder. */
async function writeOwned(file: string, text: string, mode: number): Promise<void> {
  // A folder made here (etcd/ in the cert dir) gets its parent's owner, and passes it on.
  if (await mkdir(dirname(file), { recursive: true, mode: 0o755 })) await adopt(dirname(file));
  const temp = join(dirname(file), `.${basename(file)}.tmp`);
  await writeFile(temp, text, { mode });
  await adopt(temp);
  await rename(temp, file);
}

/**
 * The control plane's files in certDir: the cluster CA and the apiserver's serving
 * certificate (sans: more names and addresses for it, used only when it is created),
 * the service-account key pair and the encryption configuration. Resolves with the
 * CA and the configuration's path.
 */
export async function ensureControlPlane(certDir: string, sans: string[], report: Report, encryptionConfig = join(certDir, FILES.encryptionConfig)): Promise<{ ca: KeyPair; encryptionConfig: string }> {
  const had = (f: string): boolean => existsSync(join(certDir, f));
  const before = { ca: had('ca.crt') && had('apiserver.crt'), sa: had('sa.key'), enc: existsSync(encryptionConfig), frontProxy: had(FRONT_PROXY_CA) };
  await loadOrCreateServingCerts(certDir, sans.filter((s) => isIP(s)), sans.filter((s) => !isIP(s)));
  await ensureSigningKey(join(certDir, 'sa.key'));
  await writeDefaultEncryptionConfig(encryptionConfig);
  await ensureFrontProxyCA(certDir);
  for (const f of ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'sa.key', 'sa.pub', FRONT_PROXY_CA, FRONT_PROXY_CA_KEY]) await adopt(join(certDir, f));
  await adopt(encryptionConfig);
  report(join(certDir, 'ca.crt'), before.ca ? 'kept' : 'wrote', 'the cluster CA, with the apiserver\'s serving certificate');
  report(join(certDir, 'sa.key'), before.sa ? 'kept' : 'wrote', 'the service-account token signing key');
  report(encryptionConfig, before.enc ? 'kept' : 'wrote', 'Secrets encrypted at rest with a generated key');
  report(join(certDir, FRONT_PROXY_CA), before.frontProxy ? 'kept' : 'wrote', 'the front-proxy CA: the apiserver\'s client certificate at aggregated API servers (metrics-server) is issued from it');
  return { ca: await readCertificateAuthority(certDir), encryptionConfig };
}

export interface KubeconfigTarget {
  file: string;
  server: string;
  identity: Identity;
  /** The name to check the serving certificate against, when server's host is not in it. */
  tlsServerName?: string;
}

/** The subject node:crypto prints for a client certificate of identity (O lines, then CN). */
const subjectOf = (identity: Identity): string => [...identity.groups.map((g) => `O=${g}`), `CN=${identity.user}`].join('\n');

/** True when file is a kubeconfig for server trusting ca whose client certificate (for user, signed by ca) fits. */
async function kubeconfigFits(t: KubeconfigTarget, ca: KeyPair): Promise<boolean> {
  try {
    const cfg = parseYaml(await readFile(t.file, 'utf8')) as {
      clusters?: { cluster?: Record<string, string> }[]; users?: { user?: Record<string, string> }[];
    };
    const cluster = cfg.clusters?.[0]?.cluster ?? {};
    const certB64 = cfg.users?.[0]?.user?.['client-certificate-data'];
    if (cluster.server !== t.server || cluster['tls-server-name'] !== t.tlsServerName || !certB64) return false;
    if (Buffer.from(cluster['certificate-authority-data'] ?? '', 'base64').toString() !== ca.cert) return false;
    const cert = Buffer.from(certB64, 'base64').toString();
    return certificateFits(cert, ca.cert) && new X509Certificate(cert).subject === subjectOf(t.identity);
  } catch {
    return false;
  }
}

/** Writes a kubeconfig with a client certificate for t.identity, unless the one there fits. */
export async function ensureKubeconfig(certDir: string, ca: KeyPair, t: KubeconfigTarget, report: Report): Promise<void> {
  const detail = `user ${t.identity.user}${t.identity.groups.length ? `, groups ${t.identity.groups.join(',')}` : ''}; server ${t.server}`;
  if (await kubeconfigFits(t, ca)) return report(t.file, 'kept', detail);
  await mkdir(dirname(t.file), { recursive: true, mode: 0o755 });
  const temp = join(dirname(t.file), `.${basename(t.file)}.tmp`);
  const credential = await signCertificate(ca, { commonName: t.identity.user, organizations: t.identity.groups, usages: ['client'] });
  await writeKubeconfig(temp, t.server, certDir, credential, {
    tlsServerName: t.tlsServerName, userName: t.identity.user.replace(/[^A-Za-z0-9._-]/g, '-'),
  });
  await adopt(temp);
  await rename(temp, t.file);
  report(t.file, 'wrote', detail);
}

/** Writes dir/<base>.crt and .key signed by ca as spec says, unless the pair there fits. */
async function ensureKeyPair(ca: KeyPair, certFile: string, keyFile: string, spec: CertificateSpec, report: Report): Promise<void> {
  const detail = `CN=${spec.commonName}${spec.dnsNames || spec.ips ? `, SANs ${[...spec.dnsNames ?? [], ...spec.ips ?? []].join(',')}` : ''}`;
  if (existsSync(certFile) && existsSync(keyFile) && certificateFits(await readFile(certFile, 'utf8'), ca.cert, spec)) return report(certFile, 'kept', detail);
  const pair = await signCertificate(ca, spec);
  await writeOwned(keyFile, pair.key, 0o600);
  await writeOwned(certFile, pair.cert, 0o644);
  report(certFile, 'wrote', detail);
}

/** Copies a CA certificate (public) into place unless it is there already. */
async function ensureCopy(file: string, pem: string, report: Report, detail: string, mode = 0o644): Promise<void> {
  if (existsSync(file) && await readFile(file, 'utf8') === pem) return report(file, 'kept', detail);
  await writeOwned(file, pem, mode);
  report(file, 'wrote', detail);
}

/**
 * The controller manager's kubeconfig (system:kube-controller-manager), the CA it
 * publishes (its --root-ca-file) and, as kubeadm gives it, the CA's key: it signs the
 * client certificates of nodes joining with a bootstrap token (--cluster-signing-*-file).
 */
export async function ensureControllerManager(certDir: string, ca: KeyPair, dir: string, server: string, report: Report, tlsServerName?: string): Promise<void> {
  await ensureKubeconfig(certDir, ca, { file: join(dir, FILES.controllerManager), server, identity: CONTROLLER_MANAGER, tlsServerName }, report);
  await ensureCopy(join(dir, FILES.ca), ca.cert, report, 'the cluster CA: --root-ca-file, --cluster-signing-cert-file');
  await ensureCopy(join(dir, FILES.caKey), ca.key, report, 'the cluster CA\'s key: --cluster-signing-key-file', 0o600);
}

export interface KubeletTarget {
  dir: string;
  node: string;
  /** The node's addresses (the apiserver calls it on its InternalIP). */
  ips: string[];
}

/** A kubelet's kubeconfig (system:node:<node>), its serving certificate and the CA it checks callers against. */
export async function ensureKubelet(certDir: string, ca: KeyPair, k: KubeletTarget, server: string, report: Report, tlsServerName?: string): Promise<void> {
  await ensureKubeconfig(certDir, ca, { file: join(k.dir, FILES.kubelet), server, identity: kubeletIdentity(k.node), tlsServerName }, report);
  await ensureKeyPair(ca, join(k.dir, FILES.kubeletCert), join(k.dir, FILES.kubeletKey), {
    commonName: `${k.node}@kubelet`, dnsNames: [k.node], ips: k.ips, usages: ['server'],
  }, report);
  await ensureCopy(join(k.dir, FILES.ca), ca.cert, report, 'the cluster CA: --client-ca-file');
}

/**
 * etcd's CA, serving certificate (sans) and healthcheck client certificate in etcdDir,
 * and in certDir the etcd CA certificate and the apiserver's etcd client certificate.
 */
export async function ensureEtcd(certDir: string, etcdDir: string, sans: string[], report: Report): Promise<void> {
  const caFile = join(etcdDir, 'ca.crt');
  const caKeyFile = join(etcdDir, 'ca.key');
  let ca: KeyPair;
  if (existsSync(caFile) && existsSync(caKeyFile)) {
    ca = { cert: await readFile(caFile, 'utf8'), key: await readFile(caKeyFile, 'utf8') };
    report(caFile, 'kept', 'the etcd CA');
  } else {
    ca = await createCertificateAuthority(`etcd-ca@${Math.floor(Date.now() / 1000)}`);
    await writeOwned(caKeyFile, ca.key, 0o600);
    await writeOwned(caFile, ca.cert, 0o644);
    report(caFile, 'wrote', 'the etcd CA');
  }
  await ensureKeyPair(ca, join(etcdDir, FILES.etcdServerCert), join(etcdDir, FILES.etcdServerKey), {
    commonName: 'etcd', dnsNames: sans.filter((s) => !isIP(s)), ips: sans.filter((s) => isIP(s)), usages: ['server', 'client'],
  }, report);
  await ensureKeyPair(ca, join(etcdDir, FILES.etcdHealthcheckCert), join(etcdDir, FILES.etcdHealthcheckKey), {
    commonName: 'kube-etcd-healthcheck-client', usages: ['client'],
  }, report);
  await ensureCopy(join(certDir, FILES.etcdCA), ca.cert, report, 'the etcd CA: --etcd-cafile');
  await ensureKeyPair(ca, join(certDir, FILES.etcdClientCert), join(certDir, FILES.etcdClientKey), {
    commonName: 'kube-apiserver-etcd-client', usages: ['client'],
  }, report);
}

/** `--x FILE=VALUE` flags: the target's absolute path, then what it is for. */
function targetFlag(flag: string, want: string, check: (value: string) => boolean) {
  return (raw: string, previous: { path: string; value: string }[] = []): { path: string; value: string }[] => {
    const i = raw.indexOf('=');
    const path = raw.slice(0, i);
    const value = raw.slice(i + 1);
    if (i <= 0 || !path.startsWith('/') || !check(value)) throw new Error(`${flag} ${JSON.stringify(raw)}: want ${want}`);
    return [...previous, { path, value }];
  };
}

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

// Run as a script (`tskube pki`): node dist/scripts/pki.js --cert-dir DIR ...
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const o = new Command('pki')
    .description('Create the cluster\'s certificates, keys and kubeconfigs where missing, as kubeadm\'s certs and kubeconfig phases: the CA, the apiserver\'s serving certificate, service-account key and encryption configuration in --cert-dir, and one identity per component')
    .requiredOption('--cert-dir <dir>', 'the apiserver\'s --cert-dir: ca.crt, ca.key, apiserver.crt/.key, sa.key/.pub, encryption-config.yaml')
    .option('--apiserver-cert-extra-sans <list>', 'more DNS names and IPs for the apiserver\'s serving certificate (when it is created), comma-separated', list, [])
    .option('--encryption-provider-config <file>', 'where the encryption configuration goes (default: <cert-dir>/encryption-config.yaml)')
    .option('--server <url>', 'the apiserver as the components reach it (https://host:port), for their kubeconfigs')
    .option('--tls-server-name <name>', 'check the apiserver\'s certificate against this name (e.g. kubernetes) in the components\' kubeconfigs, for a --server address it does not list')
    .option('--admin <file=server>', 'an admin kubeconfig (user admin, group system:masters) naming server (repeatable)', targetFlag('--admin', '/absolute/file=https://host:port', (v) => /^https:\/\/[^/]+$/.test(v)), [])
    .option('--scheduler <dir>', 'writes scheduler.conf (user system:kube-scheduler) into dir')
    .option('--controller-manager <dir>', 'writes controller-manager.conf (user system:kube-controller-manager) and ca.crt (its --root-ca-file) into dir')
    .option('--kube-proxy <dir>', 'writes kube-proxy.conf (user system:kube-proxy) into dir')
    .option('--metrics-server <dir>', 'writes metrics-server.conf (user system:serviceaccount:kube-system:metrics-server) into dir')
    .option('--kubelet <dir=node[,ip...]>', 'writes kubelet.conf (user system:node:<node>, group system:nodes), its serving certificate kubelet.crt/.key (SANs: the node\'s name and IPs) and ca.crt (its --client-ca-file) into dir (repeatable)',
      targetFlag('--kubelet', '/absolute/dir=node[,ip...]', (v) => list(v).length > 0 && list(v).slice(1).every((ip) => isIP(ip) !== 0)), [])
    .option('--etcd <dir>', 'writes etcd\'s CA, serving certificate and a healthcheck client certificate into dir, and the apiserver\'s etcd client certificate (apiserver-etcd-client.crt/.key) and etcd/ca.crt into --cert-dir')
    .option('--etcd-server-sans <list>', 'DNS names and IPs of etcd\'s serving certificate', list, DEFAULT_ETCD_SANS)
    .parse()
    .opts<{
      certDir: string; apiserverCertExtraSans: string[]; encryptionProviderConfig?: string; server?: string; tlsServerName?: string;
      admin: { path: string; value: string }[]; scheduler?: string; controllerManager?: string; kubeProxy?: string; metricsServer?: string;
      kubelet: { path: string; value: string }[]; etcd?: string; etcdServerSans: string[];
    }>();
  const report: Report = (file, what, detail) => console.log(`pki: ${what} ${file}${detail ? ` (${detail})` : ''}`);
  (async () => {
    if ((o.scheduler || o.controllerManager || o.kubeProxy || o.metricsServer || o.kubelet.length) && !o.server) throw new Error('--server is needed for the components\' kubeconfigs');
    if (o.server && !/^https:\/\/[^/]+$/.test(o.server)) throw new Error(`--server ${JSON.stringify(o.server)}: want https://host:port`);
    const server = o.server ?? '';
    const { ca } = await ensureControlPlane(o.certDir, o.apiserverCertExtraSans, report, o.encryptionProviderConfig);
    for (const a of o.admin) await ensureKubeconfig(o.certDir, ca, { file: a.path, server: a.value, identity: ADMIN, tlsServerName: o.tlsServerName }, report);
    const component = async (dir: string | undefined, file: string, identity: Identity): Promise<void> => {
      if (dir) await ensureKubeconfig(o.certDir, ca, { file: join(dir, file), server, identity, tlsServerName: o.tlsServerName }, report);
    };
    await component(o.scheduler, FILES.scheduler, SCHEDULER);
    if (o.controllerManager) await ensureControllerManager(o.certDir, ca, o.controllerManager, server, report, o.tlsServerName);
    await component(o.kubeProxy, FILES.kubeProxy, KUBE_PROXY);
    await component(o.metricsServer, FILES.metricsServer, METRICS_SERVER);
    for (const k of o.kubelet) {
      const [node, ...ips] = list(k.value);
      await ensureKubelet(o.certDir, ca, { dir: k.path, node: node!, ips }, server, report, o.tlsServerName);
    }
    if (o.etcd) await ensureEtcd(o.certDir, o.etcd, o.etcdServerSans, report);
  })().catch((err: Error) => {
    console.error(`pki: ${err.message}`);
    process.exit(1);
  });
}
