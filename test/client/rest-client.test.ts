// RestClient and ResourceClient against the real apiserver over HTTPS with the
// kubeconfig's client certificate, and over plain HTTP with --master.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StatusError } from '../../api/errors.js';
import { loadClientConfig } from '../../client/kubeconfig.js';
import { ConnectionError, RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { KubeObject } from '../../api/types/meta.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { freePort } from '../harness/free-port.js';
import { waitFor } from '../harness/processes.js';

describe('RestClient', () => {
  let cp: ControlPlane;
  let rest: RestClient;
  before(async () => {
    // Compaction every second, so an early resourceVersion soon answers 410.
    cp = await startControlPlane({ args: ['--etcd-compaction-interval', '1'] });
    rest = new RestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: 'rest-client-test' });
  });
  after(async () => {
    await rest?.close();
    await cp?.stop();
  });

  it('creates, gets, patches, lists and deletes over HTTPS with the client certificate', async () => {
    const cms = resourceClient(rest, 'configmaps');
    const created = await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rc1', labels: { a: 'b' } }, data: { k: 'v' } });
    assert.ok(created.metadata.resourceVersion);
    const got = await cms.get('default', 'rc1');
    assert.deepEqual(got.data, { k: 'v' });
    const patched = await cms.patch('default', 'rc1', 'merge', { data: { k2: 'v2' } });
    assert.deepEqual(patched.data, { k: 'v', k2: 'v2' });
    const list = await cms.list('default', { labelSelector: 'a=b' });
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['rc1']);
    await cms.delete('default', 'rc1');
    await assert.rejects(cms.get('default', 'rc1'), (err: unknown) =>
      err instanceof StatusError && err.code === 404 && err.reason === 'NotFound' && err.message === 'configmaps "rc1" not found');
  });

  it('rebuilds the server Status for conflicts and invalid objects', async () => {
    const cms = resourceClient(rest, 'cm');
    await cms.create('default', { metadata: { name: 'dup' } });
    await assert.rejects(cms.create('default', { metadata: { name: 'dup' } }), (err: unknown) => err instanceof StatusError && err.code === 409 && err.reason === 'AlreadyExists');
    await assert.rejects(cms.create('default', { metadata: { name: 'Bad_Name' } }), (err: unknown) =>
      err instanceof StatusError && err.code === 422 && (err.status.details?.causes?.length ?? 0) > 0);
  });

  it('pages with listAll and watches from a resourceVersion', async () => {
    const cms = resourceClient(rest, 'configmaps');
    await resourceClient(rest, 'ns').create('', { metadata: { name: 'paging' } });
    await Promise.all(Array.from({ length: 25 }, (_, i) => cms.create('paging', { metadata: { name: `p${i}` } })));
    const all = await cms.listAll('paging', { limit: 7 });
    assert.equal(all.items.length, 25);
    const ac = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const ev of cms.watch('paging', { resourceVersion: all.metadata.resourceVersion }, ac.signal)) {
        seen.push(`${ev.type} ${(ev.object as KubeObject).metadata.name}`);
        if (seen.length === 2) ac.abort();
      }
    })().catch((err: unknown) => { if (!ac.signal.aborted) throw err; });
    await cms.create('paging', { metadata: { name: 'late' } });
    await cms.delete('paging', 'p0');
    await watching;
    assert.deepEqual(seen, ['ADDED late', 'DELETED p0']);
  });

  it('turns a 410 watch ERROR event into a thrown StatusError', async () => {
    const cms = resourceClient(rest, 'configmaps');
    const first = await cms.create('default', { metadata: { name: 'old' } });
    const watchFrom = async (): Promise<unknown> => {
      try {
        for await (const ev of cms.watch('default', { resourceVersion: first.metadata.resourceVersion, timeoutSeconds: 1 })) void ev;
        return undefined;
      } catch (err) {
        return err;
      }
    };
    // Compaction catches up with that revision within a few seconds; until then the
    // watch is valid and ends by its timeout.
    await waitFor(async () => {
      await cms.patch('default', 'old', 'merge', { data: { n: String(Date.now()) } });
      const err = await watchFrom();
      return err instanceof StatusError && err.code === 410 && /too old resource version/.test(err.message);
    }, { timeoutMs: 20_000, intervalMs: 200, what: 'a 410 from the watch' });
  });

  it('reports an unreachable server as a ConnectionError with kubectl\'s wording', async () => {
    const port = await freePort();
    const dead = new RestClient(loadClientConfig({ master: `http://127.0.0.1:${port}`, env: {} , home: '/nonexistent' }));
    await assert.rejects(dead.request({ path: '/version' }), (err: unknown) =>
      err instanceof ConnectionError && err.message === `The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?`);
    await dead.close();
  });

  it('ends a request past its deadline with a 504 Timeout, whether the headers or the body are late', async () => {
    // A server that answers /headers never, and /body with headers but only half a body.
    const server = createServer((req, res) => {
      if (req.url === '/body') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '20' });
        res.write('{"kind":');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const slow = new RestClient(loadClientConfig({ master: `http://127.0.0.1:${port}`, env: {}, home: '/nonexistent' }));
    try {
      for (const path of ['/headers', '/body']) {
        const t0 = performance.now();
        await assert.rejects(slow.request({ path, timeoutMs: 300 }), (err: unknown) =>
          err instanceof StatusError && err.code === 504 && err.reason === 'Timeout' && err.message === `the request GET ${path} did not finish within 0.3s`);
        assert.ok(performance.now() - t0 < 3000, path);
      }
    } finally {
      await slow.destroy();
      server.closeAllConnections();
      server.close();
    }
  });

  it('talks plain HTTP with --master and no kubeconfig', async () => {
    const plain = new RestClient(loadClientConfig({ master: cp.url, env: {}, home: '/nonexistent' }));
    const v = await plain.request<{ gitVersion: string }>({ path: '/version' });
    assert.match(v.gitVersion, /^v1\./);
    await plain.close();
  });
});
