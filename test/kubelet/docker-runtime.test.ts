// DockerRuntime against the real Docker Engine on this machine (no mocks): networks,
// sandboxes joined by app containers, limits, exit codes, graceful stop, events, logs,
// exec, list by labels, and a pull that fails because no registry can be reached.
// Everything the test creates carries io.kubernetes.test=<run id> and is removed in
// `after` with the docker CLI, whatever happened before.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { DockerRuntime } from '../../kubelet/runtime/docker.js';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  RuntimeError,
  isRuntimeNotFound,
  type ContainerDetails,
  type ContainerEvent,
  type ContainerSpec,
} from '../../kubelet/runtime/types.js';
import { LOCAL_BUSYBOX_IMAGE, LOCAL_PAUSE_IMAGE, ensureLocalImages } from '../../scripts/images.js';
import { freePort } from '../harness/free-port.js';
import { waitFor } from '../harness/processes.js';

const run = promisify(execFile);

const RUN_ID = randomBytes(4).toString('hex');
const TEST_LABEL = 'io.kubernetes.test';
const labels = (extra: Record<string, string> = {}): Record<string, string> => ({ [TEST_LABEL]: RUN_ID, ...extra });

let seq = 0;
const uniqueName = (what: string): string => `tskube-test-${RUN_ID}-${what}-${++seq}`;

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const SUBNET = '10.201.0.0/24';

