// Pod volumes on disk: emptyDir, hostPath type checks, configMap and secret files with
// items and modes, optional sources, and the binds containers get.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Pod, Secret } from '../../api/types/core.js';
import { cleanupPodVolumes, containerBinds, prepareVolumes, VolumeError, type VolumeSources } from '../../kubelet/volumes.js';

let root: string;
before(async () => { root = await mkdtemp(join(tmpdir(), 'tskube-volumes-')); });
after(async () => { await rm(root, { recursive: true, force: true }); });

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
  const binds = containerBinds({ name: 'c', image: 'x', volumeMounts: [{ name: 'scratch', mountPath: '/data' }, { name: 'scratch', mountPath: '/sub', subPath: 'logs', readOnly: true }] }, vols);
  assert.deepEqual(binds, [
    { hostPath: v.hostPath, containerPath: '/data', readOnly: false },
    { hostPath: join(v.hostPath, 'logs'), containerPath: '/sub', readOnly: true },
  ]);
  assert.throws(() => containerBinds({ name: 'c', image: 'x', volumeMounts: [{ name: 'ghost', mountPath: '/g' }] }, vols), /names no volume of the pod/);
  await cleanupPodVolumes(root, 'uid-1');
  await assert.rejects(stat(v.hostPath));
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

test('configMap contents follow changes when prepared again', async () => {
  const p = pod([{ name: 'cfg', configMap: { name: 'app' } }], 'uid-4');
  const v = (await prepareVolumes(p, root, sources)).get('cfg')!;
  configMaps['default/app'] = { ...configMaps['default/app']!, data: { 'a.conf': 'changed' } };
  await prepareVolumes(p, root, sources);
  assert.equal(await readFile(join(v.hostPath, 'a.conf'), 'utf8'), 'changed');
  await assert.rejects(stat(join(v.hostPath, 'b.conf')));
});

test('secret: base64 data decoded to files', async () => {
  const v = (await prepareVolumes(pod([{ name: 's', secret: { secretName: 'creds', defaultMode: 0o440 } }], 'uid-5'), root, sources)).get('s')!;
  assert.equal(await readFile(join(v.hostPath, 'password'), 'utf8'), 's3cret');
  assert.equal(await mode(join(v.hostPath, 'password')), 0o440);
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
