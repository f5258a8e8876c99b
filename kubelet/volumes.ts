// Pod volumes on the node's disk, as the kubelet's volume plugins lay them out:
// <root-dir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>. emptyDir is a
// directory shared by the pod's containers, hostPath is the node's own path (with its
// type check), configMap and secret are directories of files (items, defaultMode,
// optional). Containers get them as bind mounts (containerBinds), subPath included.
import { chmod, mkdir, rename, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { ConfigMap, Container, KeyToPath, Pod, Secret, Volume } from '../api/types/core.js';

/** Reads the objects configMap and secret volumes project (from an informer or the API). */
export interface VolumeSources {
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
}

export interface PreparedVolume {
  name: string;
  /** Path on the node that is bind-mounted into containers. */
  hostPath: string;
  /** configMap and secret volumes are always mounted read-only, as in Kubernetes. */
  readOnly: boolean;
}

export interface Bind {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** A volume that cannot be set up; the message is what the FailedMount event says. */
export class VolumeError extends Error {
  override name = 'VolumeError';
}

const DEFAULT_MODE = 0o644;

export function podVolumesDir(rootDir: string, podUid: string): string {
  return join(rootDir, 'pods', podUid, 'volumes');
}

function pluginDir(rootDir: string, podUid: string, v: Volume): string {
  const plugin = v.emptyDir ? 'empty-dir' : v.configMap ? 'configmap' : v.secret ? 'secret' : 'other';
  return join(podVolumesDir(rootDir, podUid), `kubernetes.io~${plugin}`, v.name);
}

/**
 * Sets up every volume of the pod (idempotent: configMap and secret contents are
 * rewritten, so a later call picks up changes). Throws VolumeError for the first
 * volume that cannot be set up.
 */
export async function prepareVolumes(pod: Pod, rootDir: string, sources: VolumeSources): Promise<Map<string, PreparedVolume>> {
  const uid = pod.metadata.uid ?? '';
  const ns = pod.metadata.namespace ?? 'default';
  const out = new Map<string, PreparedVolume>();
  for (const v of pod.spec?.volumes ?? []) {
    const fail = (why: string): never => { throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : ${why}`); };
    if (v.emptyDir) {
      const dir = pluginDir(rootDir, uid, v);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
      out.set(v.name, { name: v.name, hostPath: dir, readOnly: false });
    } else if (v.hostPath) {
      await checkHostPath(v.hostPath.path, v.hostPath.type ?? '', fail);
      out.set(v.name, { name: v.name, hostPath: v.hostPath.path, readOnly: false });
    } else if (v.configMap) {
      const name = v.configMap.name ?? '';
      const cm = await sources.getConfigMap(ns, name);
      if (!cm && !v.configMap.optional) fail(`configmap "${name}" not found`);
      const files = new Map<string, Buffer>();
      for (const [k, val] of Object.entries(cm?.data ?? {})) files.set(k, Buffer.from(val, 'utf8'));
      for (const [k, val] of Object.entries(cm?.binaryData ?? {})) files.set(k, Buffer.from(val, 'base64'));
      const dir = pluginDir(rootDir, uid, v);
      await writeProjection(dir, files, v.configMap.items, v.configMap.defaultMode ?? DEFAULT_MODE, !!v.configMap.optional, `configmap "${name}"`, fail);
      out.set(v.name, { name: v.name, hostPath: dir, readOnly: true });
    } else if (v.secret) {
      const name = v.secret.secretName ?? '';
      const secret = await sources.getSecret(ns, name);
      if (!secret && !v.secret.optional) fail(`secret "${name}" not found`);
      const files = new Map<string, Buffer>();
      for (const [k, val] of Object.entries(secret?.data ?? {})) files.set(k, Buffer.from(val, 'base64'));
      for (const [k, val] of Object.entries(secret?.stringData ?? {})) files.set(k, Buffer.from(val, 'utf8'));
      const dir = pluginDir(rootDir, uid, v);
      await writeProjection(dir, files, v.secret.items, v.secret.defaultMode ?? DEFAULT_MODE, !!v.secret.optional, `secret "${name}"`, fail);
      out.set(v.name, { name: v.name, hostPath: dir, readOnly: true });
    } else {
      fail('this volume type is not supported by this kubelet (supported: emptyDir, hostPath, configMap, secret)');
    }
  }
  return out;
}

async function checkHostPath(path: string, type: string, fail: (why: string) => never): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  switch (type) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'Directory':
      if (!st?.isDirectory()) fail(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
      if (!st) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, '', { mode: 0o644 });
      } else if (!st.isFile()) fail(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'File':
      if (!st?.isFile()) fail(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'Socket':
      if (!st?.isSocket()) fail(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail(`hostPath type check failed: ${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      fail(`hostPath type "${type}" is not supported`);
  }
}

/**
 * Writes the projected files into a fresh directory and swaps it in, so a container
 * never sees a half-written set. With items only the listed keys appear, at their paths.
 */
async function writeProjection(dir: string, files: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number,
  optional: boolean, what: string, fail: (why: string) => never): Promise<void> {
  const entries: { path: string; data: Buffer; mode: number }[] = [];
  if (items && items.length > 0) {
    for (const item of items) {
      const data = files.get(item.key);
      if (!data) {
        if (optional) continue;
        // Kubernetes' own wording for each plugin.
        fail(what.startsWith('secret') ? `references non-existent secret key: ${item.key}` : `configmap references non-existent config key: ${item.key}`);
      }
      entries.push({ path: item.path, data: data!, mode: item.mode ?? defaultMode });
    }
  } else {
    for (const [key, data] of files) entries.push({ path: key, data, mode: defaultMode });
  }
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o755 });
  for (const e of entries) {
    if (isAbsolute(e.path) || normalize(e.path).split(sep).includes('..')) fail(`invalid path "${e.path}" in ${what}: must be relative and must not contain '..'`);
    const target = join(staging, e.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, e.data);
    await chmod(target, e.mode);
  }
  await mkdir(dirname(dir), { recursive: true });
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
}

/** The bind mounts of one container, from its volumeMounts and the prepared volumes. */
export function containerBinds(container: Container, volumes: Map<string, PreparedVolume>): Bind[] {
  return (container.volumeMounts ?? []).map((m) => {
    const v = volumes.get(m.name);
    if (!v) throw new VolumeError(`container "${container.name}": volumeMount "${m.name}" names no volume of the pod`);
    const sub = m.subPath ?? '';
    if (sub && (isAbsolute(sub) || normalize(sub).split(sep).includes('..'))) {
      throw new VolumeError(`container "${container.name}": subPath "${sub}" must be relative and must not contain '..'`);
    }
    return { hostPath: sub ? join(v.hostPath, sub) : v.hostPath, containerPath: m.mountPath, readOnly: v.readOnly || !!m.readOnly };
  });
}

/** Creates subPath directories that do not exist yet (Kubernetes creates them). */
export async function ensureSubPaths(binds: Bind[]): Promise<void> {
  for (const b of binds) if (!(await stat(b.hostPath).catch(() => undefined))) await mkdir(b.hostPath, { recursive: true });
}

/** Removes the pod's volume directories (not hostPaths) once the pod is gone. */
export async function cleanupPodVolumes(rootDir: string, podUid: string): Promise<void> {
  await rm(join(rootDir, 'pods', podUid), { recursive: true, force: true });
}

/** Pod uids with a directory under <root-dir>/pods (to find leftovers after a restart). */
export async function podDirs(rootDir: string): Promise<string[]> {
  return readdir(join(rootDir, 'pods')).catch(() => []);
}
