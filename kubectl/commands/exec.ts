// `tskubectl exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [args...]`:
// kubectl's pkg/cmd/exec. TYPE/NAME picks the most active pod of a controller or
// service; the container is -c, else the default-container annotation's, else the
// first. -i forwards stdin, -t (with -i and a terminal) puts it in raw mode and sends
// resizes. The remote command's exit code becomes ours ("command terminated with exit
// code N"), as kubectl's.
import type { Command } from 'commander';
import { argsLenAtDash, podSessionFlags, type PodSessionOptions } from '../command-flags.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { attachablePod, getNamedObject } from '../pod-for-object.js';
import { execContainer, execInPod } from '../pod-exec.js';
import { runSession, terminalSizes, ttyDecision } from '../terminal.js';

export function register(program: Command, cli: Cli): void {
  podSessionFlags(program.command('exec')
    .description('Execute a command in a container')
    .usage('(POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]')
    .argument('[args...]'))
    .action(async (args: string[], opts: PodSessionOptions, cmd: Command) => runExec(cli, args, argsLenAtDash(cmd, args), opts));
}

/** kubectl's ExecOptions.Complete reading of the operands: the pod, then the command after `--`. */
export function splitExecArgs(args: readonly string[], atDash: number): { resource?: string; command: string[]; deprecated: boolean } {
  const resource = args.length > 0 && atDash !== 0 ? args[0] : undefined;
  if (atDash > -1) return { resource, command: args.slice(atDash), deprecated: false };
  if (args.length > 1) return { resource, command: args.slice(1), deprecated: true };
  return { resource, command: [], deprecated: false };
}

async function runExec(cli: Cli, args: string[], atDash: number, opts: PodSessionOptions): Promise<void> {
  const { resource, command, deprecated } = splitExecArgs(args, atDash);
  if (deprecated && !opts.quiet) cli.warn('kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.');
  if (!resource) throw new CliError('error: pod, type/name or --filename must be specified');
  if (command.length === 0) throw new CliError('error: you must specify at least one command for the container');

  const pod = await attachablePod(cli, await getNamedObject(cli, resource), opts.podRunningTimeout);
  const container = execContainer(pod, opts.container, opts.quiet, cli.err);
  const { raw, warning } = ttyDecision({ stdin: opts.stdin, tty: opts.tty, quiet: opts.quiet, stdinIsTerminal: !!process.stdin.isTTY });
  if (warning) cli.warn(warning);
  await runSession(process.stdin, raw, (signal) => execInPod(cli, pod, {
    container,
    command,
    tty: raw,
    stdin: opts.stdin ? process.stdin : undefined,
    stdout: cli.out,
    // With a TTY the remote side has one output stream: kubectl asks for no stderr.
    stderr: raw ? undefined : cli.err,
    sizes: raw ? terminalSizes(process.stdout) : undefined,
    signal,
  }));
}
