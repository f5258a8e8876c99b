// The kubelet's TLS bootstrap (pkg/kubelet/certificate/bootstrap LoadClientCert), how a
// node joins with a bootstrap token as `kubeadm join` sets it up: when --kubeconfig does
// not exist yet (or its client certificate has expired), the kubelet uses the
// credentials of --bootstrap-kubeconfig (a bootstrap token, user
// system:bootstrap:<token id>) to create a CertificateSigningRequest for
// CN=system:node:<node name>, O=system:nodes with signer
// kubernetes.io/kube-apiserver-client-kubelet, waits until the controller manager
// approves it (csrapproving, through the RBAC kubeadm binds to the token's group) and
// issues it (csrsigning), then writes the certificate and its key to
// <cert-dir>/kubelet-client-<time>.pem (symlinked from kubelet-client-current.pem) and a
// kubeconfig pointing at that file, with the server and CA of the bootstrap kubeconfig.
//
// The key is generated once (ECDSA P-256) and kept in <cert-dir>/kubelet-client.key.tmp
// until a certificate comes, and the request is named after a digest of the key, subject
// and usages: a kubelet restarted while it waits finds its request again instead of
// making another.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isAlreadyExists, StatusError } from '../api/errors.js';
import type { CertificateSigningRequest, KeyUsage } from '../api/types/certificates.js';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER } from '../api/types/certificates.js';
import {
  loadKubeconfig, resolveClientConfig, writeKubeconfigDocument, type ClientConfig, type KubeconfigCluster,
} from '../client/kubeconfig.js';
import { resourceClient, type ResourceClient } from '../client/resource-client.js';
import { ConnectionError, RestClient } from '../client/rest-client.js';

export interface BootstrapOptions {
  /** --kubeconfig: where the kubelet's own kubeconfig is (written here when missing or expired). */
  kubeconfigPath: string;
  /** --bootstrap-kubeconfig: the server, CA and bootstrap token to ask with. */
  bootstrapKubeconfigPath: string;
  /** --cert-dir: where the key and certificate go. */
  certDir: string;
  nodeName: string;
  log: Logger;
  signal?: AbortSignal;
  /** How long to wait for the certificate (client-go's 1 h). */
  timeoutMs?: number;
}

/** The file the kubelet's client certificate and key are always reachable at (a symlink). */
export const CURRENT_PEM = 'kubelet-client-current.pem';
const UPDATED_PEM = 'kubelet-client-updated.pem';
/** The key kept while a request is pending (tmpPrivateKeyFile). */
export const TMP_KEY = 'kubelet-client.key.tmp';
/** The usages requested (the approver accepts them with or without key encipherment). */
export const CLIENT_USAGES: readonly KeyUsage[] = ['digital signature', 'key encipherment', 'client auth'];
const NODES_GROUP = 'system:nodes';

/**
 * Makes sure kubeconfigPath holds a valid client certificate for nodeName, getting one
 * through the bootstrap kubeconfig when it does not. Resolves once the kubeconfig is
 * there; rejects when the bootstrap credentials are refused, the request is denied or
 * fails, or no certificate comes within timeoutMs.
 */
