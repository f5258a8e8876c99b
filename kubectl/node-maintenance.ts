// What cordon, uncordon and drain share (kubectl's pkg/cmd/drain): finding the nodes
// named on the command line (or selected with -l), and setting spec.unschedulable on
// each with kubectl's messages.
import type { ResourceInfo } from '../api/registry.js';
import type { Node } from '../api/types/core.js';
import type { Cli } from './context.js';
import { usageError } from './errors.js';
import { errorText } from './error-text.js';
import type { DryRun, ResultPrinter } from './object-targets.js';

/**
 * The nodes to act on, all read before anything changes: a node that does not exist
 * fails the whole command (kubectl looks them up in Complete()).
 */
export async function resolveNodes(cli: Cli, command: string, args: string[], selector: string | undefined): Promise<{ ri: ResourceInfo; nodes: Node[] }> {
  if (args.length === 0 && selector === undefined) throw usageError(command, `USAGE: ${command} NODE [flags]`);
  if (args.length > 0 && selector) throw usageError(command, 'cannot specify both a node name and a --selector option');
  const ri = await cli.resource('nodes');
  const client = cli.client<Node>(ri);
  if (selector !== undefined) return { ri, nodes: (await client.listAll('', { labelSelector: selector })).items };
  const nodes: Node[] = [];
  for (const arg of args) {
    // "node/x" and "nodes/x" name a node too.
    const slash = arg.indexOf('/');
    if (slash !== -1) {
      const other = await cli.resource(arg.slice(0, slash));
      if (other.group !== '' || other.plural !== 'nodes') throw new Error(`error: expected resource of type node, got ${JSON.stringify(other.plural)}`);
    }
    nodes.push(await client.get('', slash === -1 ? arg : arg.slice(slash + 1)));
  }
  return { ri, nodes };
}

/**
 * Cordons (desired = true) or uncordons each node: "node/x cordoned", or "already
 * cordoned" when nothing needs to change. A failed update is reported on stderr and
 * the other nodes are still done (kubectl's RunCordonOrUncordon never fails).
 */
export async function setUnschedulable(cli: Cli, ri: ResourceInfo, nodes: Node[], desired: boolean, dryRun: DryRun, printer: ResultPrinter): Promise<void> {
  const verb = desired ? 'cordon' : 'uncordon';
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    if ((node.spec?.unschedulable ?? false) === desired) {
      printer.print(ri, node, `already ${verb}ed`);
      continue;
    }
    let result: Node = node;
    if (dryRun !== 'client') {
      try {
        // Strategic merge patch as kubectl's CordonHelper: false is "not set".
        result = await cli.client<Node>(ri).patch('', name, 'strategic', { spec: { unschedulable: desired ? true : null } }, { dryRun: dryRun === 'server', fieldManager: 'kubectl-cordon' });
      } catch (err) {
        cli.warn(`error: unable to ${verb} node ${JSON.stringify(name)}: ${errorText(err)}`);
        continue;
      }
    }
    printer.print(ri, result, `${verb}ed`);
  }
}
