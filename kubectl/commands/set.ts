// `tskubectl set image|env|resources|selector|serviceaccount|subject`: kubectl's set
// commands. Each changes its objects through kubectl/set/set-objects.ts (find, change
// a copy, strategic merge patch, print); the rules of each change are here and in
// kubectl/set/pod-spec.ts and env-vars.ts.
import type { Command } from 'commander';
import type { KubeObject } from '../../api/types/meta.js';
import { canonicalQuantity } from '../../api/quantity.js';
import { parseLabelSelector } from '../../api/labels.js';
import type { Cli } from '../context.js';
import { CliError, formatError } from '../errors.js';
import { collectList, collectRepeat } from '../command-flags.js';
import { parseDryRun, ResultPrinter } from '../object-targets.js';
import { createTwoWayPatch } from '../apply-patch.js';
import { podSpecOf, parsePairs, selectContainers, splitResourcesAndPairs, type ContainerLike, type EnvVar } from '../set/pod-spec.js';
import { checkNoOverwrites, envVarRefString, keyToEnvName, parseEnv, splitEnvironmentFromResources, updateEnv } from '../set/env-vars.js';
import { infoName, localDryRunCheck, patchObjects, setFlags, setTargets, throwAggregate, type SetFlags, type SetTarget } from '../set/set-objects.js';

export function register(program: Command, cli: Cli): void {
  const set = program.command('set')
    .description('Set specific features on objects')
    .addHelpText('after', `
Configure application resources.

 These commands help you make changes to existing application resources.`);
  registerImage(set, cli);
  registerResources(set, cli);
  registerSelector(set, cli);
  registerSubject(set, cli);
  registerServiceAccount(set, cli);
  registerEnv(set, cli);
  set.action(() => {
    set.outputHelp();
  });
}

const fail = (message: string): never => {
  throw new CliError(`error: ${message}`);
};

/** A pure rule's Error as kubectl's "error: message". */
function check<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CliError) throw err;
    return fail((err as Error).message);
  }
}

// ---------------------------------------------------------------- image

interface ImageOpts extends SetFlags {}

function registerImage(set: Command, cli: Cli): void {
  const cmd = set.command('image')
    .description('Update the image of a pod template')
    .usage('(-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N')
    .argument('[args...]')
    .addHelpText('after', `
Possible resources include (case insensitive):

  pod (po), replicationcontroller (rc), deployment (deploy), daemonset (ds), statefulset (sts), cronjob (cj), replicaset (rs)`);
  setFlags(cmd, 'identifying the resource to get from a server.');
  cmd.action(async (args: string[], opts: ImageOpts) => {
    const dryRun = parseDryRun(opts.dryRun);
    const { resources, pairs } = check(() => splitResourcesAndPairs(args, 'image'));
    const images = check(() => parsePairs(pairs, 'image', false)).set;
    const targets = await setTargets(cli, resources, opts);
    const problems: string[] = [];
    if (opts.all && opts.selector) problems.push('cannot set --all and --selector at the same time');
    if (resources.length < 1 && opts.filename.length === 0) problems.push('one or more resources must be specified as <resource> <name> or <resource>/<name>');
    if (images.size < 1) problems.push('at least one image update is required');
    else if (images.size > 1 && images.has('*')) problems.push('all containers are already specified by *, but saw more than one container_name=container_image pairs');
    if (opts.local && dryRun === 'server') problems.push('cannot specify --local and --dry-run=server - did you mean --dry-run=client?');
    throwAggregate(problems);
    const errors: string[] = [];
    await patchObjects(cli, targets, opts, (obj) => {
      const spec = podSpecOf(obj);
      for (const [name, image] of images) {
        const init = setImage(spec.initContainers, name, image);
        const main = setImage(spec.containers, name, image);
        if (!init && !main) errors.push(`error: unable to find container named "${name}"`);
      }
    }, { verb: 'image updated', patchFailure: 'failed to patch image update to pod template:', errors });
  });
}

function setImage(containers: ContainerLike[] | undefined, name: string, image: string): boolean {
  let found = false;
  for (const c of containers ?? []) {
    if (c.name === name || name === '*') {
      c.image = image;
      found = true;
    }
  }
  return found;
}

