// Authentication by client certificate, as kube-apiserver's --client-ca-file: a
// certificate that chains to the cluster CA names the user (CN) and groups (O).
// A certificate that does not verify is a 401; no certificate is anonymous, and with
// no authorizer yet (AlwaysAllow) anonymous requests are served.
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { unauthorized, StatusError } from '../api/errors.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
const UNSECURED: UserInfo = { name: 'system:unsecured', groups: ['system:masters', 'system:authenticated'] };

/** Who sent req; throws a 401 StatusError for a client certificate the CA did not sign. */
export function authenticate(req: IncomingMessage): UserInfo {
  const socket = req.socket as TLSSocket;
  // The plain-HTTP port is loopback tooling (like the old insecure port): trusted.
  if (typeof socket.getPeerCertificate !== 'function') return UNSECURED;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return ANONYMOUS;
  if (!socket.authorized) {
    throw new StatusError(unauthorized(`Unauthorized: client certificate rejected (${String(socket.authorizationError)})`).status);
  }
  const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return { name: asList(cert.subject.CN)[0] ?? 'unknown', groups: [...asList(cert.subject.O), 'system:authenticated'] };
}
