// The kubelet end to end: real etcd, the real apiserver, the kubelet as its own process,
// real Docker with the local images. Pods are created through the API with
// spec.nodeName set (no scheduler), and checked through the API and Docker.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import { LABEL_NODE, LABEL_POD_UID } from '../../kubelet/pod-worker.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor } from '../harness/processes.js';

const NS = 'default';
let cp: ControlPlane;
let kubelet: KubeletHandle;

const api = podApi(() => cp, () => kubelet, NS);
const status = api.status;

async function containersOf(uid: string): Promise<{ id: string; state: string }[]> {
  return kubelet.runtime.list({ labels: { [LABEL_POD_UID]: uid, [LABEL_NODE]: kubelet.nodeName } });
}

describe('kubelet runs pods on Docker', { timeout: 120_000 }, () => {
  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'pods-test', cidr: '10.213.0.0/16' });
  });

  after(async () => {
    await kubelet?.cleanup();
    await cp?.stop();
  });

  it('runs a pod: Running with a podIP from the pod network and Ready', async () => {
    await api.create('sleeper', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
    const pod = await api.wait('sleeper', 'Running and Ready', (p) => p.status?.phase === 'Running'
      && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true);
    assert.match(pod.status?.podIP ?? '', /^10\.213\./);
    assert.equal(pod.status?.hostIP, '127.0.0.1');
    assert.ok(pod.status?.startTime);
    const st = status(pod, 'main')!;
    assert.ok(st.state?.running?.startedAt);
    assert.equal(st.ready, true);
    assert.equal(st.restartCount, 0);
    assert.match(st.containerID ?? '', /^docker:\/\/[0-9a-f]{64}$/);
    const evs = await api.events('sleeper');
    for (const reason of ['Pulled', 'Created', 'Started']) assert.ok(evs.some((e) => e.reason === reason), `event ${reason} in ${JSON.stringify(evs)}`);
    assert.ok(evs.some((e) => e.message === 'Started container main'));
  });

  it('restartPolicy Never: exit 0 gives Succeeded, exit 1 gives Failed with exitCode 1 and reason Error', async () => {
    await api.create('ok', { restartPolicy: 'Never', containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo done'] }] });
    await api.create('bad', { restartPolicy: 'Never', containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'exit 1'] }] });
    const ok = await api.wait('ok', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    assert.equal(status(ok, 'main')?.state?.terminated?.exitCode, 0);
    assert.equal(status(ok, 'main')?.state?.terminated?.reason, 'Completed');
    const bad = await api.wait('bad', 'Failed', (p) => p.status?.phase === 'Failed');
    const t = status(bad, 'main')?.state?.terminated;
    assert.equal(t?.exitCode, 1);
    assert.equal(t?.reason, 'Error');
    assert.equal(status(bad, 'main')?.restartCount, 0);
  });

  it('env from a configMap and a secret, read back through pods/log', async () => {
    assert.equal((await http(cp.url, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { metadata: { name: 'cfg' }, data: { color: 'blue' } })).status, 201);
    assert.equal((await http(cp.url, 'POST', `/api/v1/namespaces/${NS}/secrets`, { metadata: { name: 'sec' }, data: { password: Buffer.from('s3cret').toString('base64') } })).status, 201);
    await api.create('envy', {
      containers: [{
        name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo "color=$COLOR password=$PASSWORD pod=$POD"; sleep 3600'],
        env: [
          { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
      }],
    });
    const text = await api.waitLog('envy', 'main', (t) => t.includes('color='));
    assert.equal(text, 'color=blue password=s3cret pod=envy\n');
  });

  it('a missing configMap key: CreateContainerConfigError with the message', async () => {
    await api.create('noconf', {
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k' } } }] }],
    });
    const p = await api.wait('noconf', 'CreateContainerConfigError', (p) => status(p, 'main')?.state?.waiting?.reason === 'CreateContainerConfigError');
    assert.equal(status(p, 'main')?.state?.waiting?.message, 'configmap "missing" not found');
    assert.equal(p.status?.phase, 'Pending');
    const logs = await api.log('noconf', 'main');
    assert.equal(logs.status, 400);
    assert.match(logs.text, /is waiting to start: CreateContainerConfigError/);
  });

  it('two containers share an emptyDir', async () => {
    await api.create('shared', {
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [
        { name: 'writer', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo hello-from-writer > /data/f; sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'reader', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'while [ ! -f /data/f ]; do sleep 0.1; done; cat /data/f; sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/mnt' }] },
      ],
    });
    // The reader mounts the same directory at /mnt: wait until the writer's file shows there.
    await api.wait('shared', 'Running', (p) => p.status?.phase === 'Running');
    const pod = (await api.get('shared'))!;
    const reader = status(pod, 'reader')!.containerID!.replace('docker://', '');
    await waitFor(async () => (await kubelet.runtime.exec(reader, ['cat', '/mnt/f'], { timeoutMs: 2000 })).stdout === 'hello-from-writer\n',
      { timeoutMs: 10_000, what: 'the writer\'s file in the reader' });
  });

  it('init containers run in order before the containers; configMap files appear in a volume', async () => {
    assert.equal((await http(cp.url, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { metadata: { name: 'files' }, data: { 'greeting.txt': 'hi there' } })).status, 201);
    await api.create('inits', {
      volumes: [{ name: 'work', emptyDir: {} }, { name: 'conf', configMap: { name: 'files' } }],
      initContainers: [
        { name: 'first', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo first >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { name: 'second', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo second >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      ],
      containers: [{
        name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'cat /work/order /conf/greeting.txt; echo; sleep 3600'],
        volumeMounts: [{ name: 'work', mountPath: '/work' }, { name: 'conf', mountPath: '/conf' }],
      }],
    });
    const p = await api.wait('inits', 'Running', (p) => p.status?.phase === 'Running');
    assert.deepEqual(p.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason, s.state?.terminated?.exitCode]),
      [['first', 'Completed', 0], ['second', 'Completed', 0]]);
    assert.equal(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
    const text = await api.waitLog('inits', 'main', (t) => t.includes('hi there'));
    assert.equal(text, 'first\nsecond\nhi there\n');
  });

  it('a failing init container under Never fails the pod without starting the containers', async () => {
    await api.create('badinit', {
      restartPolicy: 'Never',
      initContainers: [{ name: 'init', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'exit 2'] }],
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }],
    });
    const p = await api.wait('badinit', 'Failed', (p) => p.status?.phase === 'Failed');
    assert.equal(p.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 2);
    assert.equal(status(p, 'main')?.state?.waiting?.reason, 'PodInitializing');
  });

  it('deleting a pod stops and removes its containers, then the pod object disappears', async () => {
    const created = await api.create('doomed', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
    await api.wait('doomed', 'Running', (p) => p.status?.phase === 'Running');
    const uid = created.metadata.uid!;
    assert.equal((await containersOf(uid)).length, 2); // sandbox + main
    const res = await http(cp.url, 'DELETE', `/api/v1/namespaces/${NS}/pods/doomed`);
    assert.ok(res.status === 200 || res.status === 202, res.text);
    await waitFor(async () => (await api.get('doomed')) === undefined, { timeoutMs: 20_000, what: 'the pod object to disappear' });
    assert.deepEqual(await containersOf(uid), []);
    const evs = await api.events('doomed');
    assert.ok(evs.some((e) => e.reason === 'Killing' && e.message === 'Stopping container main'), JSON.stringify(evs));
  });

  it('a restarted kubelet adopts a running pod: same container, same restartCount', async () => {
    const before = (await api.wait('sleeper', 'Running', (p) => p.status?.phase === 'Running'));
    const st = status(before, 'main')!;
    await kubelet.restart();
    // The new process has synced the pod once it logs adopting it.
    await waitFor(async () => {
      const { readFile } = await import('node:fs/promises');
      const log = await readFile(kubelet.logFile, 'utf8');
      return log.split('"kubelet started"').pop()!.includes('"adopted pod containers"');
    }, { timeoutMs: 15_000, what: 'the kubelet to adopt its pods' });
    // A pod created now runs too (the new kubelet works).
    await api.create('after-restart', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
    await api.wait('after-restart', 'Running', (p) => p.status?.phase === 'Running');
    const after = (await api.get('sleeper'))!;
    assert.equal(status(after, 'main')?.containerID, st.containerID);
    assert.equal(status(after, 'main')?.restartCount, st.restartCount);
    assert.equal(status(after, 'main')?.state?.running?.startedAt, st.state?.running?.startedAt);
    const d = await kubelet.runtime.inspect(st.containerID!.replace('docker://', ''));
    assert.equal(d?.state, 'running');
  });

  it('a crashing container under Always shows CrashLoopBackOff with growing restarts', async () => {
    await api.create('crash', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo crashing; exit 3'] }] });
    const p = await api.wait('crash', 'CrashLoopBackOff after 2 restarts', (p) => (status(p, 'main')?.restartCount ?? 0) >= 2
      && status(p, 'main')?.state?.waiting?.reason === 'CrashLoopBackOff');
    const st = status(p, 'main')!;
    assert.match(st.state!.waiting!.message!, /^back-off \d+s restarting failed container=main pod=crash_default\(/);
    assert.equal(st.lastState?.terminated?.exitCode, 3);
    assert.equal(st.lastState?.terminated?.reason, 'Error');
    assert.equal(p.status?.phase, 'Running');
    const prev = await api.log('crash', 'main', '&previous=true');
    assert.equal(prev.status, 200);
    assert.equal(prev.text, 'crashing\n');
    assert.ok((await api.events('crash')).some((e) => e.reason === 'BackOff' && e.message.startsWith('Back-off restarting failed container main in pod crash_default')));
  });

  it('a missing image shows ErrImagePull with the daemon\'s message, then ImagePullBackOff', async () => {
    await api.create('noimage', { containers: [{ name: 'main', image: 'tskube.invalid/no-such-image:1', command: ['sleep', '1'] }] });
    const p = await api.wait('noimage', 'ErrImagePull', (p) => status(p, 'main')?.state?.waiting?.reason === 'ErrImagePull');
    assert.ok((status(p, 'main')?.state?.waiting?.message ?? '').length > 0);
    const q = await api.wait('noimage', 'ImagePullBackOff', (p) => status(p, 'main')?.state?.waiting?.reason === 'ImagePullBackOff');
    assert.equal(status(q, 'main')?.state?.waiting?.message, 'Back-off pulling image "tskube.invalid/no-such-image:1"');
    const evs = await api.events('noimage');
    assert.ok(evs.some((e) => e.reason === 'Pulling' && e.message === 'Pulling image "tskube.invalid/no-such-image:1"'));
    assert.ok(evs.some((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image "tskube.invalid/no-such-image:1": ')));
  });

  it('a failing liveness probe restarts the container', async () => {
    await api.create('live', {
      containers: [{
        name: 'main', image: LOCAL_TESTSERVER_IMAGE, ports: [{ containerPort: 8080 }],
        // Node takes a moment to start in the container: probe after it has.
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 2, periodSeconds: 1, failureThreshold: 2 },
        readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 },
      }],
    });
    const p = await api.wait('live', 'Ready', (p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true);
    const first = status(p, 'main')!.containerID!.replace('docker://', '');
    await kubelet.runtime.exec(first, ['touch', '/tmp/unhealthy'], { timeoutMs: 2000 });
    const q = await api.wait('live', 'restarted and Ready', (p) => status(p, 'main')?.restartCount === 1 && status(p, 'main')?.ready === true, 30_000);
    assert.notEqual(status(q, 'main')?.containerID, `docker://${first}`);
    const evs = await api.events('live');
    assert.ok(evs.some((e) => e.reason === 'Killing' && e.message === 'Container main failed liveness probe, will be restarted'), JSON.stringify(evs));
    assert.ok(evs.some((e) => e.reason === 'Unhealthy' && e.message.startsWith('Liveness probe failed: HTTP probe failed with statuscode: 500')));
  });

  it('a readiness probe toggles the Ready condition', async () => {
    await api.create('ready', {
      containers: [{ name: 'main', image: LOCAL_TESTSERVER_IMAGE, readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 } }],
    });
    const isReady = (p: Pod): string | undefined => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const p = await api.wait('ready', 'Ready', (p) => isReady(p) === 'True');
    const id = status(p, 'main')!.containerID!.replace('docker://', '');
    await kubelet.runtime.exec(id, ['touch', '/tmp/not-ready'], { timeoutMs: 2000 });
    const q = await api.wait('ready', 'not Ready', (p) => isReady(p) === 'False');
    assert.equal(status(q, 'main')?.ready, false);
    assert.equal(q.status?.phase, 'Running');
    await kubelet.runtime.exec(id, ['rm', '/tmp/not-ready'], { timeoutMs: 2000 });
    const r = await api.wait('ready', 'Ready again', (p) => isReady(p) === 'True');
    assert.equal(status(r, 'main')?.restartCount, 0);
  });

  it('graceful termination: a container that traps SIGTERM stops at once, one that ignores it is killed after the grace period', async () => {
    const polite = await api.create('polite', {
      terminationGracePeriodSeconds: 3,
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.1; done"] }],
    });
    const stubborn = await api.create('stubborn', {
      terminationGracePeriodSeconds: 3,
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', "trap '' TERM; while true; do sleep 0.1; done"] }],
    });
    await api.wait('polite', 'Running', (p) => p.status?.phase === 'Running');
    await api.wait('stubborn', 'Running', (p) => p.status?.phase === 'Running');
    const timeDeletion = async (name: string): Promise<number> => {
      const t0 = Date.now();
      await http(cp.url, 'DELETE', `/api/v1/namespaces/${NS}/pods/${name}`);
      await waitFor(async () => (await api.get(name)) === undefined, { timeoutMs: 20_000, intervalMs: 50, what: `${name} to be deleted` });
      return Date.now() - t0;
    };
    const [politeMs, stubbornMs] = await Promise.all([timeDeletion('polite'), timeDeletion('stubborn')]);
    assert.ok(politeMs < 2500, `polite pod took ${politeMs}ms`);
    assert.ok(stubbornMs >= 2800, `stubborn pod took only ${stubbornMs}ms`);
    assert.ok(stubbornMs < 10_000, `stubborn pod took ${stubbornMs}ms`);
    assert.deepEqual(await containersOf(polite.metadata.uid!), []);
    assert.deepEqual(await containersOf(stubborn.metadata.uid!), []);
  });

  it('graceful termination: the preStop hook runs first, then SIGTERM, and a slow TERM handler gets its time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tskube-prestop-'));
    try {
      const pod = await api.create('prestop', {
        terminationGracePeriodSeconds: 10,
        volumes: [{ name: 'out', hostPath: { path: dir, type: 'Directory' } }],
        containers: [{
          name: 'main', image: LOCAL_BUSYBOX_IMAGE,
          // Cleanup takes 1.5 s after SIGTERM, well inside the 10 s grace period.
          command: ['sh', '-c', "trap 'sleep 1.5; echo term-done >> /out/log; exit 0' TERM; while true; do sleep 0.1; done"],
          volumeMounts: [{ name: 'out', mountPath: '/out' }],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /out/log'] } } },
        }],
      });
      await api.wait('prestop', 'Running', (p) => p.status?.phase === 'Running');
      const t0 = Date.now();
      await http(cp.url, 'DELETE', `/api/v1/namespaces/${NS}/pods/prestop`);
      await waitFor(async () => (await api.get('prestop')) === undefined, { timeoutMs: 20_000, intervalMs: 50, what: 'prestop to be deleted' });
      const took = Date.now() - t0;
      assert.equal(await readFile(join(dir, 'log'), 'utf8'), 'prestop\nterm-done\n', 'preStop, then the TERM handler ran to its end');
      assert.ok(took >= 1500 && took < 9000, `deletion took ${took} ms`);
      assert.deepEqual(await containersOf(pod.metadata.uid!), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('memory and cpu limits reach Docker', async () => {
    await api.create('limited', {
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'], resources: { limits: { memory: '64Mi', cpu: '500m' } } }],
    });
    const p = await api.wait('limited', 'Running', (p) => p.status?.phase === 'Running');
    assert.equal(p.status?.qosClass, 'Guaranteed');
    const d = await kubelet.runtime.inspect(status(p, 'main')!.containerID!.replace('docker://', ''));
    assert.equal(d?.memoryLimitBytes, 64 * 1024 * 1024);
    assert.equal(d?.nanoCpus, 500_000_000);
  });
});
