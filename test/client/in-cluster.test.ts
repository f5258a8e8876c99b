// In-cluster configuration (client-go's rest.InClusterConfig and clientcmd's fallback to
// it): the server from KUBERNETES_SERVICE_HOST/PORT, the CA, token and namespace from the
// service-account directory, the token file re-read each period so a rotated token is
// sent, and a kubeconfig user's tokenFile re-read the same way. An HTTPS server on
// 127.0.0.1 with a CA of its own stands in for the apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateServingCerts } from '../../apiserver/tls.js';
import { FakeClock } from '../../client/clock.js';
import {
  clientConfigOrInCluster, inClusterConfig, inClusterPossible, KubeconfigError, loadClientConfig, parseKubeconfig,
  resolveClientConfig, TokenFile, TOKEN_FILE_REREAD_MS,
} from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';

let dir: string;
let saDir: string;
let ca: string;
let https: Server;
let http: HttpServer;
/** The Authorization header of each request, in order. */
const seen: (string | undefined)[] = [];

const answer = (req: { headers: { authorization?: string } }, res: { writeHead(code: number, h: Record<string, string>): void; end(body: string): void }): void => {
  seen.push(req.headers.authorization);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'APIVersions', versions: ['v1'] }));
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tskube-in-cluster-'));
  saDir = join(dir, 'serviceaccount');
  await mkdir(saDir);
  const certs = await loadOrCreateServingCerts(join(dir, 'pki'), ['127.0.0.1']);
  ca = certs.ca;
  await writeFile(join(saDir, 'token'), 'token-1\n');
  await writeFile(join(saDir, 'ca.crt'), ca);
  await writeFile(join(saDir, 'namespace'), 'team-a');
  https = createServer({ cert: certs.cert, key: certs.key }, answer).listen(0, '127.0.0.1');
  http = createHttpServer(answer).listen(0, '127.0.0.1');
  await Promise.all([once(https, 'listening'), once(http, 'listening')]);
});

after(async () => {
  https.close();
  http.close();
  await rm(dir, { recursive: true, force: true });
});

const inPod = (): NodeJS.ProcessEnv => ({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String((https.address() as AddressInfo).port) });

