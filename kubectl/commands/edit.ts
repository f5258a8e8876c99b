// `tskubectl edit TYPE NAME`: the object as YAML (or JSON with -o json) under kubectl's
// header comment, opened in $KUBE_EDITOR, else $EDITOR, else vi; the changes go back as
// a two-way patch (strategic for built-in kinds). When saving fails, the file is
// reopened with the errors in its header; leaving it unchanged then gives up, keeps a
// copy of the changes and reports the error, as kubectl does.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import type { ResourceInfo } from '../../api/registry.js';
import { StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError, formatError } from '../errors.js';
import { createTwoWayPatch, deepEqual, goJson, LAST_APPLIED_ANNOTATION } from '../apply-patch.js';
import { fileFlags } from '../command-flags.js';
import { Failures, fetchTarget, findTargets, ResultPrinter } from '../object-targets.js';
import { asListOrObject, toJson, toYaml } from '../printers/object.js';
import { omitManagedFields } from '../printers/object.js';

interface EditOpts {
  filename: string[];
  recursive: boolean;
  output: string;
  saveConfig: boolean;
  fieldManager: string;
}

const HEADER = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`;

export function register(program: Command, cli: Cli): void {
  const edit = program.command('edit')
    .description('Edit a resource on the server')
    .argument('[args...]');
  fileFlags(edit, 'use to edit the resource');
  edit
    .option('-o, --output <format>', 'Output format for the edited object: yaml or json.', 'yaml')
    .option('--save-config', 'If true, the configuration of current object will be saved in its annotation.', false)
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', 'kubectl-edit')
    .action(async (args: string[], opts: EditOpts) => runEdit(cli, args, opts));
}

interface Item { ri: ResourceInfo; obj: KubeObject }

async function runEdit(cli: Cli, args: string[], opts: EditOpts): Promise<void> {
  if (opts.output !== 'yaml' && opts.output !== 'json') throw new CliError(`error: the flag 'output' must be one of yaml|json`);
  const failures = new Failures();
  const targets = await findTargets(cli, args, opts, 'edit', failures);
  const items: Item[] = [];
  // As kubectl edit without --show-managed-fields: managedFields are neither shown nor patched.
  for (const t of targets) items.push({ ri: t.ri, obj: omitManagedFields(await fetchTarget(cli, t)) });
  failures.throwIfAny();
  if (items.length === 0) return;

  const dir = await mkdtemp(join(tmpdir(), 'tskubectl-edit-'));
  let reasons: Reason[] = [];
  // What the person edits: the live objects first, their own edit after a failed save.
  let content = serialize(items.map((i) => i.obj), opts.output);
  let round = 0;
  let file = '';
  for (;;) {
    const written = header(reasons) + content;
    file = join(dir, `${round++}.${opts.output}`);
    await writeFile(file, written);
    await launchEditor(cli.env, file);
    const edited = await readFile(file, 'utf8');
    if (edited === written) {
      if (reasons.length === 0) {
        cli.warn('Edit cancelled, no changes made.');
        await rm(dir, { recursive: true, force: true });
        return;
      }
      // Reopened after a failure and saved unchanged: give up, keeping the person's work.
      if (reasons.some((r) => r.server)) {
        for (const r of reasons) cli.warn(r.summary);
        cli.warn(`A copy of your changes has been stored to "${file}"`);
        throw new CliError('error: Edit cancelled, no valid changes were saved.');
      }
      cli.warn('Edit cancelled, no changes made.');
      cli.warn(`A copy of your changes has been stored to "${file}"`);
      throw new CliError(reasons.map((r) => r.summary).join('\n'));
    }
    const stripped = edited.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
    if (stripped.trim() === '') {
      cli.warn('Edit cancelled, saved file was empty.');
      await rm(dir, { recursive: true, force: true });
      return;
    }
    content = stripped.replace(/^\n+/, '');
    let editedObjs: KubeObject[];
    try {
      editedObjs = parseEdited(stripped, items.length);
    } catch (err) {
      const msg = `The edited file had a syntax error: ${(err as Error).message}`;
      reasons = [{ header: [msg], summary: `error: ${msg}`, server: false }];
      continue;
    }
    reasons = [];
    const printer = new ResultPrinter(cli, undefined);
    const remaining: Item[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const next = editedObjs[i]!;
      try {
        const result = await saveEdit(cli, item, next, opts);
        if (result) printer.print(item.ri, result.obj, result.verb);
      } catch (err) {
        reasons.push(reasonFor(item.ri, next, err));
        remaining.push({ ri: item.ri, obj: next });
      }
    }
    if (reasons.length === 0) {
      await rm(dir, { recursive: true, force: true });
      return;
    }
    // Reopen with what failed: the person's version of those objects.
    items.splice(0, items.length, ...remaining);
    content = serialize(remaining.map((r) => r.obj), opts.output);
  }
}

/** Why a save failed: the lines for the reopened file's header and the final summary. */
interface Reason { header: string[]; summary: string; server: boolean }

function reasonFor(ri: ResourceInfo, obj: KubeObject, err: unknown): Reason {
  const what = `${ri.plural}${ri.group ? `.${ri.group}` : ''} "${obj.metadata?.name ?? ''}"`;
  if (err instanceof StatusError && err.reason === 'Invalid' && err.status.details?.causes?.length) {
    const causes = err.status.details.causes.map((c) => `* ${c.field ? `${c.field}: ` : ''}${c.message ?? ''}`);
    return { header: [`${what} was not valid:`, ...causes], summary: `error: ${what} is invalid`, server: true };
  }
  const text = formatError(err);
  return { header: text.split('\n'), summary: text, server: err instanceof StatusError };
}

function header(reasons: Reason[]): string {
  if (reasons.length === 0) return HEADER;
  const lines = reasons.flatMap((r) => r.header).map((l) => `# ${l}`.trimEnd());
  return `${HEADER}${lines.join('\n')}\n#\n`;
}

