// Pod volumes on the node: emptyDir, hostPath type checks, configMap and secret files
// with items and modes (AtomicWriter layout), optional sources, tmpfs for secrets,
// fsGroup ownership, and the binds containers get (subPaths that must stay inside
// their volume). Real files and real mounts (the tests run as root, as the kubelet).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenRequest } from '../../api/types/authentication.js';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from '../../api/types/core.js';
import { mountedAt } from '../../kubelet/mounts.js';
import { cleanupPodVolumes, containerBinds, podDirs, prepareVolumes, VolumeError, type VolumeSources } from '../../kubelet/volumes.js';

let root: string;
before(async () => { root = await mkdtemp(join(tmpdir(), 'tskube-volumes-')); });
after(async () => {
  // Unmounts what the tests mounted (tmpfs, subPath binds) before anything is removed.
  for (const uid of await podDirs(root)) await cleanupPodVolumes(root, uid);
  await rm(root, { recursive: true, force: true });
});

const configMaps: Record<string, ConfigMap> = {
  'default/app': { metadata: { name: 'app', namespace: 'default' }, data: { 'a.conf': 'alpha', 'b.conf': 'beta' }, binaryData: { bin: Buffer.from([1, 2, 3]).toString('base64') } },
};
const secrets: Record<string, Secret> = {
  'default/creds': { metadata: { name: 'creds', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64') } },
};
const sources: VolumeSources = {
  getConfigMap: async (ns, name) => configMaps[`${ns}/${name}`],
  getSecret: async (ns, name) => secrets[`${ns}/${name}`],
};
const pod = (volumes: NonNullable<Pod['spec']>['volumes'], uid = 'uid-1'): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid },
  spec: { containers: [{ name: 'c', image: 'x' }], volumes },
});
const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

test('emptyDir is one writable directory per pod volume, shared by every container', async () => {
  const vols = await prepareVolumes(pod([{ name: 'scratch', emptyDir: {} }]), root, sources);
  const v = vols.get('scratch')!;
  assert.equal(v.hostPath, join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'scratch'));
  assert.equal(v.readOnly, false);
  assert.ok((await stat(v.hostPath)).isDirectory());
  const p = pod([{ name: 'scratch', emptyDir: {} }]);
  const binds = await containerBinds(p, { name: 'c', image: 'x', volumeMounts: [{ name: 'scratch', mountPath: '/data' }, { name: 'scratch', mountPath: '/sub', subPath: 'logs', readOnly: true }] }, vols, root);
  // A subPath is created, then bind-mounted to the pod's volume-subpaths directory.
  const subTarget = join(root, 'pods', 'uid-1', 'volume-subpaths', 'scratch', 'c', '1');
  assert.deepEqual(binds, [
    { hostPath: v.hostPath, containerPath: '/data', readOnly: false },
    { hostPath: subTarget, containerPath: '/sub', readOnly: true },
  ]);
  assert.ok((await stat(join(v.hostPath, 'logs'))).isDirectory());
  await writeFile(join(v.hostPath, 'logs', 'x.log'), 'through the bind');
  assert.equal(await readFile(join(subTarget, 'x.log'), 'utf8'), 'through the bind');
  await assert.rejects(containerBinds(p, { name: 'c', image: 'x', volumeMounts: [{ name: 'ghost', mountPath: '/g' }] }, vols, root), /names no volume of the pod/);
  await cleanupPodVolumes(root, 'uid-1');
  await assert.rejects(stat(v.hostPath));
  assert.equal(await readFile(join(root, 'pods', 'uid-1', 'x.log')).catch(() => 'gone'), 'gone');
});