test('possible only with both variables and a token file', async () => {
  assert.equal(inClusterPossible({ env: inPod(), serviceAccountDir: saDir }), true);
  assert.equal(inClusterPossible({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, serviceAccountDir: saDir }), false);
  assert.equal(inClusterPossible({ env: inPod(), serviceAccountDir: join(dir, 'nothing-here') }), false);
  await mkdir(join(dir, 'dir-token', 'token'), { recursive: true });
  assert.equal(inClusterPossible({ env: inPod(), serviceAccountDir: join(dir, 'dir-token') }), false, 'a directory named token is no token');
  assert.throws(() => inClusterConfig({ env: {}, serviceAccountDir: saDir }), (err: unknown) => err instanceof KubeconfigError
    && err.message === 'unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
});

test('the config: https server (IPv6 in brackets), CA, token and its file, namespace', () => {
  const cfg = inClusterConfig({ env: inPod(), serviceAccountDir: saDir });
  assert.equal(cfg.server, `https://127.0.0.1:${inPod().KUBERNETES_SERVICE_PORT}`);
  assert.equal(cfg.ca?.toString(), ca);
  assert.equal(cfg.token, 'token-1');
  assert.equal(cfg.tokenFile, join(saDir, 'token'));
  assert.equal(cfg.namespace, 'team-a');
  assert.equal(cfg.inCluster, true);
  const v6 = inClusterConfig({ env: { KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: saDir });
  assert.equal(v6.server, 'https://[fd00:10:96::1]:443');
  assert.equal(inClusterConfig({ env: { ...inPod(), POD_NAMESPACE: 'from-env' }, serviceAccountDir: saDir }).namespace, 'from-env', 'POD_NAMESPACE first, as clientcmd');
});

test('loadClientConfig falls back to in-cluster only when no kubeconfig names a server', async () => {
  const opts = { env: inPod(), home: join(dir, 'no-home'), serviceAccountDir: saDir };
  const cfg = loadClientConfig(opts);
  assert.equal(cfg.inCluster, true);
  assert.equal(cfg.namespace, 'team-a');
  // --token and --certificate-authority apply to the in-cluster config; -n too.
  const over = loadClientConfig({ ...opts, token: 'override', namespace: 'ns-x' });
  assert.equal(over.token, 'override');
  assert.equal(over.tokenFile, undefined, 'an explicit token is not replaced by the file');
  assert.equal(over.namespace, 'ns-x');
  // --master / --server: the kubeconfig way, not in-cluster.
  assert.equal(loadClientConfig({ ...opts, master: 'http://127.0.0.1:8080' }).inCluster, undefined);
  // Outside a pod: the kubeconfig's own error.
  assert.throws(() => loadClientConfig({ ...opts, env: {} }), /no server found/);
  // A kubeconfig with a server wins; a context without a namespace takes the pod's.
  const kc = parseKubeconfig(`
clusters: [{ name: c, cluster: { server: 'https://elsewhere:6443' } }]
contexts: [{ name: x, context: { cluster: c } }, { name: y, context: { cluster: c, namespace: mine } }]
current-context: x
`, join(dir, 'kc.yaml'));
  const fromKc = clientConfigOrInCluster(kc, {}, opts);
  assert.equal(fromKc.server, 'https://elsewhere:6443');
  assert.equal(fromKc.namespace, 'team-a');
  assert.equal(clientConfigOrInCluster(kc, { context: 'y' }, opts).namespace, 'mine');
  assert.throws(() => clientConfigOrInCluster(kc, { context: 'nope' }, opts), /context "nope" does not exist/, 'a broken kubeconfig is not silently replaced');
});

test('a RestClient in the pod reaches the server over TLS and sends the rotated token after the re-read period', async () => {
  const clock = new FakeClock();
  const rest = new RestClient(loadClientConfig({ env: inPod(), home: join(dir, 'no-home'), serviceAccountDir: saDir }), { clock });
  try {
    seen.length = 0;
    await rest.request({ path: '/api' });
    await writeFile(join(saDir, 'token'), 'token-2\n');
    clock.step(TOKEN_FILE_REREAD_MS - 1);
    await rest.request({ path: '/api' });
    clock.step(1);
    await rest.request({ path: '/api' });
    assert.deepEqual(seen, ['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
  } finally {
    await rest.destroy();
    await writeFile(join(saDir, 'token'), 'token-1\n');
  }
});

test('TokenFile: a failed re-read keeps the previous token and is reported; no token at all is an error', async () => {
  const clock = new FakeClock();
  const file = join(dir, 'rotating-token');
  await writeFile(file, 'first');
  const errors: unknown[] = [];
  const tf = new TokenFile(file, { clock, periodMs: 1000, onError: (err) => errors.push(err) });
  assert.equal(tf.token(), 'first');
  await unlink(file);
  clock.step(1000);
  assert.equal(tf.token(), 'first');
  assert.equal(errors.length, 1);
  assert.equal(tf.token(), 'first');
  assert.equal(errors.length, 1, 'retried at the next period, not on every request');
  await writeFile(file, 'second');
  clock.step(1000);
  assert.equal(tf.token(), 'second');
  assert.throws(() => new TokenFile(join(dir, 'never'), { clock }).token(), /unable to read token file/);
});

test('kubeconfig tokenFile: read at load, re-read while the client runs; --token replaces it', async () => {
  const file = join(dir, 'user-token');
  await writeFile(file, 'user-1\n');
  const kc = parseKubeconfig(`
clusters: [{ name: c, cluster: { server: 'http://127.0.0.1:${(http.address() as AddressInfo).port}' } }]
users: [{ name: u, user: { tokenFile: user-token } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`, join(dir, 'kc.yaml'));
  const cfg = resolveClientConfig(kc);
  assert.equal(cfg.token, 'user-1');
  assert.equal(cfg.tokenFile, file, 'relative to the kubeconfig');
  assert.equal(resolveClientConfig(kc, { token: 'flag' }).tokenFile, undefined);
  const clock = new FakeClock();
  const rest = new RestClient(cfg, { clock, tokenFileRereadMs: 5000 });
  try {
    seen.length = 0;
    await rest.request({ path: '/api' });
    await writeFile(file, 'user-2\n');
    clock.step(5000);
    await rest.request({ path: '/api' });
    assert.deepEqual(seen, ['Bearer user-1', 'Bearer user-2']);
  } finally {
    await rest.destroy();
  }
});
