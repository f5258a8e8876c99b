// Writes an admin kubeconfig for this apiserver, as kubeadm's kubeconfig phase does:
// the CA to trust and a client certificate for user "admin" in group system:masters.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueClientCert } from './tls.js';

/** tlsServerName: the name to check the serving certificate against, when server's host is not in it. */
export async function writeAdminKubeconfig(file: string, server: string, certDir: string, namespace = 'default', tlsServerName?: string): Promise<void> {
  const ca = await readFile(join(certDir, 'ca.crt'));
  const { cert, key } = await issueClientCert(certDir, 'admin', ['system:masters']);
  const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
  await writeFile(file, `apiVersion: v1
kind: Config
clusters:
- name: tskube
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(ca)}${tlsServerName ? `\n    tls-server-name: ${tlsServerName}` : ''}
contexts:
- name: tskube
  context:
    cluster: tskube
    user: admin
    namespace: ${namespace}
current-context: tskube
users:
- name: admin
  user:
    client-certificate-data: ${b64(cert)}
    client-key-data: ${b64(key)}
`, { mode: 0o600 });
}
