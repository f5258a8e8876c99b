// `tskube kubeconfig`: writes kubeconfigs with a client certificate signed by the
// cluster's CA, as kubeadm's `kubeconfig user` does: admin (group system:masters) by
// default, or any user and groups, whose rights are then what RBAC bindings give them:
//   tskube kubeconfig --cert-dir /var/lib/tskube/pki \
//     --write /kubeconfig/admin.conf=https://127.0.0.1:6443
//   tskube kubeconfig --cert-dir /var/lib/tskube/pki --user dev --group developers \
//     --write /kubeconfig/dev.conf=https://127.0.0.1:6443
// Each file (mode 0600) gets the owner of the folder it is written to, so the host's
// copy belongs to whoever made that folder; a file is replaced whole (written aside,
// then renamed). For an address the serving certificate does not list:
// --write /kubeconfig/x.conf=https://<this host>:6443 --tls-server-name kubernetes.
// (`tskube pki` writes the components' kubeconfigs.)
import { chown, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Command } from 'commander';
import { writeCertificateKubeconfig } from '../apiserver/kubeconfig.js';

interface Target { file: string; server: string }

function parseWrite(value: string, previous: Target[] = []): Target[] {
  const i = value.indexOf('=');
  const file = value.slice(0, i);
  const server = value.slice(i + 1);
  if (i <= 0 || !file.startsWith('/') || !/^https:\/\/[^/]+$/.test(server)) {
    throw new Error(`--write ${JSON.stringify(value)}: want /absolute/file=https://host:port`);
  }
  return [...previous, { file, server }];
}

const program = new Command('kubeconfig')
  .description('Write kubeconfigs with a client certificate (CN the user, O the groups) signed by the CA in --cert-dir: admin (group system:masters) unless --user is given')
  .requiredOption('--cert-dir <dir>', 'the apiserver\'s --cert-dir (ca.crt and ca.key)')
  .requiredOption('--write <file=server>', 'a kubeconfig to write and the server address it names (repeatable)', parseWrite)
  .option('--user <name>', 'the user (the certificate\'s CN); without it: admin in group system:masters')
  .option('--group <name>', 'a group of --user (the certificate\'s O; repeatable)', (v: string, prev: string[] = []) => [...prev, v])
  .option('--namespace <ns>', 'the context\'s namespace', 'default')
  .option('--tls-server-name <name>', 'check the apiserver\'s certificate against this name (e.g. kubernetes) instead of the server\'s host, for addresses the certificate does not list')
  .parse();
const o = program.opts<{ certDir: string; write: Target[]; user?: string; group?: string[]; namespace: string; tlsServerName?: string }>();

async function main(): Promise<void> {
  const user = o.user ?? 'admin';
  const groups = o.user ? o.group ?? [] : ['system:masters'];
  for (const { file, server } of o.write) {
    const dir = dirname(file);
    const owner = await stat(dir);
    const temp = join(dir, `.${basename(file)}.tmp`);
    await writeCertificateKubeconfig(temp, server, o.certDir, user, groups, { namespace: o.namespace, tlsServerName: o.tlsServerName });
    await chown(temp, owner.uid, owner.gid);
    await rename(temp, file);
    console.log(`kubeconfig: wrote ${file} (user ${user}${groups.length ? `, groups ${groups.join(',')}` : ''}; server ${server}, owner ${owner.uid}:${owner.gid})`);
  }
}

main().catch((err: Error) => {
  console.error(`kubeconfig: ${err.message}`);
  process.exit(1);
});
