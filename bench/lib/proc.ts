// What a benchmark reads about a child process from /proc: CPU time and memory.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // getconf missing: Linux's USER_HZ is 100 nearly everywhere.
}

/** utime + stime of a process in seconds, from /proc/<pid>/stat; NaN when it is gone. */
export async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return NaN;
  }
}

/** VmRSS and VmHWM (peak) of a process in MB, from /proc/<pid>/status; NaN when it is gone. */
export async function memoryMB(pid: number): Promise<{ rss: number; hwm: number }> {
  let status = '';
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rss: NaN, hwm: NaN };
  }
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** "123.4 MB" */
export const mb = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} MB` : 'n/a');

/** Busy and total CPU seconds of the whole machine so far, from /proc/stat (all processes, ours or not). */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy: busy / clockTicks, total: (busy + idle + iowait) / clockTicks };
  } catch {
    return { busy: NaN, total: NaN };
  }
}
