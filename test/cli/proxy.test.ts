// tskubectl proxy end to end: a real control plane (HTTPS, the kubeconfig's client
// certificate) behind the proxy's plain HTTP. A GET as curl makes it, a watch that
// streams events as they happen, a write, kubectl's filter (exec paths and foreign
// Host headers get 403 Forbidden), --api-prefix, and upgrades passed through: exec over
// the proxy refused by the default filter, working with --disable-filter (a real kubelet).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { tskubectlRun, tskubectlStart, type CliProcess } from '../harness/tskubectl.js';

describe('tskubectl proxy', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  let proxy: CliProcess;
  let base: string;
  const api = podApi(() => cp, () => kubelet);

  /** Starts a proxy with args on a free port; resolves with its base URL. */
  const startProxy = async (args: string[]): Promise<{ p: CliProcess; url: string }> => {
    const p = tskubectlStart(cp, ['proxy', '--port=0', ...args]);
    const out = await p.waitForStdout(/^Starting to serve on 127\.0\.0\.1:\d+\n$/);
    return { p, url: `http://127.0.0.1:${/:(\d+)\n$/.exec(out)![1]}` };
  };

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'cli-proxy', cidr: '10.234.0.0/16' });
    await api.create('shell', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
    ({ p: proxy, url: base } = await startProxy([]));
    await api.wait('shell', 'running', (p) => p.status?.phase === 'Running');
  });
  after(async () => {
    try {
      await proxy?.stop();
      await kubelet?.cleanup();
    } finally {
      await cp?.stop();
    }
  });

  it('answers a GET with the apiserver\'s answer (HTTPS and the client certificate on the proxy\'s side)', async () => {
    const res = await http(base, 'GET', '/api/v1/namespaces');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.kind, 'NamespaceList');
    assert.ok(res.json.items.some((n: { metadata: { name: string } }) => n.metadata.name === 'default'));
  });

  it('streams a watch: an event arrives while the response is still open', async () => {
    const events: string[] = [];
    const watch = request(`${base}/api/v1/namespaces/default/configmaps?watch=true`);
    const opened = new Promise<void>((resolve, reject) => {
      watch.on('response', (res) => {
        assert.equal(res.statusCode, 200);
        res.setEncoding('utf8').on('data', (chunk: string) => events.push(chunk));
        resolve();
      });
      watch.on('error', reject);
    });
    watch.end();
    try {
      await opened;
      const created = await http(base, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'through-proxy' }, data: { a: 'b' } });
      assert.equal(created.status, 201, created.text);
      const deadline = Date.now() + 10_000;
      while (!events.join('').includes('"through-proxy"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const line = events.join('').split('\n').find((l) => l.includes('"through-proxy"'));
      assert.ok(line, `no event in ${events.join('')}`);
      assert.equal(JSON.parse(line).type, 'ADDED');
    } finally {
      watch.destroy();
    }
  });

  it('kubectl\'s filter: exec and attach paths and hosts it does not accept get 403 Forbidden', async () => {
    let res = await http(base, 'POST', '/api/v1/namespaces/default/pods/shell/exec?command=ls');
    assert.deepEqual([res.status, res.text], [403, 'Forbidden\n']);
    res = await http(base, 'GET', '/api/v1/namespaces/default/pods/shell/attach');
    assert.deepEqual([res.status, res.text], [403, 'Forbidden\n']);
    res = await http(base, 'GET', '/api/v1/namespaces', undefined, 'application/json', { host: 'evil.example.com:8001' });
    assert.deepEqual([res.status, res.text], [403, 'Forbidden\n']);
    res = await http(base, 'GET', '/api/v1/namespaces', undefined, 'application/json', { host: 'localhost:8001' });
    assert.equal(res.status, 200);
    // An exec through the proxy is refused at its upgrade too.
    const r = await tskubectlRun(cp, ['-s', base, 'exec', 'shell', '--', 'echo', 'hi']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: unable to upgrade connection: Forbidden\n' });
  });

  it('--api-prefix serves the API under another path; --disable-filter lets an exec upgrade through', async () => {
    const { p, url } = await startProxy(['--api-prefix=/custom', '--disable-filter']);
    try {
      const res = await http(url, 'GET', '/custom/api/v1/namespaces/default');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.metadata.name, 'default');
      assert.deepEqual([(await http(url, 'GET', '/api/v1/namespaces')).status], [404]);
      const r = await tskubectlRun(cp, ['-s', `${url}/custom`, 'exec', 'shell', '--', 'sh', '-c', 'echo through the proxy; exit 4']);
      assert.deepEqual(r, { code: 4, stdout: 'through the proxy\n', stderr: 'command terminated with exit code 4\n' });
    } finally {
      const r = await p.stop();
      assert.equal(r.stderr, 'Request filter disabled, your proxy is vulnerable to XSRF attacks, please be cautious\n');
    }
  });
});
