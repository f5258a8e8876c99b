// kubectl's ExecOptions.Run once the pod is known, shared by exec and cp: a completed
// pod is refused, the container defaults as podcmd says (its notice on the exec's error
// stream), and the session runs on the pod's exec subresource.
import type { Readable, Writable } from 'node:stream';
import type { Pod } from '../api/types/core.js';
import type { Cli } from './context.js';
import { CliError } from './errors.js';
import { findOrDefaultContainer } from './logs-target.js';
import { streamRemoteCommand, type TerminalSizes } from './remote-command.js';

export interface PodExecOptions {
  /** The container, as execContainer chose it. */
  container: string;
  command: readonly string[];
  /** Raw terminal: a TTY on the remote side, and no separate stderr. */
  tty: boolean;
  stdin?: Readable;
  stdout: Writable;
  /** The remote stderr; undefined with a TTY. */
  stderr?: Writable;
  sizes?: TerminalSizes;
  signal?: AbortSignal;
}

/** The path of a pod's subresource (exec, attach, portforward). */
export async function podSubresourcePath(cli: Cli, pod: Pod, subresource: 'exec' | 'attach' | 'portforward'): Promise<string> {
  return cli.client(await cli.resource('pods')).path({ namespace: pod.metadata.namespace ?? cli.namespace(), name: pod.metadata.name, subresource });
}

/** The phases a pod no longer runs anything in: kubectl refuses exec and attach there. */
export function completedPhase(pod: Pod): string | undefined {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' ? phase : undefined;
}

/**
 * The container to exec in: -c as it is (the server says when the pod has no such
 * container), else podcmd's default, its notice written to `notices` (the exec's error
 * stream). Refuses a completed pod first, as kubectl does.
 */
export function execContainer(pod: Pod, requested: string | undefined, quiet: boolean, notices: Writable): string {
  const phase = completedPhase(pod);
  if (phase) throw new CliError(`error: cannot exec into a container in a completed pod; current phase is ${phase}`);
  if (requested) return requested;
  const choice = findOrDefaultContainer(pod, undefined, quiet);
  if (choice.notice) notices.write(`${choice.notice}\n`);
  return choice.container.name;
}

/** Runs a command in a pod's container; see streamRemoteCommand for how it ends. */
export async function execInPod(cli: Cli, pod: Pod, o: PodExecOptions): Promise<void> {
  await streamRemoteCommand(cli.rest(), await podSubresourcePath(cli, pod, 'exec'), {
    container: o.container, command: o.command, stdin: !!o.stdin, stdout: true, stderr: !!o.stderr, tty: o.tty,
  }, { stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, sizes: o.sizes, signal: o.signal });
}
