// securityContext end to end: pod- and container-level settings merged (the container
// wins) and applied to real containers, checked from inside them (id, /proc/self/status,
// touch, mount, df); runAsNonRoot refusals with the kubelet's messages; fsGroup owning
// volume files; a subPath symlink planted to escape its volume; secret and projected
// data on tmpfs, never on the node's disk. Real etcd, apiserver, kubelet process and
// Docker with the local busybox image.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import { mountedAt } from '../../kubelet/mounts.js';
import { containerSecurity, effectiveSecurityContext, imageUser, verifyRunAsNonRoot } from '../../kubelet/security-context.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { podApi, startKubelet, type KubeletHandle, type TestPodSpec } from '../harness/kubelet.js';

const run = promisify(execFile);
/** busybox with USER nobody: an image whose user is a name, not a uid. */
const NAMED_USER_IMAGE = `tskube.local/busybox-nobody:test-${process.pid}`;
/** Host's full capability set, as a privileged container gets it. */
const hostCapEff = async (): Promise<string> => /CapEff:\s*(\S+)/.exec(await readFile('/proc/self/status', 'utf8'))![1]!;

describe('kubelet: securityContext', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet);
  const running = (p: Pod): boolean => p.status?.phase === 'Running';
  /** Runs a pod whose one container prints what cmd prints, then sleeps; resolves with that output. */
  const outputOf = async (name: string, cmd: string, spec: Partial<TestPodSpec> = {}, container: Partial<NonNullable<TestPodSpec['containers']>[number]> = {}): Promise<string> => {
    await api.create(name, { ...spec, containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', `${cmd}; echo END; sleep 3600`], ...container }] });
    const text = await api.waitLog(name, 'main', (t) => t.includes('END\n'));
    return text.slice(0, text.indexOf('END\n'));
  };
  const waitingOf = async (name: string): Promise<{ reason?: string; message?: string }> => {
    const p = await api.wait(name, 'waiting with CreateContainerConfigError', (p) => api.status(p, 'main')?.state?.waiting?.reason === 'CreateContainerConfigError');
    return api.status(p, 'main')!.state!.waiting!;
  };

  before(async () => {
    await ensureLocalImages();
    await run('sh', ['-c', `printf 'FROM ${LOCAL_BUSYBOX_IMAGE}\\nUSER nobody\\n' | docker build -q -t ${NAMED_USER_IMAGE} -`]);
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'secctx-test', cidr: '10.217.0.0/16' });
  });

  after(async () => {
    try {
      await kubelet?.cleanup();
    } finally {
      await cp?.stop();
      await run('docker', ['rmi', '-f', NAMED_USER_IMAGE]).catch(() => undefined);
    }
  });

  it('runAsUser, runAsGroup, fsGroup and supplementalGroups: the container wins over the pod', async () => {
    const spec: Partial<TestPodSpec> = { securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] } };
    assert.equal(await outputOf('ids-pod', 'id -u; id -g; id -G', spec), '1000\n3000\n3000 2000 4000\n');
    assert.equal(await outputOf('ids-container', 'id -u; id -g', spec, { securityContext: { runAsUser: 1001, runAsGroup: 3001 } }), '1001\n3001\n');
    // Without runAsUser the image's user (root) keeps running, with the given group.
    assert.equal(await outputOf('ids-group-only', 'id -u; id -g', { securityContext: { runAsGroup: 3000 } }), '0\n3000\n');
  });

  it('fsGroup owns emptyDir and secret volume files; files the container creates get the group', async () => {
    await api.put('secrets', { metadata: { name: 'fsg-secret' }, data: { token: Buffer.from('t0ken').toString('base64') } });
    const out = await outputOf('fsgroup', 'stat -c "%g %a" /data; touch /data/new; stat -c %g /data/new; stat -L -c "%g %a" /secret/token; cat /secret/token; echo', {
      securityContext: { runAsUser: 1000, fsGroup: 2000 },
      volumes: [{ name: 'data', emptyDir: {} }, { name: 'sec', secret: { secretName: 'fsg-secret', defaultMode: 0o400 } }],
    }, { volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'sec', mountPath: '/secret' }] });
    // 2777: group rwx and setgid; the secret file 0440: the group (and so uid 1000) may read it.
    assert.equal(out, '2000 2777\n2000\n2000 440\nt0ken\n');
  });

  it('runAsNonRoot refuses an image that runs as root, or as a user name, with the kubelet\'s messages', async () => {
    const root = await api.create('nonroot-root', { securityContext: { runAsNonRoot: true }, containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
    assert.deepEqual(await waitingOf('nonroot-root'), {
      reason: 'CreateContainerConfigError',
      message: `container has runAsNonRoot and image will run as root (pod: "nonroot-root_default(${root.metadata.uid})", container: main)`,
    });
    const named = await api.create('nonroot-named', { containers: [{ name: 'main', image: NAMED_USER_IMAGE, imagePullPolicy: 'Never', command: ['sleep', '3600'], securityContext: { runAsNonRoot: true } }] });
    assert.equal((await waitingOf('nonroot-named')).message,
      `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: "nonroot-named_default(${named.metadata.uid})", container: main)`);
    const zero = await api.create('nonroot-zero', { securityContext: { runAsNonRoot: true }, containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'], securityContext: { runAsUser: 0 } }] });
    assert.equal((await waitingOf('nonroot-zero')).message, `container's runAsUser breaks non-root policy (pod: "nonroot-zero_default(${zero.metadata.uid})", container: main)`);
    const p = await api.get('nonroot-root');
    assert.equal(p?.status?.phase, 'Pending');
    // A numeric non-root user passes.
    assert.equal(await outputOf('nonroot-ok', 'id -u', { securityContext: { runAsNonRoot: true, runAsUser: 1000 } }), '1000\n');
  });

  it('capabilities add/drop and privileged reach the container (CapEff)', async () => {
    const capEff = (out: string): string => /CapEff:\s*(\S+)/.exec(out)![1]!;
    // NET_ADMIN is bit 12: only it is left.
    assert.equal(capEff(await outputOf('caps', 'grep CapEff /proc/self/status', {}, { securityContext: { capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } })), '0000000000001000');
    const defaults = BigInt(`0x${capEff(await outputOf('caps-default', 'grep CapEff /proc/self/status'))}`);
    // NET_RAW is bit 13, in Docker's default set.
    const dropped = BigInt(`0x${capEff(await outputOf('caps-drop', 'grep CapEff /proc/self/status', {}, { securityContext: { capabilities: { drop: ['NET_RAW'] } } }))}`);
    assert.equal(defaults & (1n << 13n), 1n << 13n);
    assert.equal(dropped, defaults & ~(1n << 13n));
  });

  it('privileged reaches Docker (and, where the node may grant every capability, the container has them all)', async () => {
    await api.create('privileged', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'grep CapEff /proc/self/status; sleep 3600'], securityContext: { privileged: true } }] });
    const p = await api.wait('privileged', 'created', (q) => !!api.status(q, 'main')?.containerID);
    const id = api.status(p, 'main')!.containerID!.replace('docker://', '');
    assert.equal((await run('docker', ['inspect', '-f', '{{.HostConfig.Privileged}}', id])).stdout.trim(), 'true');
    // This VM's processes lack CAP_SYS_RESOURCE, so runc cannot grant all capabilities
    // here ("unable to apply caps"); elsewhere the container runs with the node's set.
    const settled = await api.wait('privileged', 'running or refused by runc', (q) => running(q) && !!api.status(q, 'main')?.state?.running
      || api.status(q, 'main')?.state?.waiting?.reason === 'RunContainerError');
    if (api.status(settled, 'main')?.state?.running) {
      const out = await api.waitLog('privileged', 'main', (t) => t.includes('CapEff'));
      assert.equal(/CapEff:\s*(\S+)/.exec(out)![1], await hostCapEff());
    } else {
      assert.match(api.status(settled, 'main')!.state!.waiting!.message!, /unable to apply caps: operation not permitted/);
    }
  });

  it('readOnlyRootFilesystem: / cannot be written, a volume still can', async () => {
    const out = await outputOf('readonly', 'touch /x 2>&1; echo "root=$?"; touch /data/x && echo "volume=$?"',
      { volumes: [{ name: 'data', emptyDir: {} }] }, { securityContext: { readOnlyRootFilesystem: true }, volumeMounts: [{ name: 'data', mountPath: '/data' }] });
    assert.equal(out, 'touch: /x: Read-only file system\nroot=1\nvolume=0\n');
  });

  it('allowPrivilegeEscalation: false sets no_new_privs', async () => {
    assert.equal(await outputOf('nnp', 'grep NoNewPrivs /proc/self/status', {}, { securityContext: { allowPrivilegeEscalation: false } }), 'NoNewPrivs:\t1\n');
    assert.equal(await outputOf('nnp-default', 'grep NoNewPrivs /proc/self/status'), 'NoNewPrivs:\t0\n');
  });

  it('a subPath symlink planted to / does not give a container the node\'s root: CreateContainerConfigError', async () => {
    await api.create('escape', {
      volumes: [{ name: 'data', emptyDir: {} }],
      initContainers: [{ name: 'planter', image: LOCAL_BUSYBOX_IMAGE, command: ['ln', '-s', '/', '/data/evil'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'ls /host; sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/host', subPath: 'evil' }] }],
    });
    assert.deepEqual(await waitingOf('escape'), { reason: 'CreateContainerConfigError', message: 'failed to prepare subPath for volumeMount "data" of container "main"' });
    const p = (await api.get('escape'))!;
    assert.equal(p.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 0, 'the symlink was planted');
    assert.equal(api.status(p, 'main')?.containerID, undefined, 'no container was created');
    // The refusal is kept: the pod stays waiting, never running the container.
    const again = await api.wait('escape', 'still refused after a retry', (q) => api.status(q, 'main')?.state?.waiting?.reason === 'CreateContainerConfigError');
    assert.equal(again.status?.phase, 'Pending');
  });

  it('secret and projected data live on a tmpfs per volume, not on the node\'s disk', async () => {
    const marker = `tskube-secret-marker-${process.pid}-${Date.now()}`;
    await api.put('secrets', { metadata: { name: 'on-tmpfs' }, data: { value: Buffer.from(marker).toString('base64') } });
    const pod = await api.create('tmpfs', {
      volumes: [{ name: 'sec', secret: { secretName: 'on-tmpfs' } }, { name: 'proj', projected: { sources: [{ secret: { name: 'on-tmpfs' } }] } }],
      containers: [{
        name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'mount | grep -E " /etc/(sec|proj) "; df /etc/sec /etc/proj | tail -n +2 | cut -d" " -f1; cat /etc/sec/value /etc/proj/value; echo; echo END; sleep 3600'],
        volumeMounts: [{ name: 'sec', mountPath: '/etc/sec' }, { name: 'proj', mountPath: '/etc/proj' }],
      }],
    });
    const out = await api.waitLog('tmpfs', 'main', (t) => t.includes('END\n'));
    const lines = out.split('\n');
    // In whichever order Docker mounted them.
    assert.deepEqual(lines.slice(0, 2).map((l) => l.replace(/ \(ro,.*$/, ' (ro,...)')).sort(),
      ['tmpfs on /etc/proj type tmpfs (ro,...)', 'tmpfs on /etc/sec type tmpfs (ro,...)']);
    assert.deepEqual(lines.slice(2, 4), ['tmpfs', 'tmpfs']);
    assert.equal(lines[4], `${marker}${marker}`);
    const volumes = join(kubelet.rootDir, 'pods', pod.metadata.uid!, 'volumes');
    assert.equal(await mountedAt(join(volumes, 'kubernetes.io~secret', 'sec')), 'tmpfs');
    assert.equal(await mountedAt(join(volumes, 'kubernetes.io~projected', 'proj')), 'tmpfs');
    // The root dir's own disk, seen without the mounts on top of it (a non-recursive bind): no trace of the data.
    const view = await mkdtemp(join(tmpdir(), 'tskube-rootdir-view-'));
    try {
      await run('mount', ['--bind', kubelet.rootDir, view]);
      try {
        const found = await run('grep', ['-rl', marker, view]).then((r) => r.stdout, () => '');
        assert.equal(found, '', 'secret data found on the node\'s disk');
        assert.deepEqual(await readdir(join(view, 'pods', pod.metadata.uid!, 'volumes', 'kubernetes.io~secret', 'sec')), []);
      } finally {
        await run('umount', [view]);
      }
    } finally {
      await rmdir(view);
    }
    // Deleting the pod unmounts its tmpfs volumes and removes its directory.
    await api.remove('tmpfs');
    assert.equal(await mountedAt(join(volumes, 'kubernetes.io~secret', 'sec')), undefined);
    assert.deepEqual(await readdir(join(kubelet.rootDir, 'pods')).then((d) => d.filter((u) => u === pod.metadata.uid)), []);
  });
});

