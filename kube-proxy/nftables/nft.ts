// Running the nft binary: one `nft -f -` process per script, the script on stdin, so a
// whole sync is one netlink transaction (all of it applies, or none). The only module
// of the nftables proxier that starts processes.
import { CommandError, runCommand, sbinBinary } from '../run-command.js';

/** nft failed: exit code and what it printed (its error names the line at fault). */
export class NftError extends Error {
  constructor(message: string, readonly stderr: string, readonly exitCode: number | null, readonly code?: string) {
    super(message);
    this.name = 'NftError';
  }
}

let binary: string | undefined;

/** The nft binary: the first of the usual places, else `nft` from PATH. */
export function nftBinary(): string {
  return (binary ??= sbinBinary('nft'));
}

export interface RunNftOptions {
  /** `nft -c`: parse and check against the kernel without changing anything. */
  check?: boolean;
  signal?: AbortSignal;
}

/**
 * Runs `nft [-c] -f -` with script on stdin. Resolves with stdout; rejects with an
 * NftError carrying nft's stderr (or code 'ENOENT' when there is no nft binary).
 */
export function runNftScript(script: string, o: RunNftOptions = {}): Promise<string> {
  return runNft([...(o.check ? ['-c'] : []), '-f', '-'], script, o.signal);
}

/** Runs nft with args (e.g. ['list', 'table', 'ip', 'x']) and resolves with stdout. */
export async function runNft(args: string[], stdin?: string, signal?: AbortSignal): Promise<string> {
  try {
    return await runCommand(nftBinary(), args, { stdin, signal });
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    if (err.code) throw new NftError(`nft could not run: ${err.message}`, '', null, err.code);
    throw new NftError(`nft ${args.join(' ')} failed (exit ${err.exitCode}): ${firstLines(err.stderr)}`, err.stderr, err.exitCode);
  }
}

function firstLines(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.slice(0, 3).join(' | ') + (lines.length > 3 ? ` (+${lines.length - 3} lines)` : '');
}

/** Deletes `ip <table>` if it exists (add then delete: no error when it is absent). */
export async function deleteTable(table: string, signal?: AbortSignal): Promise<void> {
  await runNftScript(`add table ip ${table}\ndelete table ip ${table}\n`, { signal });
}

/** Whether `ip <table>` exists. */
export async function tableExists(table: string): Promise<boolean> {
  const out = await runNft(['list', 'tables', 'ip']);
  return out.split('\n').some((line) => line.trim() === `table ip ${table}`);
}
