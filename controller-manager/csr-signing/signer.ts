// The signing rules of the CSR signing controller (pkg/controller/certificates/signer and
// .../authority): which requests each kubernetes.io signer issues, how long for, and the
// certificate itself: the request's subject, SANs and public key, the usages the
// request lists (and nothing else it asked for), signed by the cluster CA
// (--cluster-signing-cert-file/--cluster-signing-key-file; ECDSA or RSA keys).
import { createPrivateKey, createPublicKey, webcrypto, X509Certificate as NodeX509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs this polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER, KUBE_APISERVER_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, type KeyUsage,
} from '../../api/types/certificates.js';
import {
  checkCSRSignature, kubeletClientCSRProblem, kubeletServingCSRProblem, type ParsedCSR,
} from '../../api/validation/certificatesigningrequest.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The signers this controller issues for, as kube-controller-manager's csrsigning runs them. */
export const SIGNERS: readonly string[] = [KUBELET_SERVING_SIGNER, KUBE_APISERVER_CLIENT_KUBELET_SIGNER, KUBE_APISERVER_CLIENT_SIGNER];

/** validAPIServerClientUsages: client auth, and optionally digital signature and key encipherment. */
function apiServerClientUsagesProblem(usages: readonly KeyUsage[]): string | undefined {
  let clientAuth = false;
  for (const u of usages) {
    if (u === 'client auth') clientAuth = true;
    else if (u !== 'digital signature' && u !== 'key encipherment') return `invalid usage for client certificate: ${u}`;
  }
  return clientAuth ? undefined : 'missing required usage for client certificate: client auth';
}

/**
 * isRequestForSignerFn: whether this controller signs for signerName, and why the
 * request is not one the signer may issue (then it gets a Failed condition). E.g. a
 * kubelet client request with O=system:masters: { recognized: true, problem: "subject
 * organization is not system:nodes" }.
 */
