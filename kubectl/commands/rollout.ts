// `tskubectl rollout status|history|undo|restart|pause|resume`: kubectl's rollout
// commands for Deployments and DaemonSets (pkg/cmd/rollout, polymorphichelpers). The
// messages are kubectl's; what a Deployment says about itself comes from
// rollout-status.ts, its history from deployment-history.ts; a DaemonSet's history is
// its ControllerRevisions (daemonset-history.ts).
import type { Command } from 'commander';
import type { ResourceInfo } from '../../api/registry.js';
import { formatLabelSelector } from '../../api/labels.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../api/types/apps.js';
import type { PodTemplateSpec } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { intFlag } from '../command-flags.js';
import type { Cli } from '../context.js';
import {
  allReplicaSets, deploymentReplicaSets, equalIgnoreHash, historyTable, revisionOf, revisionTemplates, rollbackPatch, rollbackTarget,
} from '../deployment-history.js';
import {
  daemonSetMatches, daemonSetRevisions, daemonSetRevisionTemplates, daemonSetRolloutStatus, findRevision,
} from '../daemonset-history.js';
import { errorText } from '../error-text.js';
import { CliError } from '../errors.js';
import { durationFlag } from '../go-duration.js';
import { describePodTemplateText } from '../pod-template-text.js';
import { Failures } from '../object-targets.js';
import { formatObjects } from '../printers/object.js';
import { failed, resolveObjects, type ResolvedObject } from '../resolve-objects.js';
import { objectName } from '../resource-name.js';
import { deploymentRolloutStatus, type RolloutStatus } from '../rollout-status.js';
import { rollbackStatefulSet, statefulSetHistoryText, statefulSetRolloutStatus } from '../statefulset-rollout.js';
import { timeoutSignal, untilWithSync, WaitTimeout } from '../watch-until.js';

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export function register(program: Command, cli: Cli): void {
  const rollout = program.command('rollout')
    .description('Manage the rollout of a resource')
    .usage('SUBCOMMAND [options]')
    .addHelpText('after', '\nValid resource types include:\n\n  *  deployments\n  *  daemonsets\n  *  statefulsets\n');

  rollout.command('status')
    .description('Show the status of the rollout')
    .usage('(TYPE NAME | TYPE/NAME) [flags] [options]')
    .argument('[args...]')
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('-w, --watch', 'Watch the status of the rollout until it\'s done', true)
    .option('--no-watch', 'Print the current status once and exit')
    .option('--revision <n>', 'Pin to a specific revision for showing its status. Defaults to 0 (last revision).', intFlag('revision'), 0)
    .option('--timeout <duration>', 'The length of time to wait before ending watch, zero means never', durationFlag('timeout'), 0)
    .action(async (args: string[], opts: { selector?: string; watch: boolean; revision: number; timeout: number }) => {
      await runStatus(cli, args, opts);
    });

  rollout.command('history')
    .description('View rollout history')
    .usage('(TYPE NAME | TYPE/NAME) [flags] [options]')
    .argument('[args...]')
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--revision <n>', 'See the details, including podTemplate of the revision specified', intFlag('revision'), 0)
    .option('-o, --output <format>', 'Output format: json|yaml|name')
    .action(async (args: string[], opts: { selector?: string; revision: number; output?: string }) => {
      await runHistory(cli, args, opts);
    });

  rollout.command('undo')
    .description('Undo a previous rollout')
    .usage('(TYPE NAME | TYPE/NAME) [flags] [options]')
    .argument('[args...]')
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--to-revision <n>', 'The revision to rollback to. Default to 0 (last revision).', intFlag('to-revision'), 0)
    .action(async (args: string[], opts: { selector?: string; toRevision: number }) => {
      await runUndo(cli, args, opts);
    });

  const patchVerbs: [PatchVerb, string][] = [
    ['restart', 'Restart a resource'],
    ['pause', 'Mark the provided resource as paused'],
    ['resume', 'Resume a paused resource'],
  ];
  for (const [verb, description] of patchVerbs) {
    rollout.command(verb)
      .description(description)
      .usage('RESOURCE [options]')
      .argument('[args...]')
      .option('-l, --selector <selector>', 'Selector (label query) to filter on')
      .action(async (args: string[], opts: { selector?: string }) => {
        await runPatchVerb(cli, verb, args, opts);
      });
  }
}

