// `tskubectl cordon NODE...` and `tskubectl uncordon NODE...`: mark nodes
// (un)schedulable through spec.unschedulable, as kubectl's pkg/cmd/drain does.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { resolveNodes, setUnschedulable } from '../node-maintenance.js';
import { parseDryRun, ResultPrinter } from '../object-targets.js';

interface CordonOptions {
  selector?: string;
  dryRun?: string | boolean;
}

export function register(program: Command, cli: Cli): void {
  for (const [verb, desired, description] of [['cordon', true, 'Mark node as unschedulable'], ['uncordon', false, 'Mark node as schedulable']] as const) {
    program.command(verb)
      .description(description)
      .usage('NODE [options]')
      .argument('[nodes...]')
      .option('-l, --selector <selector>', 'Selector (label query) to filter on')
      .option('--dry-run [strategy]', 'Must be "none", "server", or "client".')
      .action(async (args: string[], opts: CordonOptions) => {
        const dryRun = parseDryRun(opts.dryRun);
        const { ri, nodes } = await resolveNodes(cli, verb, args, opts.selector);
        await setUnschedulable(cli, ri, nodes, desired, dryRun, new ResultPrinter(cli, undefined, dryRun));
      });
  }
}