// ---------------------------------------------------------------- resources

interface ResourcesOpts extends SetFlags {
  containers: string;
  limits?: string;
  requests?: string;
}

function registerResources(set: Command, cli: Cli): void {
  const cmd = set.command('resources')
    .description('Update resource requests/limits on objects with pod templates')
    .usage('(-f FILENAME | TYPE NAME)  ([--limits=LIMITS & --requests=REQUESTS]')
    .argument('[args...]')
    .addHelpText('after', `
Possible resources include (case insensitive): replicationcontroller (rc), deployment (deploy), daemonset (ds), job, replicaset (rs), statefulset`);
  setFlags(cmd, 'identifying the resource to get from a server.');
  cmd
    .option('-c, --containers <names>', 'The names of containers in the selected pod templates to change, all containers are selected by default - may use wildcards', '*')
    .option('--limits <list>', 'The resource requirement requests for this container.  For example, \'cpu=100m,memory=256Mi\'.  Note that server side components may assign requests depending on the server configuration, such as limit ranges.')
    .option('--requests <list>', 'The resource requirement requests for this container.  For example, \'cpu=100m,memory=256Mi\'.  Note that server side components may assign requests depending on the server configuration, such as limit ranges.')
    .action(async (args: string[], opts: ResourcesOpts) => {
      const dryRun = parseDryRun(opts.dryRun);
      const targets = await setTargets(cli, args, opts);
      localDryRunCheck(opts, dryRun);
      if (!opts.limits && !opts.requests) fail('you must specify an update to requests or limits (in the form of --requests/--limits)');
      const limits = check(() => resourceList(opts.limits ?? ''));
      const requests = check(() => resourceList(opts.requests ?? ''));
      const errors: string[] = [];
      await patchObjects(cli, targets, opts, (obj) => {
        const containers = selectContainers(podSpecOf(obj), opts.containers);
        if (containers.length === 0) {
          errors.push(`error: unable to find container named ${opts.containers}`);
          return false;
        }
        for (const c of containers) {
          c.resources ??= {};
          if (opts.limits) c.resources.limits = { ...(c.resources.limits ?? {}), ...limits };
          if (opts.requests) c.resources.requests = { ...(c.resources.requests ?? {}), ...requests };
        }
        return true;
      }, { verb: 'resource requirements updated', patchFailure: 'failed to patch resources update to pod template', errors });
    });
}

/** populateResourceListV1: "cpu=100m,memory=256Mi", quantities in the canonical form the server keeps. */
export function resourceList(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (spec === '') return out;
  for (const statement of spec.split(',')) {
    const parts = statement.split('=');
    if (parts.length !== 2) throw new Error(`Invalid argument syntax ${statement}, expected <resource>=<value>`);
    out[parts[0]!] = canonicalQuantity(parts[1]!);
  }
  return out;
}

// ---------------------------------------------------------------- selector

interface SelectorOpts extends SetFlags {
  resourceVersion?: string;
}

function registerSelector(set: Command, cli: Cli): void {
  const cmd = set.command('selector')
    .description('Set the selector on a resource')
    .usage('(-f FILENAME | TYPE NAME) EXPRESSIONS [--resource-version=version]')
    .argument('[args...]')
    .addHelpText('after', `
Set the selector on a resource. Note that the new selector will overwrite the old selector if the resource had one prior to the invocation of 'set selector'.

 A selector must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 63 characters. If --resource-version is specified, then updates will use this resource version, otherwise the existing resource-version will be used. Note: currently selectors can only be set on Service objects.`);
  setFlags(cmd, 'identifying the resource.');
  cmd
    .option('--resource-version <version>', 'If non-empty, the selectors update will only succeed if this is the current resource-version for the object. Only valid when specifying a single resource.')
    .action(async (args: string[], opts: SelectorOpts) => {
      const dryRun = parseDryRun(opts.dryRun);
      const resources = args.slice(0, -1);
      const expression = args.at(-1);
      const selector = expression === undefined ? undefined : check(() => toLabelSelector(expression));
      const targets = await setTargets(cli, resources, opts);
      if (!selector) fail('one selector is required');
      const printer = new ResultPrinter(cli, opts.output, dryRun);
      const writeToServer = !(opts.local || dryRun === 'client');
      // kubectl visits the objects one by one and stops at the first failure.
      for (const t of targets) {
        const after = structuredClone(t.obj);
        const before = structuredClone(t.obj);
        if (opts.resourceVersion) {
          before.metadata.resourceVersion = '';
          after.metadata.resourceVersion = opts.resourceVersion;
        }
        if (after.kind !== 'Service') fail('setting a selector is only supported for Services');
        if (selector!.matchExpressions.length > 0) fail(`match expression ${goExpressions(selector!.matchExpressions)} not supported on this object`);
        const svc = after as KubeObject & { spec?: Record<string, unknown> };
        svc.spec ??= {};
        svc.spec.selector = Object.keys(selector!.matchLabels).length ? { ...selector!.matchLabels } : undefined;
        if (!writeToServer) {
          printer.print(t.ri, after, 'selector updated');
          continue;
        }
        await sendPatch(cli, t, before, after, opts, dryRun === 'server', printer, 'selector updated');
      }
    });
}