function serialize(objs: KubeObject[], output: string): string {
  const value = asListOrObject(objs);
  return output === 'json' ? toJson(value) : toYaml(value);
}

function parseEdited(text: string, count: number): KubeObject[] {
  const doc = parseDocument(text, { version: '1.1', customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp') });
  if (doc.errors.length) throw new Error(doc.errors[0]!.message.split('\n', 1)[0]);
  const value = doc.toJS() as KubeObject & { items?: KubeObject[] };
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the edited file is not an object');
  const objs = count > 1 || (value.kind === 'List' && Array.isArray(value.items)) ? value.items ?? [] : [value];
  if (objs.length !== count) throw new Error('objects may not be added to or removed from the list being edited');
  return objs;
}

/** Sends one edited object; undefined when nothing changed. */
async function saveEdit(cli: Cli, item: Item, edited: KubeObject, opts: EditOpts): Promise<{ obj: KubeObject; verb: string } | undefined> {
  const original = item.obj;
  if (edited.apiVersion !== original.apiVersion || edited.kind !== original.kind || edited.metadata?.name !== original.metadata.name) {
    throw new CliError('error: At least one of apiVersion, kind and name was changed');
  }
  if (deepEqual(original, edited)) return { obj: original, verb: 'skipped' };
  const next = structuredClone(edited);
  // kubectl keeps an existing last-applied annotation in step with the edit (or adds it for --save-config).
  if (opts.saveConfig || original.metadata.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined) {
    const bare = structuredClone(next);
    const ann = { ...(bare.metadata.annotations ?? {}) };
    delete ann[LAST_APPLIED_ANNOTATION];
    bare.metadata.annotations = ann;
    next.metadata.annotations = { ...ann, [LAST_APPLIED_ANNOTATION]: `${goJson(bare)}\n` };
  }
  const { type, patch } = createTwoWayPatch(item.ri.kind, original as Record<string, unknown>, next as Record<string, unknown>);
  if (Object.keys(patch).length === 0) return { obj: original, verb: 'skipped' };
  const ns = item.ri.namespaced ? original.metadata.namespace ?? cli.namespace() : '';
  const obj = await cli.client(item.ri).patch(ns, original.metadata.name ?? '', type, patch, { fieldManager: opts.fieldManager });
  return { obj, verb: 'edited' };
}

/**
 * kubectl's editor launch: a plain command gets the file as its last argument; a
 * command with spaces is split on them, or run by the shell when it has quotes.
 */
function launchEditor(env: NodeJS.ProcessEnv, file: string): Promise<void> {
  const editor = env.KUBE_EDITOR || env.EDITOR || 'vi';
  const path = resolve(file);
  let argv: string[];
  if (!editor.includes(' ')) argv = [editor, path];
  else if (!/["'\\]/.test(editor)) argv = [...editor.split(' ').filter((s) => s !== ''), path];
  else argv = [env.SHELL || '/bin/bash', '-c', `${editor} ${JSON.stringify(path)}`];
  return new Promise((res, rej) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
    child.on('error', (err) => rej(new CliError(`error: unable to launch the editor "${editor}": ${err.message}`)));
    child.on('exit', (code) => (code === 0 ? res() : rej(new CliError(`error: there was a problem with the editor "${editor}"`))));
  });
}
