// `tskubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]` and `logs -l SELECTOR`:
// kubectl's pkg/cmd/logs. Reads GET pods/<name>/log (which the apiserver proxies to the
// node's kubelet) and copies it to stdout as it arrives; -f keeps the stream open.
// TYPE/NAME picks the first pod of a controller or service as kubectl does.
import type { Command } from 'commander';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { isNotFound } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/registry.js';
import type { Pod } from '../../api/types/core.js';
import type { Query } from '../../client/rest-client.js';
import { intFlag } from '../command-flags.js';
import type { Cli } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { errorText } from '../error-text.js';
import { durationFlag } from '../go-duration.js';
import { chooseContainer, compareForLogging, podSelectorOf, sinceSeconds } from '../logs-target.js';
import { getNamedObject, isPodResource, podsForSelector, type NamedObject } from '../pod-for-object.js';

interface LogsOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tail: number;
  since?: number;
  sinceTime?: string;
  limitBytes: number;
  selector?: string;
  allContainers: boolean;
  prefix: boolean;
  podRunningTimeout: number;
  maxLogRequests: number;
  ignoreErrors: boolean;
}

/** One log stream to read. */
interface LogRequest {
  pod: Pod;
  container: string;
}

const USAGE = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command";

export function register(program: Command, cli: Cli): void {
  program.command('logs')
    .description('Print the logs for a container in a pod')
    .usage('[-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]')
    .argument('[args...]')
    .option('-c, --container <name>', 'Print the logs of this container')
    .option('-f, --follow', 'Specify if the logs should be streamed.', false)
    .option('-p, --previous', 'If true, print the logs for the previous instance of the container in a pod if it exists.', false)
    .option('--timestamps', 'Include timestamps on each line in the log output', false)
    .option('--tail <lines>', 'Lines of recent log file to display. Defaults to -1 with no selector, showing all log lines otherwise 10, if a selector is provided.', intFlag('tail'), -1)
    .option('--since <duration>', 'Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all logs. Only one of since-time / since may be used.', durationFlag('since'))
    .option('--since-time <time>', 'Only return logs after a specific date (RFC3339). Defaults to all logs. Only one of since-time / since may be used.')
    .option('--limit-bytes <bytes>', 'Maximum bytes of logs to return. Defaults to no limit.', intFlag('limit-bytes'), 0)
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--all-containers', "Get all containers' logs in the pod(s).", false)
    .option('--prefix', 'Prefix each log line with the log source (pod name and container name)', false)
    .option('--pod-running-timeout <duration>', 'The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running', durationFlag('pod-running-timeout'), 20_000)
    .option('--max-log-requests <n>', 'Specify maximum number of concurrent logs to follow when using by a selector. Defaults to 5.', intFlag('max-log-requests'), 5)
    .option('--ignore-errors', 'If watching / following pod logs, allow for any errors that occur to be non-fatal', false)
    .action(async (args: string[], opts: LogsOptions, cmd: Command) => {
      await runLogs(cli, args, opts, cmd.getOptionValueSource('tail') === 'cli');
    });
}

