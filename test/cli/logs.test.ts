// tskubectl logs: the test serves /containerLogs/... itself (standing in for the
// kubelet the apiserver's pods/log proxies to) on a Node whose InternalIP is 127.0.0.1;
// checks what the CLI printed, which container and query the "kubelet" was asked for,
// following a stream, picking a controller's pod, and kubectl's messages and errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { componentCommand, startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectlRun } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import type { Node, Pod } from '../../api/types/core.js';
import type { Deployment } from '../../api/types/apps.js';
import { generateSelfSigned } from '../../kubelet/serving-cert.js';

let cp: ControlPlane;
let rest: RestClient;
let pods: ResourceClient<Pod>;
let kubelet: Server;
/** Requests the fake kubelet received: path and query. */
const asked: URL[] = [];
/** Open -f responses, so the test can write more lines to them. */
const following: ServerResponse[] = [];

const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);
const kubectlResult = (...args: string[]): Promise<CliResult> => kubectlRun(cp, args);

/** The last request the kubelet got, as "/containerLogs/ns/pod/container?query". */
const lastAsked = (): string => {
  const u = asked[asked.length - 1]!;
  return `${u.pathname}${u.search}`;
};

function pod(name: string, containers: string[], extra: Partial<Pod['metadata']> = {}, nodeName: string | null = 'logs-node'): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, ...extra },
    spec: { ...(nodeName ? { nodeName } : {}), containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
  };
}

before(async () => {
  // HTTPS, as a kubelet serves: the apiserver reaches kubelets only so.
  const serving = await generateSelfSigned('logs-node', ['127.0.0.1']);
  kubelet = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    asked.push(url);
    const [, , ns, podName, container] = url.pathname.split('/');
    if (podName === 'broken') {
      res.writeHead(404).end('container not found ("c")');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(`${ns}/${podName}/${container} line 1\n${ns}/${podName}/${container} line 2\n`);
    if (url.searchParams.get('follow') === 'true') following.push(res);
    else res.end();
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  const port = (kubelet.address() as AddressInfo).port;

  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  pods = resourceClient<Pod>(rest, 'pods');
  const nodes = resourceClient<Node>(rest, 'nodes');
  const node = await nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'logs-node' } });
  await nodes.updateStatus('', { ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } });

  await pods.create('default', pod('one', ['app']));
  await pods.create('default', pod('two', ['app', 'sidecar']));
  await pods.create('default', pod('annotated', ['app', 'sidecar'], { annotations: { 'kubectl.kubernetes.io/default-container': 'sidecar' } }));
  await pods.create('default', pod('unbound', ['app'], {}, null));
});
after(async () => {
  for (const res of following) res.destroy();
  kubelet?.closeAllConnections();
  await new Promise((r) => kubelet?.close(r));
  await rest?.destroy();
  await cp?.stop();
});

test('logs POD prints the container log and asks the kubelet for that container', async () => {
  const r = await run('logs', 'one');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'default/one/app line 1\ndefault/one/app line 2\n', '']);
  assert.equal(lastAsked(), '/containerLogs/default/one/app');
  assert.equal((await run('logs', 'pod/one')).stdout, r.stdout);
});

test('logs passes --tail, --timestamps, --previous, --since and --limit-bytes on as the query', async () => {
  const r = await run('logs', 'one', '--tail=5', '--timestamps', '--previous', '--since=1h', '--limit-bytes=100');
  assert.equal(r.code, 0, r.stderr);
  const u = asked[asked.length - 1]!;
  assert.equal(u.pathname, '/containerLogs/default/one/app');
  assert.deepEqual(Object.fromEntries(u.searchParams), { tailLines: '5', timestamps: 'true', previous: 'true', sinceSeconds: '3600', limitBytes: '100' });
  await run('logs', 'one', '--since=90s', '-p');
  assert.deepEqual(Object.fromEntries(asked[asked.length - 1]!.searchParams), { previous: 'true', sinceSeconds: '90' });
});

