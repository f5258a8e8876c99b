// `tskubectl create`: objects from -f manifests, or from the generators (deployment,
// job, cronjob, namespace, configmap, secret generic), as kubectl create makes them.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { resolveResource } from '../../api/registry.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError, formatError, usageError } from '../errors.js';
import { goJson, withLastApplied } from '../apply-patch.js';
import { collectList, collectRepeat, fileFlags, intFlag, kustomizeFlag, outputFlags } from '../command-flags.js';
import {
  configMapObject, cronJobObject, deploymentObject, jobFromCronJob, jobObject, namespaceObject, secretObject, type DataSources,
} from '../generators.js';
import { Failures, manifestTargets, parseDryRun, ResultPrinter, withSource, type DryRun } from '../object-targets.js';

interface OutputOpts {
  output?: string;
  dryRun?: string | boolean;
  fieldManager?: string;
  saveConfig?: boolean;
}

interface FileOpts extends OutputOpts {
  filename: string[];
  kustomize?: string;
  recursive: boolean;
  validate?: string | boolean;
}

export function register(program: Command, cli: Cli): void {
  const create = program.command('create')
    .description('Create a resource from a file or from stdin')
    .argument('[args...]');
  fileFlags(create, 'use to create the resource');
  kustomizeFlag(create);
  outputFlags(create);
  commonWriteFlags(create, 'kubectl-create');
  create
    .option('--validate [mode]', 'Validation of the objects: strict|warn|ignore (true/false)', true)
    .action(async (args: string[], opts: FileOpts) => {
      if (args.length > 0) throw usageError('create', `Unexpected args: [${args.join(' ')}]`);
      if (opts.filename.length === 0 && !opts.kustomize) throw new CliError('error: must specify one of -f and -k');
      await createFromFiles(cli, opts);
    });

  const deployment = create.command('deployment').alias('deploy')
    .description('Create a deployment with the specified name')
    .argument('[name]').argument('[command...]')
    .option('--image <image>', 'Image names to run. A deployment can have multiple images set for multi-container pod.', collectList, [])
    .option('-r, --replicas <n>', 'Number of replicas to create. Default is 1.', intFlag('replicas'), 1)
    .option('--port <port>', 'The containerPort that this deployment exposes.', intFlag('port'), -1);
  outputFlags(deployment);
  commonWriteFlags(deployment, 'kubectl-create');
  deployment.action(async (name: string | undefined, command: string[], opts: OutputOpts & { image: string[]; replicas: number; port: number }) => {
    // Only what follows `--` is the container command; other extra arguments are names.
    const dash = process.argv.indexOf('--');
    const after = dash >= 0 ? process.argv.length - dash - 1 : 0;
    requireOneName(name, command.slice(0, Math.max(0, command.length - after)), 'create deployment');
    command = command.slice(Math.max(0, command.length - after));
    if (opts.image.length === 0) throw new CliError('error: required flag(s) "image" not set');
    if (opts.image.length > 1 && command.length > 0) throw new CliError('error: cannot specify multiple --image options and command');
    const obj = deploymentObject({ name: name!, namespace: enforcedNamespace(cli), images: opts.image, replicas: opts.replicas, port: opts.port, command });
    await createGenerated(cli, obj, opts, 'deployment');
  });

  const job = create.command('job')
    .description('Create a job with the specified name')
    .argument('[name]').argument('[command...]')
    .option('--image <image>', 'Image name to run.', '')
    .option('--from <resource>', 'The name of the resource to create a Job from (only cronjob is supported).', '');
  outputFlags(job);
  commonWriteFlags(job, 'kubectl-create');
  job.action(async (name: string | undefined, command: string[], opts: OutputOpts & { image: string; from: string }) => {
    command = splitCommand(name, command, 'create job');
    if ((opts.image === '') === (opts.from === '')) throw new CliError('error: either --image or --from must be specified');
    if (command.length > 0 && opts.from) throw new CliError('error: cannot specify --from and command');
    let obj: KubeObject;
    if (opts.image) {
      obj = jobObject({ name: name!, namespace: enforcedNamespace(cli), image: opts.image, command });
    } else {
      const slash = opts.from.indexOf('/');
      const ri = slash > 0 ? resolveResource(opts.from.slice(0, slash)) : undefined;
      if (!ri || slash < 0) throw new CliError(`error: from must be an existing cronjob`);
      const source = await cli.client(ri).get(cli.namespace(), opts.from.slice(slash + 1));
      if (ri.kind !== 'CronJob') throw new CliError(`error: unknown object type *v1.${ri.kind}`);
      obj = jobFromCronJob(name!, enforcedNamespace(cli), source);
    }
    await createGenerated(cli, obj, opts, 'job');
  });

  const cronjob = create.command('cronjob').alias('cj')
    .description('Create a cron job with the specified name')
    .argument('[name]').argument('[command...]')
    .option('--image <image>', 'Image name to run.', '')
    .option('--schedule <schedule>', 'A schedule in the Cron format the job should be run with.', '')
    .option('--restart <policy>', "job's restart policy. supported values: OnFailure, Never", 'OnFailure');
  outputFlags(cronjob);
  commonWriteFlags(cronjob, 'kubectl-create');
  cronjob.action(async (name: string | undefined, command: string[], opts: OutputOpts & { image: string; schedule: string; restart: string }) => {
    command = splitCommand(name, command, 'create cronjob');
    const missing = [opts.image ? '' : '"image"', opts.schedule ? '' : '"schedule"'].filter(Boolean);
    if (missing.length) throw new CliError(`error: required flag(s) ${missing.join(', ')} not set`);
    if (opts.restart !== 'OnFailure' && opts.restart !== 'Never') throw new CliError(`error: restart must be one of "OnFailure" or "Never"`);
    const obj = cronJobObject({ name: name!, namespace: enforcedNamespace(cli), image: opts.image, command, schedule: opts.schedule, restart: opts.restart });
    await createGenerated(cli, obj, opts, 'cronjob');
  });

  const namespace = create.command('namespace').alias('ns')
    .description('Create a namespace with the specified name')
    .argument('[name]').argument('[extra...]');
  outputFlags(namespace);
  commonWriteFlags(namespace, 'kubectl-create');
  namespace.action(async (name: string | undefined, extra: string[], opts: OutputOpts) => {
    requireOneName(name, extra, 'create namespace');
    await createGenerated(cli, namespaceObject(name!), opts, undefined);
  });

  const configmap = dataFlags(create.command('configmap').alias('cm')
    .description('Create a config map from a local file, directory or literal value')
    .argument('[name]').argument('[extra...]'));
  configmap.option('--append-hash', 'Append a hash of the configmap to its name.', false);
  outputFlags(configmap);
  commonWriteFlags(configmap, 'kubectl-create');
  configmap.action(async (name: string | undefined, extra: string[], opts: OutputOpts & DataSources & { appendHash: boolean }) => {
    requireOneName(name, extra, 'create configmap');
    const obj = configMapObject(name!, enforcedNamespace(cli), opts);
    if (opts.appendHash) obj.metadata.name = `${name!}-${contentHash(obj)}`;
    await createGenerated(cli, obj, opts, 'configmap');
  });

  const secret = create.command('secret').description('Create a secret using a specified subcommand');
  const generic = dataFlags(secret.command('generic')
    .description('Create a secret from a local file, directory, or literal value')
    .argument('[name]').argument('[extra...]'));
  generic.option('--type <type>', 'The type of secret to create')
    .option('--append-hash', 'Append a hash of the secret to its name.', false);
  outputFlags(generic);
  commonWriteFlags(generic, 'kubectl-create');
  generic.action(async (name: string | undefined, extra: string[], opts: OutputOpts & DataSources & { type?: string; appendHash: boolean }) => {
    requireOneName(name, extra, 'create secret generic');
    const obj = secretObject(name!, enforcedNamespace(cli), opts.type, opts);
    if (opts.appendHash) obj.metadata.name = `${name!}-${contentHash(obj)}`;
    await createGenerated(cli, obj, opts, 'secret');
  });
}

