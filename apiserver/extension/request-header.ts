// The authentication of an aggregated ("extension") API server, as k8s.io/apiserver's
// DelegatingAuthenticationOptions sets it up from the
// kube-system/extension-apiserver-authentication ConfigMap: first the request-header
// authenticator (a client certificate that chains to requestheader-client-ca-file and
// whose common name is among requestheader-allowed-names, when that list is not empty:
// the user is then in the X-Remote-User, X-Remote-Group and X-Remote-Extra-* headers the
// front proxy set), then a client certificate of client-ca-file (CN the user, O the
// groups), then a bearer token through a TokenReview. Certificates are checked here
// against the CAs of the ConfigMap, which may change while the server runs.
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { authenticated, type User } from '../authn/user.js';

/** What the ConfigMap says, parsed. */
export interface AuthenticationTrust {
  clientCA: X509Certificate[];
  requestHeaderCA: X509Certificate[];
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeadersPrefix: string[];
}

/** Every CERTIFICATE block of a PEM bundle. */
export function parseBundle(pem: string | undefined): X509Certificate[] {
  const blocks = (pem ?? '').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

const jsonList = (text: string | undefined): string[] => {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

/** The trust an extension server takes from kube-system/extension-apiserver-authentication's data. */
export function trustFromConfigMap(data: Record<string, string> | undefined): AuthenticationTrust {
  const d = data ?? {};
  return {
    clientCA: parseBundle(d['client-ca-file']),
    requestHeaderCA: parseBundle(d['requestheader-client-ca-file']),
    allowedNames: jsonList(d['requestheader-allowed-names']),
    usernameHeaders: jsonList(d['requestheader-username-headers']),
    groupHeaders: jsonList(d['requestheader-group-headers']),
    extraHeadersPrefix: jsonList(d['requestheader-extra-headers-prefix']),
  };
}

/** cert chains (directly) to one of cas and is valid now. */
export function signedBy(cert: X509Certificate, cas: X509Certificate[], now = Date.now()): boolean {
  if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) return false;
  return cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

/** The subject's CN and O values of a certificate. */
function subject(cert: X509Certificate): { cn?: string; o: string[] } {
  const out: { cn?: string; o: string[] } = { o: [] };
  for (const line of cert.subject.split('\n')) {
    const eq = line.indexOf('=');
    const k = line.slice(0, eq);
    const v = line.slice(eq + 1);
    if (k === 'CN') out.cn ??= v;
    if (k === 'O') out.o.push(v);
  }
  return out;
}

const headerValues = (req: IncomingMessage, name: string): string[] => {
  const v = req.headers[name.toLowerCase()];
  if (v === undefined) return [];
  // Node joins repeated headers with ", " (set-cookie apart): a group list comes back split.
  return (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean);
};

/** client-go's headerKeyEscape undone: %XX back to bytes. */
const unescapeKey = (k: string): string => {
  try { return decodeURIComponent(k); } catch { return k; }
};

export type CertAuthentication =
  | { kind: 'none' }
  | { kind: 'user'; user: User; via: 'requestheader' | 'x509' }
  | { kind: 'rejected'; why: string };

/**
 * The user of a request's client certificate: the front proxy's X-Remote-* identity
 * when the certificate is a front-proxy one, the certificate's own subject when the
 * client CA signed it. A front-proxy certificate with a name not allowed, or one no CA
 * signed, is a failed credential.
 */
export function authenticateCertificate(req: IncomingMessage, trust: AuthenticationTrust): CertAuthentication {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return { kind: 'none' };
  const peer = socket.getPeerCertificate(false);
  if (!peer?.raw) return { kind: 'none' };
  const cert = new X509Certificate(peer.raw);
  const who = subject(cert);
  if (trust.requestHeaderCA.length && signedBy(cert, trust.requestHeaderCA)) {
    if (trust.allowedNames.length && !trust.allowedNames.includes(who.cn ?? '')) {
      return { kind: 'rejected', why: `client certificate CN ${JSON.stringify(who.cn)} is not among requestheader-allowed-names` };
    }
    const name = trust.usernameHeaders.map((h) => headerValues(req, h)[0]).find(Boolean);
    if (!name) return { kind: 'rejected', why: 'no user name in the request headers' };
    const groups = trust.groupHeaders.flatMap((h) => headerValues(req, h));
    const extra: Record<string, string[]> = {};
    for (const [h, v] of Object.entries(req.headers)) {
      const prefix = trust.extraHeadersPrefix.find((p) => h.startsWith(p.toLowerCase()));
      if (!prefix || v === undefined) continue;
      const key = unescapeKey(h.slice(prefix.length)).toLowerCase();
      extra[key] = [...(extra[key] ?? []), ...(Array.isArray(v) ? v : v.split(',').map((s) => s.trim()))];
    }
    return { kind: 'user', via: 'requestheader', user: authenticated({ name, groups, ...(Object.keys(extra).length ? { extra } : {}) }) };
  }
  if (trust.clientCA.length && signedBy(cert, trust.clientCA)) {
    if (!who.cn) return { kind: 'rejected', why: 'the certificate has no common name' };
    return { kind: 'user', via: 'x509', user: authenticated({ name: who.cn, groups: who.o }) };
  }
  return { kind: 'rejected', why: 'the client certificate is signed by no trusted CA' };
}
