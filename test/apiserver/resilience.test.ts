// Restarts, a lost etcd, and thousands of malformed requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { MAX_NESTING_DEPTH } from '../../api/schemas/shape.js';

let cp: ControlPlane;
const api = (method: string, path: string, body?: unknown, ct?: string, headers?: Record<string, string>) => http(cp.url, method, path, body, ct, headers);

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

test('bad input: each case gets the right Status, never a 5xx', async () => {
  const P = '/api/v1/namespaces/default/pods';
  const podJson = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  const S = '/api/v1/namespaces/default/services';
  const cases: [string, string, string | Buffer | undefined, string, number, string?][] = [
    ['malformed JSON', P, '{"metadata": {', 'application/json', 400],
    ['malformed YAML', P, 'metadata: [a, b\n  c: :', 'application/yaml', 400],
    ['body over 3 MiB', '/api/v1/namespaces/default/configmaps', JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(3.2 * 1024 * 1024) } }), 'application/json', 413],
    ['body of 20 MiB, read to the end before the 413', '/api/v1/namespaces/default/configmaps', Buffer.alloc(20 * 1024 * 1024, 0x20), 'application/json', 413],
    ['object over 1.5 MiB', '/api/v1/namespaces/default/endpoints', JSON.stringify({ metadata: { name: 'big2' }, subsets: [{ addresses: Array.from({ length: 80_000 }, (_, i) => ({ ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` })), ports: [{ port: 80 }] }] }), 'application/json', 413],
    ['kind does not match path', P, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }), 'application/json', 400],
    ['apiVersion does not match path', P, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Pod', metadata: { name: 'x' } }), 'application/json', 400],
    ['namespace differs from the path', P, JSON.stringify({ metadata: { name: 'x', namespace: 'kube-system' }, spec: { containers: [{ name: 'c', image: 'x' }] } }), 'application/json', 400],
    ['unknown resource', '/api/v1/namespaces/default/widgets', podJson, 'application/json', 404],
    ['unknown group', '/apis/nope.io/v1/things', podJson, 'application/json', 404],
    ['invalid name', P, JSON.stringify({ metadata: { name: '-Bad-' }, spec: { containers: [{ name: 'c', image: 'x' }] } }), 'application/json', 422],
    ['unsupported content type', P, podJson, 'text/html', 415],
    ['a JSON array', P, '[1,2,3]', 'application/json', 400],
    ['a JSON string', P, '"pod"', 'application/json', 400],
    ['metadata is a string', P, '{"metadata": "x"}', 'application/json', 400],
    ['spec of the wrong type', P, '{"metadata": {"name": "wrongtype"}, "spec": {"containers": "nope"}}', 'application/json', 400],
    ['empty body', P, '', 'application/json', 400],
    ['containers is an object (once a crash in the QoS computation)', P, '{"metadata": {"name": "c1"}, "spec": {"containers": {}}}', 'application/json', 400,
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container'],
    ['containers holds null (a container with no name and no image)', P, '{"metadata": {"name": "c2"}, "spec": {"containers": [null]}}', 'application/json', 422],
    ['a NodePort service whose ports are a string (once a crash in the allocator)', S, '{"metadata": {"name": "np1"}, "spec": {"type": "NodePort", "ports": "80"}}', 'application/json', 400,
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort'],
    ['a NodePort service whose port is an object', S, '{"metadata": {"name": "np2"}, "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": {"n": 1}}]}}', 'application/json', 400,
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal object into Go struct field ServicePort.spec.ports.nodePort of type int32'],
    ['a NodePort service with a null port', S, '{"metadata": {"name": "np3"}, "spec": {"type": "NodePort", "ports": [null]}}', 'application/json', 422],
    ['JSON nested a million levels', P, '['.repeat(1_000_000) + ']'.repeat(1_000_000), 'application/json', 400],
    ['JSON objects nested a million levels', P, '{"a":'.repeat(500_000) + '1' + '}'.repeat(500_000), 'application/json', 400],
    ['YAML nested a million levels', P, `metadata: ${'['.repeat(1_000_000)}`, 'application/yaml', 400],
    ['YAML block sequences nested 200,000 levels', P, `${'- '.repeat(200_000)}x`, 'application/yaml', 400],
    ['YAML whose anchor contains itself', P, 'metadata: &a {labels: *a}', 'application/yaml', 400],
  ];
  for (const [what, path, body, ct, code, message] of cases) {
    const r = await api('POST', path, body, ct);
    assert.equal(r.status, code, `${what}: ${r.text.slice(0, 300)}`);
    assert.equal(r.json?.kind, 'Status', what);
    assert.equal(r.json.code, code, what);
    assert.ok(r.json.message.length > 5, what);
    if (message) assert.equal(r.json.message, message, what);
  }
  // Nesting just inside the limit is stored and read back, whatever reads it on the way.
  const deep = `{"metadata":{"name":"deep"},"x":${'['.repeat(MAX_NESTING_DEPTH - 1)}${']'.repeat(MAX_NESTING_DEPTH - 1)}}`;
  const made = await api('POST', '/api/v1/namespaces/default/configmaps', deep);
  assert.equal(made.status, 201, made.text.slice(0, 300));
  for (const [method, body, ct] of [['PUT', deep, 'application/json'], ['PATCH', '{"data":{"a":"b"}}', 'application/merge-patch+json'], ['PATCH', '{"data":{"c":"d"}}', 'application/strategic-merge-patch+json']]) {
    const r = await api(method, '/api/v1/namespaces/default/configmaps/deep', body, ct);
    assert.equal(r.status, 200, `${method} ${ct}: ${r.text.slice(0, 300)}`);
  }
  const deeper = await api('PATCH', '/api/v1/namespaces/default/configmaps/deep', `[{"op":"add","path":"/x${'/0'.repeat(MAX_NESTING_DEPTH - 2)}/-","value":${'['.repeat(50)}${']'.repeat(50)}}]`, 'application/json-patch+json');
  assert.equal(deeper.status, 422, `a JSON patch may not nest the object past the limit: ${deeper.text.slice(0, 300)}`);
  assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/deep')).status, 200);
  const getCases: [string, string, number][] = [
    ['invalid label selector', `${P}?labelSelector=${encodeURIComponent('a in (b')}`, 400],
    ['invalid field selector', `${P}?fieldSelector=${encodeURIComponent('spec.nope=1')}`, 400],
    ['non-numeric resourceVersion', `${P}?resourceVersion=abc`, 400],
    ['non-numeric limit', `${P}?limit=ten`, 400],
    ['bad continue token', `${P}?limit=1&continue=%%%`, 400],
    ['missing object', `${P}/nope`, 404],
    ['a name whose percent-escape would decode twice', `${P}/a%25zz`, 404],
    ['unknown subresource', `${P}/nope/exec2`, 404],
  ];
  for (const [what, path, code] of getCases) {
    const r = await api('GET', path);
    assert.equal(r.status, code, `${what}: ${r.text.slice(0, 300)}`);
    assert.equal(r.json?.kind, 'Status', what);
  }
  await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'patchme' }, data: { a: '1' } });
  const patchCases: [string, unknown, string, number][] = [
    ['json patch on a missing path', '[{"op":"replace","path":"/data/nope/deeper","value":1}]', 'application/json-patch+json', 422],
    ['json patch failing test', '[{"op":"test","path":"/data/a","value":"2"}]', 'application/json-patch+json', 422],
    ['json patch that is not a list', '{"op":"add"}', 'application/json-patch+json', 400],
    ['merge patch that is not JSON', '{data:', 'application/merge-patch+json', 400],
    ['merge patch changing the name', '{"metadata":{"name":"other"}}', 'application/merge-patch+json', 400],
    ['strategic patch with a bad directive', '{"data":{"$patch":"explode"}}', 'application/strategic-merge-patch+json', 422],
    ['unsupported patch type', '{}', 'application/xml', 415],
    ['stale resourceVersion in patch', '{"metadata":{"resourceVersion":"1"}}', 'application/merge-patch+json', 409],
    ['merge patch nested a million levels', `{"data":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`, 'application/merge-patch+json', 400],
    ['strategic patch nested a million levels', `{"data":${'{"a":'.repeat(500_000)}1${'}'.repeat(500_000)}}`, 'application/strategic-merge-patch+json', 400],
    ['json patch nested a million levels', `[{"op":"add","path":"/data/x","value":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}]`, 'application/json-patch+json', 400],
    ['merge patch with a __proto__ key', '{"__proto__":{"spec":"polluted"},"data":{"__proto__":{"x":"y"}}}', 'application/merge-patch+json', 400],
    ['strategic patch with a __proto__ key', '{"metadata":{"__proto__":{"spec":"polluted"}}}', 'application/strategic-merge-patch+json', 400],
    ['merge patch giving data the wrong type', '{"data":{"a":5}}', 'application/merge-patch+json', 422],
    ['strategic patch giving data the wrong type', '{"data":[1]}', 'application/strategic-merge-patch+json', 422],
  ];
  for (const [what, body, ct, code] of patchCases) {
    const r = await api('PATCH', '/api/v1/namespaces/default/configmaps/patchme', body, ct);
    assert.equal(r.status, code, `${what}: ${r.text.slice(0, 300)}`);
    assert.equal(r.json?.kind, 'Status', what);
  }
  const cm = await api('GET', '/api/v1/namespaces/default/configmaps/patchme');
  assert.deepEqual(cm.json.data, { a: '1' }, 'failed patches lose nothing and change nothing');
});

test('a generated run of thousands of malformed requests gives no 5xx', async () => {
  let seed = 42;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const pick = <T>(xs: T[]): T => xs[rand(xs.length)];
  const paths = ['/api/v1/namespaces/default/pods', '/api/v1/namespaces/default/pods/p', '/api/v1/nodes', '/api/v1/namespaces/x%2Fy/configmaps',
    '/apis/apps/v1/namespaces/default/deployments', '/apis/apps/v1/namespaces/default/deployments/d/scale', '/api/v1/namespaces/default/pods/p/binding',
    '/api/v1/namespaces/default/services', '/api/v1/namespaces/%00/pods', '/api/v1/namespaces/default/pods/p/status', '/apis/apps/v1', '/api/v1/namespaces//pods',
    '/apis/coordination.k8s.io/v1/namespaces/default/leases/l', '/api/v1/namespaces/default/events'];
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const types = ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'text/plain', ''];
  const atoms = ['null', 'true', '1', '-1', '1e400', '"x"', '[]', '{}', '"\\u0000"', '[[[[[]]]]]', '{"a":{"b":{"c":[1,{"d":null}]}}}'];
  const fields = ['metadata', 'spec', 'status', 'kind', 'apiVersion', 'name', 'containers', 'ports', 'selector', 'replicas', 'template', 'data', 'target', 'labels', '$patch', 'op', 'path', 'value', 'finalizers', 'clusterIP', 'type'];
  const gen = (depth: number): string => {
    if (depth <= 0 || rand(3) === 0) return pick(atoms);
    if (rand(4) === 0) return `[${Array.from({ length: rand(3) }, () => gen(depth - 1)).join(',')}]`;
    return `{${Array.from({ length: 1 + rand(4) }, () => `"${pick(fields)}":${gen(depth - 1)}`).join(',')}}`;
  };
  const mutate = (s: string): string => {
    const i = rand(s.length + 1);
    switch (rand(4)) {
      case 0: return s.slice(0, i);
      case 1: return s.slice(0, i) + pick(['{', '}', '"', ',', ':', '\\', '\u00ff']) + s.slice(i);
      default: return s;
    }
  };
  const total = 3000;
  let fiveXX = 0;
  const failures: string[] = [];
  // 30 workers, each taking the next request as soon as its last one answered: a few
  // requests wait seconds on purpose (a resourceVersion from the future), and in fixed
  // batches of 30 every batch waited for its slowest (90 s in all instead of about 10).
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < total) {
      sent++;
      const method = pick(methods);
      const path = pick(paths) + (rand(4) === 0 ? pick(['?watch=maybe&timeoutSeconds=1', '?limit=-1', '?labelSelector=%21%21', '?fieldSelector==', '?resourceVersion=99999999999', '?gracePeriodSeconds=x', '?propagationPolicy=Sideways', '?dryRun=All']) : '');
      const body = method === 'GET' ? undefined : mutate(gen(4));
      const r = await api(method, path, body, pick(types));
      if (r.status >= 500) {
        fiveXX++;
        failures.push(`${method} ${path} ${body?.slice(0, 100)} -> ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 30 }, worker));
  assert.equal(fiveXX, 0, failures.slice(0, 5).join('\n'));
  const health = await api('GET', '/readyz');
  assert.equal(health.status, 200);
  const list = await api('GET', '/api/v1/namespaces/default/pods');
  assert.equal(list.status, 200);
});

test('an apiserver restart on the same etcd keeps everything', async () => {
  await api('POST', '/api/v1/namespaces', { metadata: { name: 'keep' } });
  const made = await api('POST', '/api/v1/namespaces/keep/configmaps', { metadata: { name: 'kept' }, data: { v: 'yes' } });
  const svc = await api('POST', '/api/v1/namespaces/keep/services', { metadata: { name: 'kept' }, spec: { ports: [{ port: 80 }] } });
  await cp.restartApiserver();
  const got = await api('GET', '/api/v1/namespaces/keep/configmaps/kept');
  assert.deepEqual(got.json, made.json);
  const svc2 = await api('GET', '/api/v1/namespaces/keep/services/kept');
  assert.equal(svc2.json.spec.clusterIP, svc.json.spec.clusterIP);
  // The allocation survived too: the same IP cannot be had twice.
  const dup = await api('POST', '/api/v1/namespaces/keep/services', { metadata: { name: 'dup' }, spec: { clusterIP: svc.json.spec.clusterIP, ports: [{ port: 80 }] } });
  assert.equal(dup.status, 422);
});

test('with etcd stopped, /readyz fails and requests get a Status quickly', async () => {
  await cp.etcd.kill();
  try {
    const t0 = Date.now();
    const ready = await api('GET', '/readyz');
    assert.equal(ready.status, 500);
    assert.match(ready.text, /etcd failed/);
    const r = await api('GET', '/api/v1/namespaces/default/configmaps/x');
    const w = await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'during-outage' } });
    const ms = Date.now() - t0;
    for (const res of [r, w]) {
      assert.ok(res.status >= 500, res.text);
      assert.equal(res.json?.kind, 'Status');
    }
    assert.ok(ms < 20_000, `took ${ms} ms`);
    assert.equal((await api('GET', '/livez')).status, 200);
  } finally {
    await cp.etcd.restart();
  }
  // And it recovers once etcd is back.
  const { waitFor } = await import('../harness/processes.js');
  await waitFor(async () => (await api('GET', '/readyz')).status === 200, { timeoutMs: 20_000, what: 'readyz after etcd restart' });
  const after = await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'after-outage' } });
  assert.equal(after.status, 201, after.text);
});
