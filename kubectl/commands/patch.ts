// `tskubectl patch`: a strategic merge, JSON merge or JSON patch (-p, or --patch-file;
// YAML is accepted and turned into JSON as kubectl does) sent to each selected object.
// "patched (no change)" when the object the server returns equals the one read before.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { applyPatch, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from '../../api/patch/index.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { deepEqual } from '../apply-patch.js';
import { fileFlags, outputFlags } from '../command-flags.js';
import { Failures, fetchTarget, findTargets, parseDryRun, ResultPrinter, withSource } from '../object-targets.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { PatchType } from '../../client/resource-client.js';
import { StatusError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/registry.js';

interface PatchOpts {
  filename: string[];
  recursive: boolean;
  patch?: string;
  patchFile?: string;
  type: string;
  output?: string;
  dryRun?: string | boolean;
  subresource?: string;
  fieldManager: string;
  local: boolean;
}

const MEDIA_TYPES: Record<PatchType, string> = { strategic: STRATEGIC_MERGE_PATCH, merge: MERGE_PATCH, json: JSON_PATCH };

export function register(program: Command, cli: Cli): void {
  const patch = program.command('patch')
    .description('Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON patch')
    .argument('[args...]');
  fileFlags(patch, 'update');
  outputFlags(patch);
  patch
    .option('-p, --patch <patch>', 'The patch to be applied to the resource JSON file.')
    .option('--patch-file <file>', 'A file containing a patch to be applied to the resource.')
    .option('--type <type>', 'The type of patch being provided; one of [json merge strategic]', 'strategic')
    .option('--subresource <name>', 'If specified, patch will operate on the subresource of the requested object.')
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', 'kubectl-patch')
    .option('--local', 'If true, patch will operate on the content of the file, not the server-side resource.', false)
    .action(async (args: string[], opts: PatchOpts) => runPatch(cli, args, opts));
}

/** The patch text as JSON; kubectl accepts YAML too (yaml.ToJSON). */
function patchBody(text: string): string {
  const trimmed = text.trim();
  try {
    JSON.parse(trimmed);
    return trimmed;
  } catch {
    try {
      return JSON.stringify(parseYaml(trimmed, { version: '1.1' }) ?? null);
    } catch (err) {
      throw new CliError(`error: unable to parse "${text}": ${(err as Error).message.split('\n', 1)[0]}`);
    }
  }
}

async function runPatch(cli: Cli, args: string[], opts: PatchOpts): Promise<void> {
  if (!['json', 'merge', 'strategic'].includes(opts.type)) throw new CliError(`error: --type must be one of [json merge strategic], not "${opts.type}"`);
  if (opts.patch !== undefined && opts.patchFile !== undefined) throw new CliError('error: --patch and --patch-file cannot be specified together');
  let text = opts.patch;
  if (opts.patchFile !== undefined) text = await readFile(opts.patchFile, 'utf8').catch(() => { throw new CliError(`error: unable to read patch file: open ${opts.patchFile}: no such file or directory`); });
  if (text === undefined || text === '') throw new CliError('error: must specify --patch or --patch-file containing the contents of the patch');
  const body = patchBody(text);
  const type = opts.type as PatchType;
  const dryRun = parseDryRun(opts.dryRun);
  if (opts.local && opts.filename.length === 0) throw new CliError('error: cannot specify --local and server resources');
  const failures = new Failures();
  const targets = await findTargets(cli, args, { filename: opts.filename, recursive: opts.recursive }, 'patch', failures);
  // kubectl patch prints no dry-run suffix.
  const printer = new ResultPrinter(cli, opts.output);
  for (const t of targets) {
    try {
      if (opts.local || dryRun === 'client') {
        // Patch the object locally: the file's for --local, the server's for a client dry run.
        const base = opts.local ? t.obj! : await fetchTarget(cli, t);
        const patched = applyPatch(MEDIA_TYPES[type], base, JSON.parse(body), t.ri.kind) as KubeObject;
        printer.print(t.ri, patched, 'patched');
        continue;
      }
      const before = opts.subresource ? await cli.client(t.ri).getSubresource<KubeObject>(t.namespace, t.name, opts.subresource) : await fetchTarget(cli, t);
      const after = await cli.client(t.ri).patch(t.namespace, t.name, type, body, { dryRun: dryRun === 'server', fieldManager: opts.fieldManager, subresource: opts.subresource });
      // A subresource's answer is named by its own kind, as kubectl prints it: scale.autoscaling/web.
      const named = opts.subresource && after.kind ? { kind: after.kind, group: groupOf(after.apiVersion) } : t.ri;
      printer.print(named, after, deepEqual(stripType(before), stripType(after)) ? 'patched (no change)' : 'patched');
    } catch (err) {
      failures.add(withSource('patching', t.source, unsupportedPatch(err, type, t.ri)));
    }
  }
  failures.throwIfAny();
}

/**
 * A 415 (a strategic merge patch sent to a custom resource, which only takes JSON and
 * merge patches) as kubectl words it: "<media type> is not supported by <GVK>: <message>".
 */
function unsupportedPatch(err: unknown, type: PatchType, ri: ResourceInfo): unknown {
  if (!(err instanceof StatusError) || err.status.code !== 415) return err;
  const gvk = `${ri.group ? `${ri.group}/` : ''}${ri.version}, Kind=${ri.kind}`;
  return new CliError(`error: ${MEDIA_TYPES[type]} is not supported by ${gvk}: ${err.status.message ?? ''}`);
}

const groupOf = (apiVersion: string | undefined): string => (apiVersion?.includes('/') ? apiVersion.split('/')[0]! : '');

// GET and PATCH answers compare without apiVersion/kind, which only one of them may carry.
function stripType(o: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest as KubeObject;
}
