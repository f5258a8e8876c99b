// `npm run cluster`'s supervisor, with real child processes: a component killed with
// SIGKILL comes back by itself, one that keeps exiting waits longer each time (capped),
// the delay starts over once it stayed up, and stopAll stops everything for good.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from '../../scripts/supervisor.js';
import { waitFor } from '../harness/processes.js';

const dir = await mkdtemp(join(tmpdir(), 'tskube-supervisor-'));
const supervisors: Supervisor[] = [];
after(async () => {
  await Promise.all(supervisors.map((s) => s.stopAll()));
  await rm(dir, { recursive: true, force: true });
});

/** A process that prints its pid and runs until killed. */
const sleeper = (name: string) => ({
  name, cmd: process.execPath, args: ['-e', 'console.log("up " + process.pid); setInterval(() => {}, 1000)'], logFile: join(dir, `${name}.log`),
});

function newSupervisor(o: { initialBackoffMs?: number; maxBackoffMs?: number; resetAfterMs?: number } = {}): { sup: Supervisor; lines: string[] } {
  const lines: string[] = [];
  const sup = new Supervisor({ say: (l) => lines.push(l), stopGraceMs: 2000, ...o });
  supervisors.push(sup);
  return { sup, lines };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('cluster supervisor', () => {
  it('starts a component killed with SIGKILL again by itself, saying so in one line', async () => {
    const { sup, lines } = newSupervisor();
    const runsLogged = async (): Promise<number> => ((await readFile(join(dir, 'alpha.log'), 'utf8').catch(() => '')).match(/^up \d+$/gm) ?? []).length;
    sup.start(sleeper('alpha'));
    await waitFor(async () => (await runsLogged()) === 1, { what: 'alpha to start', timeoutMs: 5000 });
    const first = sup.pid('alpha')!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => (sup.pid('alpha') ?? first) !== first, { what: 'alpha to be restarted', timeoutMs: 5000 });
    assert.equal(sup.restarts('alpha'), 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^alpha exited \(SIGKILL\); restarting it in 100 ms \(restart 1; log .*alpha\.log\)$/);
    // Both runs wrote to the same log.
    await waitFor(async () => (await runsLogged()) === 2, { what: 'two runs in the log', timeoutMs: 5000 });
    await sup.stopAll();
    assert.equal(alive(sup.pid('alpha') ?? first), false);
  });

  it('waits longer after each exit in a row, up to the cap, and starts over once a run stayed up', async () => {
    const { sup, lines } = newSupervisor({ initialBackoffMs: 50, maxBackoffMs: 200, resetAfterMs: 1500 });
    // Exits at once while the marker file exists, then stays up.
    const marker = join(dir, 'crashing');
    await writeFile(marker, '');
    sup.start({
      name: 'beta', cmd: process.execPath, logFile: join(dir, 'beta.log'),
      args: ['-e', `if (require('fs').existsSync(${JSON.stringify(marker)})) process.exit(3); setInterval(() => {}, 1000)`],
    });
    await waitFor(() => sup.restarts('beta') >= 5, { what: 'five restarts', timeoutMs: 10_000 });
    const delays = lines.slice(0, 5).map((l) => Number(/restarting it in (\d+) ms/.exec(l)?.[1]));
    assert.deepEqual(delays, [50, 100, 200, 200, 200]);
    assert.match(lines[0]!, /^beta exited \(exit code 3\)/);
    await rm(marker);
    await waitFor(() => sup.pid('beta') !== undefined, { what: 'beta to stay up', timeoutMs: 5000 });
    // Up for longer than resetAfterMs: the next exit waits the initial delay again.
    await new Promise((r) => setTimeout(r, 1600));
    const before = lines.length;
    process.kill(sup.pid('beta')!, 'SIGKILL');
    await waitFor(() => lines.length > before, { what: 'the restart line', timeoutMs: 5000 });
    assert.match(lines[before]!, /restarting it in 50 ms/);
    await sup.stopAll();
  });

  it('stopAll stops every component, the last started first, and restarts none', async () => {
    const { sup, lines } = newSupervisor();
    sup.start(sleeper('one'));
    sup.start(sleeper('two'));
    await waitFor(() => sup.pid('one') !== undefined && sup.pid('two') !== undefined, { what: 'both to start', timeoutMs: 5000 });
    const pids = [sup.pid('one')!, sup.pid('two')!];
    await sup.stopAll();
    assert.deepEqual(lines, ['stopping two', 'stopping one']);
    for (const pid of pids) assert.equal(alive(pid), false);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sup.pid('one'), undefined);
    assert.equal(sup.pid('two'), undefined);
  });

  it('keeps retrying a command that cannot be started', async () => {
    const { sup, lines } = newSupervisor({ initialBackoffMs: 20, maxBackoffMs: 40 });
    sup.start({ name: 'missing', cmd: join(dir, 'no-such-binary'), args: [], logFile: join(dir, 'missing.log') });
    await waitFor(() => sup.restarts('missing') >= 2, { what: 'two restarts', timeoutMs: 5000 });
    assert.match(lines[0]!, /^missing exited \(spawn .*ENOENT\); restarting it in 20 ms/);
    await sup.stopAll();
  });
});
