// kubectl's plugin mechanism (pkg/cmd/cmd.go HandlePluginCommand, pkg/cmd/plugin):
// `tskubectl foo bar --x` runs the executable `tskubectl-foo-bar` (else `tskubectl-foo`)
// found on PATH with the remaining arguments, when `foo` is not a built-in command;
// dashes inside an argument become underscores in the name (`a-b` → `tskubectl-a_b`).
// The plugin's exit code becomes ours. `plugin list` shows every `tskubectl-*` file on
// PATH with kubectl's warnings (not executable, overshadowed, overwrites a command).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const PLUGIN_PREFIX = 'tskubectl-';

/** An executable file (not a directory, some execute bit set), as Go's isExecutable. */
function isExecutable(path: string): boolean {
  const st = statSync(path);
  return !st.isDirectory() && (st.mode & 0o111) !== 0;
}

/** exec.LookPath of `tskubectl-<name>`: the first executable of that name in PATH's directories. */
export function lookupPlugin(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const path = join(dir || '.', PLUGIN_PREFIX + name);
    try {
      if (isExecutable(path)) return path;
    } catch { /* not there */ }
  }
  return undefined;
}

export type PluginMatch = { path: string; args: string[] } | { error: string };

/**
 * HandlePluginCommand: the leading non-flag arguments, dashes made underscores, name the
 * plugin; the longest name found on PATH wins and gets the arguments after it. A flag
 * first is an error; no plugin found is undefined (the caller reports the unknown command).
 */
export function findPlugin(args: readonly string[], lookup: (name: string) => string | undefined): PluginMatch | undefined {
  const names: string[] = [];
  for (const a of args) {
    if (a.startsWith('-')) break;
    names.push(a.replaceAll('-', '_'));
  }
  if (names.length === 0) return { error: `flags cannot be placed before plugin name: ${args[0]}` };
  for (let n = names.length; n >= 1; n--) {
    const path = lookup(names.slice(0, n).join('-'));
    if (path) return { path, args: args.slice(n) };
  }
  return undefined;
}

/**
 * Runs a plugin with our stdio and environment, as kubectl's exec does: resolves with its
 * exit code; a plugin killed by a signal kills us with the same signal.
 */
export function runPlugin(path: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: 'inherit' });
    // The terminal sends Ctrl-C to the whole process group: the plugin decides what to do.
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    child.once('error', (err) => reject(err));
    child.once('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}

export interface PluginListing {
  /** What to print, in order: the plugins on stdout, the warnings ("  - ...") on stderr. */
  lines: { stderr: boolean; text: string }[];
  /** The final error text (kubectl's aggregated "error: ..." lines), when there is one. */
  error?: string;
}

/**
 * `plugin list`: every file named tskubectl-* in PATH's directories (each directory once,
 * in order), with kubectl's CommandOverrideVerifier warnings. commandPathOf answers the
 * built-in command a plugin's name would shadow ("tskubectl get"), or undefined.
 */
export function listPlugins(pathEnv: string, nameOnly: boolean, commandPathOf: (words: string[]) => string | undefined): PluginListing {
  const lines: PluginListing['lines'] = [];
  const out = (text: string): void => { lines.push({ stderr: false, text }); };
  const err = (text: string): void => { lines.push({ stderr: true, text }); };
  const errors: string[] = [];
  let warnings = 0;
  let found = false;
  const seen = new Map<string, string>();
  for (const dir of [...new Set(pathEnv.split(delimiter))]) {
    if (dir.trim() === '') continue;
    let files: string[];
    try {
      files = readdirSync(dir).sort();
    } catch (e) {
      err(`Unable to read directory ${JSON.stringify(dir)} from your PATH: open ${dir}: ${describeFsError(e)}. Skipping...\n`);
      continue;
    }
    for (const name of files) {
      const path = join(dir, name);
      let isDir: boolean;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        isDir = false;
      }
      if (isDir || !name.startsWith(PLUGIN_PREFIX)) continue;
      if (!found) {
        out('The following compatible plugins are available:\n\n');
        found = true;
      }
      out(`${nameOnly ? name : path}\n`);
      const problems: string[] = [];
      try {
        if (!isExecutable(path)) problems.push(`warning: ${path} identified as a kubectl plugin, but it is not executable`);
      } catch (e) {
        problems.push(`error: unable to identify ${path} as an executable file: stat ${path}: ${describeFsError(e)}`);
      }
      const previous = seen.get(name);
      if (previous) problems.push(`warning: ${path} is overshadowed by a similarly named plugin: ${previous}`);
      else seen.set(name, path);
      const words = name.split('-');
      const shadowed = commandPathOf(words.length > 1 ? words.slice(1) : words);
      if (shadowed) problems.push(`warning: ${name} overwrites existing command: ${JSON.stringify(shadowed)}`);
      for (const p of problems) err(`  - ${p}\n`);
      warnings += problems.length;
    }
  }
  if (!found) errors.push('error: unable to find any tskubectl plugins in your PATH');
  if (warnings === 1) errors.push('error: one plugin warning was found');
  else if (warnings > 1) errors.push(`error: ${warnings} plugin warnings were found`);
  return { lines, ...(errors.length ? { error: errors.map((e) => `${e}\n`).join('') } : {}) };
}

function describeFsError(e: unknown): string {
  const code = (e as { code?: string }).code;
  return code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'not a directory' : String((e as Error).message);
}

/**
 * The command word cobra's Find sees in the arguments left after the global flags: a
 * flag before it written without "=" takes the next word as its value (cobra's
 * stripFlags), so `-A get ns` names "ns" (and then fails as a plugin, as in kubectl).
 */
export function cobraVerb(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    if (!a.startsWith('-')) return a;
    if (!a.includes('=') && (a.startsWith('--') || a.length === 2)) i++;
  }
  return undefined;
}

/**
 * kubectl's NewDefaultKubectlCommandWithArgs: when the first word of the command line is
 * not a built-in command, a plugin runs instead. Answers the exit code of the plugin (or 1
 * for kubectl's "flags cannot be placed before plugin name"), or undefined when no plugin
 * applies and the command line goes to the built-in commands.
 */
export async function dispatchPlugin(argv: readonly string[], verb: string | undefined, builtins: ReadonlySet<string>, err: NodeJS.WritableStream = process.stderr): Promise<number | undefined> {
  if (verb === undefined || builtins.has(verb)) return undefined;
  const match = findPlugin(argv, (name) => lookupPlugin(name));
  if (!match) return undefined;
  if ('error' in match) {
    err.write(`Error: ${match.error}\n`);
    return 1;
  }
  return runPlugin(match.path, match.args);
}