test('a subPath that resolves outside its volume (a planted symlink) is refused, and nothing is created outside', async () => {
  const p = pod([{ name: 'scratch', emptyDir: {} }], 'uid-sub');
  const v = (await prepareVolumes(p, root, sources)).get('scratch')!;
  await symlink('/', join(v.hostPath, 'evil'));
  await mkdir(join(v.hostPath, 'inner'));
  await symlink('inner', join(v.hostPath, 'fine'));
  const mount = (subPath: string): Promise<unknown> => containerBinds(p, { name: 'c', image: 'x', volumeMounts: [{ name: 'scratch', mountPath: '/m', subPath }] }, new Map([['scratch', v]]), root);
  await assert.rejects(mount('evil'), (err: unknown) => err instanceof VolumeError
    && err.message === 'failed to prepare subPath for volumeMount "scratch" of container "c"' && /not within volume path/.test(String((err.cause as Error).message)));
  await assert.rejects(mount('evil/etc'), /failed to prepare subPath for volumeMount "scratch" of container "c"/);
  const outside = `tskube-volumes-test-${process.pid}`;
  await assert.rejects(mount(`evil/${outside}`), /failed to create subPath directory for volumeMount "scratch" of container "c"/);
  assert.equal(await stat(join('/', outside)).then(() => 'created', () => 'absent'), 'absent');
  // A symlink that stays inside the volume is fine: the real directory is what is mounted.
  const [bind] = (await mount('fine')) as { hostPath: string }[];
  await writeFile(join(v.hostPath, 'inner', 'f'), 'inside');
  assert.equal(await readFile(join(bind!.hostPath, 'f'), 'utf8'), 'inside');
  await cleanupPodVolumes(root, 'uid-sub');
});

test('configMap: every key as a file, binaryData too; items pick keys, paths and modes', async () => {
  const all = (await prepareVolumes(pod([{ name: 'cfg', configMap: { name: 'app' } }], 'uid-2'), root, sources)).get('cfg')!;
  assert.equal(all.readOnly, true);
  assert.equal(await readFile(join(all.hostPath, 'a.conf'), 'utf8'), 'alpha');
  assert.deepEqual([...await readFile(join(all.hostPath, 'bin'))], [1, 2, 3]);
  assert.equal(await mode(join(all.hostPath, 'a.conf')), 0o644);
  const some = (await prepareVolumes(pod([{ name: 'cfg', configMap: { name: 'app', defaultMode: 0o400, items: [{ key: 'b.conf', path: 'nested/b.txt' }, { key: 'a.conf', path: 'a', mode: 0o600 }] } }], 'uid-3'), root, sources)).get('cfg')!;
  assert.equal(await readFile(join(some.hostPath, 'nested', 'b.txt'), 'utf8'), 'beta');
  assert.equal(await mode(join(some.hostPath, 'nested', 'b.txt')), 0o400);
  assert.equal(await mode(join(some.hostPath, 'a')), 0o600);
  await assert.rejects(stat(join(some.hostPath, 'a.conf')));
});

test('configMap contents follow changes when prepared again, in the same directory (AtomicWriter: ..data and symlinks)', async () => {
  const p = pod([{ name: 'cfg', configMap: { name: 'app' } }], 'uid-4');
  const v = (await prepareVolumes(p, root, sources)).get('cfg')!;
  const dirIno = (await stat(v.hostPath)).ino;
  assert.equal(await readlink(join(v.hostPath, 'a.conf')), join('..data', 'a.conf'));
  const firstData = await readlink(join(v.hostPath, '..data'));
  assert.match(firstData, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d{9}$/);
  await prepareVolumes(p, root, sources);
  assert.equal(await readlink(join(v.hostPath, '..data')), firstData, 'unchanged data is not rewritten');
  configMaps['default/app'] = { ...configMaps['default/app']!, data: { 'a.conf': 'changed' } };
  await prepareVolumes(p, root, sources);
  assert.equal(await readFile(join(v.hostPath, 'a.conf'), 'utf8'), 'changed');
  await assert.rejects(lstat(join(v.hostPath, 'b.conf')));
  await assert.rejects(lstat(join(v.hostPath, firstData)), 'the old data directory is removed');
  // The directory a container has bind-mounted is the same one: it sees the change.
  assert.equal((await stat(v.hostPath)).ino, dirIno);
});