async function runLogs(cli: Cli, args: string[], opts: LogsOptions, tailGiven: boolean): Promise<void> {
  let resourceArg: string | undefined;
  let container = opts.container;
  if (args.length === 0) {
    if (!opts.selector) throw usageError('logs', USAGE);
  } else if (args.length === 1) {
    resourceArg = args[0];
    if (opts.selector) throw usageError('logs', 'only a selector (-l) or a POD name is allowed');
  } else if (args.length === 2) {
    if (opts.container !== undefined) throw new CliError('error: only one of -c or an inline [CONTAINER] arg is allowed');
    resourceArg = args[0];
    container = args[1];
  } else {
    throw usageError('logs', USAGE);
  }
  if (opts.sinceTime && opts.since !== undefined && opts.since !== 0) throw new Error('at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (opts.allContainers && container) throw new Error(`--all-containers=true should not be specified with container name ${container}`);
  if (opts.limitBytes < 0) throw new Error('--limit-bytes must be greater than 0');
  if (opts.since !== undefined && opts.since < 0) throw new Error('--since must be greater than 0');
  if (opts.tail < -1) throw new Error('--tail must be greater than or equal to -1');

  const query: Query = {
    follow: opts.follow || undefined,
    previous: opts.previous || undefined,
    timestamps: opts.timestamps || undefined,
    sinceSeconds: opts.since ? sinceSeconds(opts.since) : undefined,
    sinceTime: opts.sinceTime,
    limitBytes: opts.limitBytes || undefined,
    tailLines: opts.selector && opts.tail === -1 && !tailGiven ? 10 : opts.tail !== -1 ? opts.tail : undefined,
  };

  const podsRi = await cli.resource('pods');
  const pods = await targetPods(cli, podsRi, resourceArg, opts);
  const requests: LogRequest[] = [];
  for (const pod of pods) {
    if (opts.allContainers) {
      for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) requests.push({ pod, container: c.name });
      continue;
    }
    const choice = chooseContainer(pod, container);
    if (choice.notice) cli.warn(choice.notice);
    requests.push({ pod, container: choice.container });
  }
  if (opts.follow && requests.length > 1 && requests.length > opts.maxLogRequests) {
    throw new Error(`you are attempting to follow ${requests.length} log streams, but maximum allowed concurrency is ${opts.maxLogRequests}, use --max-log-requests to increase the limit`);
  }

  // Ctrl-C ends a followed log; kubectl's interrupt handler then exits with 1.
  const stop = new AbortController();
  const onSignal = (): void => {
    process.exitCode = 1;
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const consume = async (r: LogRequest): Promise<void> => {
      try {
        await copyLog(cli, podsRi, r, query, opts.prefix, stop.signal);
      } catch (err) {
        if (stop.signal.aborted) return;
        if (!opts.ignoreErrors) throw err;
        cli.out.write(`error: ${errorText(err)}\n`);
      }
    };
    if (opts.follow && requests.length > 1) {
      await Promise.all(requests.map(consume));
    } else {
      for (const r of requests) await consume(r);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The pods whose logs to read: the named pod, the selected pods, or a controller's first pod. */
async function targetPods(cli: Cli, podsRi: ResourceInfo, resourceArg: string | undefined, opts: LogsOptions): Promise<Pod[]> {
  const ns = cli.namespace();
  if (resourceArg === undefined) {
    const list = await cli.client<Pod>(podsRi).listAll(ns, { labelSelector: opts.selector });
    if (list.items.length === 0) cli.warn(`No resources found in ${ns} namespace.`);
    return list.items;
  }
  let target: NamedObject;
  try {
    target = await getNamedObject(cli, resourceArg);
  } catch (err) {
    if (isNotFound(err)) throw new Error(`error from server (NotFound): ${errorText(err)} in namespace ${JSON.stringify(ns)}`);
    throw err;
  }
  if (isPodResource(target.ri)) return [target.obj as Pod];
  const selector = podSelectorOf(target.obj, target.ri.kind);
  const found = await podsForSelector(cli, ns, selector, opts.podRunningTimeout, compareForLogging);
  if (found.length > 1) cli.warn(`Found ${found.length} pods, using pod/${found[0]!.metadata.name}`);
  return [found[0]!];
}

/** Prints what a container logged so far (run and debug, when the container already ended). */
export async function printContainerLog(cli: Cli, pod: Pod, container: string): Promise<void> {
  await copyLog(cli, await cli.resource('pods'), { pod, container }, {}, false, new AbortController().signal);
}

/** Streams one container's log to stdout, whole lines at a time when prefixed. */
async function copyLog(cli: Cli, podsRi: ResourceInfo, r: LogRequest, query: Query, prefix: boolean, signal: AbortSignal): Promise<void> {
  const path = cli.client(podsRi).path({ namespace: r.pod.metadata.namespace ?? cli.namespace(), name: r.pod.metadata.name, subresource: 'log' });
  const res = await cli.rest().stream({ path, query: { ...query, container: r.container }, signal, accept: '*/*' });
  const body: Readable = res.body;
  const label = prefix ? `[pod/${r.pod.metadata.name}/${r.container}] ` : '';
  body.setEncoding('utf8');
  let pending = '';
  const write = async (text: string): Promise<void> => {
    if (!cli.out.write(text)) await once(cli.out, 'drain');
  };
  try {
    for await (const chunk of body) {
      const text = chunk as string;
      if (!label) {
        await write(text);
        continue;
      }
      pending += text;
      const nl = pending.lastIndexOf('\n');
      if (nl === -1) continue;
      await write(pending.slice(0, nl + 1).split('\n').slice(0, -1).map((l) => `${label}${l}\n`).join(''));
      pending = pending.slice(nl + 1);
    }
    if (pending) await write(`${label}${pending}`);
  } finally {
    body.destroy();
  }
}
