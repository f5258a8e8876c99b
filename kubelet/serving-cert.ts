// The kubelet's serving certificate: --tls-cert-file and --tls-private-key-file, or,
// when neither is given, <cert-dir>/kubelet.crt and kubelet.key, generated on the
// first start as the kubelet does (cmd/kubelet's InitializeTLS with
// certutil.GenerateSelfSignedCertKey): a CA of its own ("<node>-ca@<unix time>") and a
// certificate it signs ("<node>@<unix time>") for the node's name and IP, valid a
// year (apiserver/tls.ts's signer); the file holds the certificate then that CA. Kept
// and reused on later starts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface ServingCertificate {
  /** PEM: the certificate, then its chain. */
  cert: string;
  /** PEM (PKCS #8). */
  key: string;
}

export interface ServingCertificateOptions {
  certFile?: string;
  keyFile?: string;
  /** --cert-dir: where a generated pair is written. */
  certDir: string;
  nodeName: string;
  /** IP addresses the certificate is for (the node's). */
  ips: string[];
}

/** The given pair, the pair generated into certDir earlier, or a new one written there. */
export async function loadOrCreateServingCertificate(o: ServingCertificateOptions): Promise<ServingCertificate & { generated: boolean }> {
  if (o.certFile || o.keyFile) {
    if (!o.certFile || !o.keyFile) throw new Error('--tls-cert-file and --tls-private-key-file must be given together');
    return { cert: await readFile(o.certFile, 'utf8'), key: await readFile(o.keyFile, 'utf8'), generated: false };
  }
  const files = { cert: join(o.certDir, 'kubelet.crt'), key: join(o.certDir, 'kubelet.key') };
  const existing = await Promise.all([readFile(files.cert, 'utf8'), readFile(files.key, 'utf8')]).catch(() => undefined);
  if (existing) return { cert: existing[0], key: existing[1], generated: false };
  const pair = await generateSelfSigned(o.nodeName, o.ips);
  await mkdir(o.certDir, { recursive: true, mode: 0o755 });
  await writeFile(files.key, pair.key, { mode: 0o600 });
  await writeFile(files.cert, pair.cert, { mode: 0o644 });
  return { ...pair, generated: true };
}

/** A certificate for host (a DNS name, or an IP) and ips, signed by a CA made for it alone. */
export async function generateSelfSigned(host: string, ips: string[], now = Date.now()): Promise<ServingCertificate> {
  // Loaded only here: a kubelet that finds its certificate never pays for the X.509 library.
  const { createCertificateAuthority, signCertificate } = await import('../apiserver/tls.js');
  const stamp = Math.floor(now / 1000);
  const ca = await createCertificateAuthority(`${host}-ca@${stamp}`);
  // As GenerateSelfSignedCertKey: host is a DNS name, or an IP address when it parses as one.
  const serving = await signCertificate(ca, {
    commonName: `${host}@${stamp}`, dnsNames: isIP(host) ? [] : [host], ips: [...new Set([...(isIP(host) ? [host] : []), ...ips])], usages: ['server'],
  });
  return { cert: `${serving.cert.trimEnd()}\n${ca.cert.trimEnd()}\n`, key: serving.key };
}