function commonWriteFlags(cmd: Command, manager: string): Command {
  return cmd
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', manager)
    .option('--save-config', 'If true, the configuration of current object will be saved in its annotation.', false);
}

function dataFlags(cmd: Command): Command {
  return cmd
    .option('--from-literal <key=value>', 'Specify a key and literal value to insert (i.e. mykey=somevalue)', collectRepeat, [])
    .option('--from-file <[key=]source>', 'Key file can be specified using its file path, in which case file basename will be used as key, or optionally with a key and file path.', collectRepeat, [])
    .option('--from-env-file <file>', 'Specify the path to a file to read lines of key=val pairs.', collectRepeat, []);
}

/** Checks there is exactly one NAME and returns the container command (what follows `--`). */
function splitCommand(name: string | undefined, rest: string[], command: string): string[] {
  const dash = process.argv.indexOf('--');
  const after = dash >= 0 ? process.argv.length - dash - 1 : 0;
  requireOneName(name, rest.slice(0, Math.max(0, rest.length - after)), command);
  return rest.slice(Math.max(0, rest.length - after));
}

function requireOneName(name: string | undefined, extra: string[], command: string): void {
  const count = (name === undefined ? 0 : 1) + extra.length;
  if (count !== 1) {
    throw usageError(command, `exactly one NAME is required, got ${count}`);
  }
}

