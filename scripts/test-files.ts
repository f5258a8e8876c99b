// The test files `npm test` runs, in the order it starts them (printed one per line for
// `node --test`). node --test starts files in the order given, as slots free up.
//
// A few files hold the host lock (test/harness/host-lock.ts: they change what the whole
// host shares) and wait for each other. Sorted by name they sit together (the kube-proxy
// ones), so one would wait for the next while holding a slot that could run another
// file. Here they are spread evenly over the first four fifths of the run, between the
// other files in name order, so each one usually starts beside files that do not wait.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST_LOCK_CALL = 'holdHostLock()';

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(path));
    else if (entry.name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

/** files (sorted) with those that hold the host lock spread among the others. */
export function runOrder(files: string[], holdsLock: (file: string) => boolean): string[] {
  const sorted = [...files].sort();
  const locked = sorted.filter(holdsLock);
  const free = sorted.filter((f) => !holdsLock(f));
  if (!locked.length) return free;
  const span = Math.floor(free.length * 0.8);
  const out: string[] = [];
  let next = 0;
  free.forEach((f, i) => {
    while (next < locked.length && i >= Math.floor((next * span) / locked.length)) out.push(locked[next++]);
    out.push(f);
  });
  out.push(...locked.slice(next));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(new URL('../test', import.meta.url)));
  const files = testFiles(root);
  const order = runOrder(files, (f) => readFileSync(f, 'utf8').includes(HOST_LOCK_CALL));
  process.stdout.write(order.map((f) => relative(process.cwd(), f)).join('\n') + '\n');
}
