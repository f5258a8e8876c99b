// The node's mount table, as the kubelet's volume code uses it (k8s.io/mount-utils):
// tmpfs for secret, projected, downwardAPI and memory emptyDir volumes, bind mounts of
// an opened file descriptor for subPaths, and unmounting everything under a pod's
// directory before it is removed. The mount(8) and umount(8) commands do the work;
// the kubelet must run as root in the mount namespace dockerd uses (or, in a
// container, with its root dir shared with the host: rshared).
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MountEntry {
  mountPoint: string;
  fsType: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** This process's mount table (/proc/self/mountinfo), in mount order. */
export async function mountTable(): Promise<MountEntry[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountPoint = line.slice(0, sep).split(' ')[4];
    const fsType = line.slice(sep + 3).split(' ')[0];
    if (mountPoint && fsType) out.push({ mountPoint: unescape(mountPoint), fsType });
  }
  return out;
}

/** The filesystem type mounted exactly at path (the topmost mount), undefined when none is. */
export async function mountedAt(path: string): Promise<string | undefined> {
  // The table holds resolved paths.
  const real = await realpath(path).catch(() => path);
  let fsType: string | undefined;
  for (const m of await mountTable()) if (m.mountPoint === real) fsType = m.fsType;
  return fsType;
}

/** Runs mount(8)/umount(8); a failure carries the kubelet's "mount failed" shape with the command's output. */
async function mountCommand(cmd: 'mount' | 'umount', args: string[]): Promise<void> {
  try {
    await run(cmd, args);
  } catch (err) {
    const e = err as { code?: number | string; stderr?: string; message: string };
    throw new Error(`${cmd} failed: exit status ${e.code}\nMounting command: ${cmd}\nMounting arguments: ${args.join(' ')}\nOutput: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** Mounts a tmpfs at dir (which must exist) unless one is already mounted there. */
export async function ensureTmpfs(dir: string, sizeBytes?: number): Promise<boolean> {
  if ((await mountedAt(dir)) === 'tmpfs') return false;
  await mountCommand('mount', ['-t', 'tmpfs', ...(sizeBytes ? ['-o', `size=${sizeBytes}`] : []), 'tmpfs', dir]);
  return true;
}

/** Bind-mounts source onto target as given: a /proc/<pid>/fd/<n> source is not resolved to a path again. */
export async function bindMount(source: string, target: string): Promise<void> {
  await mountCommand('mount', ['--no-canonicalize', '--bind', source, target]);
}

export async function unmount(target: string): Promise<void> {
  await mountCommand('umount', [target]);
}

/**
 * Unmounts everything mounted at or under dir, deepest first, and throws if anything
 * stays mounted: a recursive delete must never cross into a mount (a subPath of a
 * hostPath volume is the node's own files).
 */
export async function unmountAllUnder(dir: string): Promise<void> {
  const under = (m: MountEntry): boolean => m.mountPoint === dir || m.mountPoint.startsWith(`${dir}/`);
  const points = (await mountTable()).filter(under).map((m) => m.mountPoint).reverse();
  for (const p of points) await unmount(p).catch(() => undefined);
  const left = (await mountTable()).filter(under);
  if (left.length) throw new Error(`still mounted under ${dir}: ${left.map((m) => m.mountPoint).join(', ')}`);
}
