// The kubelet's memory: importing the Docker runtime and the pod manager loads neither
// dockerode's ssh and BuildKit dependencies nor a web framework (those load on first
// use), and the kubelet's Node flags are recognised however they are given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KUBELET_NODE_FLAGS, missingNodeFlags, nodeFlagsFile } from '../../client/node-flags.js';

const dist = fileURLToPath(new URL('../../', import.meta.url));

/** Runs an ES module snippet in a fresh node process (clean module cache); its stdout parsed as JSON. */
async function inFreshProcess(code: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { cwd: dist, timeout: 30_000 });
  return JSON.parse(stdout);
}

test('importing the runtime and the pod manager loads no ssh2, gRPC or fastify', async () => {
  const r = await inFreshProcess(`
    const lazy = await import('./kubelet/runtime/lazy-docker-deps.js');
    await import('./kubelet/runtime/docker.js');
    await import('./kubelet/pod-manager.js');
    await import('./kubelet/server.js');
    console.log(JSON.stringify(Object.fromEntries(['dockerode', 'ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'fastify'].map((m) => [m, lazy.isLoaded(m)]))));
  `);
  assert.deepEqual(r, { dockerode: true, ssh2: false, '@grpc/grpc-js': false, '@grpc/proto-loader': false, protobufjs: false, fastify: false });
});

test('an ssh:// Docker host still works: ssh2 loads when the first connection is made', async () => {
  const r = await inFreshProcess(`
    import { createServer } from 'node:net';
    const lazy = await import('./kubelet/runtime/lazy-docker-deps.js');
    const { default: Docker } = await import('dockerode');
    // A listener that closes every connection: ssh2 must really try, and fail.
    const srv = createServer((s) => s.destroy());
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    const before = lazy.isLoaded('ssh2');
    const docker = new Docker({ protocol: 'ssh', host: '127.0.0.1', port: srv.address().port, username: 'nobody', sshOptions: { readyTimeout: 5000 } });
    let error = '';
    try { await docker.ping(); } catch (e) { error = String(e?.message ?? e); }
    srv.close();
    console.log(JSON.stringify({ before, after: lazy.isLoaded('ssh2'), lazily: [...lazy.loadedLazily], error }));
  `);
  assert.equal(r.before, false);
  assert.equal(r.after, true);
  assert.deepEqual(r.lazily, ['ssh2']);
  assert.ok(r.error.length > 0, 'the ping through ssh failed with a message');
});

test("dockerode's BuildKit modules load on first property read, with their real values", async () => {
  const r = await inFreshProcess(`
    import { createRequire } from 'node:module';
    const lazy = await import('./kubelet/runtime/lazy-docker-deps.js');
    await import('dockerode');
    // Required the way dockerode's session.js requires it (the parent is inside dockerode).
    const fromDockerode = createRequire(createRequire(import.meta.url).resolve('dockerode'));
    const grpc = fromDockerode('@grpc/grpc-js');
    const before = lazy.isLoaded('@grpc/grpc-js');
    const server = typeof grpc.Server;
    const insecure = grpc.credentials.createInsecure().constructor.name;
    console.log(JSON.stringify({ before, after: lazy.isLoaded('@grpc/grpc-js'), server, insecure, hasServer: 'Server' in grpc }));
  `);
  assert.deepEqual(r, { before: false, after: true, server: 'function', insecure: r.insecure, hasServer: true });
  assert.ok(r.insecure.length > 0);
});

test('the kubelet\'s Node flags count when given on the command line or in NODE_OPTIONS, with any value', () => {
  assert.deepEqual(KUBELET_NODE_FLAGS, ['--max-semi-space-size=1', '--v8-pool-size=1']);
  assert.deepEqual(missingNodeFlags('kubelet', [], ''), ['--max-semi-space-size=1', '--v8-pool-size=1']);
  assert.deepEqual(missingNodeFlags('kubelet', ['--max-semi-space-size=1', '--v8-pool-size=1'], ''), []);
  assert.deepEqual(missingNodeFlags('kubelet', ['--v8-pool-size=2'], '--max-old-space-size=200 --max-semi-space-size=4'), []);
  assert.deepEqual(missingNodeFlags('kubelet', ['--max-semi-space-sizes=1'], '--v8-pool-size=1'), ['--max-semi-space-size=1']);
});

test('the image\'s entrypoint reads one line of Node flags per component', () => {
  assert.equal(nodeFlagsFile(), [
    'kube-apiserver --max-semi-space-size=8 --v8-pool-size=1',
    'kube-scheduler',
    'kube-controller-manager --max-semi-space-size=1 --v8-pool-size=1',
    'kubelet --max-semi-space-size=1 --v8-pool-size=1',
    'kube-proxy',
    'metrics-server --max-semi-space-size=1 --v8-pool-size=1',
    '',
  ].join('\n'));
});
