// Starting a Node child with bench/lib/cpu-profile.js preloaded (Node refuses --cpu-prof
// in NODE_OPTIONS), so it writes <dir>/<name>-<pid>.cpuprofile when it exits.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startControlPlane, type ControlPlane } from '../../test/harness/apiserver.js';
import { progress } from './report.js';

/**
 * Runs start() (which spawns the child) with NODE_OPTIONS preloading cpu-profile.js and
 * its variables set, then puts the environment back, so children spawned later are not
 * profiled. Without a dir it only runs start().
 */
export async function withCpuProfile<T>(dir: string | undefined, name: string, start: () => Promise<T>): Promise<T> {
  if (!dir) return start();
  await mkdir(resolve(dir), { recursive: true });
  const keys = ['NODE_OPTIONS', 'BENCH_APISERVER_CPU_PROF', 'BENCH_CPU_PROF_NAME'] as const;
  const saved = keys.map((k) => process.env[k]);
  process.env.NODE_OPTIONS = `${saved[0] ?? ''} --import ${new URL('./cpu-profile.js', import.meta.url).href}`.trim();
  process.env.BENCH_APISERVER_CPU_PROF = resolve(dir);
  process.env.BENCH_CPU_PROF_NAME = name;
  try {
    return await start();
  } finally {
    keys.forEach((k, i) => {
      if (saved[i] === undefined) delete process.env[k];
      else process.env[k] = saved[i];
    });
  }
}

/** startControlPlane, with BENCH_APISERVER_CPU_PROF=<dir> profiling the apiserver (etcd ignores NODE_OPTIONS). */
export async function startProfiledControlPlane(): Promise<ControlPlane> {
  const dir = process.env.BENCH_APISERVER_CPU_PROF;
  if (dir) progress(`the apiserver writes a CPU profile under ${resolve(dir)} when it stops`);
  return withCpuProfile(dir, 'apiserver', () => startControlPlane());
}