test('secret: base64 data decoded to files on a tmpfs of the volume\'s own, unmounted on cleanup', async () => {
  const v = (await prepareVolumes(pod([{ name: 's', secret: { secretName: 'creds', defaultMode: 0o440 } }], 'uid-5'), root, sources)).get('s')!;
  assert.equal(await readFile(join(v.hostPath, 'password'), 'utf8'), 's3cret');
  assert.equal(await mode(join(v.hostPath, 'password')), 0o440);
  assert.equal(await mountedAt(v.hostPath), 'tmpfs');
  await prepareVolumes(pod([{ name: 's', secret: { secretName: 'creds' } }], 'uid-5'), root, sources);
  assert.equal(await mountedAt(v.hostPath), 'tmpfs', 'one tmpfs, not one per sync');
  await cleanupPodVolumes(root, 'uid-5');
  assert.equal(await mountedAt(v.hostPath), undefined);
  await assert.rejects(stat(v.hostPath));
});

test('fsGroup: emptyDir and secret files belong to the group (setgid directories, group read on read-only files)', async () => {
  const p: Pod = { ...pod([{ name: 'e', emptyDir: {} }, { name: 's', secret: { secretName: 'creds', defaultMode: 0o400 } }], 'uid-fsg'), spec: {
    containers: [{ name: 'c', image: 'x' }], securityContext: { fsGroup: 4321 },
    volumes: [{ name: 'e', emptyDir: {} }, { name: 's', secret: { secretName: 'creds', defaultMode: 0o400 } }],
  } };
  const vols = await prepareVolumes(p, root, sources);
  const e = await stat(vols.get('e')!.hostPath);
  assert.equal(e.gid, 4321);
  assert.equal(e.mode & 0o7777, 0o2777);
  const secretFile = await stat(join(vols.get('s')!.hostPath, 'password'));
  assert.equal(secretFile.gid, 4321);
  assert.equal(secretFile.mode & 0o777, 0o440);
  await cleanupPodVolumes(root, 'uid-fsg');
});

