// `tskubectl replace -f FILE`: each object of the manifests PUT over the live one, as
// kubectl's replace (resource.Helper.Replace with overwrite: an object without a
// resourceVersion takes the live one's, so the PUT does not conflict). --force deletes
// each object (a missing one is fine), polls until it is gone, and creates it again.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { StatusError } from '../../api/errors.js';
import type { DeleteOptions, KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { fileFlags, intFlag, kustomizeFlag } from '../command-flags.js';
import { parseGoDuration } from '../../api/duration.js';
import { LAST_APPLIED_ANNOTATION, withLastApplied } from '../apply-patch.js';
import { Failures, manifestTargets, parseDryRun, ResultPrinter, withSource, type Target } from '../object-targets.js';
import { objectName, typeName } from '../resource-name.js';
import { sortKeys } from '../printers/go-json.js';
import { cascadePolicy } from './delete.js';

interface ReplaceOpts {
  filename: string[];
  recursive: boolean;
  kustomize?: string;
  output?: string;
  dryRun?: string | boolean;
  force: boolean;
  gracePeriod: number;
  cascade?: string | boolean;
  timeout: string;
  wait: boolean;
  saveConfig: boolean;
  subresource?: string;
  raw?: string;
  fieldManager: string;
  validate?: string | boolean;
}

/** kubectl polls every second for the deleted object, 5 minutes unless --timeout. */
const FORCE_POLL_MS = 1000;
const FORCE_TIMEOUT_MS = 5 * 60_000;

export function register(program: Command, cli: Cli): void {
  const replace = program.command('replace')
    .description('Replace a resource by file name or stdin')
    .argument('[args...]');
  fileFlags(replace, 'replace');
  kustomizeFlag(replace);
  replace
    .option('-o, --output <format>', 'Output format. One of: (json, yaml, name, jsonpath, jsonpath-as-json).')
    .option('--dry-run [strategy]', 'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.')
    .option('--force', 'If true, immediately remove resources from API and bypass graceful deletion. Note that immediate deletion of some resources may result in inconsistency or data loss and requires confirmation.', false)
    .option('--grace-period <seconds>', 'Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion).', intFlag('grace-period'), -1)
    .option('--cascade [strategy]', 'Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicationController). Defaults to background.', 'background')
    .option('--timeout <duration>', 'The length of time to wait before giving up on a delete, zero means determine a timeout from the size of the object', '0s')
    .option('--wait', 'If true, wait for resources to be gone before returning. This waits for finalizers.', false)
    .option('--save-config', 'If true, the configuration of current object will be saved in its annotation. Otherwise, the annotation will be unchanged. This flag is useful when you want to perform kubectl apply on this object in the future.', false)
    .option('--subresource <name>', 'If specified, replace will operate on the subresource of the requested object. This flag is beta and may change in the future.')
    .option('--raw <uri>', 'Raw URI to PUT to the server.  Uses the transport specified by the kubeconfig file.')
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', 'kubectl-replace')
    .option('--validate [mode]', 'Must be one of: strict (or true), warn, ignore (or false).', true)
    .action(async (args: string[], opts: ReplaceOpts) => runReplace(cli, args, opts));
}

async function runReplace(cli: Cli, args: string[], opts: ReplaceOpts): Promise<void> {
  const dryRun = parseDryRun(opts.dryRun);
  const policy = cascadePolicy(opts.cascade, cli);
  if (opts.filename.length === 0 && opts.kustomize === undefined) throw new CliError('error: must specify one of -f and -k');
  const timeoutMs = parseGoDuration(opts.timeout);
  if (opts.gracePeriod >= 0 && !opts.force) throw new CliError('error: --grace-period must have --force specified');
  if (timeoutMs !== 0 && !opts.force) throw new CliError('error: --timeout must have --force specified');
  if (opts.force && dryRun !== 'none') throw new CliError('error: --dry-run can not be used when --force is set');
  if (opts.raw !== undefined) return replaceRaw(cli, opts);
  // Without --force kubectl's builder never looks at the arguments; with it, they are refused.
  if (args.length > 0 && opts.force) throw new CliError('error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well');

  const validate = !(opts.validate === false || opts.validate === 'false' || opts.validate === 'ignore');
  const failures = new Failures();
  const targets = await manifestTargets(cli, opts.filename, { recursive: opts.recursive, validate, kustomize: opts.kustomize }, failures, 'replace');
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  if (opts.force) {
    await forceReplace(cli, targets, opts, policy, printer, failures);
    failures.throwIfAny();
    return;
  }
  for (const t of targets) {
    try {
      const obj = annotated(t.obj!, opts.saveConfig);
      if (dryRun === 'client') {
        printer.print(t.ri, obj, 'replaced');
        continue;
      }
      const client = cli.client(t.ri);
      if (!obj.metadata.resourceVersion) {
        // Overwrite: take the live resourceVersion; a missing object is left to the PUT's 404.
        try {
          const live = opts.subresource
            ? await client.getSubresource<KubeObject>(t.namespace, t.name, opts.subresource)
            : await client.get(t.namespace, t.name);
          if (live.metadata?.resourceVersion) obj.metadata.resourceVersion = live.metadata.resourceVersion;
        } catch (err) {
          if (!(err instanceof StatusError)) throw err;
        }
      }
      const write = { dryRun: dryRun === 'server', fieldManager: opts.fieldManager };
      const replaced = opts.subresource
        ? await client.updateSubresource<KubeObject>(t.namespace, t.name, opts.subresource, obj, write)
        : await client.update(t.namespace, obj, write);
      printer.print(t.ri, replaced, 'replaced');
    } catch (err) {
      failures.add(withSource('replacing', t.source, err));
    }
  }
  failures.throwIfAny();
}

/** kubectl's CreateOrUpdateAnnotation: --save-config writes the annotation, else only an existing one is refreshed. */
function annotated(obj: KubeObject, saveConfig: boolean): KubeObject {
  const out = saveConfig || obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined ? withLastApplied(obj).annotated : obj;
  // kubectl sends unstructured objects, keys sorted (the server's messages echo them).
  return sortKeys(out) as KubeObject;
}

async function forceReplace(cli: Cli, targets: Target[], opts: ReplaceOpts, policy: DeleteOptions['propagationPolicy'], printer: ResultPrinter, failures: Failures): Promise<void> {
  // kubectl turns --grace-period=0 into 1 and then waits for the deletion.
  const grace = opts.gracePeriod === 0 ? 1 : opts.gracePeriod;
  const deleteOptions: DeleteOptions = { propagationPolicy: policy, ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}) };
  const deleted: Target[] = [];
  for (const t of targets) {
    try {
      await cli.client(t.ri).delete(t.namespace, t.name, deleteOptions);
      cli.print(opts.output === 'name' ? objectName(t.ri, t.name) : `${typeName(t.ri)} "${t.name}" deleted`);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) {
        failures.add(withSource('deleting', t.source, err));
        continue;
      }
    }
    deleted.push(t);
  }
  if (!failures.empty) return;
  const deadline = Date.now() + (parseGoDuration(opts.timeout) || FORCE_TIMEOUT_MS);
  for (const t of deleted) {
    for (;;) {
      try {
        await cli.client(t.ri).get(t.namespace, t.name);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) break;
        failures.add(err);
        return;
      }
      if (Date.now() >= deadline) {
        failures.add(new CliError('error: timed out waiting for the condition'));
        return;
      }
      await new Promise((r) => setTimeout(r, FORCE_POLL_MS));
    }
  }
  let count = 0;
  for (const t of deleted) {
    const obj = annotated(t.obj!, opts.saveConfig);
    delete obj.metadata.resourceVersion;
    try {
      const created = await cli.client(t.ri).create(t.namespace, obj, { fieldManager: opts.fieldManager });
      count++;
      printer.print(t.ri, created, 'replaced');
    } catch (err) {
      failures.add(err);
      return;
    }
  }
  if (count === 0 && failures.empty) failures.add(new CliError('error: no objects passed to replace'));
}

/** --raw: the one file's bytes PUT to a path of the server, the answer printed as it came. */
async function replaceRaw(cli: Cli, opts: ReplaceOpts): Promise<void> {
  if (opts.filename.length !== 1) throw new CliError('error: --raw can only use a single local file or stdin');
  const file = opts.filename[0]!;
  if (/^https?:\/\//.test(file)) throw new CliError('error: --raw cannot read from a url');
  if (opts.recursive) throw new CliError('error: --raw and --recursive are mutually exclusive');
  if (opts.output) throw new CliError('error: --raw and --output are mutually exclusive');
  if (!opts.raw!.startsWith('/')) throw new CliError(`error: --raw must be a valid URL path: parse "${opts.raw!}": invalid URI for request`);
  const body = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  const [path, query] = opts.raw!.split('?', 2) as [string, string | undefined];
  const res = await cli.rest().request<unknown>({ method: 'PUT', path, query: Object.fromEntries(new URLSearchParams(query ?? '')), body: parseYaml(body) as unknown });
  cli.print(typeof res === 'string' ? res : JSON.stringify(res));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