export async function bootstrapKubeconfig(o: BootstrapOptions): Promise<void> {
  if (await kubeconfigStillValid(o.kubeconfigPath, o.log)) {
    o.log.debug({ kubeconfig: o.kubeconfigPath }, 'kubeconfig exists and is valid, skipping bootstrap');
    return;
  }
  o.log.info({ bootstrapKubeconfig: o.bootstrapKubeconfigPath }, 'using the bootstrap kubeconfig to get a client certificate and write the kubeconfig');
  let config: ClientConfig;
  let cluster: KubeconfigCluster;
  try {
    const kc = loadKubeconfig({ kubeconfig: o.bootstrapKubeconfigPath });
    config = resolveClientConfig(kc);
    const ctx = kc.contexts.find((c) => c.name === kc.currentContext)?.value;
    cluster = kc.clusters.find((c) => c.name === ctx?.cluster)?.value ?? { server: config.server };
  } catch (err) {
    throw new Error(`unable to load bootstrap kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  await mkdir(o.certDir, { recursive: true, mode: 0o755 });
  const keyPem = await loadOrGenerateKey(o.certDir, o.log);
  const rest = new RestClient(config, { userAgent: `kubelet/${o.nodeName}` });
  let certPem: string;
  try {
    certPem = await requestNodeCertificate(rest, keyPem, o);
  } finally {
    await rest.close();
  }
  const pemPath = await storeUpdate(o.certDir, certPem, keyPem);
  await rm(join(o.certDir, TMP_KEY), { force: true });
  await writeBootstrappedKubeconfig(o.kubeconfigPath, config, cluster, pemPath);
  o.log.info({ kubeconfig: o.kubeconfigPath, certificate: pemPath }, 'wrote the kubeconfig with the issued client certificate');
}

/**
 * isClientConfigStillValid: the kubeconfig exists, loads, and every certificate of its
 * client certificate is unexpired. Any problem counts as "not valid" (and is logged).
 */
export async function kubeconfigStillValid(path: string, log: Logger, now = Date.now()): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    const cfg = resolveClientConfig(loadKubeconfig({ kubeconfig: path }));
    const certs = certificatesIn(cfg.cert?.toString('utf8') ?? '');
    if (certs.length === 0) throw new Error('no client certificate in it');
    for (const c of certs) {
      if (Date.parse(c.validTo) < now) {
        log.warn({ kubeconfig: path, notAfter: c.validTo }, 'part of the existing client certificate is expired');
        return false;
      }
    }
    return true;
  } catch (err) {
    log.warn({ kubeconfig: path, err }, 'unable to read the existing kubeconfig\'s client certificate');
    return false;
  }
}

function certificatesIn(pem: string): X509Certificate[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
}

/**
 * The private key to ask with: the one of the current certificate when there is one
 * (a renewal after expiry keeps the key), else the pending one in TMP_KEY, else a new
 * ECDSA P-256 key written there (0600) first.
 */
async function loadOrGenerateKey(certDir: string, log: Logger): Promise<string> {
  const current = await readFile(join(certDir, CURRENT_PEM), 'utf8').catch(() => undefined);
  const fromCurrent = current && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(current) ? tryKey(current) : undefined;
  if (fromCurrent) return fromCurrent;
  const tmp = join(certDir, TMP_KEY);
  const pending = await readFile(tmp, 'utf8').catch(() => undefined);
  const fromTmp = pending ? tryKey(pending) : undefined;
  if (fromTmp) return fromTmp;
  log.info({ file: tmp }, 'no valid private key and/or certificate found, creating a new private key');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await writeFile(tmp, pem, { mode: 0o600 });
  return pem;
}

/** The private key block of pem, re-encoded as PKCS #8; undefined when none parses. */
function tryKey(pem: string): string | undefined {
  const m = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/.exec(pem);
  if (!m) return undefined;
  try {
    return createPrivateKey(m[0]).export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch {
    return undefined;
  }
}

const spkiOf = (key: KeyObject): Buffer => createPublicKey(key).export({ type: 'spki', format: 'der' });

/**
 * digestedName: "node-csr-" and the SHA-512/256 (base64url, no padding) of the public
 * key, CN, O values and usages, each base64url-encoded and followed by "|", so the same
 * key asks under the same name.
 */
export function csrName(publicKeySpki: Buffer, commonName: string, organizations: readonly string[], usages: readonly string[]): string {
  const hash = createHash('sha512-256');
  const write = (data: Buffer | string): void => {
    hash.update(Buffer.from(data).toString('base64url'));
    hash.update('|');
  };
  write(publicKeySpki);
  write(commonName);
  for (const o of organizations) write(o);
  for (const u of usages) write(u);
  return `node-csr-${hash.digest('base64url')}`;
}

/** certutil.MakeCSR: a PEM CERTIFICATE REQUEST for subject O=<orgs>, CN=<cn>, signed with keyPem (ECDSA or RSA). */
export async function makeCSR(keyPem: string, commonName: string, organizations: readonly string[]): Promise<string> {
  // Loaded only here: a kubelet that has its certificate never pays for the X.509 library.
  const { webcrypto } = await import('node:crypto');
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const key = createPrivateKey(keyPem);
  const alg = key.asymmetricKeyType === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: curveOf(key), hash: curveOf(key) === 'P-384' ? 'SHA-384' : 'SHA-256' };
  const privateKey = await webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), alg, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spkiOf(key), alg, true, ['verify']);
  const name = [...organizations.map((o) => `O=${o}`), `CN=${commonName}`].join(', ');
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name, keys: { privateKey, publicKey } as unknown as CryptoKeyPair, signingAlgorithm: alg,
  }, webcrypto as unknown as Crypto);
  return csr.toString('pem');
}

function curveOf(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'prime256v1') return 'P-256';
  if (curve === 'secp384r1') return 'P-384';
  throw new Error(`unsupported private key for a certificate request (${String(key.asymmetricKeyType)} ${String(curve)}): use ECDSA P-256 or P-384, or RSA`);
}

/** requestNodeCertificate: creates (or finds) the request and waits for its certificate. */
async function requestNodeCertificate(rest: RestClient, keyPem: string, o: BootstrapOptions): Promise<string> {
  const commonName = `system:node:${o.nodeName}`;
  const key = createPrivateKey(keyPem);
  const request = await makeCSR(keyPem, commonName, [NODES_GROUP]);
  const name = csrName(spkiOf(key), commonName, [NODES_GROUP], CLIENT_USAGES);
  const csrs = resourceClient<CertificateSigningRequest>(rest, 'certificatesigningrequests');
  const deadline = Date.now() + (o.timeoutMs ?? 3600_000);
  const created = await createCSR(csrs, {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
    spec: { request: Buffer.from(request).toString('base64'), signerName: KUBE_APISERVER_CLIENT_KUBELET_SIGNER, usages: [...CLIENT_USAGES] },
  }, key, deadline, o);
  o.log.info({ csr: name, signerName: KUBE_APISERVER_CLIENT_KUBELET_SIGNER }, 'waiting for the client certificate to be issued');
  return waitForCertificate(csrs, name, created.metadata.uid ?? '', deadline, o);
}

/** RequestCertificate: a request that exists already is reused when it matches this key and subject. */
async function createCSR(csrs: ResourceClient<CertificateSigningRequest>, csr: CertificateSigningRequest, key: KeyObject, deadline: number, o: BootstrapOptions): Promise<CertificateSigningRequest> {
  const name = csr.metadata.name ?? '';
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      return await csrs.create('', csr, { signal: o.signal });
    } catch (err) {
      if (isAlreadyExists(err)) {
        o.log.info({ csr: name }, 'csr for this node already exists, reusing');
        const existing = await csrs.get('', name, o.signal).catch((e: unknown) => { throw withContext(e, 'cannot retrieve certificate signing request'); });
        await ensureCompatible(existing, csr, key);
        return existing;
      }
      // The apiserver may not be up yet (waitForServer): try again until the deadline.
      if (err instanceof ConnectionError && Date.now() + delay < deadline && !o.signal?.aborted) {
        o.log.info({ err: err.message, retryInMs: delay }, 'the apiserver is not reachable yet; retrying the certificate signing request');
        await sleep(delay, undefined, { signal: o.signal });
        continue;
      }
      throw withContext(err, 'cannot create certificate signing request');
    }
  }
}

/** formatError: the server's Status kept, its message prefixed; 401 explained. */
function withContext(err: unknown, what: string): Error {
  if (err instanceof StatusError) {
    const hint = err.code === 401
      ? ' (the bootstrap kubeconfig\'s credentials were refused: the bootstrap token may have expired or been deleted; create a new one)'
      : '';
    return new StatusError({ ...err.status, message: `${what}: ${err.status.message}${hint}` });
  }
  return new Error(`${what}: ${(err as Error).message}`, { cause: err });
}

/** ensureCompatible: the existing request has this subject and signer and was made with this key. */
async function ensureCompatible(existing: CertificateSigningRequest, wanted: CertificateSigningRequest, key: KeyObject): Promise<void> {
  const { parseCSR } = await import('../api/validation/certificatesigningrequest.js');
  const problem = ((): string | undefined => {
    const have = parseCSR(Buffer.from(existing.spec.request ?? '', 'base64'));
    const want = parseCSR(Buffer.from(wanted.spec.request, 'base64'));
    if (have.request.subject !== want.request.subject) return `csr subjects differ: new: ${have.request.subject}, orig: ${want.request.subject}`;
    if (existing.spec.signerName && existing.spec.signerName !== wanted.spec.signerName) {
      return `csr signerNames differ: new ${JSON.stringify(existing.spec.signerName)}, orig: ${JSON.stringify(wanted.spec.signerName)}`;
    }
    if (!have.publicKey.equals(spkiOf(key))) return 'error validating signature new CSR against old key: the request was made with another key';
    const issued = certificatesIn(Buffer.from(existing.status?.certificate ?? '', 'base64').toString('utf8'));
    if (issued.some((c) => Date.parse(c.validTo) < Date.now())) return 'one of the certificates for the CSR has expired';
    return undefined;
  })();
  if (problem) throw new Error(`retrieved csr is not compatible: ${problem}`);
}

/** What a request's conditions say: done (the PEM), an error, or still waiting (and whether approved). */
export function csrOutcome(csr: CertificateSigningRequest): { certificate?: string; error?: string; approved: boolean } {
  let approved = false;
  for (const c of csr.status?.conditions ?? []) {
    if (c.type === 'Denied') return { approved, error: `certificate signing request is denied, reason: ${c.reason ?? ''}, message: ${c.message ?? ''}` };
    if (c.type === 'Failed') return { approved, error: `certificate signing request failed, reason: ${c.reason ?? ''}, message: ${c.message ?? ''}` };
    if (c.type === 'Approved') approved = true;
  }
  if (approved && csr.status?.certificate) return { approved, certificate: Buffer.from(csr.status.certificate, 'base64').toString('utf8') };
  return { approved };
}

/**
 * WaitForCertificate: reads the request, then watches it (30 s at a time, logging that
 * it still waits after each) until it is issued, denied, failed, deleted or replaced, or
 * the deadline passes.
 */
async function waitForCertificate(csrs: ResourceClient<CertificateSigningRequest>, name: string, uid: string, deadline: number, o: BootstrapOptions): Promise<string> {
  let loggedApproved = false;
  const check = (csr: CertificateSigningRequest): string | undefined => {
    if (uid && csr.metadata.uid !== uid) throw new Error(`csr ${JSON.stringify(name)} changed UIDs`);
    const { certificate, error, approved } = csrOutcome(csr);
    if (error) throw new Error(error);
    if (certificate) {
      o.log.info({ csr: name }, 'certificate signing request is issued');
      return certificate;
    }
    if (approved && !loggedApproved) {
      loggedApproved = true;
      o.log.info({ csr: name }, 'certificate signing request is approved, waiting to be issued');
    }
    return undefined;
  };
  while (Date.now() < deadline) {
    o.signal?.throwIfAborted();
    const current = await csrs.get('', name, o.signal).catch((err: unknown) => { throw withContext(err, 'cannot read certificate signing request'); });
    const done = check(current);
    if (done) return done;
    const watchAbort = new AbortController();
    const stop = (): void => watchAbort.abort();
    o.signal?.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(stop, Math.max(0, Math.min(35_000, deadline - Date.now())));
    try {
      const seconds = Math.max(1, Math.min(30, Math.ceil((deadline - Date.now()) / 1000)));
      for await (const ev of csrs.watch('', { fieldSelector: `metadata.name=${name}`, resourceVersion: current.metadata.resourceVersion, timeoutSeconds: seconds }, watchAbort.signal)) {
        if (ev.type === 'DELETED') throw new Error(`csr ${JSON.stringify(name)} was deleted`);
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
        const got = check(ev.object);
        if (got) return got;
      }
    } catch (err) {
      // A watch cut short (aborted at the deadline, a dropped connection, 410) is read again.
      if (!watchAbort.signal.aborted && !(err instanceof ConnectionError) && !(err instanceof StatusError && err.code === 410)) throw err;
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', stop);
    }
    if (!o.signal?.aborted) o.log.info({ csr: name, state: loggedApproved ? 'Approved' : 'Pending' }, 'still waiting for the client certificate');
  }
  throw new Error(`timed out waiting for certificate signing request ${JSON.stringify(name)} to be approved and issued`);
}

/** Local time as Go's "2006-01-02-15-04-05". */
function stamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

/**
 * fileStore.Update: writes kubelet-client-<time>.pem (certificate then key, 0600) and
 * points kubelet-client-current.pem at it, atomically (a new symlink renamed over the
 * old). Returns the absolute path of kubelet-client-current.pem.
 */
async function storeUpdate(certDir: string, certPem: string, keyPem: string): Promise<string> {
  const file = join(certDir, `kubelet-client-${stamp()}.pem`);
  const body = `${certPem.trimEnd()}\n${keyPem.trimEnd()}\n`;
  await writeFile(file, body, { mode: 0o600 });
  await chmod(file, 0o600);
  const updated = join(certDir, UPDATED_PEM);
  await rm(updated, { force: true });
  await symlink(basename(file), updated);
  const current = resolve(certDir, CURRENT_PEM);
  await rename(updated, current);
  return current;
}

/**
 * writeKubeconfigFromBootstrapping: the bootstrap kubeconfig's server and CA (its file
 * when it names one, else its data), the certificate file as both client certificate
 * and key, written with mode 0600 (a temporary file renamed over the old one).
 */
async function writeBootstrappedKubeconfig(path: string, config: ClientConfig, cluster: KubeconfigCluster, pemPath: string): Promise<void> {
  const c: Record<string, unknown> = { server: config.server };
  if (cluster['certificate-authority']) c['certificate-authority'] = cluster['certificate-authority'];
  else if (config.ca) c['certificate-authority-data'] = config.ca.toString('base64');
  if (config.insecureSkipTLSVerify) c['insecure-skip-tls-verify'] = true;
  if (config.tlsServerName) c['tls-server-name'] = config.tlsServerName;
  const doc = {
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster: c }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' } }],
    'current-context': 'default-context',
    users: [{ name: 'default-auth', user: { 'client-certificate': pemPath, 'client-key': pemPath } }],
  };
  const tmp = `${path}.tmp-${process.pid}`;
  await rm(tmp, { force: true });
  writeKubeconfigDocument(tmp, doc);
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
