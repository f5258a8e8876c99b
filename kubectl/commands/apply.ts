// `tskubectl apply -f`: client-side apply as kubectl does it. A missing object is
// created with the last-applied-configuration annotation; an existing one gets the
// three-way merge patch between its last-applied configuration, the new configuration
// and the live object (kubectl/apply-patch.ts), so fields removed from the
// configuration are removed and fields others set are kept.
import type { Command } from 'commander';
import { groupVersion, type ResourceInfo } from '../../api/registry.js';
import { StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { createApplyPatch, goJson, LAST_APPLIED_ANNOTATION, lastAppliedOf, withLastApplied } from '../apply-patch.js';
import { fileFlags, kustomizeFlag, outputFlags } from '../command-flags.js';
import { Failures, fetchTarget, findTargets, manifestTargets, parseDryRun, ResultPrinter, withSource, type DryRun, type Target } from '../object-targets.js';
import { toJson, toYaml } from '../printers/object.js';

const FIELD_MANAGER = 'kubectl-client-side-apply';
/** kubectl's default manager name for server-side apply. */
const SERVER_SIDE_FIELD_MANAGER = 'kubectl';
/** kubectl retries a patch that hit a conflict this many times, re-reading the object each time. */
const MAX_PATCH_RETRIES = 5;

interface ApplyOpts {
  filename: string[];
  kustomize?: string;
  recursive: boolean;
  output?: string;
  dryRun?: string | boolean;
  validate?: string | boolean;
  fieldManager?: string;
  serverSide: boolean;
  forceConflicts: boolean;
  prune: boolean;
}

export function register(program: Command, cli: Cli): void {
  const apply = program.command('apply')
    .description('Apply a configuration to a resource by file name or stdin')
    .argument('[args...]');
  fileFlags(apply, 'apply');
  kustomizeFlag(apply);
  outputFlags(apply);
  apply
    .option('--validate [mode]', 'Validation of the objects: strict|warn|ignore (true/false)', true)
    .option('--field-manager <name>', 'Name of the manager used to track field ownership (kubectl-client-side-apply, or kubectl with --server-side).')
    .option('--server-side', 'If true, apply runs in the server instead of the client.', false)
    .option('--force-conflicts', 'If true, server-side apply will force the changes against conflicts.', false)
    .option('--prune', 'Prune resources not in the configuration (not supported by tskubectl)', false)
    .action(async (args: string[], opts: ApplyOpts) => {
      if (args.length > 0) throw new CliError(`error: Unexpected args: [${args.join(' ')}]\nSee 'tskubectl apply -h' for help and examples`);
      if (opts.forceConflicts && !opts.serverSide) throw new CliError('error: --force-conflicts only works with --server-side');
      if (opts.prune) throw new CliError('error: --prune is not supported by tskubectl');
      if (opts.filename.length === 0 && !opts.kustomize) throw new CliError('error: must specify one of -f and -k');
      await applyFiles(cli, opts);
    });

  apply.command('view-last-applied')
    .description('View the latest last-applied-configuration annotations of a resource/object')
    .argument('[args...]')
    .option('-f, --filename <file>', 'Filename, directory, or URL to files that contains the last-applied-configuration annotations', (v: string, p: string[] = []) => [...p, v], [])
    .option('-R, --recursive', 'Process the directory used in -f, --filename recursively', false)
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--all', 'Select all resources in the namespace of the specified resource types', false)
    .option('-o, --output <format>', 'Output format. Must be one of (yaml, json)', 'yaml')
    .action(async (args: string[], opts: { filename: string[]; recursive: boolean; selector?: string; all: boolean; output: string }) => {
      if (opts.output !== 'yaml' && opts.output !== 'json') throw new CliError(`error: Unexpected -o output mode: ${opts.output}, the flag 'output' must be one of yaml|json`);
      const failures = new Failures();
      const targets = await findTargets(cli, args, opts, 'view-last-applied', failures);
      for (const t of targets) {
        try {
          const live = await fetchTarget(cli, t);
          const text = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
          if (!text) throw new CliError(`error: no last-applied-configuration annotation found on resource: ${live.metadata.name ?? ''}`);
          const parsed = JSON.parse(text) as unknown;
          cli.print(opts.output === 'json' ? toJson(parsed) : toYaml(parsed));
        } catch (err) {
          failures.add(err);
        }
      }
      failures.throwIfAny();
    });
}

async function applyFiles(cli: Cli, opts: ApplyOpts): Promise<void> {
  const dryRun = parseDryRun(opts.dryRun);
  const failures = new Failures();
  const validate = !(opts.validate === false || opts.validate === 'false' || opts.validate === 'ignore');
  const targets = await manifestTargets(cli, opts.filename, { recursive: opts.recursive, validate, kustomize: opts.kustomize }, failures, 'apply');
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  for (const t of targets) {
    try {
      const { obj, verb } = opts.serverSide
        ? await serverSideApplyOne(cli, t, dryRun, opts.fieldManager ?? SERVER_SIDE_FIELD_MANAGER, opts.forceConflicts)
        : await applyOne(cli, t, dryRun, opts.fieldManager ?? FIELD_MANAGER);
      printer.print(t.ri, obj, verb);
    } catch (err) {
      failures.add(err);
    }
  }
  failures.throwIfAny();
}

/** kubectl's resource.Info String(), as apply's error messages quote it. */
function infoString(t: Target): string {
  const gv = groupVersion(t.ri);
  const [g, v] = gv.includes('/') ? gv.split('/') : ['', gv];
  return `Resource: "${g}/${v}, Resource=${t.ri.plural}", GroupVersionKind: "${g}/${v}, Kind=${t.ri.kind}"\nName: "${t.name}", Namespace: "${t.namespace}"`;
}

async function applyOne(cli: Cli, t: Target, dryRun: DryRun, fieldManager: string): Promise<{ obj: KubeObject; verb: string }> {
  const client = cli.client(t.ri);
  const { annotated } = withLastApplied(t.obj!);
  let current: KubeObject;
  try {
    current = await client.get(t.namespace, t.name);
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) {
      throw withSource(`retrieving current configuration of:\n${infoString(t)}\nfrom server for:`, t.source, err);
    }
    if (dryRun === 'client') return { obj: annotated, verb: 'created' };
    try {
      return { obj: await client.create(t.namespace, annotated, { dryRun: dryRun === 'server', fieldManager }), verb: 'created' };
    } catch (e) {
      throw withSource('creating', t.source, e);
    }
  }
  if (dryRun === 'client') return { obj: annotated, verb: 'configured' };
  if (current.metadata.annotations?.[LAST_APPLIED_ANNOTATION] === undefined) {
    cli.warn(`Warning: resource ${t.ri.plural}/${t.name} is missing the ${LAST_APPLIED_ANNOTATION} annotation which is required by tskubectl apply. tskubectl apply should only be used on resources created declaratively by either tskubectl create --save-config or tskubectl apply. The missing annotation will be patched automatically.`);
  }
  for (let attempt = 0; ; attempt++) {
    const { type, patch } = threeWayPatch(t.ri, current, annotated, t.source);
    if (Object.keys(patch).length === 0) return { obj: current, verb: 'unchanged' };
    try {
      const patched = await client.patch(t.namespace, t.name, type, patch, { dryRun: dryRun === 'server', fieldManager });
      return { obj: patched, verb: 'configured' };
    } catch (err) {
      // Someone changed the object between our read and the patch: read again and redo the patch.
      if (err instanceof StatusError && err.code === 409 && attempt < MAX_PATCH_RETRIES) {
        current = await client.get(t.namespace, t.name);
        continue;
      }
      throw withSource(`applying patch:\n${goJson(patch)}\nto:\n${infoString(t)}\nfor:`, t.source, err);
    }
  }
}

