// The decisions of the controllers that set up namespaces and identities, without I/O:
// the service accounts controller (default in every active namespace), the root CA
// certificate publisher (kube-root-ca.crt, its flag and CA sources), ClusterRole
// aggregation, and the bootstrap token cleaner (expiration, requeue at the moment a
// token expires, the delete's preconditions). Each controller's reconcile runs over
// filled caches with a client that records what it is asked
// (sample-controller's controller_test.go).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { alreadyExists, conflict, forbiddenObject, internalError, notFound, serviceUnavailable, StatusError } from '../../api/errors.js';
import type { ConfigMap, Namespace, Secret, ServiceAccount } from '../../api/types/core.js';
import type { KubeObject, Preconditions } from '../../api/types/meta.js';
import type { ClusterRole, PolicyRule } from '../../api/types/rbac.js';
import { loadOrCreateServingCerts } from '../../apiserver/tls.js';
import { FakeClock } from '../../client/clock.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { aggregatedRules, ClusterRoleAggregationController, type ClusterRoleWriter } from '../../controller-manager/clusterrole-aggregation/controller.js';
import { CONTROLLERS, enabledControllers } from '../../controller-manager/controllers.js';
import { ControllerOptions } from '../../controller-manager/options.js';
import {
  CA_KEY, configMapToWrite, DESCRIPTION, DESCRIPTION_ANNOTATION, ROOT_CA_CONFIGMAP, RootCACertPublisher,
} from '../../controller-manager/root-ca-cert-publisher/controller.js';
import { checkCertsPEM, readCA, rootCACertPublisherDescriptor, rootCAFor } from '../../controller-manager/root-ca-cert-publisher/index.js';
import { missingServiceAccounts, ServiceAccountsController } from '../../controller-manager/serviceaccount/controller.js';
import { TokenCleaner, tokenExpiration } from '../../controller-manager/token-cleaner/controller.js';
import { FakeCache } from '../harness/fake-cache.js';

const silent = pino({ level: 'silent' });

/** Every key waiting in queue, in order, each marked done. */
async function drain(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.length) {
    const key = await queue.get() as string;
    keys.push(key);
    queue.done(key);
  }
  return keys;
}

const namespace = (name: string, phase = 'Active'): Namespace => ({
  apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: `uid-${name}`, resourceVersion: '1' }, status: { phase },
});

const terminatingError = (resource: string, name: string, ns: string): StatusError => {
  const why = `unable to create new content in namespace ${ns} because it is being terminated`;
  return forbiddenObject({ group: '', resource }, name, why, [{ reason: 'NamespaceTerminating', message: why, field: 'metadata.namespace' }]);
};

interface Call { verb: string; namespace: string; obj?: KubeObject; name?: string; preconditions?: Preconditions }

/** A client that records create/update calls and answers with the object or the next queued error. */
function recordingClient<T extends KubeObject>(): { calls: Call[]; fail: unknown[]; create(ns: string, obj: T | KubeObject): Promise<T>; update(ns: string, obj: T): Promise<T> } {
  const calls: Call[] = [];
  const fail: unknown[] = [];
  const answer = (call: Call): Promise<T> => {
    calls.push(call);
    const err = fail.shift();
    return err ? Promise.reject(err) : Promise.resolve(structuredClone(call.obj) as T);
  };
  return {
    calls, fail,
    create: (ns, obj) => answer({ verb: 'create', namespace: ns, obj: structuredClone(obj) }),
    update: (ns, obj) => answer({ verb: 'update', namespace: ns, obj: structuredClone(obj) }),
  };
}

describe('controller names', () => {
  it('uses kube-controller-manager\'s names and aliases; all four are on by default', () => {
    const names = enabledControllers(['*']).map((d) => d.name);
    for (const name of ['serviceaccount-controller', 'root-ca-certificate-publisher-controller', 'clusterrole-aggregation-controller', 'token-cleaner-controller']) {
      assert.ok(names.includes(name), name);
    }
    const byAlias = (alias: string): string[] => enabledControllers([alias]).map((d) => d.name);
    assert.deepEqual(byAlias('serviceaccount'), ['serviceaccount-controller']);
    assert.deepEqual(byAlias('root-ca-cert-publisher'), ['root-ca-certificate-publisher-controller']);
    assert.deepEqual(byAlias('clusterrole-aggregation'), ['clusterrole-aggregation-controller']);
    assert.deepEqual(byAlias('tokencleaner'), ['token-cleaner-controller']);
    assert.ok(!enabledControllers(['*', '-tokencleaner']).some((d) => d.name === 'token-cleaner-controller'));
    // Flags are registered once each.
    const flags = CONTROLLERS.flatMap((c) => c.flags.map((f) => f.name));
    assert.equal(flags.filter((f) => f === 'root-ca-file').length, 1);
  });
});