export function signerVerdict(signerName: string, csr: ParsedCSR, usages: readonly KeyUsage[]): { recognized: boolean; problem?: string } {
  switch (signerName) {
    case KUBELET_SERVING_SIGNER: return { recognized: true, problem: kubeletServingCSRProblem(csr, usages) };
    case KUBE_APISERVER_CLIENT_KUBELET_SIGNER: return { recognized: true, problem: kubeletClientCSRProblem(csr, usages) };
    case KUBE_APISERVER_CLIENT_SIGNER: return { recognized: true, problem: apiServerClientUsagesProblem(usages) };
    default: return { recognized: false };
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** PermissiveSigningPolicy's Backdate: notBefore is this much before now (clock skew). */
export const BACKDATE_MS = 5 * MINUTE;
/** Below this lifetime notAfter counts from now, not from the backdated notBefore. */
export const SHORT_MS = 8 * HOUR;

/**
 * signer.duration: the lifetime of a certificate, the requested one
 * (spec.expirationSeconds) within [10 min, certTTL], certTTL (--cluster-signing-duration)
 * when none is requested. E.g. certTTL 8760h: 3600 → 1 h, 100 → 10 min, none → 8760 h.
 */
export function certificateLifetime(expirationSeconds: number | undefined, certTTLMs: number): number {
  if (expirationSeconds === undefined) return certTTLMs;
  const requested = expirationSeconds * 1000;
  if (requested > certTTLMs) return certTTLMs;
  return Math.max(requested, 10 * MINUTE);
}

/**
 * PermissiveSigningPolicy.apply's validity: notBefore = now - 5 min; notAfter =
 * notBefore + ttl, or now + ttl for a short (< 8 h) one, never after the CA's own
 * notAfter. Throws when the CA has expired. E.g. now 12:00, ttl 1 h → 11:55 to 13:00;
 * ttl 24 h → 11:55 to 11:55 the next day.
 */
export function validity(nowMs: number, ttlMs: number, caNotAfterMs: number): { notBefore: Date; notAfter: Date } {
  const notBefore = nowMs - BACKDATE_MS;
  let notAfter = ttlMs < SHORT_MS ? nowMs + ttlMs : notBefore + ttlMs;
  if (notAfter >= caNotAfterMs) notAfter = caNotAfterMs;
  if (notBefore >= caNotAfterMs) throw new Error(`the signer has expired: NotAfter=${new Date(caNotAfterMs).toISOString()}`);
  if (nowMs >= caNotAfterMs) throw new Error(`refusing to sign a certificate that expired in the past: NotAfter=${new Date(caNotAfterMs).toISOString()}`);
  return { notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}

const KEY_USAGE_FLAGS: Record<string, x509.KeyUsageFlags> = {
  'signing': x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

/** Extended key usages with their OIDs, in Go's x509.ExtKeyUsage order (the order they are written in). */
const EXT_KEY_USAGES: readonly (readonly [string[], string])[] = [
  [['any'], '2.5.29.37.0'],
  [['server auth'], '1.3.6.1.5.5.7.3.1'],
  [['client auth'], '1.3.6.1.5.5.7.3.2'],
  [['code signing'], '1.3.6.1.5.5.7.3.3'],
  [['email protection', 's/mime'], '1.3.6.1.5.5.7.3.4'],
  [['ipsec end system'], '1.3.6.1.5.5.7.3.5'],
  [['ipsec tunnel'], '1.3.6.1.5.5.7.3.6'],
  [['ipsec user'], '1.3.6.1.5.5.7.3.7'],
  [['timestamping'], '1.3.6.1.5.5.7.3.8'],
  [['ocsp signing'], '1.3.6.1.5.5.7.3.9'],
  [['microsoft sgc'], '1.3.6.1.4.1.311.10.3.3'],
  [['netscape sgc'], '2.16.840.1.113730.4.1'],
];

/**
 * keyUsagesFromStrings: the KeyUsage bits and the extended key usage OIDs (each once,
 * in Go's order) of API usages; throws for a usage it does not know.
 */
export function keyUsagesFromStrings(usages: readonly KeyUsage[]): { keyUsage: number; extKeyUsages: string[] } {
  let keyUsage = 0;
  const ext = new Set<string>();
  const unknown: string[] = [];
  for (const u of usages) {
    if (u in KEY_USAGE_FLAGS) keyUsage |= KEY_USAGE_FLAGS[u];
    else {
      const e = EXT_KEY_USAGES.find(([names]) => names.includes(u));
      if (e) ext.add(e[1]);
      else unknown.push(u);
    }
  }
  if (unknown.length) throw new Error(`unrecognized usage values: [${unknown.map((u) => JSON.stringify(u)).join(' ')}]`);
  return { keyUsage, extKeyUsages: EXT_KEY_USAGES.map(([, oid]) => oid).filter((oid) => ext.has(oid)) };
}

/** The cluster CA as the signer uses it. */
export interface SigningCA {
  cert: x509.X509Certificate;
  key: CryptoKey;
  signingAlgorithm: Algorithm | EcdsaParams | RsaHashedImportParams;
}

/** The web crypto algorithm of a private key (ECDSA P-256/384/521 or RSA), with Go's digest for it. */
function algorithmOf(key: KeyObject): { importAlg: EcKeyImportParams | RsaHashedImportParams; signAlg: EcdsaParams | Algorithm } {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const [namedCurve, hash] = curve === 'prime256v1' ? ['P-256', 'SHA-256'] : curve === 'secp384r1' ? ['P-384', 'SHA-384'] : curve === 'secp521r1' ? ['P-521', 'SHA-512'] : [];
    if (!namedCurve || !hash) throw new Error(`unsupported elliptic curve ${String(curve)}`);
    return { importAlg: { name: 'ECDSA', namedCurve }, signAlg: { name: 'ECDSA', hash } };
  }
  if (key.asymmetricKeyType === 'rsa') {
    return { importAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, signAlg: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  throw new Error(`unsupported private key type ${String(key.asymmetricKeyType)}: the key must be RSA or ECDSA`);
}

/**
 * Checks a CA pair in PEM (certificate, and its private key in PKCS #8, SEC 1 or PKCS #1
 * form) and that they belong together; throws with what is wrong. Synchronous, for the
 * controller manager's start-up check of its flags.
 */
export function checkCAPair(certPem: string, keyPem: string): void {
  const cert = new NodeX509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  algorithmOf(key);
  const want = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(want)) throw new Error('private key does not match public key');
}

/** The PEM of --cluster-signing-cert-file and --cluster-signing-key-file, checked (checkCAPair). */
export function readCAFiles(certFile: string, keyFile: string): { certPem: string; keyPem: string } {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = readFileSync(certFile, 'utf8');
    keyPem = readFileSync(keyFile, 'utf8');
  } catch (err) {
    throw new Error(`error reading CA cert file or key file: ${(err as Error).message}`);
  }
  try {
    checkCAPair(certPem, keyPem);
  } catch (err) {
    throw new Error(`error reading CA cert file "${certFile}" and key file "${keyFile}": ${(err as Error).message}`);
  }
  return { certPem, keyPem };
}

/** Loads a CA pair (checkCAPair's formats) for signing. */
export async function loadSigningCA(certPem: string, keyPem: string): Promise<SigningCA> {
  checkCAPair(certPem, keyPem);
  const keyObject = createPrivateKey(keyPem);
  const { importAlg, signAlg } = algorithmOf(keyObject);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await webcrypto.subtle.importKey('pkcs8', der, importAlg, false, ['sign']) as unknown as CryptoKey;
  return { cert: new x509.X509Certificate(certPem), key, signingAlgorithm: signAlg };
}

/**
 * CertificateAuthority.Sign with PermissiveSigningPolicy: checks the request's signature,
 * then issues a certificate (PEM) with its subject, SANs and public key, a random
 * 128-bit serial, the key usages (critical) and extended key usages the usages name,
 * CA:false (critical), the CA's key identifier, valid as validity() says.
 */
export async function signCertificate(ca: SigningCA, csr: ParsedCSR, usages: readonly KeyUsage[], ttlMs: number, nowMs = Date.now()): Promise<string> {
  try {
    checkCSRSignature(csr);
  } catch (err) {
    throw new Error(`unable to verify certificate request signature: ${(err as Error).message}`);
  }
  const { keyUsage, extKeyUsages } = keyUsagesFromStrings(usages);
  const { notBefore, notAfter } = validity(nowMs, ttlMs, ca.cert.notAfter.getTime());
  const extensions: x509.Extension[] = [];
  if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (extKeyUsages.length) extensions.push(new x509.ExtendedKeyUsageExtension(extKeyUsages, false));
  extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
  const ski = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) extensions.push(new x509.AuthorityKeyIdentifierExtension(ski.keyId));
  const sans = [
    ...csr.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...csr.emailAddresses.map((value) => ({ type: 'email' as const, value })),
    ...csr.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...csr.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  // Go marks the SAN extension critical when the subject is empty (RFC 5280 4.2.1.6).
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans, csr.request.subjectName.toJSON().length === 0));
  const cert = await x509.X509CertificateGenerator.create({
    subject: csr.request.subjectName, issuer: ca.cert.subjectName,
    notBefore, notAfter,
    publicKey: new Uint8Array(csr.publicKey),
    signingKey: ca.key, signingAlgorithm: ca.signingAlgorithm,
    extensions,
  });
  return cert.toString('pem') + '\n';
}
