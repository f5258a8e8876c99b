// Whether this machine can run kube-proxy's nftables mode: found by doing what the
// proxier does, on a scratch table (knftables.New checks the same way): create a table
// with a nat chain and a rule using the expressions the ruleset relies on (fib,
// numgen, verdict maps), then delete it. The mode picker calls it once at start and
// falls back to the userspace proxy when it answers a reason.
import { NftError, runNftScript } from './nft.js';

/**
 * undefined when nftables can be programmed here; else one line saying why not (no nft
 * binary, no permission, kernel without nf_tables), found by trying to create and
 * delete a scratch table.
 */
export async function nftablesUnavailable(): Promise<string | undefined> {
  const table = `tskube-probe-${process.pid}`;
  const probe = [
    `add table ip ${table}`,
    `add chain ip ${table} nat-output { type nat hook output priority -100 ; }`,
    `add rule ip ${table} nat-output ip daddr 127.255.255.254 fib daddr type local numgen random mod 1 vmap { 0 : return }`,
    '',
  ].join('\n');
  try {
    await runNftScript(probe);
  } catch (err) {
    return reason(err);
  } finally {
    // Always: the create may have half-worked (it never does: one transaction), and a
    // table left by an earlier probe of the same pid must not stay either.
    await runNftScript(`add table ip ${table}\ndelete table ip ${table}\n`).catch(() => undefined);
  }
  return undefined;
}

function reason(err: unknown): string {
  if (!(err instanceof NftError)) return `nftables probe failed: ${String(err)}`;
  if (err.code === 'ENOENT') return 'no nft binary (install the nftables package)';
  if (err.code) return `nft could not run: ${err.message}`;
  const text = err.stderr;
  if (/Operation not permitted|Permission denied/i.test(text)) return 'no permission to program nftables (needs root or CAP_NET_ADMIN)';
  if (/Protocol not supported|cannot open socket|Address family not supported/i.test(text)) return 'the kernel has no nf_tables';
  if (/No such file or directory/i.test(text)) return 'the kernel lacks an nf_tables part the proxier needs (nat, fib or numgen)';
  const first = text.trim().split('\n')[0] ?? '';
  return `nftables probe failed: ${first || err.message}`;
}
