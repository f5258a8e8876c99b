// Writes kubeconfigs for this apiserver, as kubeadm's kubeconfig phase does: the CA
// to trust and a credential (a client certificate signed by the cluster CA, or a
// bearer token). The admin one is user "admin" in group system:masters.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueClientCert } from './tls.js';

/** A kubeconfig user's credential. */
export type KubeconfigCredential = { cert: string; key: string } | { token: string };

export interface KubeconfigOptions {
  /** The context's namespace (default "default"). */
  namespace?: string;
  /** The name to check the serving certificate against, when server's host is not in it. */
  tlsServerName?: string;
  /** The user's name in the file (default "admin"). */
  userName?: string;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/** Writes a kubeconfig (mode 0600) for server, trusting the CA in certDir, with credential. */
export async function writeKubeconfig(file: string, server: string, certDir: string, credential: KubeconfigCredential, opts: KubeconfigOptions = {}): Promise<void> {
  const ca = await readFile(join(certDir, 'ca.crt'));
  const user = opts.userName ?? 'admin';
  const cred = 'token' in credential
    ? `    token: ${credential.token}`
    : `    client-certificate-data: ${b64(credential.cert)}\n    client-key-data: ${b64(credential.key)}`;
  await writeFile(file, `apiVersion: v1
kind: Config
clusters:
- name: tskube
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(ca)}${opts.tlsServerName ? `\n    tls-server-name: ${opts.tlsServerName}` : ''}
contexts:
- name: tskube
  context:
    cluster: tskube
    user: ${user}
    namespace: ${opts.namespace ?? 'default'}
current-context: tskube
users:
- name: ${user}
  user:
${cred}
`, { mode: 0o600 });
}

/** Writes a kubeconfig for a user with a fresh client certificate (CN=commonName, O=groups). */
export async function writeCertificateKubeconfig(file: string, server: string, certDir: string, commonName: string, groups: string[] = [], opts: KubeconfigOptions = {}): Promise<void> {
  await writeKubeconfig(file, server, certDir, await issueClientCert(certDir, commonName, groups), { userName: commonName.replace(/[^A-Za-z0-9._-]/g, '-'), ...opts });
}

/** tlsServerName: the name to check the serving certificate against, when server's host is not in it. */
export async function writeAdminKubeconfig(file: string, server: string, certDir: string, namespace = 'default', tlsServerName?: string): Promise<void> {
  await writeCertificateKubeconfig(file, server, certDir, 'admin', ['system:masters'], { namespace, tlsServerName, userName: 'admin' });
}
