#!/usr/bin/env node
// tskubectl: our kubectl-style CLI. Global flags are taken out of argv first (they may
// appear anywhere), then commander runs the command; every failure is printed the
// way kubectl prints it, with exit code 1 and no stack trace.
import { Command, CommanderError } from 'commander';
import { Cli } from './context.js';
import { CliError, CliErrorWithOutput, formatError } from './errors.js';
import { extractGlobalFlags, GLOBAL_FLAGS_HELP } from './global-flags.js';
import { COMMANDS, commandsFor, OTHER_BUILTINS } from './commands/index.js';
import { addExamples } from './help-examples.js';
import { cobraVerb, dispatchPlugin } from './plugins.js';
import { answerCompletion } from './completion.js';
import { normalizeBooleanFlags } from './boolean-flags.js';

async function main(argv: string[]): Promise<number> {
  let cli: Cli | undefined;
  try {
    // The shell completion scripts' requests: answered from the raw words (global flags included).
    if (argv[0] === '__complete' || argv[0] === '__completeNoDesc') return await answerCompletion(argv.slice(1), argv[0] === '__complete');
    const { flags, rest } = extractGlobalFlags(argv);
    // An unknown verb may be a plugin (tskubectl-<verb> on PATH): it runs instead.
    const builtins = new Set([...COMMANDS.flatMap((c) => c.names), ...OTHER_BUILTINS]);
    const pluginExit = await dispatchPlugin(argv, cobraVerb(rest), builtins);
    if (pluginExit !== undefined) return pluginExit;
    cli = new Cli(flags);
    const program = new Command('tskubectl')
      .description('tskubectl controls a Kubernetes cluster (tskube, or any other): the kubectl commands, on our own client library.')
      .usage('[flags] [options]')
      .exitOverride()
      // Options after a subcommand name belong to that subcommand (create deployment -o yaml).
      .enablePositionalOptions()
      .showSuggestionAfterError(true)
      .configureOutput({ writeErr: (s) => process.stderr.write(s) })
      .addHelpText('after', '\nUse "tskubectl options" for a list of global command-line options (applies to all commands).');
    program.command('options').description('Print the list of flags inherited by all commands').action(() => {
      cli!.print(GLOBAL_FLAGS_HELP);
    });
    for (const register of await commandsFor(rest)) register(program, cli);
    addExamples(program);
    for (const cmd of program.commands) cmd.exitOverride();
    await program.parseAsync(normalizeBooleanFlags(program, rest), { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or the help / version text).
      return err.exitCode === 0 ? 0 : 1;
    }
    if (err instanceof CliErrorWithOutput) process.stdout.write(err.stdout);
    process.stderr.write(`${formatError(err)}\n`);
    // A remote command's exit code becomes ours (exec: "command terminated with exit code N").
    return err instanceof CliError ? err.exitCode : 1;
  } finally {
    await cli?.close();
  }
}

// A reader that went away (`tskubectl get pods | head -1`) ends us quietly, as SIGPIPE
// ends kubectl (a shell reports 128+13), instead of an unhandled EPIPE and its stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
}

const code = await main(process.argv.slice(2));
// Let stdout and stderr drain (writes to pipes are asynchronous) before exiting.
const drained = (s: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => { s.write('', () => resolve()); });
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
