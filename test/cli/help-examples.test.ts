// `tskubectl <command> --help` ends with the same "Examples:" as the real kubectl's help
// (kubectl read as tskubectl), for every command tskubectl has: the paths come from the
// command tree itself (every module of commands/index.ts, as main.ts registers them), so a
// command added without kubectl's examples, or with its own inline copy, fails here.
// No cluster: help is printed before anything connects.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { commandsFor } from '../../kubectl/commands/index.js';
import { Cli } from '../../kubectl/context.js';
import { EXAMPLES } from '../../kubectl/help-examples.js';
import { componentCommand } from '../harness/apiserver.js';

const run = promisify(execFile);
const CLI = [process.execPath, ...componentCommand('kubectl')];

/** Commands main.ts registers itself, outside commands/index.ts (commander adds "help"). */
const MAIN_ONLY = ['options'];

/** Paths whose Examples must differ from kubectl's, with the reason. None today. */
const MUST_DIFFER: Readonly<Record<string, string>> = {};

/** Every command path of tskubectl ("config set-context"), parents before children. */
async function commandPaths(): Promise<string[]> {
  const program = new Command('tskubectl');
  const cli = new Cli({});
  for (const register of await commandsFor([])) register(program, cli);
  const paths: string[] = [...MAIN_ONLY];
  const walk = (cmd: Command, prefix: string): void => {
    for (const sub of cmd.commands) {
      const path = prefix ? `${prefix} ${sub.name()}` : sub.name();
      paths.push(path);
      walk(sub, path);
    }
  };
  walk(program, '');
  return paths;
}

/** The "Examples:" block of a help text: from its heading to the next unindented line. */
function examplesOf(help: string): string {
  const start = help.indexOf('\nExamples:\n');
  if (start < 0) return '';
  const lines = help.slice(start + 1).split('\n');
  const end = lines.findIndex((l, i) => i > 0 && /^\S/.test(l));
  return lines.slice(0, end < 0 ? undefined : end).join('\n').trimEnd();
}

/** kubectl's text read as ours: the command is tskubectl (its zsh function _tskubectl), annotation keys stay. */
function asTskubectl(text: string): string {
  return text.replace(/(?<![a-z-])kubectl(?![\w-]|\.kubernetes\.io)/g, 'tskubectl');
}

async function help(bin: string[], path: string): Promise<string> {
  const { stdout } = await run(bin[0]!, [...bin.slice(1), ...(path ? path.split(' ') : []), '--help'], { env: { ...process.env, NO_COLOR: '1' } });
  return stdout;
}

/** Runs fn over items, `width` at a time (each is a process start or two). */
async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

describe('--help examples', () => {
  it('reads kubectl as tskubectl, except in annotation keys', () => {
    assert.equal(asTskubectl("tskubectl attach mypod # 'kubectl.kubernetes.io/default-container'"), "tskubectl attach mypod # 'kubectl.kubernetes.io/default-container'");
    assert.equal(asTskubectl('kubectl completion zsh > "${fpath[1]}/_kubectl"; cat <(kubectl version) ~/.config/fish/completions/kubectl.fish kubectl-foo'),
      'tskubectl completion zsh > "${fpath[1]}/_tskubectl"; cat <(tskubectl version) ~/.config/fish/completions/tskubectl.fish kubectl-foo');
    assert.equal(examplesOf('Usage:\n  x\n\nExamples:\n  # a\n  x a\n  \n  x b\n\nOptions:\n'), 'Examples:\n  # a\n  x a\n  \n  x b');
  });

  it('every tskubectl command prints the Examples kubectl 1.32 prints for it (none where it prints none)', async () => {
    const paths = await commandPaths();
    assert.ok(paths.length >= 80, `${paths.length} command paths`);
    // Every key of EXAMPLES names a command we have (a renamed command leaves none behind).
    assert.deepEqual(Object.keys(EXAMPLES).filter((k) => !paths.includes(k)), []);

    const differing: string[] = [];
    const unknownToKubectl: string[] = [];
    let withExamples = 0;
    await pool(paths, 4, async (path) => {
      const [oursHelp, theirsHelp] = await Promise.all([help(CLI, path), help(['kubectl'], path).catch(() => undefined)]);
      // cobra fails for a verb it does not have and prints the parent's help for a
      // subcommand it does not have ("kubectl options --help" prints nothing at all).
      if (theirsHelp === undefined || (theirsHelp.includes('Usage:') && !new RegExp(`\\n {2}kubectl ${path}( |$)`, 'm').test(theirsHelp))) {
        unknownToKubectl.push(path);
        return;
      }
      const ours = examplesOf(oursHelp);
      const theirs = asTskubectl(examplesOf(theirsHelp));
      if (theirs) withExamples++;
      const blocks = oursHelp.match(/^Examples:$/gm)?.length ?? 0;
      if (blocks > 1) differing.push(`${path}: ${blocks} Examples blocks`);
      else if (ours !== theirs && !(path in MUST_DIFFER)) differing.push(`${path}:\n--- ours\n${ours}\n--- kubectl\n${theirs}`);
    });
    assert.deepEqual(unknownToKubectl, []);
    assert.deepEqual(differing, []);
    assert.ok(withExamples >= 70, `${withExamples} commands with kubectl examples`);
  });

  it('the tree walked is the one main.ts serves: every command tskubectl --help lists', async () => {
    const top = await help(CLI, '');
    const listed = [...top.slice(top.indexOf('\nCommands:\n')).matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
    const walked = new Set([...(await commandPaths()), 'help']);
    assert.ok(listed.length >= 40, `${listed.length} commands listed`);
    assert.deepEqual(listed.filter((name) => !walked.has(name)), []);
  });
});