describe('DockerRuntime (real Docker)', () => {
  const rt = new DockerRuntime({ log: pino({ level: 'warn' }) });
  const networkName = `tskube-test-${RUN_ID}`;
  // A subnet no other test file uses (test/harness-selfcheck/subnets.test.ts checks): a
  // random one once fell inside another file's kubelet pod network ("Pool overlaps").
  const subnetPrefix = SUBNET.replace(/0\/24$/, '');
  let networkId = '';
  let sandboxId = '';
  let hostDir = '';

  async function sandbox(extra: Partial<Parameters<DockerRuntime['createSandbox']>[0]> = {}): Promise<string> {
    const { id } = await rt.createSandbox({
      name: uniqueName('sandbox'),
      image: LOCAL_PAUSE_IMAGE,
      labels: labels({ role: 'sandbox' }),
      network: networkName,
      hostname: 'pod',
      portBindings: [],
      ...extra,
    });
    return id;
  }

  function spec(extra: Partial<ContainerSpec>): ContainerSpec {
    return {
      name: uniqueName('app'),
      image: LOCAL_BUSYBOX_IMAGE,
      sandboxId,
      env: {},
      binds: [],
      labels: labels(),
      ...extra,
    };
  }

  async function waitExited(id: string, timeoutMs = 10_000): Promise<ContainerDetails> {
    let details: ContainerDetails | undefined;
    await waitFor(async () => {
      details = await rt.inspect(id);
      return details?.state === 'exited';
    }, { what: `container ${id.slice(0, 12)} to exit`, timeoutMs });
    return details!;
  }

  /** Creates and starts a container, waits for it to exit, returns its details and output. */
  async function runToExit(extra: Partial<ContainerSpec>): Promise<{ details: ContainerDetails; output: string }> {
    const id = await rt.createContainer(spec(extra));
    await rt.start(id);
    const details = await waitExited(id);
    return { details, output: await readAll(await rt.logs(id)) };
  }

  async function logsOf(id: string): Promise<string> {
    return readAll(await rt.logs(id));
  }

  before(async () => {
    await ensureLocalImages({ only: [LOCAL_BUSYBOX_IMAGE, LOCAL_PAUSE_IMAGE], log: () => undefined });
    hostDir = await mkdtemp(join(tmpdir(), 'tskube-docker-runtime-'));
    networkId = await rt.ensureNetwork(networkName, { subnet: SUBNET, labels: labels() });
    sandboxId = await sandbox();
  });

  after(async () => {
    // The docker CLI, not the runtime under test, so a broken runtime still cleans up.
    const filter = `label=${TEST_LABEL}=${RUN_ID}`;
    const { stdout: ids } = await run('docker', ['ps', '-aq', '--filter', filter]);
    if (ids.trim()) await run('docker', ['rm', '-f', '-v', ...ids.trim().split('\n')]);
    const { stdout: nets } = await run('docker', ['network', 'ls', '-q', '--filter', filter]);
    if (nets.trim()) await run('docker', ['network', 'rm', ...nets.trim().split('\n')]);
    if (hostDir) await rm(hostDir, { recursive: true, force: true });
  });

  test('version reports the engine', async () => {
    const v = await rt.version();
    assert.equal(v.name, 'docker');
    assert.match(v.version, /^\d+\.\d+/);
    assert.match(v.apiVersion, /^1\.\d+$/);
  });

  test('ensureNetwork is idempotent, labels the network, removeNetwork tolerates a missing one', async () => {
    assert.match(networkId, /^[0-9a-f]{64}$/);
    assert.equal(await rt.ensureNetwork(networkName), networkId);
    const { stdout } = await run('docker', [
      'network', 'inspect', '-f', `{{index .Labels "${MANAGED_BY_LABEL}"}} {{(index .IPAM.Config 0).Subnet}}`, networkId,
    ]);
    assert.equal(stdout.trim(), `${MANAGED_BY_VALUE} ${SUBNET}`);
    const extra = `tskube-test-${RUN_ID}-extra`;
    const id = await rt.ensureNetwork(extra, { labels: labels() });
    await rt.removeNetwork(extra);
    await rt.removeNetwork(extra);
    await assert.rejects(run('docker', ['network', 'inspect', id]));
  });

  test('images: present, id, and a failed pull carries the daemon message', async () => {
    assert.equal(await rt.imagePresent(LOCAL_BUSYBOX_IMAGE), true);
    assert.match((await rt.imageId(LOCAL_BUSYBOX_IMAGE)) ?? '', /^sha256:[0-9a-f]{64}$/);
    const missing = `tskube-test/no-such-image-${RUN_ID}:1`;
    assert.equal(await rt.imagePresent(missing), false);
    assert.equal(await rt.imageId(missing), undefined);
    const t0 = Date.now();
    const err = await rt.pullImage(missing).then(
      () => assert.fail('pull of a missing image succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RuntimeError, `a RuntimeError, got ${String(err)}`);
    // Whatever the daemon says: no registry is reachable here, elsewhere the repo is unknown.
    assert.match(err.message, /no such host|pull access denied|not found|dial tcp|connection refused|i\/o timeout/i);
    assert.doesNotMatch(err.message, /HTTP code|server error -/);
    assert.ok(Date.now() - t0 < 15_000, 'pull failed quickly');
    await assert.rejects(rt.pullImage(missing, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  test('sandbox and app share the network namespace: reachable at the pod IP and the hostPort', async () => {
    const hostPort = await freePort();
    const podSandbox = await sandbox({
      hostname: 'web-pod',
      dnsServers: ['10.96.0.10'],
      dnsSearches: ['default.svc.cluster.local'],
      dnsOptions: ['ndots:5'],
      capAdd: ['NET_ADMIN'],
      portBindings: [{ containerPort: 8080, hostPort, protocol: 'TCP', hostIP: '127.0.0.1' }],
    });
    const ip = await rt.sandboxIP(podSandbox);
    assert.ok(ip?.startsWith(subnetPrefix), `pod IP ${ip} in ${SUBNET}`);

    const app = await rt.createContainer(spec({
      sandboxId: podSandbox,
      command: ['sh', '-c'],
      args: ['mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 8080 -h /www'],
    }));
    await rt.start(app);
    const details = await rt.inspect(app);
    assert.equal(details?.state, 'running');
    assert.equal(details?.sandboxId, podSandbox);
    assert.equal(details?.ip, undefined, 'the app has no IP of its own');

    let body = '';
    await waitFor(async () => {
      body = await (await fetch(`http://${ip}:8080/`)).text();
      return true;
    }, { what: 'httpd at the pod IP' });
    assert.equal(body, 'hello-from-pod\n');
    assert.equal(await (await fetch(`http://127.0.0.1:${hostPort}/`)).text(), 'hello-from-pod\n');

    const hostname = await rt.exec(app, ['hostname'], { timeoutMs: 5000 });
    assert.equal(hostname.stdout.trim(), 'web-pod');
    // On a user-defined network Docker's embedded DNS (127.0.0.11) is the nameserver
    // and forwards to dnsServers; search and options are written as given.
    const resolv = await rt.exec(app, ['cat', '/etc/resolv.conf'], { timeoutMs: 5000 });
    assert.match(resolv.stdout, /search default\.svc\.cluster\.local/);
    assert.match(resolv.stdout, /options ndots:5/);
    const { stdout: dns } = await run('docker', ['inspect', '-f', '{{json .HostConfig.Dns}}', podSandbox]);
    assert.deepEqual(JSON.parse(dns), ['10.96.0.10']);
    // capAdd reaches Docker: with NET_ADMIN a sandbox may change its own routes (the kubelet itself adds none).
    const route = await rt.exec(podSandbox, ['ip', 'route', 'add', '10.96.0.0/12', 'via', `${subnetPrefix}1`], { timeoutMs: 5000 });
    assert.equal(route.exitCode, 0, route.stderr);
  });

  test('command, args, env and workingDir as Kubernetes maps them', async () => {
    const r = await runToExit({
      command: ['sh', '-c'],
      args: ['echo "$A|$B|$(pwd)|$0|$1"', 'zero', 'one'],
      env: [{ name: 'A', value: '1' }, { name: 'B', value: 'two words' }],
      workingDir: '/work/dir',
    });
    assert.equal(r.details.exitCode, 0);
    assert.equal(r.output, '1|two words|/work/dir|zero|one\n');

    // A command without args drops the image's CMD (busybox's is ["sh"]).
    const onlyCommand = await runToExit({ command: ['echo', 'only-command'] });
    assert.equal(onlyCommand.output, 'only-command\n');
    // Args without a command keep the image's entrypoint (none here) and replace its CMD.
    const onlyArgs = await runToExit({ args: ['sh', '-c', 'echo "$X"'], env: { X: 'from-record' } });
    assert.equal(onlyArgs.output, 'from-record\n');
  });

  test('binds: read-only and read-write host paths', async () => {
    await writeFile(join(hostDir, 'in.txt'), 'from-the-host\n');
    const r = await runToExit({
      command: ['sh', '-c', 'cat /in/in.txt > /out/copy.txt; (echo x > /in/new.txt) 2>/dev/null && echo writable || echo readonly'],
      binds: [
        { hostPath: hostDir, containerPath: '/in', readOnly: true },
        { hostPath: hostDir, containerPath: '/out', readOnly: false },
      ],
    });
    assert.equal(r.details.exitCode, 0);
    assert.equal(r.output, 'readonly\n');
    assert.equal(await readFile(join(hostDir, 'copy.txt'), 'utf8'), 'from-the-host\n');
  });

  test('memory and cpu limits show in inspect and docker inspect', async () => {
    const memory = 64 * 1024 * 1024;
    const r = await runToExit({
      command: ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'],
      memoryLimitBytes: memory,
      nanoCpus: 500_000_000,
      cpuShares: 512,
    });
    assert.equal(r.details.memoryLimitBytes, memory);
    assert.equal(r.details.nanoCpus, 500_000_000);
    assert.equal(r.details.cpuShares, 512);
    assert.equal(r.output.trim(), String(memory), 'the cgroup enforces the limit');
    const { stdout } = await run('docker', [
      'inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}}', r.details.id,
    ]);
    assert.equal(stdout.trim(), `${memory} 500000000 512`);
  });

  test('exit codes, start and finish times', async () => {
    const ok = await runToExit({ command: ['sh', '-c', 'exit 0'] });
    assert.equal(ok.details.exitCode, 0);
    assert.equal(ok.details.oomKilled, false);
    assert.ok(ok.details.startedAt && ok.details.finishedAt);
    assert.ok(ok.details.finishedAt.getTime() >= ok.details.startedAt.getTime());
    const three = await runToExit({ command: ['sh', '-c', 'exit 3'] });
    assert.equal(three.details.exitCode, 3);
    assert.equal(three.details.image, LOCAL_BUSYBOX_IMAGE);
    assert.equal(three.details.imageId, await rt.imageId(LOCAL_BUSYBOX_IMAGE));

    // A start the runtime refuses (RunContainerError) carries its message, also in inspect.
    const broken = await rt.createContainer(spec({ command: ['/no/such/binary'] }));
    await assert.rejects(rt.start(broken), (e: unknown) =>
      e instanceof RuntimeError && /no such file or directory/.test(e.message) && !/HTTP code/.test(e.message));
    assert.match((await rt.inspect(broken))?.error ?? '', /no such binary|no such file or directory/);

    const created = await rt.createContainer(spec({ command: ['true'] }));
    const fresh = await rt.inspect(created);
    assert.equal(fresh?.state, 'created');
    assert.equal(fresh?.startedAt, undefined);
    assert.equal(fresh?.finishedAt, undefined);
  });

  test('stop: a container trapping TERM exits by itself, one ignoring it is killed after the grace', async () => {
    const trapper = await rt.createContainer(spec({
      command: ['sh', '-c', "trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 1 & wait $!; done"],
    }));
    const ignorer = await rt.createContainer(spec({
      command: ['sh', '-c', "trap '' TERM; echo ready; while true; do sleep 1; done"],
    }));
    await Promise.all([rt.start(trapper), rt.start(ignorer)]);
    for (const id of [trapper, ignorer]) {
      await waitFor(async () => (await logsOf(id)).includes('ready'), { what: 'the trap to be installed' });
    }
    const timed = async (id: string, grace: number): Promise<number> => {
      const t0 = Date.now();
      await rt.stop(id, grace);
      return Date.now() - t0;
    };
    const [trapMs, ignoreMs] = await Promise.all([timed(trapper, 10), timed(ignorer, 1)]);

    const t = await rt.inspect(trapper);
    assert.equal(t?.state, 'exited');
    assert.equal(t?.exitCode, 0);
    assert.ok(trapMs < 5000, `trapper stopped in ${trapMs} ms, well within its 10 s grace`);
    assert.match(await logsOf(trapper), /got-term/);

    const i = await rt.inspect(ignorer);
    assert.equal(i?.state, 'exited');
    assert.equal(i?.exitCode, 137, 'SIGKILLed');
    assert.ok(ignoreMs >= 900, `ignorer got its 1 s grace (${ignoreMs} ms)`);
    assert.ok(ignoreMs < 8000, `ignorer was killed soon after the grace (${ignoreMs} ms)`);

    // Stopping again, and killing a stopped container, change nothing and do not fail.
    await rt.stop(trapper, 1);
    await rt.kill(trapper, 'SIGKILL');
  });

  test('events: start and die with the exit code, filtered by label; abort ends the stream', async () => {
    const ac = new AbortController();
    const seen: ContainerEvent[] = [];
    const since = Date.now() / 1000 - 1;
    const eventLabels = labels({ case: `events-${RUN_ID}` });
    const consumer = (async () => {
      for await (const e of rt.events({ labels: eventLabels, since, signal: ac.signal })) seen.push(e);
    })();
    // A container without the label: its events must not show up.
    const other = await rt.createContainer(spec({ command: ['true'] }));
    await rt.start(other);
    const id = await rt.createContainer(spec({ command: ['sh', '-c', 'exit 3'], labels: eventLabels }));
    await rt.start(id);
    await waitFor(() => seen.some((e) => e.id === id && e.action === 'die'), { what: 'the die event' });
    await rt.remove(id, { force: true });
    await waitFor(() => seen.some((e) => e.id === id && e.action === 'destroy'), { what: 'the destroy event' });
    ac.abort();
    await consumer;

    assert.ok(seen.every((e) => e.id === id), 'only the labelled container');
    const actions = seen.map((e) => e.action);
    assert.ok(actions.indexOf('start') >= 0 && actions.indexOf('start') < actions.indexOf('die'), actions.join(','));
    const die = seen.find((e) => e.action === 'die')!;
    assert.equal(die.exitCode, 3);
    assert.equal(die.labels['case'], `events-${RUN_ID}`);
    assert.equal(die.labels[TEST_LABEL], RUN_ID);
    assert.equal(die.image, LOCAL_BUSYBOX_IMAGE);
    assert.ok(die.name?.startsWith(`tskube-test-${RUN_ID}-`));
    assert.ok(die.time instanceof Date && Math.abs(die.time.getTime() - Date.now()) < 60_000);

    // An already aborted signal ends at once.
    for await (const e of rt.events({ signal: AbortSignal.abort() })) assert.fail(`unexpected event ${e.action}`);
  });

  test('logs: stdout and stderr, tail, timestamps, since', async () => {
    const { details, output } = await runToExit({
      command: ['sh', '-c', 'echo one; echo two >&2; echo three; echo four'],
    });
    const lines = output.trimEnd().split('\n');
    assert.deepEqual([...lines].sort(), ['four', 'one', 'three', 'two']);
    assert.deepEqual(lines.filter((l) => l !== 'two'), ['one', 'three', 'four'], 'stdout in order');
    assert.equal(await readAll(await rt.logs(details.id, { tail: 2 })), `${lines.slice(-2).join('\n')}\n`);
    assert.equal(await readAll(await rt.logs(details.id, { tail: 0 })), '');

    const stamped = (await readAll(await rt.logs(details.id, { timestamps: true }))).trimEnd().split('\n');
    assert.equal(stamped.length, 4);
    for (const line of stamped) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (one|two|three|four)$/);

    const afterFinish = details.finishedAt!.getTime() / 1000 + 1;
    assert.equal(await readAll(await rt.logs(details.id, { since: afterFinish })), '');
    assert.equal(await readAll(await rt.logs(details.id, { since: details.createdAt.getTime() / 1000 - 1 })), output);

    await assert.rejects(rt.logs(`no-such-container-${RUN_ID}`), (e: unknown) => isRuntimeNotFound(e));
  });

  test('logs: follow streams until the container exits, abort ends it cleanly, TTY output has no frames', async () => {
    const ticker = await rt.createContainer(spec({
      command: ['sh', '-c', 'for i in 1 2 3; do echo tick $i; sleep 0.2; done'],
    }));
    await rt.start(ticker);
    const followed = await readAll(await rt.logs(ticker, { follow: true }));
    assert.equal(followed, 'tick 1\ntick 2\ntick 3\n');

    const forever = await rt.createContainer(spec({ command: ['sh', '-c', 'echo first; while true; do sleep 1; done'] }));
    await rt.start(forever);
    const ac = new AbortController();
    const stream = await rt.logs(forever, { follow: true, signal: ac.signal });
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    const ended = new Promise<void>((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('error', reject);
    });
    await waitFor(() => text.includes('first\n'), { what: 'the first followed line' });
    ac.abort();
    await ended;
    assert.equal(text, 'first\n');

    const tty = await runToExit({ command: ['sh', '-c', 'echo tty-out; echo tty-err >&2'], tty: true });
    assert.equal(tty.details.exitCode, 0);
    assert.equal(tty.output.replace(/\r/g, ''), 'tty-out\ntty-err\n');
  });

  test('exec: exit code and output; a timeout is reported', async () => {
    const id = await rt.createContainer(spec({ command: ['sh', '-c', 'while true; do sleep 1; done'] }));
    await rt.start(id);
    const r = await rt.exec(id, ['sh', '-c', 'echo out; echo err >&2; exit 4'], { timeoutMs: 5000 });
    assert.deepEqual(r, { exitCode: 4, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    const big = await rt.exec(id, ['sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" x'], { timeoutMs: 5000, maxOutputBytes: 1000 });
    assert.equal(big.exitCode, 0);
    assert.equal(big.stdout, 'x'.repeat(1000));

    const t0 = Date.now();
    const slow = await rt.exec(id, ['sleep', '30'], { timeoutMs: 300 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.exitCode, null);
    assert.ok(Date.now() - t0 < 3000, 'the timeout returned promptly');

    const stopped = await rt.createContainer(spec({ command: ['true'] }));
    await assert.rejects(rt.exec(stopped, ['true'], { timeoutMs: 1000 }), (e: unknown) =>
      e instanceof RuntimeError && e.reason === 'Conflict' && /not running/.test(e.message));
  });

  test('list by labels, running only or all', async () => {
    const listLabels = labels({ case: `list-${RUN_ID}` });
    const running = await rt.createContainer(spec({ command: ['sh', '-c', 'while true; do sleep 1; done'], labels: listLabels }));
    await rt.start(running);
    const created = await rt.createContainer(spec({ command: ['true'], labels: listLabels }));

    const all = await rt.list({ labels: listLabels });
    assert.deepEqual(all.map((c) => c.id).sort(), [running, created].sort());
    const byId = new Map(all.map((c) => [c.id, c]));
    assert.equal(byId.get(running)?.state, 'running');
    assert.equal(byId.get(created)?.state, 'created');
    assert.equal(byId.get(running)?.labels['case'], `list-${RUN_ID}`);
    assert.equal(byId.get(running)?.image, LOCAL_BUSYBOX_IMAGE);
    assert.ok(byId.get(created)?.name.startsWith(`tskube-test-${RUN_ID}-`));

    const onlyRunning = await rt.list({ labels: listLabels, all: false });
    assert.deepEqual(onlyRunning.map((c) => c.id), [running]);
    assert.deepEqual(await rt.list({ labels: { ...listLabels, absent: 'x' } }), []);
  });

  test('missing containers: inspect is undefined, stop/kill/remove succeed, start fails NotFound', async () => {
    const missing = `no-such-container-${RUN_ID}`;
    assert.equal(await rt.inspect(missing), undefined);
    await rt.stop(missing, 1);
    await rt.kill(missing, 'SIGTERM');
    await rt.remove(missing, { force: true });
    await assert.rejects(rt.start(missing), (e: unknown) =>
      isRuntimeNotFound(e) && (e as Error).message.includes('No such container'));

    const id = await rt.createContainer(spec({ command: ['true'] }));
    await rt.remove(id);
    assert.equal(await rt.inspect(id), undefined);
    // A name already taken is a Conflict with the daemon's message.
    const name = uniqueName('dup');
    await rt.createContainer(spec({ name, command: ['true'] }));
    await assert.rejects(rt.createContainer(spec({ name, command: ['true'] })), (e: unknown) =>
      e instanceof RuntimeError && e.reason === 'Conflict' && /already in use/.test(e.message));
  });
});
