// `tskubectl delete`: objects from -f, TYPE NAME..., TYPE/NAME, -l or --all, deleted one
// by one with kubectl's DeleteOptions (propagationPolicy from --cascade, grace period
// from --grace-period/--now/--force), then, with --wait (the default), waiting on a
// watch until each is really gone (finalizers, graceful pod termination).
import type { Command } from 'commander';
import { StatusError } from '../../api/errors.js';
import type { DeleteOptions, KubeObject } from '../../api/types/meta.js';
import type { ResourceInfo } from '../../api/registry.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { fileFlags, intFlag, kustomizeFlag, selectorFlags } from '../command-flags.js';
import { parseGoDuration } from '../../api/duration.js';
import { dryRunSuffix, Failures, findTargets, parseDryRun, withSource, type Target, type TargetFlags } from '../object-targets.js';
import { objectName, typeName } from '../resource-name.js';

interface DeleteOpts extends TargetFlags {
  gracePeriod: number;
  force: boolean;
  now: boolean;
  wait: boolean;
  timeout: string;
  cascade?: string | boolean;
  ignoreNotFound?: boolean;
  output?: string;
  dryRun?: string | boolean;
}

const FORCE_WARNING = 'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.';
/** kubectl waits "forever" (a week) when --timeout is 0. */
const WEEK_MS = 7 * 24 * 3600 * 1000;

export function register(program: Command, cli: Cli): void {
  const del = program.command('delete')
    .description('Delete resources by file names, stdin, resources and names, or by resources and label selector')
    .argument('[args...]');
  fileFlags(del, 'delete');
  kustomizeFlag(del);
  selectorFlags(del);
  del
    .option('--grace-period <seconds>', 'Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion).', intFlag('grace-period'), -1)
    .option('--force', 'If true, immediately remove resources from API and bypass graceful deletion.', false)
    .option('--now', 'If true, resources are signaled for immediate shutdown (same as --grace-period=1).', false)
    .option('--wait', 'If true, wait for resources to be gone before returning. This waits for finalizers.', true)
    .option('--no-wait', 'Do not wait for resources to be gone')
    .option('--timeout <duration>', 'The length of time to wait before giving up on a delete, zero means determine a timeout from the size of the object', '0s')
    .option('--cascade [strategy]', 'Must be "background", "orphan", or "foreground".', 'background')
    .option('--ignore-not-found', 'Treat "resource not found" as a successful delete.')
    .option('-o, --output <format>', 'Output mode. Use "-o name" for shorter output (resource/name).')
    .option('--dry-run [strategy]', 'Must be "none", "server", or "client".')
    .action(async (args: string[], opts: DeleteOpts) => runDelete(cli, args, opts));
}

/** --cascade as a DeleteOptions propagationPolicy (kubectl's GetCascadingStrategy, with its deprecation warnings). */
export function cascadePolicy(cascade: string | boolean | undefined, cli: Cli): DeleteOptions['propagationPolicy'] {
  const v = cascade === true || cascade === undefined ? 'background' : String(cascade);
  switch (v) {
    case 'background': return 'Background';
    case 'foreground': return 'Foreground';
    case 'orphan': return 'Orphan';
    case 'true':
      cli.warn('warning: --cascade=true is deprecated (boolean value) and can be replaced with --cascade=background.');
      return 'Background';
    case 'false':
      cli.warn('warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.');
      return 'Orphan';
    default:
      throw new CliError(`error: invalid cascade value (${v}). Must be "background", "foreground", or "orphan"`);
  }
}

