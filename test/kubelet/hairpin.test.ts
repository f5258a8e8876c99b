// Hairpin mode on pod sandboxes' bridge ports (kubelet/hairpin.ts), end to end: real
// etcd, the apiserver and kubelet processes on Docker with the local testserver image.
// The test finds each sandbox's bridge port on its own, not the kubelet's way: the
// peer ifindex from the sandbox's own sysfs (/proc/<pid>/root/sys/class/net/eth0/iflink,
// the /sys Docker mounted inside the container's network namespace), then the node's
// interface with that index from `ip -j link show`, which must be a port of the pod
// network's bridge. Then it reads /sys/class/net/<port>/brport/hairpin_mode.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import { HairpinError, hairpinModeFromFlag, interfaceByIndex, setUpHairpin } from '../../kubelet/hairpin.js';
import { LABEL_NODE, LABEL_POD_UID, LABEL_TYPE, TYPE_SANDBOX } from '../../kubelet/pod-worker.js';
import { ensureLocalImages, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { podApi, startKubelet, type KubeletHandle, type PodApi, type TestPodSpec } from '../harness/kubelet.js';
import { spawnProcess, waitFor } from '../harness/processes.js';

const run = promisify(execFile);

/** Pod subnets no other test file uses (test/harness-selfcheck/subnets.test.ts checks). */
const CIDR = '10.227.0.0/16';
const CIDR_NONE = '10.228.0.0/16';
const CIDR_REFUSED = '10.229.0.0/16';

const server: TestPodSpec = {
  containers: [{ name: 'web', image: LOCAL_TESTSERVER_IMAGE, imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }] }],
};