/**
 * --server-side: the configuration is sent as an apply patch; the server merges it,
 * creates the object when absent and reports conflicts with other managers (409), which
 * kubectl explains and --force-conflicts overrides.
 */
async function serverSideApplyOne(cli: Cli, t: Target, dryRun: DryRun, fieldManager: string, force: boolean): Promise<{ obj: KubeObject; verb: string }> {
  if (dryRun === 'client') throw new CliError('error: --dry-run=client doesn\'t work with --server-side (did you mean --dry-run=server instead?)');
  const client = cli.client(t.ri);
  try {
    const obj = await client.apply(t.namespace, t.name, t.obj, { fieldManager, force, dryRun: dryRun === 'server' });
    return { obj, verb: 'serverside-applied' };
  } catch (err) {
    if (err instanceof StatusError && err.code === 409 && err.status.details?.causes?.some((c) => c.reason === 'FieldManagerConflict')) {
      throw new CliError(`error: ${err.message}\n${CONFLICT_HELP}`);
    }
    throw withSource('applying patch', t.source, err);
  }
}

/** kubectl's explanation after an apply conflict. */
const CONFLICT_HELP = `Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts`;

export function threeWayPatch(ri: ResourceInfo, current: KubeObject, modified: KubeObject, source: string | undefined): ReturnType<typeof createApplyPatch> {
  let original: Record<string, unknown> | undefined;
  try {
    original = lastAppliedOf(current);
  } catch {
    throw new CliError(`error: error when retrieving current configuration of:\n${current.kind ?? ri.kind} ${current.metadata.name ?? ''}\nfrom server for: "${source ?? ''}": the ${LAST_APPLIED_ANNOTATION} annotation is not valid JSON`);
  }
  const patch = createApplyPatch(ri.kind, original, modified as Record<string, unknown>, current as Record<string, unknown>);
  if (patch.type === 'merge') {
    // kubectl's preconditions for a JSON merge patch: apply may not rename or retype.
    const p = patch.patch;
    const meta = p.metadata as Record<string, unknown> | undefined;
    if ('apiVersion' in p || 'kind' in p || (meta && 'name' in meta)) throw new CliError('error: At least one of apiVersion, kind and name was changed');
  }
  return patch;
}
