// Pod volumes on the node, as the kubelet's volume plugins lay them out:
// <root-dir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>. emptyDir is a
// directory shared by the pod's containers (a tmpfs with medium Memory), hostPath is
// the node's own path (with its type check); configMap, secret, downwardAPI and
// projected are directories of files written as the kubelet's AtomicWriter writes
// them (a timestamped directory, a `..data` symlink to it swapped atomically, and one
// symlink per top-level name), so containers see updates whole. Secret, downwardAPI
// and projected data live on a tmpfs mounted per pod volume, never on the node's disk.
// fsGroup owns the files of these volumes (SetVolumeOwnership). Containers get volumes
// as bind mounts; a subPath is resolved, checked to stay inside its volume and
// bind-mounted from an opened descriptor (the kubelet's fix for CVE-2017-1002101).
// A projected serviceAccountToken source is the pod's token from the token manager
// (token-manager.ts), bound to the pod; each sync asks for it again, so a refreshed
// token replaces the file like any other changed source.
import { constants } from 'node:fs';
import { chmod, lchown, lstat, mkdir, open, readdir, readFile, readlink, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { TokenRequest } from '../api/types/authentication.js';
import type {
  ConfigMap, Container, DownwardAPIVolumeFile, KeyToPath, PersistentVolume, PersistentVolumeClaim, Pod, Secret, ServiceAccountTokenProjection, Volume,
  VolumeProjection,
} from '../api/types/core.js';
import { quantityValue } from '../api/quantity.js';
import { EnvError, podField, resourceField } from './container-env.js';
import { bindMount, ensureTmpfs, mountedAt, unmount, unmountAllUnder } from './mounts.js';

/** Reads the objects configMap and secret volumes project (from an informer or the API). */
export interface VolumeSources {
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  /**
   * The token of service account namespace/name for a projected serviceAccountToken
   * source (TokenManager.getServiceAccountToken); rejects with the reason none can be
   * had. Absent: such sources fail to mount.
   */
  getServiceAccountToken?(namespace: string, name: string, tr: TokenRequest): Promise<TokenRequest>;
  /** The claim of a persistentVolumeClaim volume and the volume bound to it. Absent: such volumes fail to mount. */
  getPersistentVolumeClaim?(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  getPersistentVolume?(name: string): Promise<PersistentVolume | undefined>;
}

export interface PreparedVolume {
  name: string;
  /** Path on the node that is bind-mounted into containers. */
  hostPath: string;
  /** configMap, secret, downwardAPI and projected volumes are always mounted read-only, as in Kubernetes. */
  readOnly: boolean;
}

export interface Bind {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** A volume that cannot be set up, or a mount that cannot be prepared; the message is what users see. */
export class VolumeError extends Error {
  override name = 'VolumeError';
}

const DEFAULT_MODE = 0o644;

export function podVolumesDir(rootDir: string, podUid: string): string {
  return join(rootDir, 'pods', podUid, 'volumes');
}

const PLUGINS: [keyof Volume, string][] = [
  ['emptyDir', 'empty-dir'], ['configMap', 'configmap'], ['secret', 'secret'], ['downwardAPI', 'downward-api'], ['projected', 'projected'],
];

function pluginDir(rootDir: string, podUid: string, v: Volume): string {
  const plugin = PLUGINS.find(([field]) => v[field])?.[1] ?? 'other';
  return join(podVolumesDir(rootDir, podUid), `kubernetes.io~${plugin}`, v.name);
}

/** One file of an AtomicWriter payload. */
interface FileEntry { data: Buffer; mode: number }
type Payload = Map<string, FileEntry>;

/**
 * Sets up every volume of the pod (idempotent: the contents of configMap, secret,
 * downwardAPI and projected volumes are rewritten when their sources changed, so a
 * periodic sync picks changes up). Throws VolumeError for the first volume that
 * cannot be set up.
 */
export async function prepareVolumes(pod: Pod, rootDir: string, sources: VolumeSources): Promise<Map<string, PreparedVolume>> {
  const uid = pod.metadata.uid ?? '';
  const ns = pod.metadata.namespace ?? 'default';
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  const out = new Map<string, PreparedVolume>();
  for (const v of pod.spec?.volumes ?? []) {
    const fail = (why: string): never => { throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : ${why}`); };
    const dir = pluginDir(rootDir, uid, v);
    // A volume whose data must not reach the node's disk: a tmpfs of its own.
    const onTmpfs = async (sizeBytes?: number): Promise<boolean> => {
      await mkdir(dir, { recursive: true });
      try {
        return await ensureTmpfs(dir, sizeBytes);
      } catch (err) {
        return fail((err as Error).message);
      }
    };
    const project = async (payload: Payload): Promise<void> => {
      if ((await writeAtomic(dir, payload, fail)) && fsGroup !== undefined) await setVolumeOwnership(dir, fsGroup, true);
      out.set(v.name, { name: v.name, hostPath: dir, readOnly: true });
    };
    if (v.emptyDir) {
      const memory = v.emptyDir.medium === 'Memory';
      let fresh: boolean;
      if (memory) {
        // A tmpfs root is drwxrwxrwt, as the kubelet's.
        fresh = await onTmpfs(v.emptyDir.sizeLimit !== undefined ? quantityValue(String(v.emptyDir.sizeLimit)) : undefined);
      } else {
        fresh = !(await stat(dir).catch(() => undefined));
        await mkdir(dir, { recursive: true });
        if (fresh) await chmod(dir, 0o777);
      }
      // The kubelet sets ownership once, when the emptyDir is set up.
      if (fresh && fsGroup !== undefined) await setVolumeOwnership(dir, fsGroup, false);
      out.set(v.name, { name: v.name, hostPath: dir, readOnly: false });
    } else if (v.hostPath) {
      await checkHostPath(v.hostPath.path, v.hostPath.type ?? '', fail);
      out.set(v.name, { name: v.name, hostPath: v.hostPath.path, readOnly: false });
    } else if (v.configMap) {
      const name = v.configMap.name ?? '';
      const cm = await sources.getConfigMap(ns, name);
      if (!cm && !v.configMap.optional) fail(`configmap "${name}" not found`);
      await mkdir(dir, { recursive: true });
      await project(payloadOf(configMapFiles(cm), v.configMap.items, v.configMap.defaultMode ?? DEFAULT_MODE, !!v.configMap.optional,
        (key) => `configmap references non-existent config key: ${key}`, fail));
    } else if (v.secret) {
      const name = v.secret.secretName ?? '';
      const secret = await sources.getSecret(ns, name);
      if (!secret && !v.secret.optional) fail(`secret "${name}" not found`);
      await onTmpfs();
      await project(payloadOf(secretFiles(secret), v.secret.items, v.secret.defaultMode ?? DEFAULT_MODE, !!v.secret.optional,
        (key) => `references non-existent secret key: ${key}`, fail));
    } else if (v.downwardAPI) {
      await onTmpfs();
      await project(downwardPayload(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, fail));
    } else if (v.projected) {
      await onTmpfs();
      await project(await projectedPayload(pod, v.projected.sources ?? [], v.projected.defaultMode ?? DEFAULT_MODE, sources, fail));
    } else if (v.persistentVolumeClaim) {
      const path = await claimVolumePath(ns, v.name, v.persistentVolumeClaim.claimName, sources, fail);
      out.set(v.name, { name: v.name, hostPath: path, readOnly: !!v.persistentVolumeClaim.readOnly });
    } else {
      fail('this volume type is not supported by this kubelet (supported: emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim)');
    }
  }
  return out;
}

/**
 * The node path of a persistentVolumeClaim volume: the claim must be bound (the kubelet's
 * desired-state populator refuses an unbound one with this message) and its volume a
 * hostPath or local volume, which is mounted as is (a hostPath of type
 * DirectoryOrCreate is created first, as the provisioner's volumes are).
 */
async function claimVolumePath(ns: string, volume: string, claimName: string, sources: VolumeSources, fail: (why: string) => never): Promise<string> {
  const unmounted = (why: string): never => {
    throw new VolumeError(`Unable to attach or mount volumes: unmounted volumes=[${volume}], unattached volumes=[], failed to process volumes=[${volume}]: ${why}`);
  };
  if (!sources.getPersistentVolumeClaim || !sources.getPersistentVolume) return fail('persistentVolumeClaim volumes are not supported by this kubelet');
  const pvc = await sources.getPersistentVolumeClaim(ns, claimName);
  if (!pvc) return unmounted(`error processing PVC ${ns}/${claimName}: failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
  if (pvc.metadata.deletionTimestamp) return unmounted(`error processing PVC ${ns}/${claimName}: can't start pod because PVC ${ns}/${claimName} is being deleted`);
  const volumeName = pvc.spec?.volumeName ?? '';
  if (pvc.status?.phase !== 'Bound' || !volumeName) return unmounted(`error processing PVC ${ns}/${claimName}: PVC is not bound`);
  const pv = await sources.getPersistentVolume(volumeName);
  if (!pv) return unmounted(`error processing PVC ${ns}/${claimName}: failed to fetch PV ${volumeName} from API server: persistentvolumes "${volumeName}" not found`);
  if (pv.spec?.claimRef?.uid !== pvc.metadata.uid) {
    return unmounted(`error processing PVC ${ns}/${claimName}: failed to fetch PV ${volumeName} from API server: the PV is bound to another claim`);
  }
  if (pv.spec?.hostPath) {
    await checkHostPath(pv.spec.hostPath.path, pv.spec.hostPath.type ?? '', fail);
    return pv.spec.hostPath.path;
  }
  if (pv.spec?.local) {
    await checkHostPath(pv.spec.local.path, 'Directory', fail);
    return pv.spec.local.path;
  }
  return fail(`volume ${volumeName} is of a type this kubelet cannot mount (supported: hostPath, local)`);
}

function configMapFiles(cm: ConfigMap | undefined): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const [k, val] of Object.entries(cm?.data ?? {})) files.set(k, Buffer.from(val, 'utf8'));
  for (const [k, val] of Object.entries(cm?.binaryData ?? {})) files.set(k, Buffer.from(val, 'base64'));
  return files;
}

function secretFiles(secret: Secret | undefined): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const [k, val] of Object.entries(secret?.data ?? {})) files.set(k, Buffer.from(val, 'base64'));
  for (const [k, val] of Object.entries(secret?.stringData ?? {})) files.set(k, Buffer.from(val, 'utf8'));
  return files;
}

/** The files of one source: every key, or with items only the listed keys at their paths. */
function payloadOf(files: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean,
  missingKey: (key: string) => string, fail: (why: string) => never): Payload {
  const payload: Payload = new Map();
  if (items && items.length > 0) {
    for (const item of items) {
      const data = files.get(item.key);
      if (!data) {
        if (optional) continue;
        fail(missingKey(item.key));
      }
      payload.set(item.path, { data: data!, mode: item.mode ?? defaultMode });
    }
  } else {
    for (const [key, data] of files) payload.set(key, { data, mode: defaultMode });
  }
  return payload;
}

function downwardPayload(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, fail: (why: string) => never): Payload {
  const payload: Payload = new Map();
  for (const item of items) {
    let value = '';
    try {
      if (item.fieldRef) value = podField(pod, item.fieldRef.fieldPath);
      else if (item.resourceFieldRef) {
        const c = pod.spec?.containers.find((x) => x.name === item.resourceFieldRef!.containerName) ?? pod.spec?.containers[0];
        if (c) value = resourceField(pod, c, item.resourceFieldRef.resource, item.resourceFieldRef.containerName, item.resourceFieldRef.divisor as string | undefined, {});
      }
    } catch (err) {
      if (err instanceof EnvError) fail(err.message);
      throw err;
    }
    payload.set(item.path, { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode });
  }
  return payload;
}

async function projectedPayload(pod: Pod, projections: VolumeProjection[], defaultMode: number,
  sources: VolumeSources, fail: (why: string) => never): Promise<Payload> {
  const ns = pod.metadata.namespace ?? 'default';
  const payload: Payload = new Map();
  const add = (p: Payload): void => { for (const [k, e] of p) payload.set(k, e); };
  for (const src of projections) {
    if (src.secret) {
      const name = src.secret.name ?? '';
      const secret = await sources.getSecret(ns, name);
      if (!secret && !src.secret.optional) fail(`secrets "${name}" not found`);
      add(payloadOf(secretFiles(secret), src.secret.items, defaultMode, !!src.secret.optional, (key) => `references non-existent secret key: ${key}`, fail));
    } else if (src.configMap) {
      const name = src.configMap.name ?? '';
      const cm = await sources.getConfigMap(ns, name);
      if (!cm && !src.configMap.optional) fail(`configmaps "${name}" not found`);
      add(payloadOf(configMapFiles(cm), src.configMap.items, defaultMode, !!src.configMap.optional, (key) => `configmap references non-existent config key: ${key}`, fail));
    } else if (src.downwardAPI) {
      add(downwardPayload(pod, src.downwardAPI.items ?? [], defaultMode, fail));
    } else if (src.serviceAccountToken) {
      const token = await serviceAccountToken(pod, src.serviceAccountToken, sources, fail);
      // Kubernetes writes 0600 when fsUser or fsGroup is set (then 0640 by ownership);
      // this kubelet keeps the volume's defaultMode in every case.
      payload.set(src.serviceAccountToken.path, { data: Buffer.from(token, 'utf8'), mode: defaultMode });
    } else {
      fail('this projected source is not supported by this kubelet (supported: secret, configMap, downwardAPI, serviceAccountToken)');
    }
  }
  return payload;
}

/** Kubernetes' default lifetime of a projected token (the API defaults expirationSeconds to it). */
const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

/**
 * The projected token of the pod's service account: audience [projection.audience] when
 * set (else the apiserver's own audiences), projection.expirationSeconds (default 1 h),
 * bound to the pod so it stops working when the pod is deleted.
 */
async function serviceAccountToken(pod: Pod, projection: ServiceAccountTokenProjection, sources: VolumeSources,
  fail: (why: string) => never): Promise<string> {
  if (!sources.getServiceAccountToken) return fail('failed to fetch token: this kubelet has no token manager');
  const tr: TokenRequest = {
    metadata: {},
    spec: {
      ...(projection.audience ? { audiences: [projection.audience] } : {}),
      expirationSeconds: projection.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
    },
  };
  try {
    const answer = await sources.getServiceAccountToken(pod.metadata.namespace ?? 'default', pod.spec?.serviceAccountName || 'default', tr);
    return answer.status?.token ?? fail('failed to fetch token: the answer holds no token');
  } catch (err) {
    if (err instanceof VolumeError) throw err;
    return fail((err as Error).message);
  }
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

// ---------------------------------------------------------------- AtomicWriter

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** Relative, no '..' element, not starting with '..' (the AtomicWriter's validatePath). */
function validPayloadPath(p: string): boolean {
  return p !== '' && !isAbsolute(p) && !normalize(p).split(sep).includes('..') && !p.startsWith('..');
}

/** Relative paths of the files under dir (recursively). */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = prefix ? join(prefix, e.name) : e.name;
    if (e.isDirectory()) out.push(...await filesUnder(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

/** Whether dir's current data is exactly payload (same names, bytes and modes). */
async function samePayload(dir: string, payload: Payload): Promise<boolean> {
  const current = join(dir, DATA_DIR);
  const names = await filesUnder(current);
  if (names.length !== payload.size || !names.every((n) => payload.has(n))) return false;
  for (const [name, e] of payload) {
    const st = await stat(join(current, name)).catch(() => undefined);
    if (!st || (st.mode & 0o7777) !== e.mode) return false;
    if (!(await readFile(join(current, name))).equals(e.data)) return false;
  }
  return true;
}

/**
 * The kubelet's AtomicWriter: writes payload into a new `..<timestamp>` directory,
 * points `..data` at it with one rename, makes each top-level name a symlink into
 * `..data`, removes names no longer in the payload and the old data directory.
 * A reader sees the old set or the new set, never a mix; a bind mount of dir sees
 * updates (dir itself is never replaced). Resolves false when nothing changed.
 */
async function writeAtomic(dir: string, payload: Payload, fail: (why: string) => never): Promise<boolean> {
  for (const p of payload.keys()) if (!validPayloadPath(p)) fail(`invalid path "${p}": must be relative and must not contain '..'`);
  if (await samePayload(dir, payload)) return false;
  const oldTs = await readlink(join(dir, DATA_DIR)).catch(() => undefined);
  const stamp = new Date().toISOString().replace(/[-T:]/g, '_').replace(/\..*$/, '');
  const tsName = `..${stamp}.${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
  const tsDir = join(dir, tsName);
  await mkdir(tsDir, { mode: 0o755 });
  for (const [p, e] of payload) {
    const target = join(tsDir, p);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, e.data);
    await chmod(target, e.mode);
  }
  await rm(join(dir, DATA_DIR_TMP), { force: true });
  await symlink(tsName, join(dir, DATA_DIR_TMP));
  await rename(join(dir, DATA_DIR_TMP), join(dir, DATA_DIR));
  const top = new Set([...payload.keys()].map((p) => p.split(sep)[0]!));
  for (const name of top) {
    const link = join(dir, name);
    const want = join(DATA_DIR, name);
    const st = await lstat(link).catch(() => undefined);
    if (st?.isSymbolicLink() && (await readlink(link)) === want) continue;
    // A name written some other way (an older layout) gives way to the symlink.
    if (st) await rm(link, { recursive: true, force: true });
    await symlink(want, link);
  }
  for (const name of await readdir(dir)) if (!name.startsWith('..') && !top.has(name)) await rm(join(dir, name), { recursive: true, force: true });
  if (oldTs && oldTs !== tsName && oldTs.startsWith('..')) await rm(join(dir, oldTs), { recursive: true, force: true });
  return true;
}

// ---------------------------------------------------------------- fsGroup

/**
 * The kubelet's SetVolumeOwnership: every file and directory under dir gets group
 * fsGroup (owners stay); files gain group read (and write unless readOnly), directories
 * group rwx plus setgid so new files inherit the group. Symlinks are re-grouped, not
 * chmodded.
 */
async function setVolumeOwnership(dir: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p);
    await lchown(p, -1, fsGroup);
    if (st.isSymbolicLink()) return;
    let mask = readOnly ? 0o440 : 0o660;
    if (st.isDirectory()) mask |= 0o2000 | 0o110;
    await chmod(p, (st.mode & 0o7777) | mask);
    if (st.isDirectory()) for (const name of await readdir(p)) await walk(join(p, name));
  };
  await walk(dir);
}

// ---------------------------------------------------------------- container mounts

const within = (p: string, base: string): boolean => p === base || p.startsWith(base.endsWith('/') ? base : `${base}/`);

/**
 * The bind mounts of one container, from its volumeMounts and the prepared volumes. A
 * subPath is created when missing (never through a symlink out of the volume),
 * resolved, checked to stay inside the volume, and bind-mounted from the opened
 * directory or file to <pod dir>/volume-subpaths/<volume>/<container>/<index>, which is
 * what the container gets: a symlink swapped in later cannot redirect it. A subPath
 * that escapes is a VolumeError with the kubelet's message (details only in the log:
 * `cause`).
 */
export async function containerBinds(pod: Pod, container: Container, volumes: Map<string, PreparedVolume>, rootDir: string): Promise<Bind[]> {
  const binds: Bind[] = [];
  const mounts = container.volumeMounts ?? [];
  for (let i = 0; i < mounts.length; i++) {
    const m = mounts[i]!;
    const v = volumes.get(m.name);
    if (!v) throw new VolumeError(`container "${container.name}": volumeMount "${m.name}" names no volume of the pod`);
    const readOnly = v.readOnly || !!m.readOnly;
    const sub = m.subPath ?? '';
    if (!sub) {
      binds.push({ hostPath: v.hostPath, containerPath: m.mountPath, readOnly });
      continue;
    }
    if (isAbsolute(sub) || normalize(sub).split(sep).includes('..')) {
      throw new VolumeError(`container "${container.name}": subPath "${sub}" must be relative and must not contain '..'`);
    }
    const path = join(v.hostPath, sub);
    if (!(await stat(path).catch(() => undefined))) {
      try {
        await safeMakeDir(sub, v.hostPath);
      } catch (err) {
        throw new VolumeError(`failed to create subPath directory for volumeMount "${m.name}" of container "${container.name}"`, { cause: err });
      }
    }
    const target = join(rootDir, 'pods', pod.metadata.uid ?? '', 'volume-subpaths', m.name, container.name, String(i));
    try {
      await bindSubPath(path, v.hostPath, target);
    } catch (err) {
      throw new VolumeError(`failed to prepare subPath for volumeMount "${m.name}" of container "${container.name}"`, { cause: err });
    }
    binds.push({ hostPath: target, containerPath: m.mountPath, readOnly });
  }
  return binds;
}

/** Creates base/subdir one directory at a time, refusing any existing part that resolves outside base (doSafeMakeDir). */
async function safeMakeDir(subdir: string, base: string): Promise<void> {
  const realBase = await realpath(base);
  let cur = realBase;
  for (const part of normalize(subdir).split(sep).filter(Boolean)) {
    const next = join(cur, part);
    const st = await lstat(next).catch(() => undefined);
    if (!st) {
      await mkdir(next, { mode: 0o755 });
      cur = next;
      continue;
    }
    const real = await realpath(next);
    if (!within(real, realBase)) throw new Error(`path ${real} is outside of allowed base ${realBase}`);
    if (!(await stat(real)).isDirectory()) throw new Error(`mkdir ${next}: not a directory`);
    cur = real;
  }
}

/**
 * doBindSubPath: resolve path, check it is inside volume, open it without following a
 * last symlink, check again what was opened (/proc/self/fd), then bind-mount the
 * descriptor onto target. An existing mount of the same file is kept.
 */
async function bindSubPath(path: string, volume: string, target: string): Promise<void> {
  const realVolume = await realpath(volume);
  const real = await realpath(path);
  if (!within(real, realVolume)) throw new Error(`subpath ${JSON.stringify(real)} not within volume path ${JSON.stringify(realVolume)}`);
  const fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const opened = await readlink(`/proc/self/fd/${fh.fd}`);
    if (!within(opened, realVolume)) throw new Error(`subpath ${JSON.stringify(opened)} not within volume path ${JSON.stringify(realVolume)}`);
    const st = await fh.stat();
    if (await mountedAt(target)) {
      const t = await stat(target);
      if (t.dev === st.dev && t.ino === st.ino) return;
      await unmount(target);
    }
    await mkdir(dirname(target), { recursive: true, mode: 0o750 });
    if (st.isDirectory()) await mkdir(target, { mode: 0o750 }).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
    else await writeFile(target, '', { flag: 'a', mode: 0o640 });
    await bindMount(`/proc/${process.pid}/fd/${fh.fd}`, target);
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------- cleanup

/**
 * Removes the pod's directory (volumes, subPath mounts; not hostPaths): unmounts every
 * tmpfs and bind mount under it first, and removes nothing if one stays mounted.
 */
export async function cleanupPodVolumes(rootDir: string, podUid: string): Promise<void> {
  const dir = join(rootDir, 'pods', podUid);
  if (!(await lstat(dir).catch(() => undefined))) return;
  await unmountAllUnder(await realpath(dir));
  await rm(dir, { recursive: true, force: true });
}

/** Pod uids with a directory under <root-dir>/pods (to find leftovers after a restart). */
export async function podDirs(rootDir: string): Promise<string[]> {
  return readdir(join(rootDir, 'pods')).catch(() => []);
}
