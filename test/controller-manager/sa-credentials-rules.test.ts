// --use-service-account-credentials without an apiserver: the token a controller acts
// with (its ServiceAccount made when missing, a TokenRequest of 3600 s, replaced from
// 80% of its lifetime in the background, failed refreshes retried with backoff while
// the old token is valid, dropped on a 401), on a FakeClock with a client that records
// what it is asked; the RestClient's tokenSource against a local HTTP server; which
// ServiceAccount each controller acts as; and what the client builders hand out.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { alreadyExists, forbidden, notFound, StatusError } from '../../api/errors.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { TokenRequest } from '../../api/types/authentication.js';
import type { ServiceAccount } from '../../api/types/core.js';
import { FakeClock } from '../../client/clock.js';
import { RestClient, type TokenSource } from '../../client/rest-client.js';
import { anonymousClientConfig, RootClientBuilder, ServiceAccountClientBuilder } from '../../controller-manager/client-builder.js';
import { CONTROLLERS } from '../../controller-manager/controllers.js';
import {
  getOrCreateServiceAccount, ServiceAccountTokenSource, tokenTimes, type ServiceAccountTokenClient,
} from '../../controller-manager/service-account-token.js';

const silent = pino({ level: 'silent' });
const S = 1000;
const MIN = 60 * S;

/** Lets every settled promise's handlers run (the fake client answers at once). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface FakeTokenClient extends ServiceAccountTokenClient {
  calls: string[];
  /** Service accounts that exist, by name. */
  accounts: Set<string>;
  /** Errors the next token requests fail with, in order. */
  tokenFailures: unknown[];
  /** Lifetime of the tokens answered (ms); the expiry is the clock's now plus this. */
  lifetimeMs: number;
}

/** A client answering from memory; tokens are "token-1", "token-2", ... */
function fakeClient(clock: FakeClock): FakeTokenClient {
  let issued = 0;
  const sa = (name: string): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'kube-system' } });
  const c: FakeTokenClient = {
    calls: [], accounts: new Set(), tokenFailures: [], lifetimeMs: 3600 * S,
    async getServiceAccount(namespace, name) {
      c.calls.push(`get ${namespace}/${name}`);
      if (!c.accounts.has(name)) throw notFound({ group: '', resource: 'serviceaccounts' }, name);
      return sa(name);
    },
    async createServiceAccount(namespace, name) {
      c.calls.push(`create ${namespace}/${name}`);
      if (c.accounts.has(name)) throw alreadyExists({ group: '', resource: 'serviceaccounts' }, name);
      c.accounts.add(name);
      return sa(name);
    },
    async requestToken(namespace, name, expirationSeconds): Promise<TokenRequest> {
      c.calls.push(`token ${namespace}/${name} ${expirationSeconds}s`);
      const failure = c.tokenFailures.shift();
      if (failure) throw failure;
      return {
        apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name },
        spec: { expirationSeconds }, status: { token: `token-${++issued}`, expirationTimestamp: rfc3339(clock.now() + c.lifetimeMs) },
      };
    },
  };
  return c;
}

function source(clock: FakeClock, client: FakeTokenClient): ServiceAccountTokenSource {
  return new ServiceAccountTokenSource({ namespace: 'kube-system', name: 'replicaset-controller', client, clock, log: silent });
}

const unavailable = (): StatusError => new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'etcd is gone' });

describe('tokenTimes', () => {
  it('replaces a token from 80% of its lifetime, 10 s early, and uses it until it expires', () => {
    assert.deepEqual(tokenTimes(0, 3600 * S), { refreshAt: 2870 * S, validUntil: 3600 * S });
    assert.deepEqual(tokenTimes(1000, 1000 + 20 * MIN), { refreshAt: 1000 + 950 * S, validUntil: 1000 + 20 * MIN });
  });
  it('takes a token seeming to live less than 10 min for a 10 min one (clock skew)', () => {
    assert.deepEqual(tokenTimes(0, 5 * MIN), { refreshAt: 470 * S, validUntil: 10 * MIN });
    assert.deepEqual(tokenTimes(10 * MIN, 0), { refreshAt: 10 * MIN + 470 * S, validUntil: 20 * MIN });
  });
});

