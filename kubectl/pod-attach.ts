// kubectl's AttachOptions.Run once the pod and its container are known, shared by
// attach, run (-i / --attach) and debug: the container's own TTY decides (kubectl's
// notice when -t asks for one it lacks), raw mode when stdin is a terminal, "If you
// don't see a command prompt, try pressing enter." on stderr unless quiet, the session
// on pods/attach, then how to join again when the container outlives the session.
import type { Pod } from '../api/types/core.js';
import type { Cli } from './context.js';
import { podSubresourcePath } from './pod-exec.js';
import { streamRemoteCommand } from './remote-command.js';
import { runSession, terminalSizes, ttyDecision } from './terminal.js';

export interface AttachOptions {
  stdin: boolean;
  tty: boolean;
  quiet: boolean;
}

/** A container of the pod, as attach needs it. */
export interface AttachTarget {
  name: string;
  tty?: boolean;
}

/**
 * Joins the container's process until it ends (or a signal ends the session); rejects
 * with the server's refusal. The reattach hint goes to stdout, as kubectl prints it.
 */
export async function attachToContainer(cli: Cli, pod: Pod, container: AttachTarget, opts: AttachOptions): Promise<void> {
  // The container's own TTY decides: kubectl cannot add one, and must use the one it has.
  let tty = opts.tty;
  if (tty && !container.tty) {
    tty = false;
    if (!opts.quiet) cli.warn(`error: Unable to use a TTY - container ${container.name} did not allocate one`);
  } else if (!tty && container.tty) {
    tty = true;
  }
  const { raw, warning } = ttyDecision({ stdin: opts.stdin, tty, quiet: opts.quiet, stdinIsTerminal: !!process.stdin.isTTY });
  if (warning) cli.warn(warning);
  if (!opts.quiet) cli.warn("If you don't see a command prompt, try pressing enter.");

  const path = await podSubresourcePath(cli, pod, 'attach');
  await runSession(process.stdin, raw, (signal) => streamRemoteCommand(cli.rest(), path, {
    container: container.name, stdin: opts.stdin, stdout: true, stderr: !raw, tty: raw,
  }, {
    stdin: opts.stdin ? process.stdin : undefined,
    stdout: cli.out,
    stderr: raw ? undefined : cli.err,
    sizes: raw ? terminalSizes(process.stdout, true) : undefined,
    signal,
  }));
  const hint = reattachMessage(pod, container.name, { ...opts, raw });
  if (hint) cli.print(hint);
}

/**
 * kubectl's reattachMessage: after an interactive terminal session on a pod that
 * restarts its containers (ephemeral ones never restart, but may still run).
 */
export function reattachMessage(pod: Pod, container: string, o: { quiet: boolean; stdin: boolean; raw: boolean }): string | undefined {
  if (o.quiet || !o.stdin || !o.raw || (pod.spec?.restartPolicy ?? 'Always') !== 'Always') return undefined;
  const name = pod.metadata.name;
  if ((pod.spec?.ephemeralContainers ?? []).some((c) => c.name === container)) {
    return `Session ended, the ephemeral container will not be restarted but may be reattached using 'tskubectl attach ${name} -c ${container} -i -t' if it is still running`;
  }
  return `Session ended, resume using 'tskubectl attach ${name} -c ${container} -i -t' command when the pod is running`;
}