// ---------------------------------------------------------------- service accounts

describe('serviceaccount-controller', () => {
  it('missingServiceAccounts: an active namespace lacks what does not exist; a terminating or unknown one lacks nothing', () => {
    const none = (): boolean => false;
    assert.deepEqual(missingServiceAccounts(namespace('a'), ['default'], none), ['default']);
    assert.deepEqual(missingServiceAccounts(namespace('a'), ['default'], (n) => n === 'default'), []);
    assert.deepEqual(missingServiceAccounts(namespace('a', 'Terminating'), ['default'], none), []);
    assert.deepEqual(missingServiceAccounts({ ...namespace('a'), status: {} }, ['default'], none), []);
    assert.deepEqual(missingServiceAccounts(undefined, ['default'], none), []);
  });

  function setup(): { nss: FakeCache<Namespace>; sas: FakeCache<ServiceAccount>; client: ReturnType<typeof recordingClient<ServiceAccount>>; c: ServiceAccountsController } {
    const nss = new FakeCache<Namespace>();
    const sas = new FakeCache<ServiceAccount>();
    const client = recordingClient<ServiceAccount>();
    const c = new ServiceAccountsController({ namespaces: nss, serviceAccounts: sas, client, clock: new FakeClock(), log: silent });
    return { nss, sas, client, c };
  }

  it('a namespace added or updated is queued and gets default; one that has it gets nothing', async () => {
    const { nss, sas, client, c } = setup();
    nss.add(namespace('web'));
    nss.add(namespace('db'));
    sas.fill({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'db' } });
    assert.deepEqual(await drain(c.queue), ['web', 'db']);
    await c.syncNamespace('web');
    await c.syncNamespace('db');
    assert.deepEqual(client.calls, [{ verb: 'create', namespace: 'web', obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'web' } } }]);
    nss.update({ ...namespace('web'), metadata: { ...namespace('web').metadata, labels: { a: 'b' }, resourceVersion: '2' } });
    assert.deepEqual(await drain(c.queue), ['web']);
  });

  it('deleting default queues its namespace; deleting another account does not', async () => {
    const { sas, c } = setup();
    sas.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'web' } });
    sas.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'ci' } });
    assert.deepEqual(await drain(c.queue), []);
    sas.remove('ci/builder');
    sas.remove('web/default');
    assert.deepEqual(await drain(c.queue), ['web']);
  });

  it('a terminating namespace gets nothing; AlreadyExists and NamespaceTerminating on create are done; other errors fail the sync', async () => {
    const { nss, client, c } = setup();
    nss.fill(namespace('old', 'Terminating'), namespace('web'));
    await c.syncNamespace('old');
    await c.syncNamespace('gone');
    assert.equal(client.calls.length, 0);
    client.fail.push(alreadyExists({ group: '', resource: 'serviceaccounts' }, 'default'));
    await c.syncNamespace('web');
    client.fail.push(terminatingError('serviceaccounts', 'default', 'web'));
    await c.syncNamespace('web');
    client.fail.push(internalError('boom'));
    await assert.rejects(c.syncNamespace('web'), /boom/);
    assert.equal(client.calls.length, 3);
  });
});

// ---------------------------------------------------------------- root CA publisher

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const rootCM = (o: { data?: Record<string, string>; annotations?: Record<string, string>; labels?: Record<string, string> } = {}): ConfigMap => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: ROOT_CA_CONFIGMAP, namespace: 'web', uid: 'uid-cm', resourceVersion: '5', annotations: o.annotations ?? { [DESCRIPTION_ANNOTATION]: DESCRIPTION }, labels: o.labels },
  data: o.data ?? { [CA_KEY]: CA },
});