describe('getOrCreateServiceAccount', () => {
  it('reads an existing account, creates a missing one, and reads one created meanwhile', async () => {
    const c = fakeClient(new FakeClock());
    c.accounts.add('a');
    await getOrCreateServiceAccount(c, 'kube-system', 'a');
    await getOrCreateServiceAccount(c, 'kube-system', 'b');
    assert.deepEqual(c.calls, ['get kube-system/a', 'get kube-system/b', 'create kube-system/b']);
    c.calls.length = 0;
    // Another manager creates it between the get and the create.
    const racing: ServiceAccountTokenClient = {
      ...c,
      getServiceAccount: async (ns, name) => {
        const r = await c.getServiceAccount(ns, name).catch((err: unknown) => {
          c.accounts.add(name);
          throw err;
        });
        return r;
      },
    };
    const sa = await getOrCreateServiceAccount(racing, 'kube-system', 'c');
    assert.equal(sa.metadata.name, 'c');
    assert.deepEqual(c.calls, ['get kube-system/c', 'create kube-system/c', 'get kube-system/c']);
  });
  it('fails with any other error', async () => {
    const c = fakeClient(new FakeClock());
    const refusing = { ...c, getServiceAccount: () => Promise.reject(forbidden('no')) };
    await assert.rejects(getOrCreateServiceAccount(refusing, 'kube-system', 'a'), { reason: 'Forbidden' });
  });
});

describe('ServiceAccountTokenSource', () => {
  it('creates the ServiceAccount, asks for a 3600 s token once, and answers it from then on', async () => {
    const clock = new FakeClock();
    const c = fakeClient(clock);
    const ts = source(clock, c);
    const [a, b] = await Promise.all([ts.token(), ts.token()]);
    assert.equal(a, 'token-1');
    assert.equal(b, 'token-1', 'concurrent callers share one request');
    assert.deepEqual(c.calls, ['get kube-system/replicaset-controller', 'create kube-system/replicaset-controller', 'token kube-system/replicaset-controller 3600s']);
    clock.step(2869 * S);
    assert.equal(await ts.token(), 'token-1');
    assert.equal(c.calls.length, 3, 'no request before the refresh is due');
  });

  it('from 80% of the lifetime, refreshes beside the requests, which go on with the old token', async () => {
    const clock = new FakeClock();
    const c = fakeClient(clock);
    const ts = source(clock, c);
    assert.equal(await ts.token(), 'token-1');
    c.calls.length = 0;
    clock.step(2870 * S);
    assert.equal(ts.token(), 'token-1', 'answered at once, without waiting for the refresh');
    assert.equal(ts.token(), 'token-1', 'one refresh at a time');
    await settle();
    assert.deepEqual(c.calls, ['get kube-system/replicaset-controller', 'token kube-system/replicaset-controller 3600s']);
    assert.equal(await ts.token(), 'token-2');
    // The new token's lifetime counts from when it arrived.
    clock.step(2869 * S);
    assert.equal(await ts.token(), 'token-2');
    assert.equal(c.calls.length, 2);
  });

  it('retries a failed refresh with backoff while the old token is valid, and then waits for a new one', async () => {
    const clock = new FakeClock();
    const c = fakeClient(clock);
    const ts = source(clock, c);
    await ts.token();
    clock.step(2870 * S);
    c.calls.length = 0;
    const tokenRequests = (): number => c.calls.filter((x) => x.startsWith('token')).length;
    c.tokenFailures.push(unavailable(), unavailable(), unavailable());
    assert.equal(ts.token(), 'token-1');
    await settle();
    assert.equal(tokenRequests(), 1);
    // The first retry waits 500 ms, the next 1 s.
    clock.step(499);
    assert.equal(ts.token(), 'token-1');
    await settle();
    assert.equal(tokenRequests(), 1);
    clock.step(1);
    assert.equal(ts.token(), 'token-1');
    await settle();
    assert.equal(tokenRequests(), 2);
    clock.step(999);
    ts.token();
    await settle();
    assert.equal(tokenRequests(), 2);
    clock.step(1);
    assert.equal(ts.token(), 'token-1');
    await settle();
    assert.equal(tokenRequests(), 3);
    // The third failure set a 2 s backoff; the token expires meanwhile (at 3600 s).
    clock.step(730 * S - 1500);
    c.tokenFailures.push(unavailable());
    // Expired: the request waits for a new token and fails with why.
    await assert.rejects(Promise.resolve(ts.token()), (err: Error) => {
      assert.ok(!(err instanceof StatusError), 'not a StatusError: the controller retries it');
      assert.match(err.message, /^failed to get token for kube-system\/replicaset-controller: etcd is gone$/);
      return true;
    });
    assert.equal(tokenRequests(), 4);
    // Within the (now 4 s) backoff, requests fail at once without asking again.
    clock.step(3999);
    await assert.rejects(Promise.resolve(ts.token()), /etcd is gone/);
    assert.equal(tokenRequests(), 4);
    clock.step(1);
    assert.equal(await ts.token(), 'token-2');
    assert.equal(tokenRequests(), 5);
    // Success resets the backoff: the next failure waits 500 ms again.
    clock.step(2870 * S);
    c.tokenFailures.push(unavailable());
    ts.token();
    await settle();
    clock.step(500);
    assert.equal(ts.token(), 'token-2');
    await settle();
    assert.equal(await ts.token(), 'token-3');
  });

  it('drops the token held when the apiserver refuses it, not when it refuses an older one', async () => {
    const clock = new FakeClock();
    const c = fakeClient(clock);
    const ts = source(clock, c);
    assert.equal(await ts.token(), 'token-1');
    ts.rejected('token-0');
    assert.equal(await ts.token(), 'token-1');
    ts.rejected('token-1');
    assert.equal(await ts.token(), 'token-2');
    assert.equal(c.calls.filter((x) => x.startsWith('token')).length, 2);
  });

  it('refuses an answer without a token or expiry', async () => {
    const clock = new FakeClock();
    const c = fakeClient(clock);
    const empty = { ...c, requestToken: async (): Promise<TokenRequest> => ({ spec: {}, metadata: {} }) };
    const ts = new ServiceAccountTokenSource({ namespace: 'kube-system', name: 'x', client: empty, clock, log: silent });
    await assert.rejects(Promise.resolve(ts.token()), /failed to get token for kube-system\/x: the apiserver answered the TokenRequest without a token or expirationTimestamp/);
  });

  it('ready() retries on the clock until a token comes, and gives up when its signal aborts', async () => {
    const clock = new FakeClock();
    const c = fakeClient(clock);
    const ts = source(clock, c);
    c.tokenFailures.push(forbidden('no'), forbidden('no'));
    const ac = new AbortController();
    let done: boolean | undefined;
    void ts.ready(ac.signal).then((r) => { done = r; });
    await settle();
    assert.equal(done, undefined);
    clock.step(500);
    await settle();
    assert.equal(done, undefined);
    clock.step(1000);
    await settle();
    assert.equal(done, true);
    assert.equal(c.calls.filter((x) => x.startsWith('token')).length, 3);

    const other = new ServiceAccountTokenSource({ namespace: 'kube-system', name: 'y', client: { ...c, requestToken: () => Promise.reject(forbidden('never')) }, clock, log: silent });
    let gaveUp: boolean | undefined;
    void other.ready(ac.signal).then((r) => { gaveUp = r; });
    await settle();
    ac.abort();
    await settle();
    assert.equal(gaveUp, false);
  });
});