describe('kubelet: hairpin mode on pod sandboxes\' bridge ports', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let k: KubeletHandle;
  let none: KubeletHandle | undefined;
  const api = podApi(() => cp, () => k);
  const apiNone = podApi(() => cp, () => none!);

  before(async () => {
    await ensureLocalImages({ log: () => undefined });
    cp = await startControlPlane();
    // The default --hairpin-mode: hairpin-veth.
    k = await startKubelet(cp, { name: 'hairpin', cidr: CIDR });
  });

  after(async () => {
    await k?.cleanup();
    await none?.cleanup();
    await cp?.stop();
  });

  const running = (a: PodApi, name: string, restarts = 0): Promise<Pod> =>
    a.wait(name, `Running with restartCount ${restarts}`, (p) => {
      const st = a.status(p, 'web');
      return p.status?.phase === 'Running' && !!st?.state?.running && st.restartCount === restarts;
    }, 40_000);

  /** The running sandbox of a pod: its container id and process. */
  const sandboxOf = async (kubelet: KubeletHandle, uid: string): Promise<{ id: string; pid: number }> => {
    const all = await kubelet.runtime.list({ labels: { [LABEL_POD_UID]: uid, [LABEL_NODE]: kubelet.nodeName, [LABEL_TYPE]: TYPE_SANDBOX } });
    const live = all.filter((c) => c.state === 'running');
    assert.equal(live.length, 1, JSON.stringify(all));
    const sb = await kubelet.runtime.inspect(live[0]!.id);
    assert.ok(sb && sb.pid > 0, `the sandbox ${live[0]!.id} has a process`);
    return { id: live[0]!.id, pid: sb.pid };
  };

  /** The node's end of the sandbox's veth, checked to be a port of the bridge that holds the pod network's gateway. */
  const bridgePortOf = async (pid: number, cidr: string): Promise<string> => {
    const peer = Number(await readFile(`/proc/${pid}/root/sys/class/net/eth0/iflink`, 'utf8'));
    assert.ok(peer > 0, `the sandbox's eth0 names its peer (iflink ${peer})`);
    const links = JSON.parse((await run('ip', ['-j', 'link', 'show'])).stdout) as { ifindex: number; ifname: string; master?: string }[];
    const port = links.find((l) => l.ifindex === peer);
    assert.ok(port?.master, `interface ${peer} is a bridge port: ${JSON.stringify(port)}`);
    const gateway = cidr.replace(/\.0\/16$/, '.1');
    assert.match((await run('ip', ['-4', '-o', 'addr', 'show', 'dev', port.master])).stdout, new RegExp(`inet ${gateway.replaceAll('.', '\\.')}/`),
      `${port.master} is the bridge of the pod network ${cidr}`);
    return port.ifname;
  };
  const hairpinOf = async (port: string): Promise<string> => (await readFile(`/sys/class/net/${port}/brport/hairpin_mode`, 'utf8')).trim();
  /** Creates a pod, waits until it runs, and finds its sandbox and the sandbox's bridge port. */
  const runningPod = async (name: string) => {
    await api.create(name, server);
    const p = await running(api, name);
    const sb = await sandboxOf(k, p.metadata.uid!);
    return { p, sb, port: await bridgePortOf(sb.pid, CIDR) };
  };

  it('a new sandbox\'s bridge port is in hairpin mode', async () => {
    const { port } = await runningPod('hairpin-new');
    assert.equal(await hairpinOf(port), '1');
  });

  it('a recreated sandbox gets it again (a new veth)', async () => {
    const { sb: old, port: oldPort } = await runningPod('hairpin-recreated');
    assert.equal(await hairpinOf(oldPort), '1');
    // The sandbox dies, its network namespace and veth with it: a new sandbox and a new port.
    await k.runtime.kill(old.id, 'KILL');
    const p = await running(api, 'hairpin-recreated', 1);
    await waitFor(async () => (await sandboxOf(k, p.metadata.uid!)).id !== old.id, { timeoutMs: 20_000, what: 'a new sandbox' });
    const sb = await sandboxOf(k, p.metadata.uid!);
    const port = await bridgePortOf(sb.pid, CIDR);
    assert.equal(await hairpinOf(port), '1');
  });

  it('a restarted kubelet sets it again on the sandboxes it adopts', async () => {
    const { p, sb, port } = await runningPod('hairpin-adopted');
    assert.equal(await hairpinOf(port), '1');
    // Turned off behind the kubelet's back (as on a sandbox made before the flag existed).
    await writeFile(`/sys/class/net/${port}/brport/hairpin_mode`, '0');
    assert.equal(await hairpinOf(port), '0');
    await k.restart();
    await waitFor(async () => (await hairpinOf(port)) === '1', { timeoutMs: 20_000, intervalMs: 100, what: `hairpin mode on ${port} again (kubelet log: ${k.logFile})` });
    // The same sandbox: adopted, not recreated.
    assert.equal((await sandboxOf(k, p.metadata.uid!)).id, sb.id);
  });

  it('--hairpin-mode none leaves the port as Docker made it (off)', async () => {
    none = await startKubelet(cp, { name: 'hairpin-none', cidr: CIDR_NONE, args: ['--hairpin-mode', 'none'] });
    await apiNone.create('hairpin-off', server);
    const p = await running(apiNone, 'hairpin-off');
    const sb = await sandboxOf(none, p.metadata.uid!);
    assert.equal(await hairpinOf(await bridgePortOf(sb.pid, CIDR_NONE)), '0');
  });

  it('--hairpin-mode promiscuous-bridge (and an unknown mode) is refused at start', async () => {
    await assert.rejects(startKubelet(cp, { name: 'hairpin-promisc', cidr: CIDR_REFUSED, args: ['--hairpin-mode', 'promiscuous-bridge'] }),
      /--hairpin-mode promiscuous-bridge is not supported/);
    assert.throws(() => hairpinModeFromFlag('promiscuous-bridge'), /not supported/);
    assert.throws(() => hairpinModeFromFlag('hairpin'), /want one of promiscuous-bridge, hairpin-veth, none/);
    assert.equal(hairpinModeFromFlag('hairpin-veth'), 'hairpin-veth');
    assert.equal(hairpinModeFromFlag('none'), 'none');
  });

  it('setUpHairpin: a namespace without eth0 is an error; a veth on no bridge is left alone', async () => {
    // A network namespace of the test's own (unshare execs sleep in it), then a veth
    // pair whose node end is on no bridge; both removed whatever happens.
    const dir = await mkdtemp(join(tmpdir(), 'tskube-hairpin-ns-'));
    const ns = spawnProcess('unshare', ['--net', 'sleep', '120'], { logFile: join(dir, 'unshare.log') });
    const hostEnd = `tskhp${Math.random().toString(36).slice(2, 8)}`;
    try {
      await waitFor(async () => (await readFile(`/proc/${ns.pid}/comm`, 'utf8').catch(() => '')).trim() === 'sleep', { timeoutMs: 5000, what: 'sleep in its own network namespace' });
      await assert.rejects(setUpHairpin(0), HairpinError);
      await assert.rejects(setUpHairpin(ns.pid), (err: Error) => err instanceof HairpinError && /reading eth0 of the sandbox: .*eth0/.test(err.message));
      await run('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(ns.pid)]);
      assert.deepEqual(await setUpHairpin(ns.pid), { iface: hostEnd, bridgePort: false });
    } finally {
      await run('ip', ['link', 'del', hostEnd]).catch(() => undefined);
      await ns.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('interfaceByIndex finds the interface by its ifindex file (a sysfs-shaped directory)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tskube-hairpin-sysfs-'));
    try {
      for (const [name, index] of [['lo', 1], ['eth0', 2], ['veth1a2b3c', 17]] as const) {
        await mkdir(join(dir, name));
        await writeFile(join(dir, name, 'ifindex'), `${index}\n`);
      }
      // An entry without ifindex (e.g. bonding_masters) is skipped.
      await writeFile(join(dir, 'bonding_masters'), '');
      assert.equal(await interfaceByIndex(17, dir), 'veth1a2b3c');
      assert.equal(await interfaceByIndex(2, dir), 'eth0');
      assert.equal(await interfaceByIndex(5, dir), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
