// The kubelet's HTTP server: /healthz, /metrics/resource and /stats/summary, and /containerLogs with its options, errors as
// text with 400/404, follow streams ending when the client goes away, limitBytes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { pino } from 'pino';
import { LogError, parseLogOptions, startKubeletServer, type KubeletServer, type LogOptions } from '../../kubelet/server.js';
import { waitFor } from '../harness/processes.js';

let server: KubeletServer;
let base: string;
const asked: { key: string; opts: LogOptions }[] = [];
let follower: PassThrough | undefined;
let followerAborted = false;
let healthy = true;
let usageFails = false;

before(async () => {
  server = await startKubeletServer({
    address: '127.0.0.1', port: 0, log: pino({ level: 'silent' }), healthy: () => healthy,
    usage: {
      async usage() {
        if (usageFails) throw new Error('docker is down');
        return {
          nodeName: 'n1', nodeStartTime: 0, scrapeError: false,
          node: { timestamp: 1_700_000_000_000, cpuUsageNanos: 5e9, memoryWorkingSetBytes: 1024, usageNanoCores: 7 },
          pods: [{ namespace: 'default', name: 'web', uid: 'u', containers: [{ name: 'app', startTime: 1_600_000_000_000, timestamp: 1_700_000_000_000, cpuUsageNanos: 1e9, memoryWorkingSetBytes: 2048 }] }],
        };
      },
    },
    logs: {
      async containerLogs(ns, pod, container, opts, signal) {
        asked.push({ key: `${ns}/${pod}/${container}`, opts });
        if (pod === 'missing') throw new LogError(404, `pod "${pod}" not found`);
        if (container === 'waiting') throw new LogError(400, `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`);
        if (opts.follow) {
          follower = new PassThrough();
          signal.addEventListener('abort', () => { followerAborted = true; });
          follower.write('first\n');
          return follower;
        }
        return Readable.from(['line one\n', 'line two\n']);
      },
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => { await server?.close(); });

test('healthz', async () => {
  assert.equal(await (await fetch(`${base}/healthz`)).text(), 'ok');
  healthy = false;
  assert.equal((await fetch(`${base}/healthz`)).status, 500);
  healthy = true;
});

test('/metrics/resource and /stats/summary from the usage source', async () => {
  const metrics = await fetch(`${base}/metrics/resource`);
  assert.equal(metrics.status, 200);
  assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(await metrics.text(), /\ncontainer_cpu_usage_seconds_total\{container="app",namespace="default",pod="web"\} 1 1700000000000\n/);
  const summary = await fetch(`${base}/stats/summary`);
  assert.equal(summary.headers.get('content-type'), 'application/json');
  const s = await summary.json() as { node: { nodeName: string; cpu: { usageNanoCores: number } }; pods: { podRef: { name: string } }[] };
  assert.equal(s.node.nodeName, 'n1');
  assert.equal(s.node.cpu.usageNanoCores, 7);
  assert.deepEqual(s.pods.map((p) => p.podRef.name), ['web']);
  assert.equal(await (await fetch(`${base}/metrics/resource`, { method: 'HEAD' })).text(), '');
  usageFails = true;
  const failed = await fetch(`${base}/stats/summary`);
  usageFails = false;
  assert.equal(failed.status, 500);
  assert.equal(await failed.text(), 'Internal Error: docker is down');
  assert.equal((await fetch(`${base}/stats/summaryx`)).status, 404);
});

test('logs with options passed through; errors as text with their code', async () => {
  const res = await fetch(`${base}/containerLogs/default/web/app?tailLines=5&timestamps=true&sinceSeconds=60`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'line one\nline two\n');
  const { opts } = asked.at(-1)!;
  assert.equal(opts.tailLines, 5);
  assert.equal(opts.timestamps, true);
  assert.equal(opts.follow, false);
  assert.ok(opts.since! >= Math.floor(Date.now() / 1000) - 61 && opts.since! <= Math.floor(Date.now() / 1000) - 59);
  const missing = await fetch(`${base}/containerLogs/default/missing/app`);
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), 'pod "missing" not found');
  const waiting = await fetch(`${base}/containerLogs/default/web/waiting`);
  assert.equal(waiting.status, 400);
  assert.match(await waiting.text(), /is waiting to start: ContainerCreating/);
  const bad = await fetch(`${base}/containerLogs/default/web/app?tailLines=-1`);
  assert.equal(bad.status, 400);
  assert.equal(await bad.text(), 'invalid tailLines: "-1" must be a non-negative integer');
  assert.equal(await (await fetch(`${base}/containerLogs/default/web/app?limitBytes=6`)).text(), 'line o');
});

test('follow streams until the client goes away, then the source is told to stop', async () => {
  const ac = new AbortController();
  const res = await fetch(`${base}/containerLogs/default/web/app?follow=true`, { signal: ac.signal });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let got = dec.decode((await reader.read()).value);
  follower!.write('second\n');
  while (!got.includes('second')) got += dec.decode((await reader.read()).value);
  assert.equal(got, 'first\nsecond\n');
  ac.abort();
  await waitFor(() => followerAborted, { timeoutMs: 5000, what: 'the follow to stop' });
});

test('parseLogOptions validates as PodLogOptions does', () => {
  assert.throws(() => parseLogOptions({ sinceSeconds: '0' }), /sinceSeconds must be greater than 0/);
  assert.throws(() => parseLogOptions({ sinceSeconds: '5', sinceTime: '2026-01-01T00:00:00Z' }), /at most one of sinceTime or sinceSeconds/);
  assert.equal(parseLogOptions({ sinceTime: '2026-01-01T00:00:00Z' }).since, Date.parse('2026-01-01T00:00:00Z') / 1000);
  assert.deepEqual(parseLogOptions({ previous: 'true' }), { follow: false, previous: true, timestamps: false, tailLines: undefined, since: undefined, limitBytes: undefined });
});

test('other paths are 404, other methods 405; escaped names are decoded', async () => {
  const unknown = await fetch(`${base}/pods`);
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /404 page not found/);
  assert.equal((await fetch(`${base}/containerLogs/default/web`)).status, 404);
  const post = await fetch(`${base}/containerLogs/default/web/app`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  assert.equal((await fetch(`${base}/containerLogs/default/web%2Dapp/app`)).status, 200);
  assert.equal(asked.at(-1)!.key, 'default/web-app/app');
});
