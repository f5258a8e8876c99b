// Preloaded into the apiserver (NODE_OPTIONS=--import <this file>) when the benchmark
// runs with BENCH_APISERVER_CPU_PROF=<dir>: Node refuses --cpu-prof in NODE_OPTIONS, so
// this starts the V8 sampling profiler through node:inspector and writes
// <dir>/<name>-<pid>.cpuprofile when the process exits (the apiserver exits on SIGTERM).
// <name> is BENCH_CPU_PROF_NAME, "apiserver" when unset (bench/lib/profiled.ts sets both
// for other components).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_APISERVER_CPU_PROF;
const name = process.env.BENCH_CPU_PROF_NAME || 'apiserver';
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.once('exit', () => {
    // An in-process inspector session answers synchronously, so this runs before exit.
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
