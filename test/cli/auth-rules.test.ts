// Pure rules behind `auth can-i --list` (kubectl/pkg/util/rbac) and `config set|unset`
// (kubectl's navigation steps), and the -v header masking.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayRules, ruleCells } from '../../kubectl/policy-rules.js';
import { modifyProperty, parsePropertyPath, PropertyError } from '../../kubectl/kubeconfig-properties.js';
import { canonicalHeader, klogLine, maskHeader } from '../../kubectl/verbose-log.js';

test('rules are broken down, compacted by resource and sorted by their Go string', () => {
  const rows = displayRules([
    { verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['pods', 'deployments/scale'] },
    { verbs: ['watch'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['get'], nonResourceURLs: ['/healthz', '/api'] },
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  ]).map(ruleCells);
  assert.deepEqual(rows, [
    // "[get list watch]" sorts before "[get list]" (' ' < ']'), the core group before apps.
    ['*.*', '[]', '[]', '[*]'],
    ['pods', '[]', '[]', '[get list watch]'],
    ['deployments/scale', '[]', '[]', '[get list]'],
    ['deployments.apps/scale', '[]', '[]', '[get list]'],
    ['pods.apps', '[]', '[]', '[get list]'],
    ['', '[/api]', '[]', '[get]'],
    ['', '[/healthz]', '[]', '[get]'],
  ]);
});

test('property paths: names with dots run to the next field; kubectl\'s errors', () => {
  assert.deepEqual(parsePropertyPath('clusters.10.0.0.1.server').map((s) => s.value), ['clusters', '10.0.0.1', 'server']);
  assert.deepEqual(parsePropertyPath('clusters.c1.foo').map((s) => s.value), ['clusters', 'c1.foo']);
  assert.throws(() => parsePropertyPath('nope.x'), new PropertyError('unable to parse nope.x after [] at api.Config'));
  assert.throws(() => parsePropertyPath('current-context.x'), /unable to parse one or more field values of current-context.x/);
  const doc: Record<string, unknown> = { clusters: [{ name: 'a', cluster: { server: 's' } }] };
  modifyProperty(doc, parsePropertyPath('clusters.a.insecure-skip-tls-verify'), 'true');
  modifyProperty(doc, parsePropertyPath('users.u.client-key-data'), 'raw', true);
  assert.deepEqual(doc, {
    clusters: [{ name: 'a', cluster: { server: 's', 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { 'client-key-data': Buffer.from('raw').toString('base64') } }],
  });
  assert.throws(() => modifyProperty(doc, parsePropertyPath('clusters.b.server'), undefined), /current map key `b` is invalid/);
  assert.throws(() => modifyProperty(doc, parsePropertyPath('users.u.token-x'), 'v'), /can't set a map to a value/);
  modifyProperty(doc, parsePropertyPath('clusters.a'), undefined);
  assert.deepEqual(doc.clusters, []);
});

test('-v lines: klog header, canonical header names, credentials masked', () => {
  assert.equal(klogLine('x.go:1', 'hi', new Date(2026, 0, 2, 3, 4, 5, 6), 42), 'I0102 03:04:05.006000      42 x.go:1] hi\n');
  assert.equal(canonicalHeader('impersonate-user'), 'Impersonate-User');
  assert.equal(maskHeader('authorization', 'Bearer abc'), 'Bearer <masked>');
  assert.equal(maskHeader('Authorization', 'Basic dXNlcg=='), 'Basic <masked>');
  assert.equal(maskHeader('accept', 'application/json'), 'application/json');
});
