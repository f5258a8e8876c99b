// tskubectl version: the client's version and the server's (/version), as kubectl
// prints them; --client skips the server; -o json|yaml print both as objects.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError, formatError } from '../errors.js';
import { toYaml } from '../printers/object.js';

/** version.Info, the shape of /version and of kubectl's clientVersion. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** The Kubernetes API version this CLI speaks (kubectl 1.32). */
export function clientVersion(): VersionInfo {
  return {
    major: '1', minor: '32', gitVersion: 'v1.32.0-tskubectl', gitCommit: 'tskube', gitTreeState: 'clean',
    buildDate: '2026-11-25T00:00:00Z', goVersion: `node${process.versions.node}`, compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

interface VersionOptions { client?: boolean; output?: string }

export function register(program: Command, cli: Cli): void {
  program.command('version')
    .description('Print the client and server version information')
    .option('--client', 'If true, shows client version only (no server required)')
    .option('-o, --output <format>', 'One of \'yaml\' or \'json\'')
    .action(async (opts: VersionOptions) => {
      await runVersion(cli, opts);
    });
}

/** The minor version as a number ("32+" → 32). */
const minorOf = (v: VersionInfo): number => Number.parseInt(v.minor, 10);

export async function runVersion(cli: Cli, opts: VersionOptions): Promise<void> {
  const output = (opts.output ?? '').replace(/^=/, '');
  if (output !== '' && output !== 'json' && output !== 'yaml') throw new CliError('error: --output must be \'yaml\' or \'json\'');
  const info: { clientVersion: VersionInfo; serverVersion?: VersionInfo } = { clientVersion: clientVersion() };
  let serverErr: unknown;
  if (!opts.client) {
    try {
      info.serverVersion = await cli.rest().request<VersionInfo>({ path: '/version' });
    } catch (err) {
      serverErr = err;
    }
  }
  if (output === 'json') cli.print(JSON.stringify(info, null, 2));
  else if (output === 'yaml') cli.out.write(`${toYaml(info)}\n`);
  else {
    cli.print(`Client Version: ${info.clientVersion.gitVersion}`);
    if (info.serverVersion) cli.print(`Server Version: ${info.serverVersion.gitVersion}`);
  }
  if (info.serverVersion) {
    const skew = Math.abs(minorOf(info.clientVersion) - minorOf(info.serverVersion));
    if (Number.isFinite(skew) && skew > 1 && info.serverVersion.major === info.clientVersion.major) {
      cli.warn(`WARNING: version difference between client (${info.clientVersion.major}.${minorOf(info.clientVersion)}) and server (${info.serverVersion.major}.${minorOf(info.serverVersion)}) exceeds the supported minor version skew of +/-1`);
    }
  }
  if (serverErr) throw new CliError(formatError(serverErr));
}
