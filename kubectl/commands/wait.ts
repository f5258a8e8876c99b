// `tskubectl wait --for=delete|create|condition=C[=V]|jsonpath='{...}'[=V] (TYPE NAME... |
// TYPE/NAME... | TYPE -l SEL | TYPE --all)`: kubectl's pkg/cmd/wait. One deadline (--timeout,
// default 30s, 0 = check once, negative = a week) covers every object; each object that
// meets the condition prints "<kind>/<name> condition met" as soon as it does.
import type { Command } from 'commander';
import { isNotFound, notFound } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/registry.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { durationFlag } from '../go-duration.js';
import { Failures } from '../object-targets.js';
import { formatObjects } from '../printers/object.js';
import { failed, resolveObjects, type ResolvedObject } from '../resolve-objects.js';
import { objectName } from '../resource-name.js';
import { conditionMet, jsonPathMet, parseWaitFor, type WaitFor } from '../wait-conditions.js';
import { untilWithSync, WaitTimeout } from '../watch-until.js';

const WEEK_MS = 168 * 3_600_000;
const CREATE_POLL_MS = 500;

interface WaitOptions {
  for?: string;
  timeout: number;
  selector?: string;
  all: boolean;
  output?: string;
}

export function register(program: Command, cli: Cli): void {
  program.command('wait')
    .description('Experimental: Wait for a specific condition on one or many resources')
    .usage("([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] [options]")
    .argument('[args...]')
    .option('--for <condition>', 'The condition to wait on: [create|delete|condition=condition-name[=condition-value]|jsonpath=\'{JSONPath expression}\'=[JSONPath value]]. The default condition-value is true.')
    .option('--timeout <duration>', 'The length of time to wait before giving up. Zero means check once and don\'t wait, negative means wait for a week.', durationFlag('timeout'), 30_000)
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--all', 'Select all resources in the namespace of the specified resource types', false)
    .option('-o, --output <format>', 'Output format. One of: (json, yaml, name)')
    .action(async (args: string[], opts: WaitOptions) => {
      await runWait(cli, args, opts);
    });
}

async function runWait(cli: Cli, args: string[], opts: WaitOptions): Promise<void> {
  const waitFor = parseWaitFor(opts.for ?? '');
  if (opts.output && !['json', 'yaml', 'name'].includes(opts.output)) {
    throw new CliError(`error: unable to match a printer suitable for the output format "${opts.output}", allowed formats are: json,name,yaml`);
  }
  const timeoutMs = opts.timeout < 0 ? WEEK_MS : opts.timeout;
  const signal = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  const resolve = (): Promise<ResolvedObject[]> => resolveObjects(cli, args, { command: 'wait', selector: opts.selector, all: opts.all });

  if (waitFor.kind === 'create') await waitUntilCreated(resolve, timeoutMs, signal);

  const failures = new Failures();
  let visited = 0;
  for (const item of await resolve()) {
    if (failed(item)) {
      // --for=delete: an object already gone is simply not visited.
      if (!(waitFor.kind === 'delete' && isNotFound(item.error))) failures.add(item.error);
      continue;
    }
    visited++;
    try {
      const final = await waitForObject(cli, item.ri, item.obj, waitFor, timeoutMs, signal);
      printMet(cli, item.ri, final, opts.output);
    } catch (err) {
      failures.add(err);
    }
  }
  failures.throwIfAny();
  if (visited === 0 && waitFor.kind !== 'delete') throw new Error('no matching resources found');
}

function printMet(cli: Cli, ri: ResourceInfo, obj: KubeObject, output: string | undefined): void {
  if (output === 'json' || output === 'yaml') {
    cli.out.write(formatObjects([{ apiVersion: ri.group ? `${ri.group}/${ri.version}` : ri.version, kind: ri.kind, ...obj }], output) ?? '');
    return;
  }
  cli.print(`${objectName(ri, obj.metadata.name ?? '')} condition met`);
}

/** --for=create: looks the objects up every half second until none is missing. */
async function waitUntilCreated(resolve: () => Promise<ResolvedObject[]>, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = await resolve();
    const other = items.find((i) => failed(i) && !isNotFound(i.error));
    if (other) throw other.error;
    if (!items.some(failed)) return;
    if (signal?.aborted || Date.now() + CREATE_POLL_MS > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, CREATE_POLL_MS));
  }
}

/** pods/x, as kubectl's extendErrWaitTimeout names the object (resource without group). */
const timeoutName = (ri: ResourceInfo, name: string): string => `${ri.plural}/${name}`;
/** pods/x, deployments.apps/x: kubectl's info.ObjectName(). */
const qualifiedName = (ri: ResourceInfo, name: string): string => `${ri.group ? `${ri.plural}.${ri.group}` : ri.plural}/${name}`;

/** Waits until obj meets the condition; resolves with the object to print. */
async function waitForObject(cli: Cli, ri: ResourceInfo, obj: KubeObject, waitFor: WaitFor, timeoutMs: number, signal: AbortSignal | undefined): Promise<KubeObject> {
  const name = obj.metadata.name ?? '';
  const namespace = ri.namespaced ? obj.metadata.namespace ?? cli.namespace() : '';
  const client = cli.client(ri);
  if (waitFor.kind === 'create') return obj;

  if (waitFor.kind === 'delete') {
    let current: KubeObject;
    try {
      current = await client.get(namespace, name);
    } catch (err) {
      if (isNotFound(err)) return obj;
      throw err;
    }
    if (timeoutMs === 0) throw new Error(`condition not met for ${qualifiedName(ri, name)}`);
    const uid = current.metadata.uid;
    try {
      await untilWithSync({ client, namespace, name, signal, precondition: (found) => found === undefined }, (type, o) => type === 'DELETED' || o.metadata.uid !== uid);
    } catch (err) {
      if (err instanceof WaitTimeout) throw new Error(`timed out waiting for the condition on ${timeoutName(ri, name)}`);
      throw err;
    }
    return current;
  }

  const check = (o: KubeObject): boolean => (waitFor.kind === 'condition' ? conditionMet(o, waitFor.name, waitFor.status) : jsonPathMet(o, waitFor.path, waitFor.value));
  if (timeoutMs === 0) {
    const current = await client.get(namespace, name);
    if (!check(current)) throw new Error(`condition not met for ${qualifiedName(ri, name)}`);
    return current;
  }
  let result: KubeObject = obj;
  try {
    await untilWithSync({
      client, namespace, name, signal,
      precondition: (found) => {
        if (!found) throw notFound({ group: ri.group, resource: ri.plural }, name);
        return false;
      },
    }, (type, o) => {
      // A deleted object may come back; keep waiting for it until the deadline.
      if (type === 'DELETED') return false;
      result = o;
      return check(o);
    });
  } catch (err) {
    if (err instanceof WaitTimeout) throw new Error(`timed out waiting for the condition on ${timeoutName(ri, name)}`);
    throw err;
  }
  return result;
}
