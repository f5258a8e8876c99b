// What a mutating command acts on, as kubectl's resource Builder finds it: the objects
// of -f manifests, `TYPE NAME...` / `TYPE/NAME` arguments, or every object of a type
// that -l / --field-selector / --all select. Plus what those commands share: --dry-run,
// the "error when creating "file": ..." wrapping of errors, and going on past a failed
// object to report every failure at the end (kubectl's ContinueOnError).
import type { ResourceInfo } from '../api/registry.js';
import { StatusError } from '../api/errors.js';
import type { KubeObject } from '../api/types/meta.js';
import type { Cli } from './context.js';
import { CliError, formatError } from './errors.js';
import { readKustomizeManifests, readManifests } from './manifests.js';
import { parseResourceArgs } from './resource-args.js';
import { objectName } from './resource-name.js';
import { formatGeneric, isHumanReadable, isTemplate, omitsManagedFields, parseOutput, type OutputFormat } from './printers/output.js';
import { omitManagedFields } from './printers/object.js';

/** One object to act on. `obj` is set when it was read from a file or a list. */
export interface Target {
  ri: ResourceInfo;
  /** '' for cluster-scoped resources. */
  namespace: string;
  name: string;
  /** The -f source ("pod.yaml", "STDIN"); undefined for objects named on the command line. */
  source?: string;
  obj?: KubeObject;
}

export type DryRun = 'none' | 'client' | 'server';

/** --dry-run's value: bare --dry-run means client, as kubectl still accepts it. */
export function parseDryRun(value: string | boolean | undefined): DryRun {
  if (value === undefined || value === false) return 'none';
  if (value === true || value === '' || value === 'true' || value === 'client') return 'client';
  if (value === 'server' || value === 'none') return value;
  if (value === 'false') return 'none';
  throw new CliError(`error: Invalid dry-run value (${value}). Must be "none", "server", or "client".`);
}

export function dryRunSuffix(d: DryRun): string {
  return d === 'client' ? ' (dry run)' : d === 'server' ? ' (server dry run)' : '';
}

/**
 * kubectl's AddSourceToErr: a server error about an object read from a file names the
 * file: `Error from server (AlreadyExists): error when creating "pod.yaml": ...`.
 */
export function withSource(verb: string, source: string | undefined, err: unknown): unknown {
  if (!source) return err;
  if (err instanceof StatusError) {
    return new StatusError({ ...err.status, message: `error when ${verb} "${source}": ${err.status.message ?? ''}` });
  }
  return err;
}

/**
 * Failures collected while going through several objects; thrown at the end as one
 * CliError: one failure prints as kubectl prints it, several print one per line
 * (kubectl drops the "error: " prefix then).
 */
export class Failures {
  readonly errors: unknown[] = [];

  add(err: unknown): void {
    this.errors.push(err);
  }

  get empty(): boolean {
    return this.errors.length === 0;
  }

  throwIfAny(): void {
    if (this.errors.length === 0) return;
    if (this.errors.length === 1) throw this.errors[0];
    throw new CliError(this.errors.map((e) => formatError(e).replace(/^error: /, '')).join('\n'));
  }
}

export interface TargetFlags {
  filename?: string[];
  /** -k DIR: the objects of a kustomization instead of files. */
  kustomize?: string;
  recursive?: boolean;
  selector?: string;
  fieldSelector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  validate?: boolean;
}

/**
 * Finds the objects a command acts on. Problems with single objects (an unparsable
 * file, an unknown kind) go to `failures` so the rest is still done; problems with the
 * command line itself throw. Listed objects (selectors, --all) come with `obj`.
 */
