// Serving certificates. As kube-apiserver does when no --tls-cert-file is given, a
// CA and a serving certificate signed by it are generated into --cert-dir (and reused
// on the next start, so kubeconfigs that trust the CA stay valid). The same signer
// makes the cluster's other certificates (scripts/pki.ts: client certificates of the
// components, kubelet serving certificates, etcd's CA and certificates).
import { webcrypto, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs this polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface ServingCerts {
  /** PEM of the CA that signed the serving certificate: what clients trust. */
  ca: string;
  cert: string;
  key: string;
}

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

/** What signCertificate puts in a certificate. */
export interface CertificateSpec {
  /** Subject CN: the user name of a client certificate. */
  commonName: string;
  /** Subject O: the groups of a client certificate. */
  organizations?: string[];
  /** Subject alternative names of a serving certificate. */
  dnsNames?: string[];
  ips?: string[];
  /** Extended key usages: serverAuth, clientAuth, or both. */
  usages: ('server' | 'client')[];
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEARS = (n: number): Date => new Date(Date.now() + n * 365 * 24 * 3600 * 1000);

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** A new self-signed CA (ECDSA P-256, ten years) named commonName. */
export async function createCertificateAuthority(commonName: string): Promise<KeyPair> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 3600_000), notAfter: YEARS(10), keys, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** A new key and a certificate for it (one year) signed by ca, as spec says. */
export async function signCertificate(ca: KeyPair, spec: CertificateSpec): Promise<KeyPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.key), ALG, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
  const usages = spec.usages.map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  const sans = [...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(spec.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const cert = await x509.X509CertificateGenerator.create({
    subject: [...(spec.organizations ?? []).map((o) => `O=${o}`), `CN=${spec.commonName}`].join(', '), issuer: caCert.subject,
    notBefore: new Date(Date.now() - 3600_000), notAfter: YEARS(1),
    publicKey: keys.publicKey, signingKey: caKey as unknown as CryptoKey, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages),
      ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/**
 * Returns the certificates in certDir, creating them when missing. ips and dnsNames
 * are the serving certificate's subject alternative names (besides the defaults:
 * localhost, 127.0.0.1, the host name, and the kubernetes service names).
 */
export async function loadOrCreateServingCerts(certDir: string, ips: string[], dnsNames: string[] = []): Promise<ServingCerts> {
  const files = { ca: join(certDir, 'ca.crt'), caKey: join(certDir, 'ca.key'), cert: join(certDir, 'apiserver.crt'), key: join(certDir, 'apiserver.key') };
  if (existsSync(files.ca) && existsSync(files.cert) && existsSync(files.key)) {
    const [ca, cert, key] = await Promise.all([readFile(files.ca, 'utf8'), readFile(files.cert, 'utf8'), readFile(files.key, 'utf8')]);
    return { ca, cert, key };
  }
  await mkdir(certDir, { recursive: true, mode: 0o700 });
  const ca = await createCertificateAuthority(`tskube-ca@${Math.floor(Date.now() / 1000)}`);
  const names = [...new Set(['localhost', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...dnsNames])];
  const serving = await signCertificate(ca, { commonName: 'kube-apiserver', dnsNames: names, ips: [...new Set(['127.0.0.1', ...ips])], usages: ['server'] });
  await writeFile(files.caKey, ca.key, { mode: 0o600 });
  await writeFile(files.key, serving.key, { mode: 0o600 });
  await writeFile(files.cert, serving.cert);
  await writeFile(files.ca, ca.cert);
  return { ca: ca.cert, ...serving };
}

/** The CA in certDir (ca.crt and ca.key, which the apiserver or scripts/pki.ts creates). */
export async function readCertificateAuthority(certDir: string): Promise<KeyPair> {
  const [cert, key] = await Promise.all([readFile(join(certDir, 'ca.crt'), 'utf8'), readFile(join(certDir, 'ca.key'), 'utf8')]);
  return { cert, key };
}

/**
 * Issues a client certificate signed by the CA in certDir (which the apiserver
 * creates on first start): CN is the user name, O the groups, as Kubernetes reads
 * them. Used for the kubeconfigs that `npm run cluster`, compose and the tests write.
 */
export async function issueClientCert(certDir: string, commonName: string, organizations: string[] = []): Promise<{ cert: string; key: string }> {
  return signCertificate(await readCertificateAuthority(certDir), { commonName, organizations, usages: ['client'] });
}

/**
 * Whether cert (PEM) was signed by ca (PEM), stays valid for 30 more days, and lists
 * every DNS name and IP address given: scripts/pki.ts keeps a certificate that fits and
 * issues a new one otherwise (a new CA, a node with a new address, one about to expire).
 */
export function certificateFits(cert: string, ca: string, want: { dnsNames?: string[]; ips?: string[] } = {}): boolean {
  try {
    const c = new X509Certificate(cert);
    const issuer = new X509Certificate(ca);
    return c.checkIssued(issuer) && c.verify(issuer.publicKey)
      && Date.parse(c.validTo) > Date.now() + 30 * 24 * 3600_000
      && (want.dnsNames ?? []).every((n) => c.checkHost(n, { wildcards: false }) !== undefined)
      && (want.ips ?? []).every((ip) => c.checkIP(ip) !== undefined);
  } catch {
    return false;
  }
}