test('projected and downwardAPI volumes: sources merged into one tmpfs directory', async () => {
  const p: Pod = {
    metadata: { name: 'p', namespace: 'default', uid: 'uid-proj', labels: { app: 'web', tier: 'front' } },
    spec: { containers: [{ name: 'c', image: 'x' }], volumes: [
      { name: 'all', projected: { sources: [{ secret: { name: 'creds' } }, { configMap: { name: 'app', items: [{ key: 'a.conf', path: 'conf/a' }] } },
        { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }] } },
      { name: 'meta', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
    ] },
  };
  const vols = await prepareVolumes(p, root, sources);
  const all = vols.get('all')!.hostPath;
  assert.equal(await mountedAt(all), 'tmpfs');
  assert.equal(await readFile(join(all, 'password'), 'utf8'), 's3cret');
  assert.equal(await readFile(join(all, 'conf', 'a'), 'utf8'), configMaps['default/app']!.data!['a.conf']);
  assert.equal(await readFile(join(all, 'labels'), 'utf8'), 'app="web"\ntier="front"');
  assert.equal(await readFile(join(vols.get('meta')!.hostPath, 'name'), 'utf8'), 'p');
  await assert.rejects(prepareVolumes({ ...p, spec: { ...p.spec!, volumes: [{ name: 'x', projected: { sources: [{ secret: { name: 'nope' } }] } }] } }, root, sources),
    /MountVolume.SetUp failed for volume "x" : secrets "nope" not found/);
  await cleanupPodVolumes(root, 'uid-proj');
});

test('projected serviceAccountToken: the pod\'s bound token at its path with the volume\'s mode, rewritten when the token changes', async () => {
  const asked: { namespace: string; name: string; tr: TokenRequest }[] = [];
  let current = 'token-1';
  const withTokens: VolumeSources = {
    ...sources,
    getServiceAccountToken: async (namespace, name, tr) => {
      asked.push({ namespace, name, tr: structuredClone(tr) });
      return { metadata: {}, spec: tr.spec, status: { token: current, expirationTimestamp: '2026-01-01T01:00:00Z' } };
    },
  };
  // The volume the ServiceAccount admission adds to every pod.
  const apiAccess = {
    name: 'kube-api-access-x7k2p',
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
  configMaps['default/kube-root-ca.crt'] = { metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': 'CA PEM' } };
  const p: Pod = {
    metadata: { name: 'web', namespace: 'default', uid: 'uid-sat' },
    spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'x' }], volumes: [apiAccess,
      { name: 'vault', projected: { sources: [{ serviceAccountToken: { path: 'vault/token', audience: 'vault' } }] } }] },
  };
  const vols = await prepareVolumes(p, root, withTokens);
  const dir = vols.get('kube-api-access-x7k2p')!.hostPath;
  assert.equal(vols.get('kube-api-access-x7k2p')!.readOnly, true);
  assert.equal(await mountedAt(dir), 'tmpfs');
  assert.equal(await readFile(join(dir, 'token'), 'utf8'), 'token-1');
  assert.equal(await mode(join(dir, 'token')), 0o644);
  assert.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), 'CA PEM');
  assert.equal(await readFile(join(dir, 'namespace'), 'utf8'), 'default');
  assert.deepEqual(asked[0], { namespace: 'default', name: 'builder', tr: {
    metadata: {}, spec: { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'uid-sat' } },
  } });
  assert.deepEqual(asked[1]!.tr.spec, { audiences: ['vault'], expirationSeconds: 3600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'uid-sat' } },
    'an audience when set; the default lifetime of 1 h');
  assert.equal(await readFile(join(vols.get('vault')!.hostPath, 'vault', 'token'), 'utf8'), 'token-1');
  // The next sync with the same token rewrites nothing; a refreshed token replaces the file.
  const data = await readlink(join(dir, '..data'));
  await prepareVolumes(p, root, withTokens);
  assert.equal(await readlink(join(dir, '..data')), data);
  current = 'token-2';
  await prepareVolumes(p, root, withTokens);
  assert.notEqual(await readlink(join(dir, '..data')), data);
  assert.equal(await readFile(join(dir, 'token'), 'utf8'), 'token-2');
  // No service account named: "default". A token that cannot be had fails the mount.
  await prepareVolumes({ ...p, metadata: { ...p.metadata, uid: 'uid-sat-2' }, spec: { ...p.spec!, serviceAccountName: undefined, volumes: [apiAccess] } }, root, withTokens);
  assert.equal(asked.at(-1)!.name, 'default');
  const failing: VolumeSources = { ...sources, getServiceAccountToken: async () => { throw new Error('failed to fetch token: serviceaccounts "builder" not found'); } };
  await assert.rejects(prepareVolumes({ ...p, metadata: { ...p.metadata, uid: 'uid-sat-3' } }, root, failing), (err: unknown) => err instanceof VolumeError
    && err.message === 'MountVolume.SetUp failed for volume "kube-api-access-x7k2p" : failed to fetch token: serviceaccounts "builder" not found');
  await assert.rejects(prepareVolumes({ ...p, metadata: { ...p.metadata, uid: 'uid-sat-4' } }, root, sources), /failed to fetch token: this kubelet has no token manager/);
  for (const uid of ['uid-sat', 'uid-sat-2', 'uid-sat-3', 'uid-sat-4']) await cleanupPodVolumes(root, uid);
});

test('missing sources: an error in Kubernetes\' words, unless optional', async () => {
  await assert.rejects(prepareVolumes(pod([{ name: 'cfg', configMap: { name: 'nope' } }], 'uid-6'), root, sources), (err: unknown) =>
    err instanceof VolumeError && err.message === 'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found');
  await assert.rejects(prepareVolumes(pod([{ name: 's', secret: { secretName: 'nope' } }], 'uid-6'), root, sources), /secret "nope" not found/);
  await assert.rejects(prepareVolumes(pod([{ name: 's', secret: { secretName: 'creds', items: [{ key: 'user', path: 'u' }] } }], 'uid-6'), root, sources),
    /references non-existent secret key: user/);
  await assert.rejects(prepareVolumes(pod([{ name: 'cfg', configMap: { name: 'app', items: [{ key: 'a.conf', path: '../escape' }] } }], 'uid-6'), root, sources),
    /must be relative and must not contain '\.\.'/);
  const v = (await prepareVolumes(pod([{ name: 'cfg', configMap: { name: 'nope', optional: true } }], 'uid-7'), root, sources)).get('cfg')!;
  assert.ok((await stat(v.hostPath)).isDirectory());
});