async function runDelete(cli: Cli, args: string[], opts: DeleteOpts): Promise<void> {
  if (opts.all && opts.selector) throw new CliError("error: setting 'all' parameter but found a non empty selector. ");
  if (opts.now && opts.gracePeriod !== -1) throw new CliError('error: --now and --grace-period cannot be specified together');
  if (opts.output !== undefined && opts.output !== 'name') throw new CliError(`error: unexpected -o output mode: ${opts.output}. We only support '-o name'`);
  const dryRun = parseDryRun(opts.dryRun);
  const policy = cascadePolicy(opts.cascade, cli);
  let grace = opts.now ? 1 : opts.gracePeriod;
  // --grace-period=0 without --force means 1 (kubectl guards against accidental data loss).
  if (grace === 0 && !opts.force) grace = 1;
  if (opts.force && grace < 0) grace = 0;
  const forced = opts.force && grace === 0;
  const timeoutMs = parseGoDuration(opts.timeout) || WEEK_MS;
  const selecting = opts.all || opts.selector !== undefined || opts.fieldSelector !== undefined;
  const ignoreNotFound = opts.ignoreNotFound ?? selecting;

  const failures = new Failures();
  const targets = await findTargets(cli, args, opts, 'delete', failures);
  if (targets.length === 0 && failures.empty) {
    cli.print('No resources found');
    return;
  }
  if (forced) cli.warn(FORCE_WARNING);
  const deleteOptions: DeleteOptions = { propagationPolicy: policy, ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}) };
  if (dryRun !== 'none') deleteOptions.dryRun = ['All'];
  const waits: { t: Target; uid?: string }[] = [];
  for (const t of targets) {
    try {
      let uid = t.obj?.metadata.uid;
      if (dryRun !== 'client') {
        const res = await cli.client(t.ri).delete(t.namespace, t.name, deleteOptions, { dryRun: dryRun === 'server' });
        uid = deletedUid(res) ?? uid;
      } else if (!t.obj) {
        // A client dry run still reports objects that do not exist.
        await cli.client(t.ri).get(t.namespace, t.name);
      }
      waits.push({ t, uid });
      if (opts.output === 'name') cli.print(objectName(t.ri, t.name));
      else cli.print(`${typeName(t.ri)} "${t.name}" ${forced ? 'force deleted' : 'deleted'}${dryRunSuffix(dryRun)}`);
    } catch (err) {
      if (ignoreNotFound && err instanceof StatusError && err.code === 404) continue;
      failures.add(withSource('deleting', t.source, err));
    }
  }
  if (opts.wait && dryRun === 'none') {
    const deadline = Date.now() + timeoutMs;
    for (const { t, uid } of waits) {
      try {
        await waitUntilGone(cli, t.ri, t.namespace, t.name, uid, deadline);
      } catch (err) {
        failures.add(err);
      }
    }
  }
  failures.throwIfAny();
}

function deletedUid(res: KubeObject | undefined): string | undefined {
  if (!res || res.kind === 'Status') return (res?.details as { uid?: string } | undefined)?.uid;
  return res.metadata?.uid;
}

/**
 * Resolves once the object (with this uid) no longer exists: a GET first, then a watch
 * on just that name from the GET's resourceVersion until DELETED (or a new uid).
 */
export async function waitUntilGone(cli: Cli, ri: ResourceInfo, namespace: string, name: string, uid: string | undefined, deadline: number): Promise<void> {
  const client = cli.client(ri);
  const timedOut = (): CliError => new CliError(`error: timed out waiting for the condition on ${ri.plural}${ri.group ? `.${ri.group}` : ''}/${name}`);
  while (Date.now() < deadline) {
    let rv: string | undefined;
    try {
      const list = await client.list(namespace, { fieldSelector: `metadata.name=${name}` });
      const cur = list.items[0];
      if (!cur || (uid && cur.metadata.uid !== uid)) return;
      rv = list.metadata.resourceVersion;
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), Math.max(0, deadline - Date.now()));
    try {
      for await (const ev of client.watch(namespace, { fieldSelector: `metadata.name=${name}`, resourceVersion: rv, allowWatchBookmarks: false }, ac.signal)) {
        if (ev.type === 'DELETED' && (!uid || ev.object.metadata.uid === uid)) return;
        if (ev.type !== 'DELETED' && uid && ev.object.metadata.uid !== uid) return;
      }
      // The server ended the watch: look again and watch again.
    } catch (err) {
      if (ac.signal.aborted) throw timedOut();
      // 410 Gone and dropped streams: start over from a fresh list.
      if (!(err instanceof StatusError && err.code === 410) && !(err instanceof Error && /terminated|aborted|socket/i.test(err.message))) throw err;
    } finally {
      clearTimeout(timer);
    }
  }
  throw timedOut();
}
