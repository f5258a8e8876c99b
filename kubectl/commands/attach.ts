// `tskubectl attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t]`: kubectl's pkg/cmd/attach.
// Joins the stdio of a container's own process (pods/attach) with the same plumbing as
// exec: its output until it ends, stdin with -i, a raw terminal with -i -t when the
// container has a TTY. kubectl's lines: the TTY notices, "If you don't see a command
// prompt, try pressing enter." (on stderr, unless -q), and how to resume after -i -t.
import type { Command } from 'commander';
import { podSessionFlags, type PodSessionOptions } from '../command-flags.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { findOrDefaultContainer } from '../logs-target.js';
import { attachablePod, getNamedObject } from '../pod-for-object.js';
import { attachToContainer } from '../pod-attach.js';
import { completedPhase } from '../pod-exec.js';

export function register(program: Command, cli: Cli): void {
  podSessionFlags(program.command('attach')
    .description('Attach to a running container')
    .usage('(POD | TYPE/NAME) -c CONTAINER [options]')
    .argument('[args...]'))
    .action(async (args: string[], opts: PodSessionOptions) => runAttach(cli, args, opts));
}

async function runAttach(cli: Cli, args: string[], opts: PodSessionOptions): Promise<void> {
  if (args.length === 0) throw new CliError('error: at least 1 argument is required for attach');
  if (args.length > 2) throw new CliError(`error: expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw ${args.length}: [${args.join(' ')}]`);
  if (opts.podRunningTimeout <= 0) throw new CliError('error: --pod-running-timeout must be higher than zero');

  const pod = await attachablePod(cli, await getNamedObject(cli, args[0]!, args[1]), opts.podRunningTimeout);
  const phase = completedPhase(pod);
  if (phase) throw new CliError(`error: cannot attach a container in a completed pod; current phase is ${phase}`);
  let choice: ReturnType<typeof findOrDefaultContainer>;
  try {
    choice = findOrDefaultContainer(pod, opts.container, opts.quiet);
  } catch (err) {
    throw new CliError(`error: cannot attach to the container: ${(err as Error).message}`);
  }
  if (choice.notice) cli.warn(choice.notice);
  await attachToContainer(cli, pod, choice.container, opts);
}