export async function findTargets(cli: Cli, args: string[], flags: TargetFlags, command: string, failures: Failures): Promise<Target[]> {
  const files = flags.filename ?? [];
  if (files.length > 0 || flags.kustomize) {
    if (args.length > 0) throw new CliError('error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well');
    return manifestTargets(cli, files, flags, failures, command);
  }
  if (args.length === 0) throw new CliError(noResourcesMessage(command));
  const selecting = flags.selector !== undefined || flags.fieldSelector !== undefined || flags.all === true;
  const groups = await parseResourceArgs(cli, args, command);
  const targets: Target[] = [];
  for (const { ri, names } of groups) {
    if (names.length > 0) {
      if (flags.selector !== undefined || flags.fieldSelector !== undefined) throw new CliError('error: name cannot be provided when a selector is specified');
      for (const name of names) {
        if (name === '') throw new CliError('error: resource name may not be empty');
        targets.push({ ri, namespace: ri.namespaced ? cli.namespace() : '', name });
      }
      continue;
    }
    if (!selecting) throw new CliError('error: resource(s) were provided, but no name was specified');
    const ns = !ri.namespaced || flags.allNamespaces ? '' : cli.namespace();
    const list = await cli.client(ri).listAll(ns, { labelSelector: flags.selector, fieldSelector: flags.fieldSelector });
    for (const obj of list.items) {
      obj.apiVersion ??= ri.group ? `${ri.group}/${ri.version}` : ri.version;
      obj.kind ??= ri.kind;
      targets.push({ ri, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', obj });
    }
  }
  return targets;
}

/** The objects of -f manifests, each with its resource and namespace (set on the object when missing). */
export async function manifestTargets(cli: Cli, files: string[], flags: TargetFlags, failures: Failures, command: string): Promise<Target[]> {
  validateFileFlags({ ...flags, filename: files });
  const set = flags.kustomize
    ? await readKustomizeManifests(flags.kustomize, { validate: flags.validate, warn: (line) => cli.warn(line) }).catch((err: unknown) => {
      // get and describe print the builder's errors as a list, without "error: ".
      throw err instanceof CliError && (command === 'get' || command === 'describe') ? new CliError(err.message.replace(/^error: /, '')) : err;
    })
    : await readManifests(files, { recursive: flags.recursive, validate: flags.validate });
  const targets: Target[] = [];
  const failed = failures.errors.length;
  for (const { obj, source } of set.manifests) {
    let ri: ResourceInfo;
    try {
      ri = await cli.resourceForObject(obj);
    } catch (err) {
      failures.add(err);
      continue;
    }
    // Only create may leave the name to the server (generateName); every other verb
    // would address the whole collection.
    if (!obj.metadata.name && command !== 'create') {
      failures.add(new CliError(command === 'apply' && obj.metadata.generateName
        ? `error: from ${obj.metadata.generateName}: cannot use generate name with apply`
        : `error: error when ${command === 'delete' ? 'deleting' : 'processing'} "${source}": resource name may not be empty`));
      continue;
    }
    let namespace = '';
    if (ri.namespaced) {
      const own = obj.metadata.namespace;
      if (own && cli.namespaceExplicit() && own !== cli.namespace()) {
        failures.add(new CliError(`error: the namespace from the provided object "${own}" does not match the namespace "${cli.namespace()}". You must pass '--namespace=${own}' to perform this operation.`));
        continue;
      }
      namespace = own || cli.namespace();
      obj.metadata.namespace = namespace;
    }
    targets.push({ ri, namespace, name: obj.metadata.name ?? '', source, obj });
  }
  for (const e of set.errors) failures.add(e);
  if (targets.length === 0 && failures.errors.length === failed) throw new CliError(`error: no objects passed to ${command}`);
  return targets;
}

/** kubectl's FilenameOptions.validate: -k stands alone (no -f, no -R). */
export function validateFileFlags(flags: TargetFlags): void {
  const problems: string[] = [];
  if ((flags.filename ?? []).length > 0 && flags.kustomize) problems.push('only one of -f or -k can be specified');
  if (flags.kustomize && flags.recursive) problems.push("the -k flag can't be used with -f or -R");
  if (problems.length === 1) throw new CliError(`error: ${problems[0]}`);
  if (problems.length > 1) throw new CliError(problems.join('\n'));
}

/** kubectl's answer when a command was given no objects to act on. */
export function noResourcesMessage(command: string): string {
  if (command === 'label' || command === 'annotate') {
    return 'error: one or more resources must be specified as <resource> <name> or <resource>/<name>';
  }
  return `error: You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'`;
}

/** The object of a target: the one it came with, else a GET. */
export async function fetchTarget(cli: Cli, t: Target): Promise<KubeObject> {
  const obj = await cli.client(t.ri).get(t.namespace, t.name);
  obj.apiVersion ??= t.ri.group ? `${t.ri.group}/${t.ri.version}` : t.ri.version;
  obj.kind ??= t.ri.kind;
  return obj;
}

/**
 * Prints what happened to objects: `kind.group/name verb` (with kubectl's dry-run
 * suffix), or the object for -o json|yaml|name (YAML documents separated by ---).
 */
export class ResultPrinter {
  private printed = 0;
  private readonly format?: OutputFormat;

  constructor(private readonly cli: Cli, output: string | undefined, private readonly dryRun: DryRun = 'none') {
    const format = parseOutput(output);
    // No -o (and no --template): the `kind/name verb` lines.
    if (format.kind === 'table' && (output === undefined || output === '')) return;
    this.format = format;
    if (isHumanReadable(this.format)) {
      throw new CliError(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml`);
    }
  }

  print(ri: Pick<ResourceInfo, 'kind' | 'group'>, obj: KubeObject, verb: string): void {
    if (this.format) {
      // kubectl's OmitManagedFieldsPrinter: -o json/yaml print objects without managedFields.
      const text = formatGeneric([omitsManagedFields(this.format) ? omitManagedFields(obj) : obj], this.format, { single: true });
      if (isTemplate(this.format)) this.cli.out.write(text);
      else this.cli.print(this.format.kind === 'yaml' && this.printed > 0 ? `---\n${text}` : text);
    } else {
      this.cli.print(`${objectName(ri, obj.metadata?.name ?? '')} ${verb}${dryRunSuffix(this.dryRun)}`);
    }
    this.printed++;
  }
}
