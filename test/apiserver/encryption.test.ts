// Encryption at rest (--encryption-provider-config): the providers, the prefix chain,
// key rotation, resource matching, validation messages, the generated default
// configuration, and byte compatibility with values kube-apiserver writes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEncryptionConfig, parseEncryptionConfig, type ResourceTransformers } from '../../apiserver/storage/encryption/config.js';
import { writeDefaultEncryptionConfig } from '../../apiserver/storage/encryption/generate.js';
import { aesCBCTransformer, type Transformer } from '../../apiserver/storage/encryption/transformers.js';

const KEY = '/registry/secrets/default/s1';
const PLAINTEXT = Buffer.from('{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s1","namespace":"default"},"data":{"password":"aHVudGVyMg=="}}');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const key32a = b64(Buffer.alloc(32, 0xa1));
const key32b = b64(Buffer.alloc(32, 0xb2));

type ProviderSpec = string; // one YAML flow mapping per provider: "aescbc: {keys: [...]}"
function configYAML(...entries: { resources: string[]; providers: ProviderSpec[] }[]): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
${entries.map((e) => `- resources: [${e.resources.map((r) => JSON.stringify(r)).join(', ')}]
  providers:
${e.providers.map((p) => `  - ${p}`).join('\n')}`).join('\n')}
`;
}
const keyed = (provider: string, ...keys: [string, string][]): ProviderSpec =>
  `${provider}: {keys: [${keys.map(([name, secret]) => `{name: ${name}, secret: "${secret}"}`).join(', ')}]}`;
const IDENTITY = 'identity: {}';

function secrets(...providers: ProviderSpec[]): Transformer {
  return parseEncryptionConfig(configYAML({ resources: ['secrets'], providers }), 'test.yaml').transformerFor('secrets', '');
}

function parseError(text: string): string {
  try {
    parseEncryptionConfig(text, 'enc.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

const throwsMessage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('providers', () => {
  const cases: [string, ProviderSpec][] = [
    ['aesgcm', keyed('aesgcm', ['key1', b64(Buffer.alloc(16, 7))])],
    ['aesgcm', keyed('aesgcm', ['key1', b64(Buffer.alloc(24, 7))])],
    ['aesgcm', keyed('aesgcm', ['key1', key32a])],
    ['aescbc', keyed('aescbc', ['key1', key32a])],
    ['aescbc', keyed('aescbc', ['key1', b64(Buffer.alloc(16, 7))])],
    ['secretbox', keyed('secretbox', ['key1', key32a])],
  ];
  for (const [name, spec] of cases) {
    it(`${name} (${spec.length}) round-trips, under its prefix, without the plaintext`, () => {
      const t = secrets(spec, IDENTITY);
      for (const data of [PLAINTEXT, Buffer.alloc(0), Buffer.alloc(16, 0x10), randomBytes(1000)]) {
        const stored = Buffer.from(t.toStorage(data, KEY));
        assert.ok(stored.subarray(0, 30).toString('latin1').startsWith(`k8s:enc:${name}:v1:key1:`), stored.subarray(0, 30).toString('latin1'));
        if (data.length > 0) assert.equal(stored.indexOf(data), -1);
        const back = t.fromStorage(stored, KEY);
        assert.deepEqual(Buffer.from(back.data), data);
        assert.equal(back.stale, false);
      }
      // Random nonces and IVs: the same object never stores the same bytes twice.
      assert.notDeepEqual(t.toStorage(PLAINTEXT, KEY), t.toStorage(PLAINTEXT, KEY));
    });
  }

  it('aesgcm binds a value to its etcd key; aescbc and secretbox do not, as in Kubernetes', () => {
    const gcm = secrets(keyed('aesgcm', ['key1', key32a]));
    const moved = gcm.toStorage(PLAINTEXT, KEY);
    assert.equal(throwsMessage(() => gcm.fromStorage(moved, '/registry/secrets/default/other')), 'cipher: message authentication failed');
    assert.deepEqual(Buffer.from(gcm.fromStorage(moved, KEY).data), PLAINTEXT);
    for (const spec of [keyed('aescbc', ['key1', key32a]), keyed('secretbox', ['key1', key32a])]) {
      const t = secrets(spec);
      assert.deepEqual(Buffer.from(t.fromStorage(t.toStorage(PLAINTEXT, KEY), '/registry/secrets/kube-system/other').data), PLAINTEXT);
    }
  });

  it('a wrong key or a changed byte is an error, not garbage', () => {
    for (const provider of ['aesgcm', 'secretbox']) {
      const stored = Buffer.from(secrets(keyed(provider, ['key1', key32a])).toStorage(PLAINTEXT, KEY));
      const other = secrets(keyed(provider, ['key1', key32b]));
      const want = provider === 'aesgcm' ? 'cipher: message authentication failed' : 'output array was not large enough for encryption';
      assert.equal(throwsMessage(() => other.fromStorage(stored, KEY)), want);
      const own = secrets(keyed(provider, ['key1', key32a]));
      for (const at of [30, stored.length - 1]) {
        const tampered = Buffer.from(stored);
        tampered[at] ^= 1;
        assert.equal(throwsMessage(() => own.fromStorage(tampered, KEY)), want);
      }
      assert.equal(throwsMessage(() => own.fromStorage(Buffer.from(`k8s:enc:${provider}:v1:key1:short`), KEY)), 'the stored data was shorter than the required size');
    }
    // aescbc is not authenticated: a wrong key shows only as bad padding. Fixed IV
    // and key, so the garbage (and so the outcome) is the same on every run.
    const iv = Buffer.alloc(16, 3);
    const c = createCipheriv('aes-256-cbc', Buffer.alloc(32, 0xa1), iv);
    const value = Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:key1:'), iv, c.update(PLAINTEXT), c.final()]);
    assert.deepEqual(Buffer.from(secrets(keyed('aescbc', ['key1', key32a])).fromStorage(value, KEY).data), PLAINTEXT);
    assert.match(throwsMessage(() => secrets(keyed('aescbc', ['key1', key32b])).fromStorage(value, KEY)), /^invalid (PKCS7 data \(empty or not padded\)|padding on input)$/);
    const cbc = aesCBCTransformer(Buffer.alloc(32, 1));
    assert.equal(throwsMessage(() => cbc.fromStorage(Buffer.alloc(20), KEY)), 'the stored data is not a multiple of the block size');
    assert.equal(throwsMessage(() => cbc.fromStorage(Buffer.alloc(8), KEY)), 'the stored data was shorter than the required size');
    assert.equal(throwsMessage(() => cbc.fromStorage(Buffer.alloc(16), KEY)), 'invalid PKCS7 data (empty or not padded)');
  });
});

describe('the prefix chain', () => {
  const key1 = keyed('aescbc', ['key1', key32a]);
  const key2 = keyed('aescbc', ['key2', key32b]);

  it('rotation: [key2, key1, identity] reads key1 values and plaintext as stale, writes key2', () => {
    const before = secrets(key1, IDENTITY);
    const written = before.toStorage(PLAINTEXT, KEY);
    const rotated = secrets(key2, key1, IDENTITY);
    assert.deepEqual(rotated.fromStorage(written, KEY), { data: PLAINTEXT, stale: true });
    assert.deepEqual(rotated.fromStorage(PLAINTEXT, KEY), { data: PLAINTEXT, stale: true });
    const rewritten = rotated.toStorage(PLAINTEXT, KEY);
    assert.ok(Buffer.from(rewritten).toString('latin1').startsWith('k8s:enc:aescbc:v1:key2:'));
    assert.equal(rotated.fromStorage(rewritten, KEY).stale, false);
    // Both keys in one provider: the second key's values are stale too.
    const oneProvider = secrets(keyed('aescbc', ['key2', key32b], ['key1', key32a]));
    assert.deepEqual(oneProvider.fromStorage(written, KEY), { data: PLAINTEXT, stale: true });
    // Once key1 is removed, its values cannot be read.
    assert.equal(throwsMessage(() => secrets(key2, IDENTITY).fromStorage(written, KEY)), 'no matching key was found for the provided AES transformer');
  });

  it('unprefixed data is read only when identity is listed', () => {
    assert.equal(throwsMessage(() => secrets(key1).fromStorage(PLAINTEXT, KEY)), 'no matching prefix found');
    assert.deepEqual(secrets(key1, IDENTITY).fromStorage(PLAINTEXT, KEY), { data: PLAINTEXT, stale: true });
    // identity first: decrypting away from encryption. Plaintext is current,
    // encrypted values are still read (and stale), new writes are plaintext.
    const decrypting = secrets(IDENTITY, key1);
    assert.deepEqual(decrypting.fromStorage(PLAINTEXT, KEY), { data: PLAINTEXT, stale: false });
    assert.deepEqual(decrypting.fromStorage(secrets(key1).toStorage(PLAINTEXT, KEY), KEY), { data: PLAINTEXT, stale: true });
    assert.deepEqual(Buffer.from(decrypting.toStorage(PLAINTEXT, KEY)), PLAINTEXT);
    // identity never hands out ciphertext as an object.
    assert.equal(throwsMessage(() => secrets(IDENTITY).fromStorage(secrets(key1).toStorage(PLAINTEXT, KEY), KEY)), 'no matching prefix found');
  });

  it('reports every failure of the providers whose prefix matched', () => {
    const value = secrets(keyed('aescbc', ['key3', key32a])).toStorage(PLAINTEXT, KEY);
    assert.equal(throwsMessage(() => secrets(key2, key1, IDENTITY).fromStorage(value, KEY)), 'no matching key was found for the provided AES transformer');
    const gcmValue = secrets(keyed('aesgcm', ['key1', key32a])).toStorage(PLAINTEXT, KEY);
    const t = secrets(keyed('aesgcm', ['key1', key32b]), keyed('aesgcm', ['key2', key32a]));
    assert.equal(throwsMessage(() => t.fromStorage(gcmValue, KEY)), '[cipher: message authentication failed, no matching key was found for the provided AES transformer]');
  });
});

describe('resource matching', () => {
  const enc = (name: string): ProviderSpec => keyed('secretbox', [name, key32a]);
  const writerOf = (rt: ResourceTransformers, resource: string, group: string): string => {
    const stored = Buffer.from(rt.transformerFor(resource, group).toStorage(PLAINTEXT, KEY)).toString('latin1');
    return stored.startsWith('k8s:enc:') ? stored.split(':')[4] : 'plaintext';
  };

  it('an exact name beats *.<group>, which beats *.*; unnamed resources are plaintext', () => {
    const rt = parseEncryptionConfig(configYAML(
      { resources: ['secrets', 'deployments.apps'], providers: [enc('exact')] },
      { resources: ['*.apps'], providers: [enc('apps')] },
      { resources: ['*.'], providers: [enc('core')] },
    ), 'x');
    assert.equal(writerOf(rt, 'secrets', ''), 'exact');
    assert.equal(writerOf(rt, 'deployments', 'apps'), 'exact');
    assert.equal(writerOf(rt, 'statefulsets', 'apps'), 'apps');
    assert.equal(writerOf(rt, 'configmaps', ''), 'core');
    assert.equal(writerOf(rt, 'secrets', 'example.com'), 'plaintext');
    assert.equal(writerOf(rt, 'jobs', 'batch'), 'plaintext');
    assert.equal(rt.transformerFor('secrets', ''), rt.transformerFor('secrets', ''));
    // A resource nobody encrypts refuses to read encrypted bytes.
    const stored = rt.transformerFor('secrets', '').toStorage(PLAINTEXT, KEY);
    assert.equal(throwsMessage(() => rt.transformerFor('jobs', 'batch').fromStorage(stored, KEY)), 'identity transformer tried to read encrypted data');

    const all = parseEncryptionConfig(configYAML({ resources: ['secrets'], providers: [enc('exact')] }, { resources: ['*.*'], providers: [enc('all')] }), 'x');
    assert.equal(writerOf(all, 'secrets', ''), 'exact');
    assert.equal(writerOf(all, 'jobs', 'batch'), 'all');
  });

  it('a resource named twice gets the providers of both entries, the first entry writing', () => {
    const rt = parseEncryptionConfig(configYAML({ resources: ['secrets'], providers: [enc('first')] }, { resources: ['secrets'], providers: [enc('second')] }), 'x');
    assert.equal(writerOf(rt, 'secrets', ''), 'first');
    const old = parseEncryptionConfig(configYAML({ resources: ['secrets'], providers: [enc('second')] }), 'x').transformerFor('secrets', '');
    assert.deepEqual(rt.transformerFor('secrets', '').fromStorage(old.toStorage(PLAINTEXT, KEY), KEY), { data: PLAINTEXT, stale: true });
  });

  it('refuses a rule masked by an earlier wildcard', () => {
    assert.equal(parseError(configYAML({ resources: ['*.'], providers: [IDENTITY] }, { resources: ['secrets'], providers: [enc('k')] })),
      'error while building transformers: resource "secrets" is masked by earlier rule "*."');
    assert.equal(parseError(configYAML({ resources: ['*.*'], providers: [IDENTITY] }, { resources: ['*.apps'], providers: [enc('k')] })),
      'error while building transformers: resource "*.apps" is masked by earlier rule "*.*"');
  });
});

describe('configuration', () => {
  it('is refused with Kubernetes\' validation messages', () => {
    const p = 'error while parsing file: ';
    const cases: [string, string][] = [
      ['apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n', `${p}resources: Required value: at least one resources is required`],
      [configYAML({ resources: [], providers: [IDENTITY] }), `${p}resources[0].resources: Required value: at least one resources[0].resources is required`],
      [configYAML({ resources: ['secrets'], providers: [] }).replace('  providers:\n', ''), `${p}resources[0].providers: Required value: at least one resources[0].providers is required`],
      [configYAML({ resources: ['secrets'], providers: [keyed('aescbc', ['key1', b64(Buffer.alloc(8))])] }),
        `${p}resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]`],
      [configYAML({ resources: ['secrets'], providers: [keyed('secretbox', ['key1', b64(Buffer.alloc(16))])] }),
        `${p}resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of [32]`],
      [configYAML({ resources: ['secrets'], providers: [keyed('aesgcm', ['key1', 'not base64!'])] }),
        `${p}resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded`],
      [configYAML({ resources: ['secrets'], providers: [keyed('aesgcm', ['key1', ''])] }),
        `${p}resources[0].providers[0].aesgcm.keys[0].secret: Required value: secret is a mandatory field for a key`],
      [configYAML({ resources: ['secrets'], providers: ['aescbc: {keys: [{secret: "' + key32a + '"}]}'] }),
        `${p}resources[0].providers[0].aescbc.keys[0].name: Required value: name is a mandatory field for a key`],
      [configYAML({ resources: ['secrets'], providers: ['aescbc: {keys: []}'] }), `${p}resources[0].providers[0].aescbc.keys: Required value: at least one keys is required`],
      [configYAML({ resources: ['secrets'], providers: [keyed('aescbc', ['key1', key32a], ['key1', key32b])] }), `${p}resources[0].providers[0].aescbc.keys[1].name: Duplicate value: "key1"`],
      [configYAML({ resources: ['secrets'], providers: ['aes-cbc: {}'] }),
        `${p}resources[0].providers[0]: Invalid value: {"aes-cbc"}: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity`],
      [configYAML({ resources: ['secrets'], providers: [`{${keyed('aescbc', ['key1', key32a])}, identity: {}}`] }),
        `${p}resources[0].providers[0]: Invalid value: {"aescbc", "identity"}: more than one provider specified in a single element, should split into different list elements`],
      [configYAML({ resources: ['secrets', 'secrets'], providers: [IDENTITY] }), `${p}resources[0].resources: Invalid value: []string{"secrets", "secrets"}: the same resource cannot be specified multiple times`],
      [configYAML({ resources: ['secrets', '*.'], providers: [IDENTITY] }),
        `${p}resources[0].resources: Invalid value: []string{"secrets", "*."}: using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked`],
      [configYAML({ resources: ['Secrets'], providers: [IDENTITY] }), `${p}resources[0].resources[0]: Invalid value: "Secrets": resource name should not contain capital letters`],
      [configYAML({ resources: ['*'], providers: [IDENTITY] }), `${p}resources[0].resources[0]: Invalid value: "*": use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources`],
      [configYAML({ resources: ['serviceipallocations'], providers: [IDENTITY] }), `${p}resources[0].resources[0]: Invalid value: "serviceipallocations": resources which do not have REST API/s cannot be encrypted`],
      [configYAML({ resources: ['events.events.k8s.io'], providers: [IDENTITY] }),
        `${p}resources[0].resources[0]: Invalid value: "events.events.k8s.io": '*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file`],
      [configYAML({ resources: ['*.extensions'], providers: [IDENTITY] }), `${p}resources[0].resources[0]: Invalid value: "*.extensions": 'extensions' group has been removed and cannot be used for encryption`],
      [configYAML({ resources: ['secrets.*'], providers: [IDENTITY] }), `${p}resources[0].resources[0]: Invalid value: "secrets.*": encrypting the same resource across groups is not supported`],
      [configYAML({ resources: ['Secrets'], providers: ['aescbc: {keys: []}'] }),
        `${p}[resources[0].resources[0]: Invalid value: "Secrets": resource name should not contain capital letters, resources[0].providers[0].aescbc.keys: Required value: at least one keys is required]`],
      [configYAML({ resources: ['secrets'], providers: ['kms: {apiVersion: v2, name: vault, endpoint: "unix:///tmp/kms.sock"}'] }),
        'error while building transformers: resources[0].providers[0].kms: kms providers are not supported by tskube (it has no KMS plugin client); use aescbc, aesgcm or secretbox with a local key'],
      ['kind: EncryptionConfig\napiVersion: v1\nresources: []\n',
        'error while parsing file: error decoding encryption provider configuration file "enc.yaml": no kind "EncryptionConfig" is registered for version "v1": expected kind: EncryptionConfiguration and apiVersion: apiserver.config.k8s.io/v1'],
      ['resources: []\n',
        'error while parsing file: error decoding encryption provider configuration file "enc.yaml": Object \'Kind\' is missing: expected kind: EncryptionConfiguration and apiVersion: apiserver.config.k8s.io/v1'],
      [configYAML({ resources: ['secrets'], providers: [IDENTITY] }).replace('resources: ["secrets"]', 'resources: secrets'),
        'error while parsing file: error decoding encryption provider configuration file "enc.yaml": resources[0].resources: expected a list, got a string'],
      ['', 'error while parsing file: error while loading file: encryption provider configuration file "enc.yaml" is empty'],
    ];
    for (const [text, want] of cases) assert.equal(parseError(text), want, text);
  });

  it('never puts a key in a message, even for a YAML syntax error on its line', () => {
    const secret = 'c2VjcmV0IGlzIHNlY3VyZSBzZWNyZXQgaXMgc2VjdXI=';
    const msg = parseError(`apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc: {keys: [{name: k, secret: ${secret}]}\n`);
    assert.match(msg, /^error while parsing file: error decoding encryption provider configuration file "enc.yaml": .* at line 6/);
    assert.ok(!msg.includes(secret), msg);
  });

  it('loads YAML or JSON from a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tskube-enc-'));
    try {
      const file = join(dir, 'enc.json');
      await writeFile(file, JSON.stringify({
        apiVersion: 'apiserver.config.k8s.io/v1',
        kind: 'EncryptionConfiguration',
        resources: [{ resources: ['secrets'], providers: [{ aesgcm: { keys: [{ name: 'key1', secret: key32a }] } }, { identity: {} }] }],
      }));
      const t = (await loadEncryptionConfig(file)).transformerFor('secrets', '');
      assert.ok(Buffer.from(t.toStorage(PLAINTEXT, KEY)).toString('latin1').startsWith('k8s:enc:aesgcm:v1:key1:'));
      await assert.rejects(loadEncryptionConfig(join(dir, 'missing.yaml')),
        (err: Error) => err.message.startsWith(`error while parsing file: error while loading file: error reading encryption provider configuration file "${join(dir, 'missing.yaml')}": ENOENT`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeDefaultEncryptionConfig', () => {
  it('writes a private secretbox configuration for secrets once, with identity last', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tskube-enc-'));
    try {
      const file = join(dir, 'pki', 'encryption-config.yaml');
      assert.equal(await writeDefaultEncryptionConfig(file), file);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const text = await readFile(file, 'utf8');
      const secret = /secret: (\S+)/.exec(text)?.[1] ?? '';
      assert.equal(Buffer.from(secret, 'base64').length, 32);
      assert.match(text, /- name: key1\n/);
      assert.match(text, /- identity: \{\}\n$/);

      const rt = await loadEncryptionConfig(file);
      const stored = rt.transformerFor('secrets', '').toStorage(PLAINTEXT, KEY);
      assert.ok(Buffer.from(stored).toString('latin1').startsWith('k8s:enc:secretbox:v1:key1:'));
      assert.deepEqual(rt.transformerFor('secrets', '').fromStorage(PLAINTEXT, KEY), { data: PLAINTEXT, stale: true });
      assert.deepEqual(Buffer.from(rt.transformerFor('configmaps', '').toStorage(PLAINTEXT, KEY)), PLAINTEXT);

      // An existing file is left alone: it may hold the only copy of the key in use.
      assert.equal(await writeDefaultEncryptionConfig(file), file);
      assert.equal(await readFile(file, 'utf8'), text);
      const other = join(dir, 'other.yaml');
      await writeDefaultEncryptionConfig(other);
      assert.notEqual(await readFile(other, 'utf8'), text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('compatibility with kube-apiserver', () => {
  // Values written by Go exactly as aes.go and secretbox.go write them (key 32 bytes
  // of 0x01; GCM nonce 12 × 0x02; CBC IV 16 × 0x03), with the prefix config.go adds.
  const goGCM = '6b38733a656e633a61657367636d3a76313a6b6579313a0202020202020202020202027cf4a2202433e3c7f19fd9ab2ec2b6908e97b09f82e7e803aeee8f955ac15609465d3215000ad78e234f2688bd1d2759c414b3b28560ff55fa619f900d5520ef0794f081c3e8274a153229d995701c03765b79452adc55a7bc0636bb3d33a26333372866027416d0b6102d385aa18faa4f21a86c74182577fd6d17f370036fd49bb39f2696';
  const goCBC = '6b38733a656e633a6165736362633a76313a6b6579313a030303030303030303030303030303035d8f6f8460b3e20f6d80f224f7996f49b31d4f9849683a7533f7c0332414f19ea5a0e8be1ab0561b813208884e76d3f80ba22db669840f2d06563c2f6c8ae9ac92313cb3d31a0f7db45b60f3661b29b9eea549d0fca6544235f13221712499ec7a8a917b81cdbba3000f4b35c4159219dbeb0e86c5f6ee14425784cf7146bd95';
  const goKey = b64(Buffer.alloc(32, 1));

  it('reads aesgcm and aescbc values Go wrote', () => {
    assert.deepEqual(secrets(keyed('aesgcm', ['key1', goKey])).fromStorage(Buffer.from(goGCM, 'hex'), KEY), { data: PLAINTEXT, stale: false });
    assert.deepEqual(secrets(keyed('aescbc', ['key1', goKey])).fromStorage(Buffer.from(goCBC, 'hex'), KEY), { data: PLAINTEXT, stale: false });
  });

  it('reads values built by hand from the documented layout', () => {
    const key = randomBytes(32);
    // aescbc: prefix | IV | AES-256-CBC(plaintext | PKCS#7)
    const iv = randomBytes(16);
    const cbc = createCipheriv('aes-256-cbc', key, iv); // OpenSSL pads with PKCS#7 too
    const cbcValue = Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:mykey:'), iv, cbc.update(PLAINTEXT), cbc.final()]);
    assert.deepEqual(Buffer.from(secrets(keyed('aescbc', ['mykey', b64(key)])).fromStorage(cbcValue, KEY).data), PLAINTEXT);
    // aesgcm: prefix | nonce | ciphertext | tag, the etcd key as AAD
    const nonce = randomBytes(12);
    const gcm = createCipheriv('aes-256-gcm', key, nonce).setAAD(Buffer.from(KEY));
    const body = Buffer.concat([gcm.update(PLAINTEXT), gcm.final()]);
    const gcmValue = Buffer.concat([Buffer.from('k8s:enc:aesgcm:v1:mykey:'), nonce, body, gcm.getAuthTag()]);
    assert.deepEqual(Buffer.from(secrets(keyed('aesgcm', ['mykey', b64(key)])).fromStorage(gcmValue, KEY).data), PLAINTEXT);
  });

  it('reads a secretbox value made by NaCl (the vector of golang.org/x/crypto/nacl/secretbox)', () => {
    // key 32 × 0x01, nonce 24 × 0x02, message 64 × 0x03; the box is tag | ciphertext.
    const box = Buffer.from('8442bc313f4626f1359e3b50122b6ce6fe66ddfe7d39d14e637eb4fd5b45beadab55198df6ab5368439792a23c87db70acb6156dc5ef957ac04f6276cf6093b84be77ff0849cc33e34b7254d5a8f65ad', 'hex');
    const value = Buffer.concat([Buffer.from('k8s:enc:secretbox:v1:key1:'), Buffer.alloc(24, 2), box]);
    assert.deepEqual(secrets(keyed('secretbox', ['key1', goKey])).fromStorage(value, KEY), { data: Buffer.alloc(64, 3), stale: false });
  });
});