test('hostPath type checks', async () => {
  const file = join(root, 'host-file');
  await writeFile(file, 'x');
  await prepareVolumes(pod([{ name: 'h', hostPath: { path: file, type: 'File' } }]), root, sources);
  await assert.rejects(prepareVolumes(pod([{ name: 'h', hostPath: { path: file, type: 'Directory' } }]), root, sources), /hostPath type check failed: .* is not a directory/);
  const created = join(root, 'made', 'here');
  await prepareVolumes(pod([{ name: 'h', hostPath: { path: created, type: 'DirectoryOrCreate' } }]), root, sources);
  assert.ok((await stat(created)).isDirectory());
  await assert.rejects(prepareVolumes(pod([{ name: 'v', persistentVolumeClaim: { claimName: 'x' } }]), root, sources), /not supported by this kubelet/);
});

test('a persistentVolumeClaim volume is its bound volume\'s hostPath; an unbound, missing or deleting claim is refused with the kubelet\'s message', async () => {
  const dir = join(root, 'pv-data');
  const claims: Record<string, PersistentVolumeClaim> = {
    'default/bound': { metadata: { name: 'bound', namespace: 'default', uid: 'c1' }, spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } },
    'default/pending': { metadata: { name: 'pending', namespace: 'default', uid: 'c2' }, spec: {}, status: { phase: 'Pending' } },
    'default/deleting': { metadata: { name: 'deleting', namespace: 'default', uid: 'c3', deletionTimestamp: '2026-01-01T00:00:00Z' }, spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } },
    'default/stolen': { metadata: { name: 'stolen', namespace: 'default', uid: 'c4' }, spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } },
  };
  const volumes: Record<string, PersistentVolume> = {
    'pv-1': { metadata: { name: 'pv-1' }, spec: { hostPath: { path: dir, type: 'DirectoryOrCreate' }, claimRef: { namespace: 'default', name: 'bound', uid: 'c1' } } },
  };
  const withClaims: VolumeSources = {
    ...sources,
    getPersistentVolumeClaim: async (ns, name) => claims[`${ns}/${name}`],
    getPersistentVolume: async (name) => volumes[name],
  };
  const vols = await prepareVolumes(pod([{ name: 'data', persistentVolumeClaim: { claimName: 'bound', readOnly: true } }], 'uid-pvc'), root, withClaims);
  assert.deepEqual(vols.get('data'), { name: 'data', hostPath: dir, readOnly: true });
  assert.ok((await stat(dir)).isDirectory(), 'DirectoryOrCreate made it');
  const refused = (claimName: string): Promise<unknown> => prepareVolumes(pod([{ name: 'data', persistentVolumeClaim: { claimName } }], 'uid-pvc'), root, withClaims);
  const prefix = 'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[data]: ';
  await assert.rejects(refused('pending'), (err: unknown) => err instanceof VolumeError && err.message === `${prefix}error processing PVC default/pending: PVC is not bound`);
  await assert.rejects(refused('missing'), { message: `${prefix}error processing PVC default/missing: failed to fetch PVC from API server: persistentvolumeclaims "missing" not found` });
  await assert.rejects(refused('deleting'), { message: `${prefix}error processing PVC default/deleting: can't start pod because PVC default/deleting is being deleted` });
  await assert.rejects(refused('stolen'), /the PV is bound to another claim/);
  await assert.rejects(prepareVolumes(pod([{ name: 'data', persistentVolumeClaim: { claimName: 'bound' } }], 'uid-pvc'), root, sources), /persistentVolumeClaim volumes are not supported by this kubelet/);
  await cleanupPodVolumes(root, 'uid-pvc');
});