describe('RestClient tokenSource', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  before(async () => {
    // 401 for "old", 200 for anything else.
    server = createServer((req, res) => {
      const auth = req.headers.authorization ?? '';
      seen.push(auth);
      res.setHeader('content-type', 'application/json');
      if (auth === 'Bearer old') {
        res.statusCode = 401;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 401, reason: 'Unauthorized', message: 'Unauthorized' }));
        return;
      }
      res.end('{}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the source\'s token on every request instead of the config\'s, and tells it of a 401', async () => {
    let current = 'old';
    const refused: string[] = [];
    const ts: TokenSource = { token: async () => current, rejected: (t) => { refused.push(t); current = 'new'; } };
    const rest = new RestClient({ server: url, namespace: 'default', token: 'static' }, { tokenSource: ts });
    try {
      await assert.rejects(rest.request({ path: '/api' }), { code: 401 });
      assert.deepEqual(refused, ['old']);
      await rest.request({ path: '/api' });
      // A caller's own Authorization header wins, and a 401 to it is not the source's.
      await assert.rejects(rest.request({ path: '/api', headers: { authorization: 'Bearer old' } }), { code: 401 });
      assert.deepEqual(refused, ['old']);
      assert.deepEqual(seen, ['Bearer old', 'Bearer new', 'Bearer old']);
    } finally {
      await rest.close();
    }
  });

  it('fails the request with the source\'s error', async () => {
    const rest = new RestClient({ server: url, namespace: 'default' }, { tokenSource: { token: () => Promise.reject(new Error('no token')) } });
    try {
      await assert.rejects(rest.request({ path: '/api' }), /no token/);
    } finally {
      await rest.close();
    }
  });
});

