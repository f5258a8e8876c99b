// Probes against real listeners on loopback (httpGet, tcpSocket) and an exec runner,
// and the worker's thresholds and initial results.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import type { Container } from '../../api/types/core.js';
import { ProbeWorker, probePort, runProbe, unhealthyMessage, type ExecResult, type ProbeResult, type ProbeTarget } from '../../kubelet/probes.js';
import { freePort } from '../harness/free-port.js';
import { waitFor } from '../harness/processes.js';

let server: Server;
let port: number;
let healthy = true;
const seenHeaders: Record<string, string | string[] | undefined>[] = [];

before(async () => {
  server = createServer((req, res) => {
    seenHeaders.push(req.headers);
    if (req.url === '/healthz') res.writeHead(healthy ? 200 : 500).end();
    else if (req.url === '/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
    else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 1500);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const container: Container = { name: 'app', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] };
const target = (exec: ProbeTarget['exec'] = async () => ({ exitCode: 0, stdout: '', stderr: '' })): ProbeTarget => ({ podIP: '127.0.0.1', container, exec });

test('httpGet: 2xx and 3xx succeed, others fail with the status code; headers are sent', async () => {
  assert.deepEqual(await runProbe({ httpGet: { port, path: '/healthz', httpHeaders: [{ name: 'X-Check', value: 'yes' }] } }, target()), { result: 'success', message: '' });
  assert.equal(seenHeaders.at(-1)!['x-check'], 'yes');
  assert.equal(seenHeaders.at(-1)!['user-agent'], 'kube-probe/1.32');
  assert.equal((await runProbe({ httpGet: { port, path: '/redirect' } }, target())).result, 'success');
  assert.deepEqual(await runProbe({ httpGet: { port, path: '/missing' } }, target()), { result: 'failure', message: 'HTTP probe failed with statuscode: 404' });
  const slow = await runProbe({ httpGet: { port, path: '/slow' }, timeoutSeconds: 0.2 }, target());
  assert.equal(slow.result, 'failure');
  assert.match(slow.message, /^Get "http:\/\/127\.0\.0\.1:\d+\/slow": context deadline exceeded/);
  const closed = await freePort();
  assert.deepEqual(await runProbe({ httpGet: { port: closed, path: '/' } }, target()),
    { result: 'failure', message: `Get "http://127.0.0.1:${closed}/": dial tcp 127.0.0.1:${closed}: connect: connection refused` });
});

test('tcpSocket: connect or the dial error; named ports resolve from the container', async () => {
  const tcp = createTcpServer((s) => s.end());
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const tcpPort = (tcp.address() as AddressInfo).port;
  try {
    assert.equal((await runProbe({ tcpSocket: { port: tcpPort } }, target())).result, 'success');
  } finally {
    tcp.close();
  }
  const closed = await freePort();
  assert.deepEqual(await runProbe({ tcpSocket: { port: closed } }, target()), { result: 'failure', message: `dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  assert.equal(probePort('http', container), 8080);
  assert.equal(probePort('nope', container), undefined);
  assert.match((await runProbe({ tcpSocket: { port: 'nope' } }, target())).message, /unable to find port "nope"/);
});

test('exec: exit 0 succeeds; otherwise the output is the message', async () => {
  const exec = async (cmd: string[]): Promise<ExecResult> => (cmd[0] === 'ok' ? { exitCode: 0, stdout: 'fine', stderr: '' } : { exitCode: 1, stdout: '', stderr: 'cat: /tmp/healthy: No such file or directory\n' });
  assert.equal((await runProbe({ exec: { command: ['ok'] } }, target(exec))).result, 'success');
  const bad = await runProbe({ exec: { command: ['cat', '/tmp/healthy'] } }, target(exec));
  assert.deepEqual(bad, { result: 'failure', message: 'cat: /tmp/healthy: No such file or directory' });
  assert.equal(unhealthyMessage('liveness', bad.message), 'Liveness probe failed: cat: /tmp/healthy: No such file or directory');
});

test('worker: readiness starts failing, flips after thresholds, reports only changes', async () => {
  healthy = true;
  const results: ProbeResult[] = [];
  let failures = 0;
  const w = new ProbeWorker({
    kind: 'readiness', target: target(), startedAt: Date.now(),
    probe: { httpGet: { port, path: '/healthz' }, periodSeconds: 0.03, successThreshold: 2, failureThreshold: 2 },
    onResult: (r) => results.push(r), onFailure: () => { failures++; },
  });
  assert.equal(w.result, 'failure');
  w.start();
  try {
    await waitFor(() => results.length === 1, { timeoutMs: 5000, what: 'ready' });
    assert.deepEqual(results, ['success']);
    healthy = false;
    await waitFor(() => results.length === 2, { timeoutMs: 5000, what: 'unready' });
    assert.deepEqual(results, ['success', 'failure']);
    assert.ok(failures >= 2);
    healthy = true;
    await waitFor(() => results.length === 3, { timeoutMs: 5000, what: 'ready again' });
  } finally {
    w.stop();
    healthy = true;
  }
});

test('worker: initialDelaySeconds holds the first probe; a gate holds it too; liveness starts as success', async () => {
  let calls = 0;
  let open = false;
  const exec = async (): Promise<ExecResult> => { calls++; return { exitCode: 0, stdout: '', stderr: '' }; };
  const w = new ProbeWorker({
    kind: 'liveness', target: target(exec), startedAt: Date.now(), gate: () => open,
    probe: { exec: { command: ['true'] }, initialDelaySeconds: 0.2, periodSeconds: 0.02 }, onResult: () => undefined,
  });
  assert.equal(w.result, 'success');
  w.start();
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(calls, 0, 'gated: no probe runs');
    open = true;
    await waitFor(() => calls > 0, { timeoutMs: 2000, what: 'a probe after the gate opens' });
  } finally {
    w.stop();
  }
  const started = Date.now();
  let first = 0;
  const w2 = new ProbeWorker({
    kind: 'startup', target: target(async () => { first ||= Date.now(); return { exitCode: 0, stdout: '', stderr: '' }; }), startedAt: started,
    probe: { exec: { command: ['true'] }, initialDelaySeconds: 0.25, periodSeconds: 0.02 }, onResult: () => undefined,
  });
  assert.equal(w2.result, 'unknown');
  w2.start();
  try {
    await waitFor(() => first > 0, { timeoutMs: 2000, what: 'the delayed probe' });
    assert.ok(first - started >= 240, `first probe after ${first - started} ms`);
  } finally {
    w2.stop();
  }
});
