// Authentication by client certificate, as kube-apiserver's --client-ca-file: a
// certificate that chains to the cluster CA names the user (CN) and groups (O).
import type { TLSSocket } from 'node:tls';
import { authenticated, type User } from './user.js';

export type CertResult =
  | { kind: 'none' }
  | { kind: 'user'; user: User }
  | { kind: 'rejected'; why: string };

/** The user of the TLS connection's client certificate; none on plain HTTP or without one. */
export function certificateUser(socket: TLSSocket): CertResult {
  if (typeof socket.getPeerCertificate !== 'function') return { kind: 'none' };
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return { kind: 'none' };
  if (!socket.authorized) return { kind: 'rejected', why: String(socket.authorizationError) };
  const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const name = asList(cert.subject?.CN)[0];
  // kube-apiserver refuses a verified certificate without a common name.
  if (!name) return { kind: 'rejected', why: 'the certificate has no common name' };
  return { kind: 'user', user: authenticated({ name, groups: asList(cert.subject?.O) }) };
}
