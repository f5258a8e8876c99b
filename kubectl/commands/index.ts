// Every command of the CLI, one module per verb (DESIGN: kubectl/commands/<verb>.ts).
// Modules load on demand: a run loads only the module of the verb it names (each pulls
// in its own printers, parsers and clients), and all of them for help, an unknown verb
// or none, so the help and "unknown command" answers list every command as before.
import type { Command } from 'commander';
import type { Cli } from '../context.js';

export type RegisterCommand = (program: Command, cli: Cli) => void;

export interface CommandModule {
  /** The top-level command names (and aliases) the module registers. */
  names: readonly string[];
  load: () => Promise<{ register: RegisterCommand }>;
}

/** In the order `tskubectl --help` lists them. */
export const COMMANDS: readonly CommandModule[] = [
  { names: ['create'], load: () => import('./create.js') },
  { names: ['expose'], load: () => import('./expose.js') },
  { names: ['run'], load: () => import('./run.js') },
  { names: ['set'], load: () => import('./set.js') },
  { names: ['get'], load: () => import('./get.js') },
  { names: ['edit'], load: () => import('./edit.js') },
  { names: ['delete'], load: () => import('./delete.js') },
  { names: ['apply'], load: () => import('./apply.js') },
  { names: ['replace'], load: () => import('./replace.js') },
  { names: ['patch'], load: () => import('./patch.js') },
  { names: ['diff'], load: () => import('./diff.js') },
  { names: ['kustomize'], load: () => import('./kustomize.js') },
  { names: ['rollout'], load: () => import('./rollout.js') },
  { names: ['scale'], load: () => import('./scale.js') },
  { names: ['autoscale'], load: () => import('./autoscale.js') },
  { names: ['cordon', 'uncordon'], load: () => import('./cordon.js') },
  { names: ['drain'], load: () => import('./drain.js') },
  { names: ['taint'], load: () => import('./taint.js') },
  { names: ['top'], load: () => import('./top.js') },
  { names: ['describe'], load: () => import('./describe.js') },
  { names: ['logs'], load: () => import('./logs.js') },
  { names: ['attach'], load: () => import('./attach.js') },
  { names: ['debug'], load: () => import('./debug.js') },
  { names: ['exec'], load: () => import('./exec.js') },
  { names: ['port-forward'], load: () => import('./port-forward.js') },
  { names: ['proxy'], load: () => import('./proxy.js') },
  { names: ['cp'], load: () => import('./cp.js') },
  { names: ['wait'], load: () => import('./wait.js') },
  { names: ['label'], load: () => import('./label.js') },
  { names: ['annotate'], load: () => import('./annotate.js') },
  { names: ['auth'], load: () => import('./auth.js') },
  { names: ['cluster-info'], load: () => import('./cluster-info.js') },
  { names: ['events'], load: () => import('./events.js') },
  { names: ['api-resources'], load: () => import('./api-resources.js') },
  { names: ['api-versions'], load: () => import('./api-versions.js') },
  { names: ['explain'], load: () => import('./explain.js') },
  { names: ['version'], load: () => import('./version.js') },
  { names: ['config'], load: () => import('./config.js') },
  { names: ['plugin'], load: () => import('./plugin.js') },
  { names: ['completion'], load: () => import('./completion.js') },
];

/** Names commander or main.ts answer without a module: never taken for a plugin's. */
export const OTHER_BUILTINS: readonly string[] = ['options', 'help', '__complete', '__completeNoDesc'];

/**
 * The register functions a run needs, in help order: the verb's module when the first
 * argument that is not a flag names one, else every module.
 */
export async function commandsFor(args: readonly string[]): Promise<RegisterCommand[]> {
  const verb = args.find((a) => !a.startsWith('-'));
  const named = COMMANDS.filter((c) => verb !== undefined && c.names.includes(verb));
  const modules = await Promise.all((named.length ? named : COMMANDS).map((c) => c.load()));
  return modules.map((m) => m.register);
}