test('logs of a pod with several containers: kubectl 1.32 defaults to the first (or the annotated one) and says so', async () => {
  const mine = await run('logs', 'two');
  const real = await kubectlResult('logs', 'two');
  assert.deepEqual([mine.code, mine.stdout, mine.stderr], [0, 'default/two/app line 1\ndefault/two/app line 2\n', 'Defaulted container "app" out of: app, sidecar\n']);
  assert.deepEqual(mine, real);

  const named = await run('logs', 'two', '-c', 'sidecar');
  assert.deepEqual([named.stdout, named.stderr], ['default/two/sidecar line 1\ndefault/two/sidecar line 2\n', '']);
  assert.equal((await run('logs', 'two', 'sidecar')).stdout, named.stdout);

  const annotated = await run('logs', 'annotated');
  assert.deepEqual([annotated.stdout, annotated.stderr], ['default/annotated/sidecar line 1\ndefault/annotated/sidecar line 2\n', '']);
  assert.deepEqual(annotated, await kubectlResult('logs', 'annotated'));

  const all = await run('logs', 'two', '--all-containers', '--prefix');
  assert.equal(all.stdout, [
    '[pod/two/app] default/two/app line 1', '[pod/two/app] default/two/app line 2',
    '[pod/two/sidecar] default/two/sidecar line 1', '[pod/two/sidecar] default/two/sidecar line 2', '',
  ].join('\n'));
});

test('logs -f streams lines as the kubelet writes them until the stream ends', async () => {
  const cli = spawn(process.execPath, [...componentCommand('kubectl'), 'logs', '-f', 'one'], {
    env: { ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir },
  });
  let out = '';
  cli.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<number | null>((r) => cli.on('close', r));
  await waitFor(() => out === 'default/one/app line 1\ndefault/one/app line 2\n', { what: 'the first lines' });
  assert.equal(lastAsked(), '/containerLogs/default/one/app?follow=true');
  const res = following[following.length - 1]!;
  res.write('line 3\n');
  await waitFor(() => out.endsWith('line 3\n'), { what: 'a followed line' });
  res.end('last line\n');
  assert.equal(await exited, 0);
  assert.equal(out, 'default/one/app line 1\ndefault/one/app line 2\nline 3\nlast line\n');
});

test('logs deploy/NAME reads the first pod of the Deployment; -l reads every selected pod', async () => {
  const deployments = resourceClient<Deployment>(rest, 'deployments');
  await deployments.create('default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'srv', image: 'x' }] } } },
  });
  await pods.create('default', pod('api-a', ['srv'], { labels: { app: 'api' } }));
  await pods.create('default', pod('api-b', ['srv'], { labels: { app: 'api' } }));
  const mine = await run('logs', 'deploy/api');
  assert.deepEqual(mine, await kubectlResult('logs', 'deploy/api'));
  assert.deepEqual([mine.code, mine.stdout, mine.stderr], [0, 'default/api-a/srv line 1\ndefault/api-a/srv line 2\n', 'Found 2 pods, using pod/api-a\n']);

  const sel = await run('logs', '-l', 'app=api');
  assert.equal(sel.stdout, 'default/api-a/srv line 1\ndefault/api-a/srv line 2\ndefault/api-b/srv line 1\ndefault/api-b/srv line 2\n');
  assert.equal(asked[asked.length - 1]!.searchParams.get('tailLines'), '10', 'a selector shows the last 10 lines by default');
  const none = await run('logs', '-l', 'app=none');
  assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', 'No resources found in default namespace.\n']);
});

test('logs errors are kubectl\'s', async () => {
  for (const args of [
    ['logs', 'nope'], ['logs', 'two', '-c', 'nope'], ['logs', 'unbound'], ['logs', 'deploy/nope'],
    ['logs', 'one', 'x', 'y'], ['logs', 'one', '-l', 'a=b'],
  ]) {
    const mine = await run(...args);
    const real = await kubectlResult(...args);
    assert.equal(mine.code, 1, args.join(' '));
    assert.equal(mine.stderr.replaceAll('tskubectl', 'kubectl'), real.stderr.replace(/^\s*\n/, ''), args.join(' '));
  }
  await pods.create('default', pod('broken', ['c']));
  const broken = await run('logs', 'broken');
  assert.deepEqual([broken.code, broken.stderr], [1, 'Error from server (NotFound): container not found ("c")\n']);
});