describe('security context rules (no I/O)', () => {
  const pod = (spec: Partial<NonNullable<Pod['spec']>>): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [], ...spec } });
  const c = (securityContext?: NonNullable<NonNullable<Pod['spec']>['containers'][number]['securityContext']>) => ({ name: 'app', image: 'x', securityContext });

  it('merges field by field, the container winning; pod-only fields stay pod-level', () => {
    const p = pod({ securityContext: { runAsUser: 1, runAsGroup: 2, runAsNonRoot: true, fsGroup: 3, supplementalGroups: [4] } });
    assert.equal(effectiveSecurityContext(pod({}), c()), undefined);
    assert.deepEqual(effectiveSecurityContext(p, c()), { runAsUser: 1, runAsGroup: 2, runAsNonRoot: true });
    assert.deepEqual(effectiveSecurityContext(p, c({ runAsUser: 10, runAsNonRoot: false, readOnlyRootFilesystem: true })),
      { runAsUser: 10, runAsGroup: 2, runAsNonRoot: false, readOnlyRootFilesystem: true });
  });

  it('reads an image\'s user as the kubelet does: none is root, a name is a name, the group part is ignored', () => {
    assert.deepEqual(imageUser(''), { uid: 0 });
    assert.deepEqual(imageUser('1000'), { uid: 1000 });
    assert.deepEqual(imageUser('1000:50'), { uid: 1000 });
    assert.deepEqual(imageUser('nobody:nogroup'), { username: 'nobody' });
  });

  it('verifyRunAsNonRoot: only with runAsNonRoot; runAsUser decides before the image does', () => {
    const nonRoot = pod({ securityContext: { runAsNonRoot: true } });
    assert.equal(verifyRunAsNonRoot(pod({}), c(), { uid: 0 }), undefined);
    assert.equal(verifyRunAsNonRoot(nonRoot, c(), { uid: 0 }), 'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: app)');
    assert.equal(verifyRunAsNonRoot(nonRoot, c(), { uid: 7 }), undefined);
    assert.equal(verifyRunAsNonRoot(nonRoot, c({ runAsUser: 7 }), { username: 'nobody' }), undefined);
    assert.equal(verifyRunAsNonRoot(nonRoot, c({ runAsUser: 0 }), { uid: 7 }), 'container\'s runAsUser breaks non-root policy (pod: "p_ns(u1)", container: app)');
    assert.equal(verifyRunAsNonRoot(nonRoot, c(), { username: 'nobody' }),
      'container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: "p_ns(u1)", container: app)');
  });

  it('what Docker is asked for', () => {
    const p = pod({ securityContext: { runAsUser: 1000, fsGroup: 2000, supplementalGroups: [4000, 2000] } });
    assert.deepEqual(containerSecurity(p, c({ runAsGroup: 3000, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }), { uid: 0 }), {
      user: '1000:3000', groupAdd: ['2000', '4000'], capAdd: ['NET_ADMIN'], capDrop: ['ALL'], privileged: false, readOnlyRootfs: true, noNewPrivileges: true,
    });
    // No runAsUser or runAsGroup: the image's own user (and group) stay.
    assert.equal(containerSecurity(pod({}), c(), { uid: 1000 }).user, undefined);
    assert.equal(containerSecurity(pod({}), c({ runAsGroup: 5 }), { username: 'nobody' }).user, 'nobody:5');
    assert.equal(containerSecurity(pod({}), c({ allowPrivilegeEscalation: true, privileged: true }), { uid: 0 }).noNewPrivileges, false);
  });
});
