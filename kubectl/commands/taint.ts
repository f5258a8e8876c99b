// `tskubectl taint nodes NAME... KEY=VALUE:EFFECT | KEY:EFFECT- | KEY- ...`: kubectl's
// pkg/cmd/taint. Resources come first, then the taint changes; each node gets the
// whole new taint list in one strategic merge patch.
import type { Command } from 'commander';
import type { Node } from '../../api/types/core.js';
import type { Cli } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { Failures, parseDryRun, ResultPrinter } from '../object-targets.js';
import { alreadyPresent, conflictingTaints, parseTaints, reorganizeTaints } from '../taints.js';
import { templateFlags } from '../command-flags.js';

interface TaintOptions {
  overwrite: boolean;
  all: boolean;
  selector?: string;
  dryRun?: string | boolean;
  output?: string;
}

export function register(program: Command, cli: Cli): void {
  templateFlags(program.command('taint')
    .description('Update the taints on one or more nodes')
    .usage('NODE NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N [options]')
    .argument('[args...]')
    .option('--overwrite', 'If true, allow taints to be overwritten, otherwise reject taint updates that overwrite existing taints.', false)
    .option('--all', 'Select all nodes in the cluster', false)
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--dry-run [strategy]', 'Must be "none", "server", or "client".')
    .option('-o, --output <format>', 'Output format. One of: (json, yaml, name)')
    .action(async (args: string[], opts: TaintOptions) => {
      await runTaint(cli, args, opts);
    }));
}

async function runTaint(cli: Cli, args: string[], opts: TaintOptions): Promise<void> {
  const dryRun = parseDryRun(opts.dryRun);
  const resources: string[] = [];
  const taintArgs: string[] = [];
  for (const a of args) {
    const isTaint = a.includes('=') || a.includes(':') || a.endsWith('-');
    if (isTaint) taintArgs.push(a);
    else if (taintArgs.length > 0) throw new Error(`all resources must be specified before taint changes: ${a}`);
    else resources.push(a);
  }
  if (resources.length < 1) throw new Error('one or more resources must be specified as <resource> <name>');
  if (taintArgs.length < 1) throw new Error('at least one taint update is required');
  let parsed: ReturnType<typeof parseTaints>;
  try {
    parsed = parseTaints(taintArgs);
  } catch (err) {
    throw usageError('taint', (err as Error).message);
  }
  const type = resources[0]!.toLowerCase();
  let ri;
  try {
    ri = await cli.resource(type);
  } catch (err) {
    // kubectl reports an unknown type through its REST mapper, without "error: ".
    if (err instanceof CliError) throw new CliError(err.message.replace(/^error: /, ''));
    throw err;
  }
  if (ri.kind !== 'Node' || ri.group !== '') throw new Error(`invalid resource type ${type}, only node types are supported`);
  const conflicts = conflictingTaints(parsed.add, parsed.remove);
  if (conflicts.length) throw new Error(`can not both modify and remove the following taint(s) in the same command: ${conflicts.join(', ')}`);
  if (opts.all && opts.selector) throw new Error("setting 'all' parameter with a non empty selector is prohibited");
  if (!opts.all && !opts.selector && resources.length < 2) throw new Error("at least one resource name must be specified since 'all' parameter is not set");

  const client = cli.client<Node>(ri);
  const failures = new Failures();
  const nodes: Node[] = [];
  if (opts.all || opts.selector) {
    nodes.push(...(await client.listAll('', opts.selector ? { labelSelector: opts.selector } : {})).items);
  } else {
    for (const name of resources.slice(1)) {
      try {
        nodes.push(await client.get('', name));
      } catch (err) {
        failures.add(err);
      }
    }
  }
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  for (const node of nodes) {
    try {
      const old = node.spec?.taints ?? [];
      if (!opts.overwrite) {
        const exists = alreadyPresent(old, parsed.add);
        if (exists) throw new Error(`node ${node.metadata.name} already has ${exists} taint(s) with same effect(s) and --overwrite is false`);
      }
      const { taints, operation } = reorganizeTaints(old, opts.overwrite, parsed.add, parsed.remove);
      let result: Node = { ...node, spec: { ...node.spec, taints } };
      if (dryRun !== 'client') {
        result = await client.patch('', node.metadata.name!, 'strategic', { spec: { taints: taints.length ? taints : null } }, { dryRun: dryRun === 'server', fieldManager: 'kubectl-taint' });
      }
      printer.print(ri, result, operation);
    } catch (err) {
      failures.add(err);
    }
  }
  failures.throwIfAny();
}