/** metav1.ParseToLabelSelector: equality terms as matchLabels, the rest as expressions. */
function toLabelSelector(text: string): { matchLabels: Record<string, string>; matchExpressions: { key: string; operator: string; values?: string[] }[] } {
  const out = { matchLabels: {} as Record<string, string>, matchExpressions: [] as { key: string; operator: string; values?: string[] }[] };
  const ops: Partial<Record<string, string>> = { in: 'In', notin: 'NotIn', exists: 'Exists', '!': 'DoesNotExist' };
  for (const r of parseLabelSelector(text).requirements) {
    if (r.operator === '=' || r.operator === '==') {
      out.matchLabels[r.key] = r.values[0] ?? '';
      continue;
    }
    if (r.operator === 'gt' || r.operator === 'lt') throw new Error(`"${r.operator}" isn't supported in label selectors`);
    const op = ops[r.operator];
    if (!op) throw new Error(`"${r.operator}" is not a valid label selector operator`);
    out.matchExpressions.push({ key: r.key, operator: op, ...(r.values.length ? { values: [...r.values] } : {}) });
  }
  return out;
}

function goExpressions(exprs: { key: string; operator: string; values?: string[] }[]): string {
  return `[${exprs.map((e) => `{${e.key} ${e.operator} [${(e.values ?? []).join(' ')}]}`).join(' ')}]`;
}

async function sendPatch(cli: Cli, t: SetTarget, before: KubeObject, after: KubeObject, opts: SetFlags, serverDryRun: boolean, printer: ResultPrinter, verb: string): Promise<void> {
  const patch = createTwoWayPatch(after.kind ?? t.ri.kind, before as never, after as never);
  const actual = await cli.client(t.ri).patch(t.namespace, t.name, patch.type, patch.patch, { dryRun: serverDryRun, fieldManager: opts.fieldManager });
  printer.print(t.ri, actual, verb);
}

// ---------------------------------------------------------------- serviceaccount

function registerServiceAccount(set: Command, cli: Cli): void {
  const cmd = set.command('serviceaccount')
    .alias('sa')
    .description('Update the service account of a resource')
    .usage('(-f FILENAME | TYPE NAME) SERVICE_ACCOUNT')
    .argument('[args...]')
    .addHelpText('after', `
Possible resources (case insensitive) can be:

 replicationcontroller (rc), deployment (deploy), daemonset (ds), job, replicaset (rs), statefulset`);
  setFlags(cmd, 'identifying the resource to get from a server.', false);
  cmd.action(async (args: string[], opts: SetFlags) => {
    localDryRunCheck(opts, parseDryRun(opts.dryRun));
    if (args.length === 0) fail('serviceaccount is required');
    const name = args.at(-1)!;
    const targets = await setTargets(cli, args.slice(0, -1), opts, { argsIgnoredWhenLocal: true });
    await patchObjects(cli, targets, opts, (obj) => {
      podSpecOf(obj).serviceAccountName = name;
    }, { verb: 'serviceaccount updated', patchFailure: 'failed to patch ServiceAccountName', printUnchanged: true });
  });
}

// ---------------------------------------------------------------- subject

