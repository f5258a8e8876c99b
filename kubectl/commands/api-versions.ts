// `tskubectl api-versions`: every group/version the server serves (all versions of each
// group, not only the preferred one), from /api and /apis, sorted, one a line, as
// kubectl's RunAPIVersions (metav1.ExtractGroupVersions, then sort.Strings).
import type { Command } from 'commander';
import type { APIGroupList } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { StatusError } from '../../api/errors.js';
import { CliError, usageError } from '../errors.js';

interface APIVersions { versions?: string[] }

export function register(program: Command, cli: Cli): void {
  program.command('api-versions')
    .description('Print the supported API versions on the server, in the form of "group/version"')
    .argument('[args...]')
    .action(async (args: string[]) => {
      if (args.length > 0) throw usageError('api-versions', `unexpected arguments: [${args.join(' ')}]`);
      cli.print((await serverGroupVersions(cli)).map((v) => `${v}\n`).join(''));
    });
}

/** The sorted group/versions of discovery, the legacy core versions ("v1") included. */
export async function serverGroupVersions(cli: Cli): Promise<string[]> {
  const rest = cli.rest();
  let core: APIVersions;
  let groups: APIGroupList;
  try {
    core = await rest.request<APIVersions>({ path: '/api' });
    groups = await rest.request<APIGroupList>({ path: '/apis' });
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    throw new CliError(`error: couldn't get available api versions from server: ${err.message}`);
  }
  const versions = [...(core.versions ?? []), ...(groups.groups ?? []).flatMap((g) => g.versions.map((v) => v.groupVersion))];
  // Go's sort.Strings: byte order, not locale order.
  return versions.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