describe('root-ca-certificate-publisher-controller', () => {
  it('configMapToWrite: creates a missing one with data and description', () => {
    assert.deepEqual(configMapToWrite(namespace('web'), undefined, CA), {
      verb: 'create',
      configMap: {
        apiVersion: 'v1', kind: 'ConfigMap',
        metadata: { name: 'kube-root-ca.crt', namespace: 'web', annotations: { 'kubernetes.io/description': DESCRIPTION } },
        data: { 'ca.crt': CA },
      },
    });
    assert.equal(DESCRIPTION, 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.');
  });

  it('configMapToWrite: nothing when data matches and a description is there; an update otherwise, keeping other metadata', () => {
    assert.equal(configMapToWrite(namespace('web'), rootCM(), CA), undefined);
    // Any description will do, as Kubernetes checks only that it is not empty.
    assert.equal(configMapToWrite(namespace('web'), rootCM({ annotations: { [DESCRIPTION_ANNOTATION]: 'mine' } }), CA), undefined);
    for (const current of [
      rootCM({ data: { [CA_KEY]: 'tampered' } }),
      rootCM({ data: { [CA_KEY]: CA, extra: 'x' } }),
      rootCM({ data: {} }),
      rootCM({ annotations: { other: 'kept' } }),
      rootCM({ annotations: { [DESCRIPTION_ANNOTATION]: '' } }),
    ]) {
      const cached = structuredClone(current);
      const write = configMapToWrite(namespace('web'), current, CA);
      assert.equal(write?.verb, 'update');
      assert.deepEqual(write?.configMap.data, { [CA_KEY]: CA });
      assert.equal(write?.configMap.metadata.annotations?.[DESCRIPTION_ANNOTATION], DESCRIPTION);
      assert.equal(write?.configMap.metadata.resourceVersion, '5');
      assert.deepEqual(current, cached, 'the cached object is not changed');
    }
    const kept = configMapToWrite(namespace('web'), rootCM({ annotations: { other: 'kept' }, labels: { l: 'v' }, data: {} }), CA);
    assert.deepEqual(kept?.configMap.metadata.annotations, { other: 'kept', [DESCRIPTION_ANNOTATION]: DESCRIPTION });
    assert.deepEqual(kept?.configMap.metadata.labels, { l: 'v' });
  });

  it('configMapToWrite: nothing for a terminating or unknown namespace', () => {
    assert.equal(configMapToWrite(namespace('web', 'Terminating'), undefined, CA), undefined);
    assert.equal(configMapToWrite(undefined, undefined, CA), undefined);
  });

  it('queues the namespace on its kube-root-ca.crt changing or going, and on namespaces added or Active', async () => {
    const nss = new FakeCache<Namespace>();
    const cms = new FakeCache<ConfigMap>();
    const client = recordingClient<ConfigMap>();
    const c = new RootCACertPublisher({ namespaces: nss, configMaps: cms, client, rootCA: CA, clock: new FakeClock(), log: silent });
    nss.add(namespace('web'));
    nss.update(namespace('old', 'Terminating'));
    cms.add(rootCM());
    cms.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'ci' } });
    assert.deepEqual(await drain(c.queue), ['web']);
    cms.update(rootCM({ data: { [CA_KEY]: 'x' } }));
    cms.update({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'ci', resourceVersion: '2' } });
    assert.deepEqual(await drain(c.queue), ['web']);
    cms.remove(rootCM());
    cms.remove('ci/other');
    assert.deepEqual(await drain(c.queue), ['web']);
  });

  it('syncNamespace creates, updates, and drops creates refused for a namespace gone or terminating', async () => {
    const nss = new FakeCache<Namespace>();
    const cms = new FakeCache<ConfigMap>();
    const client = recordingClient<ConfigMap>();
    const c = new RootCACertPublisher({ namespaces: nss, configMaps: cms, client, rootCA: CA, clock: new FakeClock(), log: silent });
    nss.fill(namespace('web'), namespace('new'));
    cms.fill(rootCM({ data: { [CA_KEY]: 'tampered' } }));
    await c.syncNamespace('web');
    await c.syncNamespace('new');
    assert.deepEqual(client.calls.map((x) => [x.verb, x.namespace, (x.obj as ConfigMap).data]), [
      ['update', 'web', { [CA_KEY]: CA }],
      ['create', 'new', { [CA_KEY]: CA }],
    ]);
    client.fail.push(notFound({ group: '', resource: 'namespaces' }, 'new'));
    await c.syncNamespace('new');
    client.fail.push(terminatingError('configmaps', ROOT_CA_CONFIGMAP, 'new'));
    await c.syncNamespace('new');
    client.fail.push(alreadyExists({ group: '', resource: 'configmaps' }, ROOT_CA_CONFIGMAP));
    await assert.rejects(c.syncNamespace('new'), (err: unknown) => err instanceof StatusError && err.code === 409);
  });

  describe('the CA bundle', () => {
    let dir: string;
    let pem: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tskube-rootca-'));
      pem = (await loadOrCreateServingCerts(join(dir, 'pki'), ['127.0.0.1'])).ca;
      await writeFile(join(dir, 'ca.crt'), pem);
      await writeFile(join(dir, 'bad.crt'), 'not a certificate\n');
      await writeFile(join(dir, 'garbled.crt'), CA);
    });
    after(async () => { await rm(dir, { recursive: true, force: true }); });

    const opts = (file = ''): ControllerOptions => ControllerOptions.from(rootCACertPublisherDescriptor.flags, file ? { 'root-ca-file': file } : {});

    it('--root-ca-file wins; else the kubeconfig CA; else none', () => {
      assert.deepEqual(rootCAFor(opts(join(dir, 'ca.crt')), Buffer.from('kubeconfig-ca')), { pem, source: join(dir, 'ca.crt') });
      assert.deepEqual(rootCAFor(opts(), Buffer.from(pem)), { pem, source: 'kubeconfig' });
      assert.equal(rootCAFor(opts(), undefined), undefined);
      assert.equal(rootCAFor(opts(), Buffer.alloc(0)), undefined);
    });

    it('a --root-ca-file that is missing or holds no certificate stops the start with Kubernetes\' message', () => {
      checkCertsPEM(pem);
      assert.equal(readCA(join(dir, 'ca.crt')), pem);
      assert.throws(() => rootCACertPublisherDescriptor.validate?.(opts(join(dir, 'bad.crt'))),
        { message: `error parsing root-ca-file at ${join(dir, 'bad.crt')}: data does not contain any valid RSA or ECDSA certificates` });
      assert.throws(() => rootCACertPublisherDescriptor.validate?.(opts(join(dir, 'garbled.crt'))), /^Error: error parsing root-ca-file at /);
      assert.throws(() => rootCACertPublisherDescriptor.validate?.(opts(join(dir, 'missing.crt'))), /error parsing root-ca-file at .*missing\.crt: ENOENT/);
      rootCACertPublisherDescriptor.validate?.(opts());
    });
  });
});

