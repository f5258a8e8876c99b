// Secrets encrypted at rest (--encryption-provider-config) and the audit log
// (--audit-log-path), against the real apiserver and etcd: the bytes etcd holds for a
// Secret never contain its value; plaintext written before encryption was turned on
// stays readable; a key rotation done as Kubernetes documents it keeps every secret
// readable; and the audit log says who did what.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { as } from '../harness/identity.js';
import { kubectl } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
let etcd: Etcd3;
let dir: string;
/** The apiserver's flags: changed in place before a restart. */
const args: string[] = [];
const api = (method: string, path: string, body?: unknown) => http(cp.url, method, path, body);
const key = (n: number): string => Buffer.alloc(32, n).toString('base64');

function encryptionConfig(providers: string): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
${providers}`;
}
const aescbc = (...names: number[]): string => `      - aescbc:
          keys:
${names.map((n) => `            - name: key${n}\n              secret: ${key(n)}`).join('\n')}
`;
const IDENTITY = '      - identity: {}\n';

async function useConfig(providers: string): Promise<void> {
  const file = join(dir, 'encryption.yaml');
  await writeFile(file, encryptionConfig(providers));
  args.splice(0, args.length, '--encryption-provider-config', file, '--audit-log-path', join(dir, 'audit.log'));
  await cp.restartApiserver();
}

const secret = (name: string, value: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { password: value } });
const stored = async (name: string): Promise<Buffer> => (await etcd.get(`/registry/secrets/default/${name}`).buffer()) as Buffer;
const readable = async (name: string, value: string): Promise<void> => {
  const r = await api('GET', `/api/v1/namespaces/default/secrets/${name}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(Buffer.from(r.json.data.password, 'base64').toString(), value);
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tskube-encryption-'));
  cp = await startControlPlane({ args });
  etcd = new Etcd3({ hosts: cp.etcd.endpoint });
});

after(async () => {
  etcd?.close();
  await cp?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('encryption at rest', () => {
  it('plaintext from before stays readable; new writes are encrypted and never hold the value', async () => {
    assert.equal((await api('POST', '/api/v1/namespaces/default/secrets', secret('before', 'plain-old-value'))).status, 201);
    assert.ok((await stored('before')).includes(Buffer.from('plain-old-value').toString('base64')), 'without encryption the value is in etcd as is');
    await useConfig(aescbc(1) + IDENTITY);
    await readable('before', 'plain-old-value');
    assert.equal((await api('POST', '/api/v1/namespaces/default/secrets', secret('after', 'hunter2-very-secret'))).status, 201);
    const bytes = await stored('after');
    assert.equal(bytes.subarray(0, 23).toString(), 'k8s:enc:aescbc:v1:key1:');
    assert.ok(!bytes.includes('hunter2'), 'the value is not in etcd');
    assert.ok(!bytes.includes(Buffer.from('hunter2-very-secret').toString('base64')), 'nor its base64');
    assert.ok(!bytes.includes('password'), 'nor its key');
    await readable('after', 'hunter2-very-secret');
    // Other resources are not encrypted by this configuration.
    await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'visible' } });
    assert.ok((await etcd.get('/registry/configmaps/default/cm').buffer())?.includes('visible'));
  });

  it('a key rotation as Kubernetes documents it keeps every secret readable', async () => {
    // 1. The new key is added second: readable everywhere, not yet written with.
    await useConfig(aescbc(1, 2) + IDENTITY);
    await readable('after', 'hunter2-very-secret');
    // 2. Then first: new writes use key2, key1's data still reads.
    await useConfig(aescbc(2, 1) + IDENTITY);
    assert.equal((await api('POST', '/api/v1/namespaces/default/secrets', secret('rotated', 'new-value'))).status, 201);
    assert.equal((await stored('rotated')).subarray(0, 23).toString(), 'k8s:enc:aescbc:v1:key2:');
    await readable('after', 'hunter2-very-secret');
    // 3. Every secret is rewritten (kubectl get secrets -A -o json | kubectl replace -f -).
    const all = await kubectl(cp, 'get', 'secrets', '-A', '-o', 'json');
    await writeFile(join(dir, 'secrets.json'), all);
    await kubectl(cp, 'replace', '-f', join(dir, 'secrets.json'));
    for (const name of ['before', 'after', 'rotated']) assert.equal((await stored(name)).subarray(0, 23).toString(), 'k8s:enc:aescbc:v1:key2:', name);
    // 4. key1 and identity are removed: everything still reads.
    await useConfig(aescbc(2));
    await readable('before', 'plain-old-value');
    await readable('after', 'hunter2-very-secret');
    await readable('rotated', 'new-value');
  });

  it('a secret under a key the apiserver does not have is a 500 for that secret only, never its bytes', async () => {
    await useConfig(aescbc(3));
    const r = await api('GET', '/api/v1/namespaces/default/secrets/after');
    assert.equal(r.status, 500);
    assert.match(r.json.message, /unable to transform key "\/registry\/secrets\/default\/after"/);
    assert.ok(!r.text.includes('hunter2'));
    assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/cm')).status, 200);
    await useConfig(aescbc(2));
  });
});

describe('audit log', () => {
  it('records who did what, with the authorization decision', async () => {
    const alice = as(cp, await (await import('../harness/identity.js')).certificate(cp, 'alice', ['qa']));
    try {
      assert.equal((await alice('GET', '/api/v1/namespaces/default/pods')).status, 403);
      assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'audited' }, data: { k: 'v' } })).status, 201);
    } finally {
      await alice.close();
    }
    const events = async (): Promise<Record<string, any>[]> => (await readFile(join(dir, 'audit.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)); // eslint-disable-line @typescript-eslint/no-explicit-any
    let denied: Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    let created: Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    await waitFor(async () => {
      const all = await events();
      denied = all.find((e) => e.user?.username === 'alice' && e.stage === 'ResponseComplete');
      created = all.find((e) => e.objectRef?.name === 'audited' && e.verb === 'create' && e.stage === 'ResponseComplete');
      return !!denied && !!created;
    }, { timeoutMs: 5000, what: 'the audit events' });
    assert.equal(denied?.apiVersion, 'audit.k8s.io/v1');
    assert.equal(denied?.kind, 'Event');
    assert.equal(denied?.verb, 'list');
    assert.deepEqual(denied?.user, { username: 'alice', groups: ['qa', 'system:authenticated'] });
    assert.deepEqual(denied?.objectRef, { resource: 'pods', namespace: 'default', apiVersion: 'v1' });
    assert.equal(denied?.responseStatus.code, 403);
    assert.equal(denied?.annotations['authorization.k8s.io/decision'], 'forbid');
    assert.equal(created?.user.username, 'system:unsecured');
    assert.equal(created?.responseStatus.code, 201);
    assert.equal(created?.annotations['authorization.k8s.io/decision'], 'allow');
    // The default policy logs configmaps and secrets at Metadata: their content never reaches the log.
    assert.equal(created?.level, 'Metadata');
    const text = await readFile(join(dir, 'audit.log'), 'utf8');
    assert.ok(!text.includes('hunter2') && !text.includes('new-value'), 'no secret value in the audit log');
  });
});
