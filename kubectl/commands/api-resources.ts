// tskubectl api-resources: the resources the server serves, from discovery (each
// group's preferred version), printed as kubectl's table, -o wide or -o name.
import type { Command } from 'commander';
import type { APIGroupList, APIResource, APIResourceList } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { tabulate } from '../printers/tabwriter.js';

interface ApiResourcesOptions {
  namespaced?: string | boolean;
  apiGroup?: string;
  verbs?: string;
  categories?: string;
  output?: string;
  sortBy?: string;
  headers?: boolean;
  cached?: boolean;
}

/** One served resource with the group it belongs to. */
export interface GroupResource {
  apiGroup: string;
  apiGroupVersion: string;
  resource: APIResource;
}

export function register(program: Command, cli: Cli): void {
  program.command('api-resources')
    .description('Print the supported API resources on the server')
    .option('--namespaced [bool]', 'If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default.')
    .option('--api-group <group>', 'Limit to resources in the specified API group.')
    .option('--verbs <verbs>', 'Limit to resources that support the specified verbs (comma-separated).')
    .option('--categories <categories>', 'Limit to resources that belong to the specified categories (comma-separated).')
    .option('-o, --output <format>', 'Output format. One of: (wide, name).')
    .option('--sort-by <field>', 'If non-empty, sort list of resources using specified field. One of (name, kind).')
    .option('--no-headers', 'When using the default or custom-column output format, don\'t print headers (default print headers).')
    .option('--cached', 'Use the cached list of resources if available (tskubectl always asks the server).')
    .action(async (opts: ApiResourcesOptions) => {
      await runApiResources(cli, opts);
    });
}

/** Discovery: the core group, then every group's preferred version, in the server's order. */
export async function discoverResources(cli: Cli): Promise<GroupResource[]> {
  const rest = cli.rest();
  const out: GroupResource[] = [];
  const add = (list: APIResourceList, group: string): void => {
    for (const r of list.resources ?? []) {
      if (!r.name.includes('/')) out.push({ apiGroup: group, apiGroupVersion: list.groupVersion, resource: r });
    }
  };
  add(await rest.request<APIResourceList>({ path: '/api/v1' }), '');
  const groups = await rest.request<APIGroupList>({ path: '/apis' });
  for (const g of groups.groups ?? []) {
    const gv = g.preferredVersion?.groupVersion ?? g.versions[0]?.groupVersion;
    if (gv) add(await rest.request<APIResourceList>({ path: `/apis/${gv}` }), g.name);
  }
  return out;
}

export async function runApiResources(cli: Cli, opts: ApiResourcesOptions): Promise<void> {
  const output = (opts.output ?? '').replace(/^=/, '');
  if (output !== '' && output !== 'wide' && output !== 'name') throw new CliError(`error: --output ${output} is not available`);
  const sortBy = opts.sortBy ?? '';
  if (sortBy !== '' && sortBy !== 'name' && sortBy !== 'kind') throw new CliError(`error: --sort-by accepts only name or kind`);
  let resources = await discoverResources(cli);
  if (opts.apiGroup !== undefined) resources = resources.filter((r) => r.apiGroup === opts.apiGroup);
  if (opts.namespaced !== undefined) {
    const want = opts.namespaced === true || String(opts.namespaced) !== 'false';
    resources = resources.filter((r) => r.resource.namespaced === want);
  }
  const verbs = (opts.verbs ?? '').split(',').filter(Boolean);
  if (verbs.length) resources = resources.filter((r) => verbs.every((v) => (r.resource.verbs ?? []).includes(v)));
  const cats = (opts.categories ?? '').split(',').filter(Boolean);
  if (cats.length) resources = resources.filter((r) => cats.every((c) => (r.resource.categories ?? []).includes(c)));

  const key = (r: GroupResource): string => (sortBy === 'name' ? r.resource.name : sortBy === 'kind' ? r.resource.kind : r.apiGroup);
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  resources = [...resources].sort((a, b) => cmp(key(a), key(b)) || cmp(a.resource.name, b.resource.name));

  if (output === 'name') {
    cli.out.write(resources.map((r) => `${r.resource.name}${r.apiGroup ? `.${r.apiGroup}` : ''}\n`).join(''));
    return;
  }
  const wide = output === 'wide';
  const rows: string[][] = [];
  if (opts.headers !== false) {
    rows.push(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', ...(wide ? ['VERBS', 'CATEGORIES'] : [])]);
  }
  for (const r of resources) {
    const row = [r.resource.name, (r.resource.shortNames ?? []).join(','), r.apiGroupVersion, String(r.resource.namespaced), r.resource.kind];
    if (wide) row.push([...(r.resource.verbs ?? [])].sort().join(','), (r.resource.categories ?? []).join(','));
    rows.push(row);
  }
  cli.out.write(tabulate(rows));
}
