// `tskube kubeconfig`: writes admin kubeconfigs signed by the cluster's CA, as kubeadm's
// kubeconfig phase does; docker compose runs it once the apiserver has made its CA:
//   tskube kubeconfig --cert-dir /var/lib/tskube/pki \
//     --write /etc/tskube/kubeconfig=https://apiserver:6443 \
//     --write /kubeconfig/admin.conf=https://127.0.0.1:6443
// Each file (mode 0600) gets the owner of the folder it is written to, so the host's
// copy belongs to whoever made that folder and the components' copy to the image's
// non-root user; a file is replaced whole (written aside, then renamed). For a node on
// another machine: --write /kubeconfig/node.conf=https://<this host>:6443
// --tls-server-name kubernetes (the serving certificate lists the name, not the host).
import { chown, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Command } from 'commander';
import { writeAdminKubeconfig } from '../apiserver/kubeconfig.js';

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
  .description('Write admin kubeconfigs (user admin, group system:masters) for the apiserver whose CA is in --cert-dir')
  .requiredOption('--cert-dir <dir>', 'the apiserver\'s --cert-dir (ca.crt and ca.key)')
  .requiredOption('--write <file=server>', 'a kubeconfig to write and the server address it names (repeatable)', parseWrite)
  .option('--tls-server-name <name>', 'check the apiserver\'s certificate against this name (e.g. kubernetes) instead of the server\'s host, for addresses the certificate does not list')
  .parse();
const o = program.opts<{ certDir: string; write: Target[]; tlsServerName?: string }>();

async function main(): Promise<void> {
  for (const { file, server } of o.write) {
    const dir = dirname(file);
    const owner = await stat(dir);
    const temp = join(dir, `.${basename(file)}.tmp`);
    await writeAdminKubeconfig(temp, server, o.certDir, 'default', o.tlsServerName);
    await chown(temp, owner.uid, owner.gid);
    await rename(temp, file);
    console.log(`kubeconfig: wrote ${file} (server ${server}, owner ${owner.uid}:${owner.gid})`);
  }
}

main().catch((err: Error) => {
  console.error(`kubeconfig: ${err.message}`);
  process.exit(1);
});
