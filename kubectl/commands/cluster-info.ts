// tskubectl cluster-info: where the control plane runs, and the cluster services
// (kube-system services labelled kubernetes.io/cluster-service=true) through its proxy.
import type { Command } from 'commander';
import type { Service } from '../../api/types/core.js';
import type { List } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

const GREEN = '\x1b[0;32m';
const YELLOW = '\x1b[0;33m';
const RESET = '\x1b[0m';

export function register(program: Command, cli: Cli): void {
  const cmd = program.command('cluster-info')
    .description('Display addresses of the control plane and services with label kubernetes.io/cluster-service=true')
    .action(async () => {
      await runClusterInfo(cli, Boolean((cli.out as NodeJS.WriteStream).isTTY) && cli.env.TERM !== 'dumb');
    });
  cmd.command('dump').description('Dump relevant information for debugging and diagnosis (not supported by tskubectl)').action(() => {
    throw new CliError('error: cluster-info dump is not supported by tskubectl; use `tskubectl get` and `tskubectl describe` instead');
  });
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