const isDeployment = (ri: ResourceInfo): boolean => ri.group === 'apps' && ri.kind === 'Deployment';
const isDaemonSet = (ri: ResourceInfo): boolean => ri.group === 'apps' && ri.kind === 'DaemonSet';
const isStatefulSet = (ri: ResourceInfo): boolean => ri.group === 'apps' && ri.kind === 'StatefulSet';

/** schema.GroupKind's String(): "Pod", "ReplicaSet.apps". */
const groupKind = (ri: ResourceInfo): string => (ri.group ? `${ri.kind}.${ri.group}` : ri.kind);

/** "deployments.apps", "pods": how kubectl names a resource in patch errors. */
const resourceString = (ri: ResourceInfo): string => (ri.group ? `${ri.plural}.${ri.group}` : ri.plural);

async function resolve(cli: Cli, command: string, args: string[], selector?: string): Promise<ResolvedObject[]> {
  if (args.length === 0 && !selector) throw new CliError('error: required resource not specified');
  return resolveObjects(cli, args, { command: `rollout ${command}`, selector, typeMeansAll: true });
}

function noResources(cli: Cli): void {
  cli.warn(`No resources found in ${cli.namespace()} namespace.`);
}

// ---------------------------------------------------------------- status

async function runStatus(cli: Cli, args: string[], opts: { selector?: string; watch: boolean; revision: number; timeout: number }): Promise<void> {
  if (opts.revision < 0) throw new CliError(`error: revision must be a positive integer: ${opts.revision}`);
  const items = await resolve(cli, 'status', args, opts.selector);
  const failures = new Failures();
  for (const item of items) {
    if (failed(item)) {
      failures.add(item.error);
      continue;
    }
    try {
      await watchRollout(cli, item.ri, item.obj, opts);
    } catch (err) {
      failures.add(err);
    }
  }
  if (items.length === 0) noResources(cli);
  failures.throwIfAny();
}

async function watchRollout(cli: Cli, ri: ResourceInfo, obj: KubeObject, opts: { watch: boolean; revision: number; timeout: number }): Promise<void> {
  if (!isDeployment(ri) && !isDaemonSet(ri) && !isStatefulSet(ri)) throw new Error(`no status viewer has been implemented for ${groupKind(ri)}`);
  const viewer = (o: KubeObject): RolloutStatus => {
    if (isStatefulSet(ri)) return statefulSetRolloutStatus(o as StatefulSet);
    if (isDaemonSet(ri)) return daemonSetRolloutStatus(o as DaemonSet);
    return deploymentRolloutStatus(o as Deployment, opts.revision);
  };
  const signal = timeoutSignal(opts.timeout);
  try {
    await untilWithSync<KubeObject>({ client: cli.client<KubeObject>(ri), namespace: obj.metadata.namespace ?? cli.namespace(), name: obj.metadata.name!, signal }, (type, d) => {
      if (type === 'DELETED') throw new Error('object has been deleted');
      const st = viewer(d);
      cli.out.write(st.message);
      return st.done || !opts.watch;
    });
  } catch (err) {
    if (err instanceof WaitTimeout) throw new Error(err.message);
    throw err;
  }
}

// ---------------------------------------------------------------- history

async function deploymentHistory(cli: Cli, ri: ResourceInfo, namespace: string, name: string): Promise<ReplicaSet[]> {
  let d: Deployment;
  try {
    d = await cli.client<Deployment>(ri).get(namespace, name);
  } catch (err) {
    throw new Error(`failed to retrieve deployment ${name}: ${errorText(err)}`);
  }
  return ownedReplicaSets(cli, d, `failed to retrieve replica sets from deployment ${name}`);
}