// ---------------------------------------------------------------- ClusterRole aggregation

const rule = (resource: string, verbs = ['get']): PolicyRule => ({ verbs, apiGroups: [''], resources: [resource] });

function clusterRole(name: string, o: { labels?: Record<string, string>; rules?: PolicyRule[] | null; selectors?: Record<string, string>[] } = {}): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '3', labels: o.labels },
    ...(o.rules !== undefined ? { rules: o.rules } : {}),
    ...(o.selectors ? { aggregationRule: { clusterRoleSelectors: o.selectors.map((matchLabels) => ({ matchLabels })) } } : {}),
  };
}

describe('clusterrole-aggregation-controller', () => {
  const SEL = { 'rbac.example.com/aggregate-to-monitor': 'true' };

  it('aggregatedRules: the selected roles\' rules in name order, each once, itself excluded; nothing when equal or not aggregating', () => {
    const target = clusterRole('monitor', { selectors: [SEL], labels: SEL, rules: [rule('stale')] });
    const all = [
      target,
      clusterRole('b-pods', { labels: SEL, rules: [rule('pods'), rule('services')] }),
      clusterRole('a-nodes', { labels: SEL, rules: [rule('nodes'), rule('pods')] }),
      clusterRole('unlabelled', { rules: [rule('secrets')] }),
    ];
    const write = aggregatedRules(target, all);
    assert.deepEqual(write, { rules: [rule('nodes'), rule('pods'), rule('services')] });
    assert.deepEqual(target.rules, [rule('stale')], 'the cached role is not changed');
    assert.equal(aggregatedRules({ ...target, rules: write?.rules }, all), undefined);
    assert.equal(aggregatedRules(clusterRole('plain', { rules: [rule('x')] }), all), undefined);
  });

  it('aggregatedRules: nothing selected clears the rules (null); missing and empty rules are equal', () => {
    const lonely = clusterRole('monitor', { selectors: [{ none: 'matches' }], rules: [rule('pods')] });
    assert.deepEqual(aggregatedRules(lonely, [lonely]), { rules: null });
    assert.equal(aggregatedRules(clusterRole('monitor', { selectors: [{ none: 'matches' }] }), []), undefined);
    assert.equal(aggregatedRules(clusterRole('monitor', { selectors: [{ none: 'matches' }], rules: [] }), []), undefined);
    assert.equal(aggregatedRules(clusterRole('monitor', { selectors: [{ none: 'matches' }], rules: null }), []), undefined);
  });

  it('any ClusterRole change queues every aggregating role; a sync merge-patches rules only when they differ', async () => {
    const roles = new FakeCache<ClusterRole>();
    const patches: unknown[][] = [];
    const fail: unknown[] = [];
    const client = {
      patch: async (namespace: string, name: string, type: string, patch: unknown, o: unknown): Promise<ClusterRole> => {
        patches.push([namespace, name, type, structuredClone(patch), o]);
        const err = fail.shift();
        if (err) throw err;
        return clusterRole(name);
      },
    } as unknown as ClusterRoleWriter;
    const c = new ClusterRoleAggregationController({ clusterRoles: roles, client, clock: new FakeClock(), log: silent });
    roles.fill(clusterRole('monitor', { selectors: [SEL] }), clusterRole('admin', { selectors: [{ x: 'y' }] }));
    roles.add(clusterRole('pods-reader', { rules: [rule('pods')] }));
    assert.deepEqual((await drain(c.queue)).sort(), ['admin', 'monitor']);
    await c.syncClusterRole('monitor');
    await c.syncClusterRole('admin');
    await c.syncClusterRole('deleted');
    assert.equal(patches.length, 0);

    roles.update(clusterRole('pods-reader', { labels: SEL, rules: [rule('pods')] }));
    assert.deepEqual((await drain(c.queue)).sort(), ['admin', 'monitor']);
    await c.syncClusterRole('monitor');
    assert.deepEqual(patches, [['', 'monitor', 'merge', { rules: [rule('pods')] }, { fieldManager: 'clusterrole-aggregation-controller' }]]);

    roles.remove('pods-reader');
    assert.deepEqual((await drain(c.queue)).sort(), ['admin', 'monitor']);
    roles.fill(clusterRole('monitor', { selectors: [SEL], rules: [rule('pods')] }));
    fail.push(serviceUnavailable('etcd down'));
    await assert.rejects(c.syncClusterRole('monitor'), /etcd down/);
    assert.deepEqual(patches[1].slice(0, 4), ['', 'monitor', 'merge', { rules: null }]);
  });
});