interface SubjectOpts extends SetFlags {
  user: string[];
  group: string[];
  serviceaccount: string[];
}

interface Subject { kind: string; apiGroup?: string; name: string; namespace?: string }

function registerSubject(set: Command, cli: Cli): void {
  const cmd = set.command('subject')
    .description('Update the user, group, or service account in a role binding or cluster role binding')
    .usage('(-f FILENAME | TYPE NAME) [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none]')
    .argument('[args...]');
  setFlags(cmd, 'the resource to update the subjects');
  cmd
    .option('--user <name>', 'Usernames to bind to the role', collectRepeat, [])
    .option('--group <name>', 'Groups to bind to the role', collectRepeat, [])
    .option('--serviceaccount <namespace:name>', 'Service accounts to bind to the role', collectRepeat, [])
    .action(async (args: string[], opts: SubjectOpts) => {
      const dryRun = parseDryRun(opts.dryRun);
      const targets = await setTargets(cli, args, opts);
      localDryRunCheck(opts, dryRun);
      if (opts.user.length === 0 && opts.group.length === 0 && opts.serviceaccount.length === 0) fail('you must specify at least one value of user, group or serviceaccount');
      for (const sa of opts.serviceaccount) {
        const tokens = sa.split(':');
        if (tokens.length !== 2 || tokens[1] === '') fail('serviceaccount must be <namespace>:<name>');
        if (tokens[0] === '' && targets.some((t) => t.obj.kind === 'ClusterRoleBinding')) fail('serviceaccount must be <namespace>:<name>, namespace must be specified');
      }
      const sorted = (xs: string[]): string[] => [...new Set(xs)].sort();
      const wanted: Subject[] = [
        ...sorted(opts.user).map((name) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name })),
        ...sorted(opts.group).map((name) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name })),
        ...sorted(opts.serviceaccount).map((sa) => {
          const [ns, name] = sa.split(':') as [string, string];
          return { kind: 'ServiceAccount', name, namespace: ns || cli.namespace() };
        }),
      ];
      await patchObjects(cli, targets, opts, (obj) => {
        if (obj.kind !== 'RoleBinding' && obj.kind !== 'ClusterRoleBinding') throw new Error('setting subjects is only supported for RoleBinding/ClusterRoleBinding');
        const b = obj as KubeObject & { subjects?: Subject[] };
        const existing = b.subjects ?? [];
        const added = wanted.filter((w) => !existing.some((e) => sameSubject(e, w)));
        if (added.length === 0) return false;
        b.subjects = [...existing, ...added];
        return true;
      }, { verb: 'subjects updated', patchFailure: 'failed to patch subjects to rolebinding:' });
    });
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.kind === b.kind && (a.apiGroup ?? '') === (b.apiGroup ?? '') && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}

// ---------------------------------------------------------------- env

interface EnvOpts extends SetFlags {
  containers: string;
  from?: string;
  prefix?: string;
  env: string[];
  keys: string[];
  list: boolean;
  resolve: boolean;
  overwrite: boolean;
}

function registerEnv(set: Command, cli: Cli): void {
  const cmd = set.command('env')
    .description('Update environment variables on a pod template')
    .usage('RESOURCE/NAME KEY_1=VAL_1 ... KEY_N=VAL_N')
    .argument('[args...]')
    .addHelpText('after', `
Possible resources include (case insensitive):

  pod (po), replicationcontroller (rc), deployment (deploy), daemonset (ds), statefulset (sts), cronjob (cj), replicaset (rs)`);
  setFlags(cmd, 'the resource to update the env');
  cmd
    .option('-c, --containers <names>', 'The names of containers in the selected pod templates to change - may use wildcards', '*')
    .option('--from <resource>', 'The name of a resource from which to inject environment variables')
    .option('--prefix <prefix>', 'Prefix to append to variable names')
    .option('-e, --env <KEY=VALUE>', 'Specify a key-value pair for an environment variable to set into each container.', collectRepeat, [])
    .option('--keys <keys>', 'Comma-separated list of keys to import from specified resource', collectList, [])
    .option('--list', 'If true, display the environment and any changes in the standard format. this flag will removed when we have kubectl view env.', false)
    .option('--resolve', 'If true, show secret or configmap references when listing variables', false)
    .option('--overwrite', 'If true, allow environment to be overwritten, otherwise reject updates that overwrite existing environment.', true)
    .option('--no-overwrite', 'Reject updates that overwrite existing environment.')
    .action(async (args: string[], opts: EnvOpts) => runEnv(cli, args, opts));
}