async function ownedReplicaSets(cli: Cli, d: Deployment, failure: string): Promise<ReplicaSet[]> {
  try {
    const rsClient = cli.client<ReplicaSet>(await cli.resource('replicasets.apps'));
    const selector = formatLabelSelector(d.spec?.selector);
    const list = await rsClient.listAll(d.metadata.namespace ?? cli.namespace(), selector === '<none>' ? {} : { labelSelector: selector });
    return allReplicaSets(deploymentReplicaSets(d, list.items));
  } catch (err) {
    throw new Error(`${failure}: ${errorText(err)}`);
  }
}

/** daemonSetHistory: the DaemonSet and the ControllerRevisions it controls. */
async function daemonSetHistory(cli: Cli, ri: ResourceInfo, namespace: string, name: string): Promise<[DaemonSet, ControllerRevision[]]> {
  let ds: DaemonSet;
  try {
    ds = await cli.client<DaemonSet>(ri).get(namespace, name);
  } catch (err) {
    throw new Error(`failed to retrieve DaemonSet ${name}: ${errorText(err)}`);
  }
  try {
    const selector = formatLabelSelector(ds.spec?.selector);
    const list = await cli.client<ControllerRevision>(await cli.resource('controllerrevisions.apps')).listAll(namespace, selector === '<none>' ? {} : { labelSelector: selector });
    return [ds, daemonSetRevisions(ds, list.items)];
  } catch (err) {
    throw new Error(`failed to retrieve history of DaemonSet ${name}: ${errorText(err)}`);
  }
}

/** printHistory: the REVISION / CHANGE-CAUSE table, or with revision > 0 that revision's pod template. */
function printHistory(cli: Cli, ri: ResourceInfo, obj: KubeObject, history: Map<number, PodTemplateSpec>, revision: number): void {
  let body = historyTable(history);
  if (revision > 0 && history.size > 0) {
    const template = history.get(revision);
    if (!template) throw new Error('unable to find the specified revision');
    body = describePodTemplateText(template);
  }
  const withRevision = revision > 0 ? `with revision #${revision}` : '';
  cli.out.write(`${objectName(ri, obj.metadata.name!)} ${withRevision}\n${body}\n`);
}

