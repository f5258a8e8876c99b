// `npm test` runs test files two at a time. A few change what the whole host shares
// (kube-proxy's nftables table and route_localnet, the service range on lo, compose's
// fixed ports, `npm run cluster`): each of those holds this lock from its first line
// (`await holdHostLock()`) until its process exits, so no two of them overlap, while
// every other file runs beside them (scripts/test-files.ts spreads them over the run,
// so a file waiting for the lock seldom holds a slot another file could use).
//
// The lock is a file created exclusively, holding its owner's pid; one left by a
// process that died (killed mid-run) is taken over.
import { openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const LOCK_FILE = join(tmpdir(), 'tskube-test-host.lock');
const POLL_MS = 250;

let held = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryTake(): boolean {
  try {
    const fd = openSync(LOCK_FILE, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let owner = NaN;
  try {
    owner = Number(readFileSync(LOCK_FILE, 'utf8'));
  } catch {
    return false; // released just now: the next poll takes it
  }
  // An empty file is one being written this instant; a dead owner's is stale.
  if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
    try {
      unlinkSync(LOCK_FILE);
    } catch {
      // another waiter removed it first
    }
  }
  return false;
}

/** Waits until this process holds the host lock; it is released when the process exits. */
export async function holdHostLock(): Promise<void> {
  if (held) return;
  let waited = false;
  while (!tryTake()) {
    if (!waited) {
      waited = true;
      process.stderr.write(`waiting for ${LOCK_FILE} (another test file is changing the host's network)\n`);
    }
    await sleep(POLL_MS);
  }
  held = true;
  process.once('exit', () => {
    try {
      if (readFileSync(LOCK_FILE, 'utf8') === String(process.pid)) unlinkSync(LOCK_FILE);
    } catch {
      // already gone
    }
  });
}