async function runEnv(cli: Cli, args: string[], opts: EnvOpts): Promise<void> {
  if (opts.all && opts.selector) fail('cannot set --all and --selector at the same time');
  const split = splitEnvironmentFromResources(args);
  if (!split) fail(`all resources must be specified before environment changes: ${args.join(' ')}`);
  const { resources, envArgs } = split!;
  const dryRun = parseDryRun(opts.dryRun);
  localDryRunCheck(opts, dryRun);
  if (opts.filename.length === 0 && resources.length < 1) fail('one or more resources must be specified as <resource> <name> or <resource>/<name>');
  if (opts.list && opts.output) fail('--list and --output may not be specified together');
  if (opts.keys.length > 0 && !opts.from) fail('when specifying --keys, a configmap or secret must be provided with --from');

  let stdinText: Promise<string> | undefined;
  const readStdin = (): Promise<string> => (stdinText ??= readAll());
  const parsed = await parseEnv([...opts.env, ...envArgs], readStdin).catch((err: Error) => fail(err.message));
  const env = parsed.env;
  if (opts.from) env.push(...await envFrom(cli, opts));
  if (opts.prefix) for (const e of env) e.name = `${opts.prefix}${e.name}`;

  const targets = await setTargets(cli, resources, opts);
  const store = new RefStore(cli);
  if (opts.list) {
    for (const t of targets) {
      const errors: string[] = [];
      try {
        await listEnv(cli, t, opts, env, parsed.remove, store, errors);
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
      if (errors.length > 0) throwAggregate([`error: ${infoName(t)} ${errors[0]!}\n`]);
    }
    return;
  }
  await patchObjects(cli, targets, opts, (obj) => {
    const containers = selectContainers(podSpecOf(obj), opts.containers);
    if (containers.length === 0) {
      cli.warn(`Warning: ${obj.kind ?? ''}/${obj.metadata.name ?? ''} does not have any containers matching "${opts.containers}"`);
      return;
    }
    for (const c of containers) {
      if (!opts.overwrite) checkNoOverwrites(c.env ?? [], env);
      const next = updateEnv(c.env ?? [], env, parsed.remove);
      if (next.length > 0) c.env = next;
      else delete c.env;
    }
  }, { verb: 'env updated', patchFailure: 'failed to patch env update to pod template:' });
}

/** --list: each selected container's env after the change, references resolved with --resolve. */
async function listEnv(cli: Cli, t: SetTarget, opts: EnvOpts, env: EnvVar[], remove: string[], store: RefStore, errors: string[]): Promise<void> {
  const obj = structuredClone(t.obj);
  const containers = selectContainers(podSpecOf(obj), opts.containers);
  if (containers.length === 0) {
    cli.warn(`Warning: ${obj.kind ?? ''}/${obj.metadata.name ?? ''} does not have any containers matching "${opts.containers}"`);
    return;
  }
  let unresolved = false;
  for (const c of containers) {
    if (!opts.overwrite) checkNoOverwrites(c.env ?? [], env);
    c.env = updateEnv(c.env ?? [], env, remove);
    const lines: string[] = [`# ${obj.kind ?? ''} ${obj.metadata.name ?? ''}, container ${c.name}`];
    const resolveErrors = new Map<string, string[]>();
    for (const e of c.env) {
      if (!e.valueFrom) {
        lines.push(`${e.name}=${e.value ?? ''}`);
        continue;
      }
      if (!opts.resolve) {
        lines.push(`# ${e.name} from ${envVarRefString(e.valueFrom)}`);
        continue;
      }
      try {
        lines.push(`${e.name}=${await store.value(t.namespace, e, obj)}`);
      } catch (err) {
        lines.push(`# ${e.name} from ${envVarRefString(e.valueFrom)}`);
        const msg = err instanceof Error && !(err instanceof CliError) ? err.message : formatError(err).replace(/^Error from server \([^)]*\): /, '');
        resolveErrors.set(msg, [...(resolveErrors.get(msg) ?? []), e.name]);
        unresolved = true;
      }
    }
    cli.print(lines.join('\n'));
    const errs = [...resolveErrors].map(([msg, vars]) => `error retrieving reference for ${vars.sort().join(', ')}: ${msg}`).sort();
    for (const e of errs) cli.warn(e);
  }
  if (unresolved) errors.push('failed to retrieve valueFrom references');
}