async function runHistory(cli: Cli, args: string[], opts: { selector?: string; revision: number; output?: string }): Promise<void> {
  const items = await resolve(cli, 'history', args, opts.selector);
  const failures = new Failures();
  for (const item of items) {
    if (failed(item)) {
      failures.add(item.error);
      continue;
    }
    const { ri, obj } = item;
    try {
      if (isStatefulSet(ri) && !opts.output) {
        const body = await statefulSetHistoryText(cli, obj.metadata.namespace ?? cli.namespace(), obj.metadata.name!, opts.revision);
        cli.out.write(`${objectName(ri, obj.metadata.name!)} ${opts.revision > 0 ? `with revision #${opts.revision}` : ''}\n${body}\n`);
        continue;
      }
      if (isDaemonSet(ri)) {
        const [ds, revisions] = await daemonSetHistory(cli, ri, obj.metadata.namespace ?? cli.namespace(), obj.metadata.name!);
        if (opts.output) {
          const chosen = [...revisions].sort((a, b) => a.revision - b.revision).filter((r) => opts.revision <= 0 || r.revision === opts.revision);
          if (opts.revision > 0 && chosen.length === 0) throw new Error(`unable to find the specified revision`);
          const text = chosen.map((r) => formatObjects([{ ...r, apiVersion: 'apps/v1', kind: 'ControllerRevision' }], opts.output!));
          if (text.some((t) => t === undefined)) throw new CliError(`error: unable to match a printer suitable for the output format "${opts.output}", allowed formats are: json,name,yaml`);
          cli.out.write(text.join(''));
          continue;
        }
        printHistory(cli, ri, obj, daemonSetRevisionTemplates(ds, revisions), opts.revision);
        continue;
      }
      if (!isDeployment(ri)) throw new Error(`no history viewer has been implemented for ${JSON.stringify(groupKind(ri))}`);
      const rss = await deploymentHistory(cli, ri, obj.metadata.namespace ?? cli.namespace(), obj.metadata.name!);
      if (opts.output) {
        const byRevision = new Map<number, ReplicaSet>();
        for (const rs of rss) {
          try {
            byRevision.set(revisionOf(rs), rs);
          } catch {
            // kubectl skips a ReplicaSet whose revision does not parse
          }
        }
        const chosen = opts.revision > 0
          ? [byRevision.get(opts.revision)].filter((rs): rs is ReplicaSet => rs !== undefined)
          : [...byRevision.keys()].sort((a, b) => a - b).map((r) => byRevision.get(r)!);
        const withKind = chosen.map((rs) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', ...rs }));
        const text = withKind.map((rs) => formatObjects([rs], opts.output!));
        if (text.some((t) => t === undefined)) throw new CliError(`error: unable to match a printer suitable for the output format "${opts.output}", allowed formats are: json,name,yaml`);
        cli.out.write(text.join(''));
        continue;
      }
      printHistory(cli, ri, obj, revisionTemplates(rss), opts.revision);
    } catch (err) {
      failures.add(err);
    }
  }
  failures.throwIfAny();
}

// ---------------------------------------------------------------- undo

async function runUndo(cli: Cli, args: string[], opts: { selector?: string; toRevision: number }): Promise<void> {
  const items = await resolve(cli, 'undo', args, opts.selector);
  const failures = new Failures();
  for (const item of items) {
    if (failed(item)) {
      failures.add(item.error);
      continue;
    }
    try {
      const result = await rollback(cli, item.ri, item.obj, opts.toRevision);
      cli.print(`${objectName(item.ri, item.obj.metadata.name!)} ${result}`);
    } catch (err) {
      failures.add(err);
    }
  }
  failures.throwIfAny();
}

/** DaemonSetRollbacker: patches the DaemonSet with the revision's data (a strategic merge patch restoring its template). */
async function rollbackDaemonSet(cli: Cli, ri: ResourceInfo, obj: KubeObject, toRevision: number): Promise<string> {
  const name = obj.metadata.name!;
  const namespace = obj.metadata.namespace ?? cli.namespace();
  const [ds, revisions] = await daemonSetHistory(cli, ri, namespace, name);
  if (toRevision === 0 && revisions.length <= 1) throw new Error('no last revision to roll back to');
  const target = findRevision(toRevision, revisions);
  if (!target) throw new Error(`unable to find specified revision ${toRevision} in history`);
  if (daemonSetMatches(ds, target)) return `skipped rollback (current template already matches revision ${toRevision})`;
  try {
    await cli.client<DaemonSet>(ri).patch(namespace, name, 'strategic', target.data);
  } catch (err) {
    throw new Error(`failed restoring revision ${toRevision}: ${errorText(err)}`);
  }
  return 'rolled back';
}

async function rollback(cli: Cli, ri: ResourceInfo, obj: KubeObject, toRevision: number): Promise<string> {
  if (isDaemonSet(ri)) return rollbackDaemonSet(cli, ri, obj, toRevision);
  if (isStatefulSet(ri)) return rollbackStatefulSet(cli, obj.metadata.namespace ?? cli.namespace(), obj.metadata.name!, toRevision);
  if (!isDeployment(ri)) throw new Error(`no rollbacker has been implemented for ${JSON.stringify(groupKind(ri))}`);
  if (toRevision < 0) throw new Error(`unable to find specified revision ${toRevision} in history`);
  const name = obj.metadata.name!;
  const namespace = obj.metadata.namespace ?? cli.namespace();
  const client = cli.client<Deployment>(ri);
  let d: Deployment;
  try {
    d = await client.get(namespace, name);
  } catch (err) {
    throw new Error(`failed to retrieve Deployment ${name}: ${errorText(err)}`);
  }
  const rss = await ownedReplicaSets(cli, d, `failed to retrieve replica sets from deployment ${name}`);
  const target = rollbackTarget(d, rss, toRevision);
  if (d.spec?.paused) throw new Error("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
  if (equalIgnoreHash(target.spec?.template, d.spec?.template)) {
    return `skipped rollback (current template already matches revision ${toRevision})`;
  }
  try {
    await client.patch(namespace, name, 'json', rollbackPatch(d, target));
  } catch (err) {
    throw new Error(`failed restoring revision ${toRevision}: ${errorText(err)}`);
  }
  return 'rolled back';
}

// ---------------------------------------------------------------- restart, pause, resume

type PatchVerb = 'restart' | 'pause' | 'resume';

/** The strategic merge patch for verb on obj, or an error kubectl reports as `<resource> "<name>" <error>`. */
function verbPatch(verb: PatchVerb, ri: ResourceInfo, obj: KubeObject): { patch?: unknown; error?: string } {
  const d = obj as Deployment;
  if (isDaemonSet(ri) && verb === 'restart') {
    const ds = obj as DaemonSet;
    const now = rfc3339(new Date());
    if (ds.spec?.template?.metadata?.annotations?.[RESTARTED_AT] === now) return { patch: undefined };
    return { patch: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: now } } } } } };
  }
  if (verb === 'restart' && isStatefulSet(ri)) return { patch: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: rfc3339(new Date()) } } } } } };
  if (!isDeployment(ri)) return { error: verb === 'restart' ? 'restarting is not supported' : verb === 'pause' ? 'pausing is not supported' : 'resuming is not supported' };
  switch (verb) {
    case 'pause':
      return d.spec?.paused ? { error: 'is already paused' } : { patch: { spec: { paused: true } } };
    case 'resume':
      return d.spec?.paused ? { patch: { spec: { paused: null } } } : { error: 'is not paused' };
    case 'restart': {
      if (d.spec?.paused) return { error: "can't restart paused deployment (run rollout resume first)" };
      const now = rfc3339(new Date());
      // Restarting twice within a second computes an empty patch in kubectl.
      if (d.spec?.template?.metadata?.annotations?.[RESTARTED_AT] === now) return { patch: undefined };
      return { patch: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: now } } } } } };
    }
  }
}