/** The namespace generators write into the object: only an explicit -n (kubectl's EnforceNamespace). */
function enforcedNamespace(cli: Cli): string | undefined {
  return cli.namespaceExplicit() ? cli.namespace() : undefined;
}

// kubectl's --append-hash (hash.ConfigMapHash / SecretHash): sha256 of the encoded
// data, its first 10 hex digits with vowel-like digits swapped for consonants.
function contentHash(obj: KubeObject): string {
  const enc: Record<string, unknown> = { kind: obj.kind, name: obj.metadata.name, data: obj.data ?? {} };
  if (obj.kind === 'ConfigMap' && obj.binaryData) enc.binaryData = obj.binaryData;
  if (obj.kind === 'Secret') enc.type = obj.type ?? '';
  const hex = createHash('sha256').update(goJson(enc)).digest('hex');
  return hex.slice(0, 10).replace(/[013ae]/g, (c) => ({ 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' } as Record<string, string>)[c]!);
}

/** Creates one generated object; `what` names it in kubectl's "failed to create X" wrapping. */
async function createGenerated(cli: Cli, obj: KubeObject, opts: OutputOpts, what: string | undefined): Promise<void> {
  const dryRun = parseDryRun(opts.dryRun);
  const ri = resolveResource(obj.kind!)!;
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  const body = opts.saveConfig ? withLastApplied(obj).annotated : obj;
  if (dryRun === 'client') {
    printer.print(ri, body, 'created');
    return;
  }
  let created: KubeObject;
  try {
    created = await cli.client(ri).create(ri.namespaced ? cli.namespace() : '', body, { dryRun: dryRun === 'server', fieldManager: opts.fieldManager });
  } catch (err) {
    if (!what) throw err;
    // kubectl wraps these (and, for secrets, without a colon).
    const msg = formatError(err).replace(/^Error from server \([^)]*\): /, '').replace(/^error: /, '');
    throw new CliError(what === 'secret' ? `error: failed to create secret ${msg}` : `error: failed to create ${what}: ${msg}`);
  }
  printer.print(ri, created, 'created');
}

async function createFromFiles(cli: Cli, opts: FileOpts): Promise<void> {
  const dryRun: DryRun = parseDryRun(opts.dryRun);
  const failures = new Failures();
  const validate = !(opts.validate === false || opts.validate === 'false' || opts.validate === 'ignore');
  const targets = await manifestTargets(cli, opts.filename, { recursive: opts.recursive, validate, kustomize: opts.kustomize }, failures, 'create');
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  for (const t of targets) {
    const obj = opts.saveConfig ? withLastApplied(t.obj!).annotated : t.obj!;
    try {
      const created = dryRun === 'client' ? obj : await cli.client(t.ri).create(t.namespace, obj, { dryRun: dryRun === 'server', fieldManager: opts.fieldManager });
      printer.print(t.ri, created, 'created');
    } catch (err) {
      failures.add(withSource('creating', t.source, err));
    }
  }
  failures.throwIfAny();
}
