// `tskubectl plugin list [--name-only]`: the tskubectl-* executables on PATH, as kubectl's
// `plugin list` shows them (kubectl/plugins.ts), with its warnings for plugins that are
// not executable, overshadowed by an earlier one, or named like a built-in command.
import { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { listPlugins } from '../plugins.js';
import { COMMANDS } from './index.js';

export function register(program: Command, cli: Cli): void {
  const plugin = program.command('plugin')
    .description('Provides utilities for interacting with plugins')
    .usage('[flags] [options]')
    .addHelpText('before', `Provides utilities for interacting with plugins.

 Plugins provide extended functionality that is not part of the major command-line distribution. Please refer to the documentation and examples for more information about how write your own plugins.
`)
    .action(() => {
      // kubectl's DefaultSubCommandRun: the help, and a failure.
      plugin.outputHelp();
      process.exitCode = 1;
    });

  plugin.command('list')
    .description('List all visible plugin executables on a user\'s PATH')
    .option('--name-only', 'If true, display only the binary name of each plugin, rather than its full path')
    .action(async (opts: { nameOnly?: boolean }) => {
      const tree = await commandTree(cli);
      const listing = listPlugins(cli.env.PATH ?? '', opts.nameOnly ?? false, (words) => commandPath(tree, words));
      for (const l of listing.lines) (l.stderr ? cli.err : cli.out).write(l.text);
      if (listing.error) throw new CliError(listing.error.replace(/\n$/, ''));
    });
}

/** Every built-in command, registered on a program of its own (plugin names are checked against it). */
async function commandTree(cli: Cli): Promise<Command> {
  const root = new Command('tskubectl');
  root.command('options');
  for (const m of await Promise.all(COMMANDS.map((c) => c.load()))) m.register(root, cli);
  return root;
}

/**
 * cobra's Find as the plugin verifier uses it: the deepest command the words name, when the
 * first names a command ("tskubectl config view"); later words that name none are arguments.
 */
export function commandPath(root: Command, words: readonly string[]): string | undefined {
  let cur = root;
  const path = [root.name()];
  for (const w of words) {
    const sub = cur.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (!sub) break;
    cur = sub;
    path.push(sub.name());
  }
  return path.length > 1 ? path.join(' ') : undefined;
}