async function runPatchVerb(cli: Cli, verb: PatchVerb, args: string[], opts: { selector?: string }): Promise<void> {
  const items = await resolve(cli, verb, args, opts.selector);
  const failures = new Failures();
  const done = verb === 'restart' ? 'restarted' : verb === 'pause' ? 'paused' : 'resumed';
  if (items.length === 0) {
    noResources(cli);
    return;
  }
  for (const item of items) {
    if (failed(item)) {
      failures.add(item.error);
      continue;
    }
    const { ri, obj } = item;
    const name = obj.metadata.name!;
    const { patch, error } = verbPatch(verb, ri, obj);
    if (error) {
      failures.add(new CliError(`error: ${resourceString(ri)} ${JSON.stringify(name)} ${error}`));
      continue;
    }
    if (patch === undefined) {
      failures.add(new Error(`failed to create patch for ${name}: if restart has already been triggered within the past second, please wait before attempting to trigger another`));
      continue;
    }
    try {
      await cli.client(ri).patch(obj.metadata.namespace ?? cli.namespace(), name, 'strategic', patch, { fieldManager: `kubectl-rollout` });
    } catch (err) {
      failures.add(new Error(`failed to patch: ${errorText(err)}`));
      continue;
    }
    cli.print(`${objectName(ri, name)} ${done}`);
  }
  failures.throwIfAny();
}

/** Go's time.RFC3339 in local time: "2024-05-01T12:00:00Z" or "...+02:00". */
export function rfc3339(t: Date): string {
  const offset = -t.getTimezoneOffset();
  const local = new Date(t.getTime() + offset * 60_000).toISOString().replace(/\.\d{3}Z$/, '');
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset);
  return `${local}${offset > 0 ? '+' : '-'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
