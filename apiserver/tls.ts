// Serving certificates. As kube-apiserver does when no --tls-cert-file is given, a
// CA and a serving certificate signed by it are generated into --cert-dir (and reused
// on the next start, so kubeconfigs that trust the CA stay valid).
import { webcrypto } from 'node:crypto';
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

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEARS = (n: number): Date => new Date(Date.now() + n * 365 * 24 * 3600 * 1000);

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
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
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=tskube-ca@${Math.floor(Date.now() / 1000)}`,
    notBefore: new Date(Date.now() - 3600_000), notAfter: YEARS(10), keys: caKeys, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
  const names = [...new Set(['localhost', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...dnsNames])];
  const allIps = [...new Set(['127.0.0.1', ...ips])];
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=kube-apiserver', issuer: caCert.subject,
    notBefore: new Date(Date.now() - 3600_000), notAfter: YEARS(1),
    publicKey: keys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...names.map((value) => ({ type: 'dns' as const, value })), ...allIps.map((value) => ({ type: 'ip' as const, value }))]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const out: ServingCerts = { ca: caCert.toString('pem'), cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
  await writeFile(files.caKey, await keyPem(caKeys.privateKey), { mode: 0o600 });
  await writeFile(files.key, out.key, { mode: 0o600 });
  await writeFile(files.cert, out.cert);
  await writeFile(files.ca, out.ca);
  return out;
}

/**
 * Issues a client certificate signed by the CA in certDir (which the apiserver
 * creates on first start): CN is the user name, O the groups, as Kubernetes reads
 * them. Used for the admin kubeconfig that `npm run cluster` and the tests write.
 */
export async function issueClientCert(certDir: string, commonName: string, organizations: string[] = []): Promise<{ cert: string; key: string }> {
  const [caPem, caKeyPem] = await Promise.all([readFile(join(certDir, 'ca.crt'), 'utf8'), readFile(join(certDir, 'ca.key'), 'utf8')]);
  const caCert = new x509.X509Certificate(caPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(caKeyPem), ALG, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
  const subject = [...organizations.map((o) => `O=${o}`), `CN=${commonName}`].join(', ');
  const cert = await x509.X509CertificateGenerator.create({
    subject, issuer: caCert.subject,
    notBefore: new Date(Date.now() - 3600_000), notAfter: YEARS(1),
    publicKey: keys.publicKey, signingKey: caKey as unknown as CryptoKey, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}
