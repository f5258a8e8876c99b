// How the CLI reports failures: as kubectl does (cmdutil.CheckErr), one message on
// stderr, exit code 1, never a stack trace.
import { StatusError } from '../api/errors.js';
import { ConnectionError } from '../client/rest-client.js';
import { KubeconfigError } from '../client/kubeconfig.js';

/** A failure whose message is already what the person should read. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/**
 * A failure that also has text for stdout, written before the error: kubectl's
 * go-template printer puts its partial output and debugging help there.
 */
export class CliErrorWithOutput extends CliError {
  constructor(message: string, readonly stdout: string) {
    super(message);
  }
}

/** Usage errors print with a hint to --help, as kubectl's UsageErrorf. */
export function usageError(command: string, message: string): CliError {
  return new CliError(`error: ${message}\nSee 'tskubectl ${command} -h' for help and examples`);
}

/** The text kubectl prints for err (without a trailing newline). */
export function formatError(err: unknown): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof StatusError) return formatStatusError(err);
  if (err instanceof ConnectionError) return err.message;
  if (err instanceof KubeconfigError) return `error: ${err.message}`;
  const msg = err instanceof Error ? err.message : String(err);
  return msg.startsWith('error: ') || msg.startsWith('Error ') ? msg : `error: ${msg}`;
}

export function formatStatusError(err: StatusError): string {
  const st = err.status;
  if (err.code === 422 && st.reason === 'Invalid') {
    const d = st.details;
    let s = 'The request is invalid';
    // Without details kubectl includes the server's message.
    if (!d) return st.message ? `${s}: ${st.message}` : s;
    if (d.kind || d.name) s = `The ${d.kind ?? ''} "${d.name ?? ''}" is invalid`;
    const causes = (d.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message}` : String(c.message)));
    if (causes.length === 0) return s;
    if (causes.length === 1) return `${s}: ${causes[0]}`;
    return `${s}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
  }
  return st.reason ? `Error from server (${st.reason}): ${st.message ?? ''}` : `Error from server: ${st.message ?? ''}`;
}
