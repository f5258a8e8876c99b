// `tskubectl diff -f`: what apply would change, as kubectl diff shows it. Each object is
// written twice as YAML, LIVE (as the server has it) and MERGED (the server's answer to
// a dry-run apply: a server-side apply patch with --server-side, else the client-side
// apply patch, or a dry-run create for an object that does not exist), into two
// temporary directories compared by `diff -u -N` or KUBECTL_EXTERNAL_DIFF. Exit status:
// 0 when nothing differs, 1 when something does, above 1 on errors.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { fileFlags, kustomizeFlag } from '../command-flags.js';
import { Failures, manifestTargets, type Target } from '../object-targets.js';
import { toYaml } from '../printers/object.js';
import { threeWayPatch } from './apply.js';
import { withoutLastApplied } from '../apply-patch.js';
import { omitManagedFields } from '../printers/object.js';

interface DiffOpts {
  filename: string[];
  kustomize?: string;
  recursive: boolean;
  serverSide: boolean;
  forceConflicts: boolean;
  fieldManager?: string;
  showManagedFields: boolean;
  showSecret: boolean;
}

export function register(program: Command, cli: Cli): void {
  const diff = program.command('diff')
    .description('Diff the live version against a would-be applied version')
    .argument('[args...]');
  fileFlags(diff, 'diff');
  kustomizeFlag(diff);
  diff
    .option('--server-side', 'If true, apply runs in the server instead of the client.', false)
    .option('--force-conflicts', 'If true, server-side apply will force the changes against conflicts.', false)
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.')
    .option('--show-managed-fields', 'If true, include managed fields in the diff.', false)
    .option('--show-secret', 'If true, include Secret data in diff without masking.', false)
    .action(async (args: string[], opts: DiffOpts) => {
      if (args.length > 0) throw new CliError(`error: Unexpected args: [${args.join(' ')}]\nSee 'tskubectl diff -h' for help and examples`);
      if (opts.filename.length === 0 && !opts.kustomize) throw new CliError('error: must specify one of -f and -k', 2);
      if (opts.forceConflicts && !opts.serverSide) throw new CliError('error: --force-conflicts only works with --server-side', 2);
      process.exitCode = await runDiff(cli, opts);
    });
}

/** kubectl diff's file name of an object: `[group.]version.Kind.namespace.name`. */
function fileName(t: Target): string {
  return `${t.ri.group ? `${t.ri.group}.` : ''}${t.ri.version}.${t.ri.kind}.${t.namespace}.${t.name}`;
}

async function runDiff(cli: Cli, opts: DiffOpts): Promise<number> {
  const failures = new Failures();
  const targets = await manifestTargets(cli, opts.filename, { recursive: opts.recursive, validate: true, kustomize: opts.kustomize }, failures, 'diff')
    .catch((err: unknown) => { throw err instanceof CliError ? new CliError(err.message, 2) : err; });
  const live = await mkdtemp(join(tmpdir(), 'LIVE-'));
  const merged = await mkdtemp(join(tmpdir(), 'MERGED-'));
  try {
    for (const t of targets) {
      try {
        const got = await versions(cli, t, opts);
        let from: KubeObject | undefined = got[0];
        let to: KubeObject | undefined = got[1];
        if (!opts.showManagedFields) {
          from = from && omitManagedFields(from);
          to = to && omitManagedFields(to);
        }
        if (!opts.showSecret && t.ri.group === '' && t.ri.kind === 'Secret') [from, to] = maskSecrets(from, to);
        await writeFile(join(live, fileName(t)), from ? toYaml(from) : '');
        await writeFile(join(merged, fileName(t)), to ? toYaml(to) : '');
      } catch (err) {
        failures.add(err);
      }
    }
    if (!failures.empty) {
      try {
        failures.throwIfAny();
      } catch (err) {
        throw err instanceof CliError ? new CliError(err.message, 2) : err;
      }
    }
    return await runProgram(cli, live, merged);
  } finally {
    await rm(live, { recursive: true, force: true });
    await rm(merged, { recursive: true, force: true });
  }
}

/** LIVE and MERGED of one object; a conflict between read and dry run is retried (kubectl's maxRetries). */
async function versions(cli: Cli, t: Target, opts: DiffOpts): Promise<[KubeObject | undefined, KubeObject]> {
  const client = cli.client(t.ri);
  for (let attempt = 1; ; attempt++) {
    let current: KubeObject | undefined;
    try {
      current = await client.get(t.namespace, t.name);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
    try {
      if (opts.serverSide) {
        const obj = await client.apply(t.namespace, t.name, t.obj, { fieldManager: opts.fieldManager ?? 'kubectl', force: opts.forceConflicts, dryRun: true });
        return [current, obj];
      }
      if (!current) return [undefined, await client.create(t.namespace, t.obj!, { dryRun: true, fieldManager: opts.fieldManager })];
      // kubectl's GetModifiedConfiguration(annotate=false).
      const { type, patch } = threeWayPatch(t.ri, current, withoutLastApplied(t.obj!), t.source);
      // Optimistic concurrency unless this is the last attempt, as kubectl diff.
      const p = patch as Record<string, unknown>;
      if (attempt < 4) p.metadata = { ...(p.metadata as Record<string, unknown> | undefined), resourceVersion: current.metadata.resourceVersion };
      const obj = await client.patch(t.namespace, t.name, type, patch, { dryRun: true, fieldManager: opts.fieldManager ?? 'kubectl-client-side-apply' });
      return [current, obj];
    } catch (err) {
      if (err instanceof StatusError && err.code === 409 && attempt < 4 && !err.status.details?.causes?.some((c) => c.reason === 'FieldManagerConflict')) continue;
      throw err;
    }
  }
}

/** kubectl diff's Masker: Secret values become *** (with (before)/(after) where they differ). */
function maskSecrets(from: KubeObject | undefined, to: KubeObject | undefined): [KubeObject | undefined, KubeObject | undefined] {
  const f = from && structuredClone(from) as KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> };
  const t = to && structuredClone(to) as KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> };
  for (const field of ['data', 'stringData'] as const) {
    const fd = f?.[field];
    const td = t?.[field];
    for (const k of new Set([...Object.keys(fd ?? {}), ...Object.keys(td ?? {})])) {
      if (fd && k in fd && td && k in td && fd[k] !== td[k]) {
        fd[k] = '*** (before)';
        td[k] = '*** (after)';
        continue;
      }
      if (fd && k in fd) fd[k] = '***';
      if (td && k in td) td[k] = '***';
    }
  }
  return [f, t];
}

/** Runs diff (or KUBECTL_EXTERNAL_DIFF, its extra words kept when alphanumeric, dash or equals) on the two directories. */
function runProgram(cli: Cli, from: string, to: string): Promise<number> {
  const env = process.env.KUBECTL_EXTERNAL_DIFF;
  let program = 'diff';
  let args = ['-u', '-N', from, to];
  if (env) {
    const words = env.split(' ');
    program = words[0]!;
    args = [from, to, ...words.slice(1).filter((w) => /^[a-zA-Z0-9-=]+$/.test(w))];
  }
  return new Promise((resolve, reject) => {
    execFile(program, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      cli.out.write(stdout);
      if (stderr) process.stderr.write(stderr);
      if (!err) return resolve(0);
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number') return resolve(code);
      reject(new CliError(`error: failed to run "${program}": ${err.message}`, 2));
    });
  });
}
