// The objects `TYPE NAME...` / `TYPE/NAME...` / `TYPE -l SELECTOR` arguments name, fetched
// the way kubectl's resource Builder does with ContinueOnError: each named object is
// read (a missing one becomes an error and the rest go on), a type without names lists
// the namespace with the label selector.
import type { ResourceInfo } from '../api/registry.js';
import type { KubeObject } from '../api/types/meta.js';
import type { Cli } from './context.js';
import { CliError } from './errors.js';
import { parseResourceArgs } from './resource-args.js';

/** One visited argument: the object, or why it could not be read. */
export type ResolvedObject = { ri: ResourceInfo; obj: KubeObject; error?: undefined } | { ri: ResourceInfo; obj?: undefined; error: unknown };

/** True for an entry whose object could not be read. */
export const failed = (o: ResolvedObject): o is { ri: ResourceInfo; obj?: undefined; error: unknown } => o.obj === undefined;

export interface ResolveOptions {
  /** The command as a person types it, for messages ("rollout status"). */
  command: string;
  selector?: string;
  /** --all: a type without names means every object (else kubectl asks for a name or selector). */
  all?: boolean;
  /** Without -l / --all, a type without names means every object (rollout does this). */
  typeMeansAll?: boolean;
}

/**
 * The objects in the order kubectl visits them; an object that could not be read is an
 * entry with its error (the caller reports it in turn and goes on).
 */
export async function resolveObjects(cli: Cli, args: string[], o: ResolveOptions): Promise<ResolvedObject[]> {
  if (args.length === 0) {
    throw new CliError(`error: You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'`);
  }
  const groups = await parseResourceArgs(cli, args, o.command);
  const objects: ResolvedObject[] = [];
  const ns = cli.namespace();
  for (const { ri, names } of groups) {
    const client = cli.client(ri);
    if (names.length > 0) {
      if (o.selector || o.all) throw new CliError('error: selectors and the all flag cannot be used when passing resource/name arguments');
      for (const name of names) {
        try {
          objects.push({ ri, obj: await client.get(ns, name) });
        } catch (error) {
          objects.push({ ri, error });
        }
      }
      continue;
    }
    if (!o.selector && !o.all && !o.typeMeansAll) {
      throw new CliError(`error: resource(s) were provided, but no name was specified`);
    }
    const list = await client.listAll(ri.namespaced ? ns : '', o.selector ? { labelSelector: o.selector } : {});
    for (const obj of list.items) objects.push({ ri, obj });
  }
  return objects;
}
