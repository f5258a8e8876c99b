// tskubectl cluster-info: where the control plane runs, and the cluster services
// (kube-system services labelled kubernetes.io/cluster-service=true) through its proxy.
import type { Command } from 'commander';
import type { Service } from '../../api/types/core.js';
import type { List } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { clusterInfoDump, type DumpOptions } from '../cluster-info-dump.js';
import { collectList } from '../command-flags.js';

const GREEN = '\x1b[0;32m';
const YELLOW = '\x1b[0;33m';
const RESET = '\x1b[0m';

export function register(program: Command, cli: Cli): void {
  const cmd = program.command('cluster-info')
    .description('Display addresses of the control plane and services with label kubernetes.io/cluster-service=true')
    .action(async () => {
      await runClusterInfo(cli, Boolean((cli.out as NodeJS.WriteStream).isTTY) && cli.env.TERM !== 'dumb');
    });
  cmd.command('dump')
    .description('Dump relevant information for debugging and diagnosis')
    .option('--output-directory <dir>', 'Where to output the files.  If empty or \'-\' uses stdout, otherwise creates a directory hierarchy in that directory')
    .option('--namespaces <namespaces>', 'A comma separated list of namespaces to dump.', collectList)
    .option('-A, --all-namespaces', 'If true, dump all namespaces.  If true, --namespaces is ignored.')
    .option('-o, --output <format>', 'Output format. One of: (json, yaml).', 'json')
    .option('--pod-running-timeout <duration>', 'The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running', '20s')
    .action(async (opts: DumpOptions) => clusterInfoDump(cli, opts));
}

/** "name is running at link", in kubectl's colours when color is set. */
export function serviceLine(name: string, link: string, color: boolean): string {
  return color ? `${GREEN}${name}${RESET} is running at ${YELLOW}${link}${RESET}` : `${name} is running at ${link}`;
}

export async function runClusterInfo(cli: Cli, color: boolean): Promise<void> {
  const rest = cli.rest();
  const server = cli.clientConfig().server;
  const services = await rest.request<List<Service>>({
    path: '/api/v1/namespaces/kube-system/services', query: { labelSelector: 'kubernetes.io/cluster-service=true' },
  });
  const lines = [serviceLine('Kubernetes control plane', server, color)];
  for (const svc of services.items ?? []) {
    let link = '';
    const ingress = svc.status?.loadBalancer?.ingress ?? [];
    if (ingress.length > 0) {
      const ip = ingress[0]!.ip || ingress[0]!.hostname || '';
      for (const p of svc.spec?.ports ?? []) link += `http://${ip}:${p.port} `;
    } else {
      let target = svc.metadata.name ?? '';
      const port = svc.spec?.ports?.[0];
      if (port) {
        // <scheme>:<service>:<port name>, guessing https from the port (utilnet.JoinSchemeNamePort).
        const scheme = port.name === 'https' || port.port === 443 ? 'https' : '';
        if (scheme) target = `${scheme}:${target}:${port.name ?? ''}`;
        else if (port.name) target = `${target}:${port.name}`;
      }
      link = `${server}/api/v1/namespaces/${svc.metadata.namespace ?? 'kube-system'}/services/${target}/proxy`;
    }
    lines.push(serviceLine(svc.metadata.labels?.['kubernetes.io/name'] || svc.metadata.name || '', link, color));
  }
  cli.print(`${lines.join('\n')}\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.`);
}
