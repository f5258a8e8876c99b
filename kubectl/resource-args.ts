// The resource arguments of get, describe, delete, label...: what kubectl's resource
// Builder accepts (ResourceTypeOrNameArgs), resolved to resources:
//   TYPE                 every object of the type (or those -l selects)
//   TYPE NAME...         those objects
//   TYPE1,TYPE2 [NAME...] each type (with each name)
//   TYPE/NAME...         those objects; every argument must then have the slash form
//   all                  the "all" category (pods, services, deployments, replicasets), in
//                        the server's discovery order as kubectl expands categories
import type { ResourceInfo } from '../api/registry.js';
import type { Cli } from './context.js';
import { CliError } from './errors.js';

/**
 * One requested resource type and the names asked for; `names` empty means "every
 * object of the type" (the caller lists, with its selectors). Groups come in the order
 * the person typed them; the same type typed twice in slash form gives one group per
 * run of consecutive arguments, as kubectl visits them.
 */
export interface ResourceArg {
  ri: ResourceInfo;
  names: string[];
}

/** kubectl's "all" category on a Kubernetes cluster, used when discovery cannot say. */
export const ALL_CATEGORY = ['pods', 'services', 'deployments.apps', 'replicasets.apps'];

/**
 * The resources of a category ("all"), in discovery order as kubectl's category
 * expander answers them: the core group first, then each API group as /apis lists it.
 */
export async function expandCategory(cli: Cli, category: string): Promise<ResourceInfo[]> {
  try {
    const hits = (await cli.discovery()).filter((ri) => ri.categories.includes(category));
    if (hits.length > 0) return hits;
  } catch (err) {
    // Discovery failed (an old or partial server): fall back to the well-known list.
    if (category !== 'all') throw err;
  }
  return category === 'all' ? Promise.all(ALL_CATEGORY.map((t) => cli.resource(t))) : [];
}

/** "po,svc" → ["po", "svc"]; empty parts dropped (kubectl's SplitResourceArgument). */
export function splitTypes(arg: string): string[] {
  return [...new Set(arg.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
}

/** The syntax of the arguments alone, before types are resolved: [type, names][]. */
export function parseResourceArgSyntax(args: string[], command = 'get'): { type: string; names: string[] }[] {
  if (args.length === 0) return [];
  const slashed = args.filter((a) => a.includes('/')).length;
  if (slashed > 0 && slashed !== args.length) {
    throw new CliError(`error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'tskubectl ${command} resource/<resource_name>' instead of 'tskubectl ${command} resource resource/<resource_name>'`);
  }
  if (slashed > 0) {
    const out: { type: string; names: string[] }[] = [];
    for (const a of args) {
      const i = a.indexOf('/');
      const type = a.slice(0, i);
      const name = a.slice(i + 1);
      if (type === '' || name === '') {
        throw new CliError(`error: arguments in resource/name form must have a single resource and name`);
      }
      const last = out[out.length - 1];
      if (last && last.type === type) last.names.push(name);
      else out.push({ type, names: [name] });
    }
    return out;
  }
  const [typesArg, ...names] = args;
  return splitTypes(typesArg!).map((type) => ({ type, names: [...names] }));
}

/**
 * Resolves `TYPE NAME...`-style arguments to resources (discovery for types our
 * registry does not know). Throws CliError `the server doesn't have a resource type`
 * for an unknown type. `all` expands to the "all" category (with names, each type).
 */
export async function parseResourceArgs(cli: Cli, args: string[], command = 'get'): Promise<ResourceArg[]> {
  const out: ResourceArg[] = [];
  for (const { type, names } of parseResourceArgSyntax(args, command)) {
    const ris = type.toLowerCase() === 'all' ? await expandCategory(cli, 'all') : [await cli.resource(type)];
    for (const ri of ris) {
      const last = out[out.length - 1];
      // `get po,pods` asks for one type once.
      if (names.length === 0 && out.some((o) => sameResource(o.ri, ri) && o.names.length === 0)) continue;
      if (last && sameResource(last.ri, ri) && names.length > 0 && last.names.length > 0) last.names.push(...names);
      else out.push({ ri, names: [...names] });
    }
  }
  return out;
}

export function sameResource(a: ResourceInfo, b: ResourceInfo): boolean {
  return a.group === b.group && a.plural === b.plural;
}

/** kubectl's message when a command needs resource arguments and got none. */
export function requireResourceMessage(command: string): string {
  return `error: You must specify the type of resource to ${command}. Use "tskubectl api-resources" for a complete list of supported resources.\n`;
}