// ---------------------------------------------------------------- token cleaner

const T0 = Date.UTC(2026, 0, 1);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function token(id: string, expiration?: string, o: { namespace?: string; type?: string } = {}): Secret {
  return {
    apiVersion: 'v1', kind: 'Secret', type: o.type ?? 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: o.namespace ?? 'kube-system', uid: `uid-${id}`, resourceVersion: '7' },
    data: { 'token-id': b64(id), 'token-secret': b64('0123456789abcdef'), ...(expiration !== undefined ? { expiration: b64(expiration) } : {}) },
  };
}

describe('token-cleaner-controller', () => {
  it('tokenExpiration: time left, expired at or after the moment, malformed counts as expired, none never expires', () => {
    assert.deepEqual(tokenExpiration(token('abcdef', '2026-01-01T00:00:10Z'), T0 + 4000), { ttlMs: 6000, expired: false });
    assert.deepEqual(tokenExpiration(token('abcdef', '2026-01-01T00:00:10Z'), T0 + 10_000), { ttlMs: 0, expired: true });
    assert.deepEqual(tokenExpiration(token('abcdef', '2026-01-01T00:00:10Z'), T0 + 60_000), { ttlMs: 0, expired: true });
    assert.deepEqual(tokenExpiration(token('abcdef', '2026-01-01T01:00:10+01:00'), T0 + 4000), { ttlMs: 6000, expired: false });
    assert.deepEqual(tokenExpiration(token('abcdef', '2026-01-01T00:00:10.5Z'), T0 + 10_000), { ttlMs: 500, expired: false });
    assert.deepEqual(tokenExpiration(token('abcdef', 'tomorrow'), T0), { ttlMs: 0, expired: true });
    assert.deepEqual(tokenExpiration(token('abcdef', '2026-01-01 00:00:10'), T0), { ttlMs: 0, expired: true });
    assert.deepEqual(tokenExpiration(token('abcdef'), T0), { ttlMs: 0, expired: false });
    assert.deepEqual(tokenExpiration(token('abcdef', ''), T0), { ttlMs: 0, expired: false });
  });

  function setup(): { secrets: FakeCache<Secret>; clock: FakeClock; deletes: Call[]; fail: unknown[]; c: TokenCleaner } {
    const secrets = new FakeCache<Secret>();
    const clock = new FakeClock(T0);
    const deletes: Call[] = [];
    const fail: unknown[] = [];
    const client = {
      deleteSecret: async (namespace: string, name: string, preconditions: Preconditions): Promise<void> => {
        deletes.push({ verb: 'delete', namespace, name, preconditions });
        const err = fail.shift();
        if (err) throw err;
      },
    };
    return { secrets, clock, deletes, fail, c: new TokenCleaner({ secrets, client, clock, log: silent }) };
  }

  it('queues only bootstrap token Secrets of kube-system, on add and update', async () => {
    const { secrets, c } = setup();
    secrets.add(token('aaaaaa', '2026-01-01T00:00:10Z'));
    secrets.add(token('bbbbbb', '2025-01-01T00:00:00Z', { namespace: 'default' }));
    secrets.add(token('cccccc', '2025-01-01T00:00:00Z', { type: 'Opaque' }));
    secrets.update({ ...token('aaaaaa', '2026-01-01T00:00:20Z'), metadata: { ...token('aaaaaa').metadata, resourceVersion: '8' } });
    assert.deepEqual(await drain(c.queue), ['kube-system/bootstrap-token-aaaaaa']);
  });

  it('deletes an expired token with its uid and resourceVersion as preconditions; NotFound and Conflict are done', async () => {
    const { secrets, deletes, fail, c } = setup();
    secrets.fill(token('expird', '2025-12-31T23:59:59Z'), token('nodate'), token('opaque', '2025-01-01T00:00:00Z', { type: 'Opaque' }));
    await c.syncSecret('kube-system/bootstrap-token-expird');
    await c.syncSecret('kube-system/bootstrap-token-nodate');
    await c.syncSecret('kube-system/bootstrap-token-opaque');
    await c.syncSecret('kube-system/bootstrap-token-gone00');
    assert.deepEqual(deletes, [{ verb: 'delete', namespace: 'kube-system', name: 'bootstrap-token-expird', preconditions: { uid: 'uid-expird', resourceVersion: '7' } }]);
    assert.equal(c.queue.length, 0);
    fail.push(notFound({ group: '', resource: 'secrets' }, 'bootstrap-token-expird'));
    await c.syncSecret('kube-system/bootstrap-token-expird');
    fail.push(conflict({ group: '', resource: 'secrets' }, 'bootstrap-token-expird', 'Precondition failed: UID in precondition: uid-expird, UID in object meta: other'));
    await c.syncSecret('kube-system/bootstrap-token-expird');
    fail.push(serviceUnavailable('etcd down'));
    await assert.rejects(c.syncSecret('kube-system/bootstrap-token-expird'), /etcd down/);
  });

  it('an unexpired token comes back exactly when it expires, and is deleted then', async () => {
    const { secrets, clock, deletes, c } = setup();
    secrets.fill(token('later0', '2026-01-01T00:00:10Z'));
    await c.syncSecret('kube-system/bootstrap-token-later0');
    assert.equal(deletes.length, 0);
    assert.equal(c.queue.length, 0);
    clock.step(9999);
    assert.equal(c.queue.length, 0, 'not before it expires');
    clock.step(1);
    assert.deepEqual(await drain(c.queue), ['kube-system/bootstrap-token-later0']);
    await c.syncSecret('kube-system/bootstrap-token-later0');
    assert.deepEqual(deletes.map((d) => d.name), ['bootstrap-token-later0']);
  });
});