describe('controllers\' service accounts', () => {
  it('each controller acts as the ServiceAccount kube-controller-manager gives it', () => {
    const expected: Record<string, string> = {
      'replicaset-controller': 'replicaset-controller',
      'replicationcontroller-controller': 'replication-controller',
      'deployment-controller': 'deployment-controller',
      'disruption-controller': 'disruption-controller',
      'job-controller': 'job-controller',
      'ttl-after-finished-controller': 'ttl-after-finished-controller',
      'daemonset-controller': 'daemon-set-controller',
      'statefulset-controller': 'statefulset-controller',
      'cronjob-controller': 'cronjob-controller',
      'horizontal-pod-autoscaler-controller': 'horizontal-pod-autoscaler',
      'endpoints-controller': 'endpoint-controller',
      'endpointslice-controller': 'endpointslice-controller',
      'service-lb-controller': 'service-controller',
      'node-lifecycle-controller': 'node-controller',
      'taint-eviction-controller': 'node-controller',
      'pod-garbage-collector-controller': 'pod-garbage-collector',
      'namespace-controller': 'namespace-controller',
      'garbage-collector-controller': 'generic-garbage-collector',
      'serviceaccount-controller': 'service-account-controller',
      'root-ca-certificate-publisher-controller': 'root-ca-cert-publisher',
      'clusterrole-aggregation-controller': 'clusterrole-aggregation-controller',
      'token-cleaner-controller': 'token-cleaner',
      'certificatesigningrequest-approving-controller': 'certificate-controller',
      'certificatesigningrequest-signing-controller': 'certificate-controller',
      'persistentvolume-binder-controller': 'persistent-volume-binder',
      'persistentvolumeclaim-protection-controller': 'pvc-protection-controller',
      'persistentvolume-protection-controller': 'pv-protection-controller',
      // Not Kubernetes' (k3s runs it as a Deployment of its own): its role is ours.
      'local-path-provisioner': 'local-path-provisioner',
    };
    assert.deepEqual(Object.fromEntries(CONTROLLERS.map((d) => [d.name, d.serviceAccountName])), expected);
  });
});

describe('client builders', () => {
  const config = {
    server: 'https://127.0.0.1:1', namespace: 'default', ca: Buffer.from('ca'), cert: Buffer.from('cert'), key: Buffer.from('key'),
    token: 't', tokenFile: '/tmp/t', username: 'u', password: 'p', tlsServerName: 'kubernetes', insecureSkipTLSVerify: false,
  };
  it('the controllers\' clients keep where the server is and how to trust it, no credential of the manager', () => {
    assert.deepEqual(anonymousClientConfig(config), {
      server: 'https://127.0.0.1:1', namespace: 'default', ca: Buffer.from('ca'), tlsServerName: 'kubernetes', insecureSkipTLSVerify: false,
    });
  });
  it('without the flag every controller gets the manager\'s clients; with it, one set per ServiceAccount', async () => {
    const rest = new RestClient(config);
    const eventRest = new RestClient(config);
    const simple = new RootClientBuilder({ rest, eventRest });
    assert.equal(simple.clientsFor('replicaset-controller').rest, rest);
    assert.equal(simple.clientsFor('replicaset-controller').eventRest, eventRest);
    const sa = new ServiceAccountClientBuilder({ config, root: { rest, eventRest }, userAgent: 'kube-controller-manager', log: silent });
    const rs = sa.clientsFor('replicaset-controller');
    assert.notEqual(rs.rest, rest);
    assert.notEqual(rs.eventRest, rs.rest);
    assert.equal(sa.clientsFor('replicaset-controller'), rs, 'kept for the process, across terms');
    assert.notEqual(sa.clientsFor('node-controller').rest, rs.rest);
    assert.equal(sa.clientsFor(undefined).rest, rest, 'a controller naming no ServiceAccount acts as the manager');
    assert.equal(rs.rest.config.cert, undefined);
    assert.equal(rs.rest.config.token, undefined);
    await sa.close();
    await rest.close();
    await eventRest.close();
  });
});