/** The values of secret and config map keys (each object read once), and field paths. */
class RefStore {
  private readonly objects = new Map<string, Promise<KubeObject>>();

  constructor(private readonly cli: Cli) {}

  async value(namespace: string, e: EnvVar, obj: KubeObject): Promise<string> {
    const from = e.valueFrom!;
    if (from.secretKeyRef) {
      const s = await this.get('secrets', namespace, from.secretKeyRef.name ?? '');
      const data = (s as { data?: Record<string, string> }).data?.[from.secretKeyRef.key];
      if (data === undefined) throw new Error(`key ${from.secretKeyRef.key} not found in secret ${from.secretKeyRef.name ?? ''}`);
      return Buffer.from(data, 'base64').toString('utf8');
    }
    if (from.configMapKeyRef) {
      const cm = await this.get('configmaps', namespace, from.configMapKeyRef.name ?? '');
      const data = (cm as { data?: Record<string, string> }).data?.[from.configMapKeyRef.key];
      if (data === undefined) throw new Error(`key ${from.configMapKeyRef.key} not found in config map ${from.configMapKeyRef.name ?? ''}`);
      return data;
    }
    if (from.fieldRef) return fieldPathValue(obj, from.fieldRef.fieldPath);
    throw new Error(from.resourceFieldRef ? `Unsupported container resource : ${from.resourceFieldRef.resource}` : 'invalid valueFrom');
  }

  private get(type: string, namespace: string, name: string): Promise<KubeObject> {
    const key = `${type}/${name}`;
    let p = this.objects.get(key);
    if (!p) {
      p = this.cli.resource(type).then((ri) => this.cli.client(ri).get(namespace, name));
      this.objects.set(key, p);
    }
    return p;
  }
}

/** extractFieldPathAsString for the metadata paths kubectl resolves. */
function fieldPathValue(obj: KubeObject, path: string): string {
  const m = /^(metadata\.(?:annotations|labels))\['(.*)'\]$/.exec(path);
  const md = obj.metadata;
  if (m) return (m[1] === 'metadata.labels' ? md.labels : md.annotations)?.[m[2]!] ?? '';
  const formatMap = (x: Record<string, string> | undefined): string =>
    Object.keys(x ?? {}).sort().map((k) => `${k}="${x![k]!}"\n`).join('');
  switch (path) {
    case 'metadata.annotations': return formatMap(md.annotations);
    case 'metadata.labels': return formatMap(md.labels);
    case 'metadata.name': return md.name ?? '';
    case 'metadata.namespace': return md.namespace ?? '';
    case 'metadata.uid': return md.uid ?? '';
    default: throw new Error(`unsupported fieldPath: ${path}`);
  }
}

/** --from=configmap/NAME|secret/NAME: one variable per key (only --keys), as references. */
async function envFrom(cli: Cli, opts: EnvOpts): Promise<EnvVar[]> {
  const sources = opts.local ? [] : await setTargets(cli, [opts.from!], { ...opts, filename: [], all: false });
  const out: EnvVar[] = [];
  for (const { obj } of sources) {
    if (obj.kind !== 'Secret' && obj.kind !== 'ConfigMap') fail('unsupported resource specified in --from');
    const keys = Object.keys((obj as { data?: Record<string, string> }).data ?? {}).sort();
    for (const key of keys) {
      if (opts.keys.length > 0 && !opts.keys.includes(key)) continue;
      const name = keyToEnvName(key);
      if (name !== key) cli.warn(`Warning: key ${key} transferred to ${name}`);
      const ref = { name: obj.metadata.name ?? '', key };
      out.push({ name, valueFrom: obj.kind === 'Secret' ? { secretKeyRef: ref } : { configMapKeyRef: ref } });
    }
  }
  return out;
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
