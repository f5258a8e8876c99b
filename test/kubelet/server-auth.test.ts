// The kubelet API's authentication and authorization (server-auth.ts, auth-webhook.ts):
// the request attributes per method and path as the kubelet's GetRequestAttributes,
// the caches of TokenReview and SubjectAccessReview answers, the filter's answers
// (401, 403 with the kubelet's wording, 500); then the kubelet's HTTPS server with a
// stand-in log source against the real apiserver: client certificates of the cluster
// CA, service-account tokens through TokenReview, decisions through
// SubjectAccessReview, and pods/log through the apiserver with its own client
// certificate (the default kube-apiserver-kubelet-client binding).
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import type { TokenReview } from '../../api/types/authentication.js';
import type { SubjectAccessReview } from '../../api/types/authorization.js';
import { issueClientCert } from '../../apiserver/tls.js';
import type { User } from '../../apiserver/authn/user.js';
import { FakeClock } from '../../client/clock.js';
import { RestClient } from '../../client/rest-client.js';
import { apiserverReviews, TtlCache, WebhookAuthorizer, WebhookTokenAuthenticator } from '../../kubelet/auth-webhook.js';
import { startHealthzServer, startKubeletServer, type KubeletServer } from '../../kubelet/server.js';
import {
  authorizeRequest, bearerToken, nodeRequestAttributes, type KubeletAuthOptions, type NodeRequestAttributes,
} from '../../kubelet/server-auth.js';
import { parseBoolFlag, parseFeatureGates } from '../../kubelet/server-flags.js';
import { generateSelfSigned } from '../../kubelet/serving-cert.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { waitFor } from '../harness/processes.js';

const silent = pino({ level: 'silent' });
const alice: User = { name: 'alice', groups: ['devs', 'system:authenticated'] };

describe('request attributes (GetRequestAttributes)', () => {
  const subs = (method: string, path: string, fineGrained = false): string[] =>
    nodeRequestAttributes(alice, method, path, 'n1', fineGrained).map((a) => `${a.verb}:${a.subresource}`);

  test('the verb comes from the method; HEAD and others have none, as in auth.go', () => {
    for (const [method, verb] of [['GET', 'get'], ['POST', 'create'], ['PUT', 'update'], ['PATCH', 'patch'], ['DELETE', 'delete'], ['HEAD', ''], ['OPTIONS', '']]) {
      assert.deepEqual(subs(method, '/containerLogs/default/web/app'), [`${verb}:proxy`], method);
    }
  });

  test('the subresource comes from the path', () => {
    const table: [string, string[], string[]][] = [
      // path, 1.32 (KubeletFineGrainedAuthz off), fine-grained
      ['/stats', ['stats'], ['stats']],
      ['/stats/summary', ['stats'], ['stats']],
      ['/statsx', ['proxy'], ['proxy']],
      ['/metrics', ['metrics'], ['metrics']],
      ['/metrics/cadvisor', ['metrics'], ['metrics']],
      ['/logs/', ['log'], ['log']],
      ['/logs/syslog', ['log'], ['log']],
      ['/checkpoint/default/web/app', ['checkpoint'], ['checkpoint']],
      ['/pods', ['proxy'], ['pods', 'proxy']],
      ['/pods/', ['proxy'], ['pods', 'proxy']],
      ['/runningpods/', ['proxy'], ['pods', 'proxy']],
      ['/healthz', ['proxy'], ['healthz', 'proxy']],
      ['/healthz/syncloop', ['proxy'], ['healthz', 'proxy']],
      ['/configz', ['proxy'], ['configz', 'proxy']],
      ['/containerLogs/default/web/app', ['proxy'], ['proxy']],
      ['/exec/default/web/app', ['proxy'], ['proxy']],
      ['/run/default/web/app', ['proxy'], ['proxy']],
      ['/attach/default/web/app', ['proxy'], ['proxy']],
      ['/portForward/default/web', ['proxy'], ['proxy']],
      ['/', ['proxy'], ['proxy']],
    ];
    for (const [path, plain, fine] of table) {
      assert.deepEqual(subs('GET', path).map((s) => s.slice(4)), plain, path);
      assert.deepEqual(subs('GET', path, true).map((s) => s.slice(4)), fine, `${path} (fine-grained)`);
    }
  });

  test('the rest of the attributes: resource nodes, the node name, the path, the user', () => {
    assert.deepEqual(nodeRequestAttributes(alice, 'GET', '/stats/summary', 'n1'), [
      { user: alice, verb: 'get', resource: 'nodes', subresource: 'stats', name: 'n1', path: '/stats/summary' },
    ]);
  });

  test('bearer tokens are read as bearertoken.Authenticator reads them', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer abc'), 'abc');
    assert.equal(bearerToken('  Bearer abc  '), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  test('flags: bools as strconv.ParseBool, feature gates known by name', () => {
    assert.equal(parseBoolFlag('anonymous-auth', true), true);
    assert.equal(parseBoolFlag('anonymous-auth', 'false'), false);
    assert.equal(parseBoolFlag('anonymous-auth', 'T'), true);
    assert.throws(() => parseBoolFlag('anonymous-auth', 'yes'), /invalid argument "yes" for "--anonymous-auth" flag/);
    assert.deepEqual(parseFeatureGates(undefined), { KubeletFineGrainedAuthz: false });
    assert.deepEqual(parseFeatureGates('KubeletFineGrainedAuthz=true'), { KubeletFineGrainedAuthz: true });
    assert.throws(() => parseFeatureGates('NoSuchGate=true'), /unrecognized feature gate: NoSuchGate/);
  });
});

describe('caches', () => {
  test('TtlCache: entries expire after their TTL; the least recently used goes first when full', () => {
    const clock = new FakeClock();
    const c = new TtlCache<number>(2, clock);
    c.set('a', 1, 1000);
    c.set('b', 2, 5000);
    clock.step(999);
    assert.equal(c.get('a'), 1);
    clock.step(1);
    assert.equal(c.get('a'), undefined);
    c.set('a', 1, 1000);
    assert.equal(c.get('b'), 2); // b is now the most recently used
    c.set('c', 3, 1000);
    assert.equal(c.get('a'), undefined);
    assert.deepEqual([c.get('b'), c.get('c'), c.size], [2, 3, 2]);
  });

  test('TokenReview answers are cached for the TTL, valid or not; errors are not cached', async () => {
    const clock = new FakeClock();
    const asked: string[] = [];
    let fail = false;
    const auth = new WebhookTokenAuthenticator({
      clock, cacheTtlMs: 120_000,
      async review(tr: TokenReview) {
        asked.push(tr.spec.token as string);
        if (fail) throw new Error('connection refused');
        if (tr.spec.token === 'broken') return { ...tr, status: { authenticated: false, error: 'token lookup failed' } };
        if (tr.spec.token !== 'good') return { ...tr, status: { authenticated: false } };
        return { ...tr, status: { authenticated: true, user: { username: 'system:serviceaccount:default:sa', uid: 'u1', groups: ['system:serviceaccounts', 'system:authenticated'] } } };
      },
    });
    const sa = { name: 'system:serviceaccount:default:sa', uid: 'u1', groups: ['system:serviceaccounts', 'system:authenticated'] };
    assert.deepEqual(await auth.authenticate('good'), sa);
    assert.equal(await auth.authenticate('bad'), undefined);
    assert.deepEqual(await auth.authenticate('good'), sa);
    assert.equal(await auth.authenticate('bad'), undefined);
    assert.deepEqual(asked, ['good', 'bad']);
    await assert.rejects(auth.authenticate('broken'), /token lookup failed/);
    await assert.rejects(auth.authenticate('broken'), /token lookup failed/);
    assert.deepEqual(asked, ['good', 'bad', 'broken', 'broken']);
    clock.step(120_000);
    fail = true;
    await assert.rejects(auth.authenticate('good'), /connection refused/);
    fail = false;
    assert.deepEqual(await auth.authenticate('good'), sa);
    assert.equal(asked.length, 6);
  });

  test('SubjectAccessReview: the spec as the webhook authorizer writes it; allowed cached 5m, denied 30s', async () => {
    const clock = new FakeClock();
    const specs: unknown[] = [];
    let allow = false;
    const authz = new WebhookAuthorizer({
      clock, authorizedTtlMs: 300_000, unauthorizedTtlMs: 30_000,
      async review(sar: SubjectAccessReview) {
        specs.push(sar.spec);
        return { ...sar, status: { allowed: allow } };
      },
    });
    const attrs: NodeRequestAttributes = nodeRequestAttributes({ ...alice, uid: 'a1' }, 'GET', '/containerLogs/default/web/app', 'n1')[0];
    assert.equal(await authz.authorize(attrs), false);
    assert.deepEqual(specs, [{
      resourceAttributes: { verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'proxy', name: 'n1' },
      user: 'alice', groups: ['devs', 'system:authenticated'], uid: 'a1',
    }]);
    allow = true;
    clock.step(29_999);
    assert.equal(await authz.authorize(attrs), false, 'the denial is still cached');
    clock.step(1);
    assert.equal(await authz.authorize(attrs), true);
    allow = false;
    clock.step(299_999);
    assert.equal(await authz.authorize(attrs), true, 'the permission is still cached');
    clock.step(1);
    assert.equal(await authz.authorize(attrs), false);
    assert.equal(specs.length, 3);
    // Another subresource is another question.
    await authz.authorize({ ...attrs, subresource: 'stats' });
    assert.equal(specs.length, 4);
  });
});

describe('the auth filter', () => {
  const req = (headers: Record<string, string> = {}, method = 'GET'): IncomingMessage => ({ method, headers, socket: {} }) as unknown as IncomingMessage;
  const options = (o: Partial<KubeletAuthOptions> = {}): KubeletAuthOptions => ({
    nodeName: 'n1', anonymous: false, clientCertificates: false, log: silent,
    authorizer: { authorize: async () => false }, ...o,
  });

  test('no credentials: 401 Unauthorized, or system:anonymous (then authorized) with --anonymous-auth', async () => {
    assert.deepEqual(await authorizeRequest(options(), req(), '/healthz'), { allowed: false, code: 401, text: 'Unauthorized' });
    assert.deepEqual(await authorizeRequest(options({ anonymous: true }), req(), '/healthz'), {
      allowed: false, code: 403, text: 'Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource(s)=[proxy])\n',
    });
    const seen: NodeRequestAttributes[] = [];
    const r = await authorizeRequest(options({ anonymous: true, authorizer: { authorize: async (a) => { seen.push(a); return true; } } }), req(), '/healthz');
    assert.deepEqual(r, { allowed: true, user: { name: 'system:anonymous', groups: ['system:unauthenticated'] } });
    assert.equal(seen[0].name, 'n1');
  });

  test('a token that is not valid is 401 even with --anonymous-auth; a valid one gets system:authenticated', async () => {
    const tokens = { authenticate: async (t: string) => (t === 'good' ? { name: 'bob', groups: ['ops'] } : undefined) };
    assert.equal((await authorizeRequest(options({ anonymous: true, tokens }), req({ authorization: 'Bearer bad' }), '/pods')).allowed, false);
    assert.deepEqual(await authorizeRequest(options({ anonymous: true, tokens }), req({ authorization: 'Bearer bad' }), '/pods'), { allowed: false, code: 401, text: 'Unauthorized' });
    const r = await authorizeRequest(options({ tokens, authorizer: { authorize: async () => true } }), req({ authorization: 'Bearer good' }), '/pods');
    assert.deepEqual(r, { allowed: true, user: { name: 'bob', groups: ['ops', 'system:authenticated'] } });
    // Without --authentication-token-webhook a token is no credential at all.
    assert.deepEqual(await authorizeRequest(options(), req({ authorization: 'Bearer good' }), '/pods'), { allowed: false, code: 401, text: 'Unauthorized' });
  });

  test('denied: 403 naming every subresource asked; fine-grained falls back to proxy; an authorizer error is 500', async () => {
    const tokens = { authenticate: async () => ({ name: 'bob', groups: [] }) };
    const auth = { authorization: 'Bearer x' };
    assert.deepEqual(await authorizeRequest(options({ tokens, fineGrained: true }), req(auth, 'POST'), '/pods/'), {
      allowed: false, code: 403, text: 'Forbidden (user=bob, verb=create, resource=nodes, subresource(s)=[pods proxy])\n',
    });
    const onlyProxy = { authorize: async (a: NodeRequestAttributes) => a.subresource === 'proxy' };
    assert.equal((await authorizeRequest(options({ tokens, fineGrained: true, authorizer: onlyProxy }), req(auth), '/configz')).allowed, true);
    const broken = { authorize: async () => { throw new Error('apiserver unreachable'); } };
    assert.deepEqual(await authorizeRequest(options({ tokens, authorizer: broken }), req(auth), '/containerLogs/a/b/c'), {
      allowed: false, code: 500, text: 'Authorization error (user=bob, verb=get, resource=nodes, subresource=proxy)',
    });
  });
});

describe('the kubelet server against the real apiserver', () => {
  let cp: ControlPlane;
  let server: KubeletServer;
  let rest: RestClient;
  let base: string;
  const clock = new FakeClock(Date.now());
  const nodeName = 'auth-node';
  const agents: Agent[] = [];

  /** GET path from the kubelet as a client with this certificate and/or token. */
  async function get(path: string, who: { cert?: { cert: string; key: string }; token?: string } = {}): Promise<{ status: number; text: string }> {
    const agent = new Agent({ connect: { rejectUnauthorized: false, ...(who.cert ?? {}) } });
    agents.push(agent);
    const res = await request(`${base}${path}`, { dispatcher: agent, headers: who.token ? { authorization: `Bearer ${who.token}` } : {} });
    return { status: res.statusCode, text: await res.body.text() };
  }

  const create = async (path: string, body: unknown): Promise<unknown> => {
    const res = await http(cp.url, 'POST', path, body);
    assert.equal(res.status, 201, `${path}: ${res.text}`);
    return res.json;
  };

  before(async () => {
    cp = await startControlPlane();
    const pki = join(cp.dir, 'pki');
    // The kubelet's own identity, as a node's: the Node authorizer lets it create reviews.
    const node = await issueClientCert(pki, `system:node:${nodeName}`, ['system:nodes']);
    rest = new RestClient({ server: cp.secureUrl, ca: Buffer.from(cp.ca), cert: Buffer.from(node.cert), key: Buffer.from(node.key), namespace: 'default' });
    const reviews = apiserverReviews(rest);
    const serving = await generateSelfSigned(nodeName, ['127.0.0.1']);
    server = await startKubeletServer({
      address: '127.0.0.1', port: 0, log: silent,
      logs: { containerLogs: async (ns, pod, container) => Readable.from([`${ns}/${pod}/${container} says hello\n`]) },
      tls: { cert: serving.cert, key: serving.key, clientCA: cp.ca },
      auth: {
        nodeName, anonymous: false, log: silent,
        tokens: new WebhookTokenAuthenticator({ review: reviews.reviewToken, cacheTtlMs: 120_000, clock }),
        authorizer: new WebhookAuthorizer({ review: reviews.reviewAccess, authorizedTtlMs: 300_000, unauthorizedTtlMs: 30_000, clock }),
      },
    });
    base = `https://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server?.close();
    for (const a of agents) await a.close();
    await rest?.destroy();
    await cp?.stop();
  });

  test('the serving certificate is for the node, signed by a CA of its own that it carries', async () => {
    const res = await new Promise<{ subject: string; alt: string; issuer: string }>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false }, () => {
        const c = s.getPeerCertificate();
        s.end();
        resolve({ subject: String(c.subject.CN), alt: String(c.subjectaltname), issuer: String(c.issuer.CN) });
      });
      s.on('error', reject);
    });
    assert.match(res.subject, /^auth-node@\d+$/);
    assert.match(res.issuer, /^auth-node-ca@\d+$/);
    assert.equal(res.alt, 'DNS:auth-node, IP Address:127.0.0.1');
  });

  test('no credentials, or a certificate of another CA: 401', async () => {
    assert.deepEqual(await get('/containerLogs/default/web/app'), { status: 401, text: 'Unauthorized' });
    assert.deepEqual(await get('/healthz'), { status: 401, text: 'Unauthorized' });
    const stranger = await generateSelfSigned('mallory', []);
    assert.deepEqual(await get('/containerLogs/default/web/app', { cert: stranger }), { status: 401, text: 'Unauthorized' });
  });

  test('a client certificate of a user without rights: 403 with the kubelet\'s wording', async () => {
    const nobody = await issueClientCert(join(cp.dir, 'pki'), 'nobody', ['nobodies']);
    assert.deepEqual(await get('/containerLogs/default/web/app', { cert: nobody }), {
      status: 403, text: 'Forbidden (user=nobody, verb=get, resource=nodes, subresource(s)=[proxy])\n',
    });
  });

  test('the apiserver\'s identity (the default kube-apiserver-kubelet-client binding) and a user bound to system:kubelet-api-admin: 200', async () => {
    const apiserver = await issueClientCert(join(cp.dir, 'pki'), 'kube-apiserver-kubelet-client', ['kubeadm:cluster-admins']);
    assert.deepEqual(await get('/containerLogs/default/web/app', { cert: apiserver }), { status: 200, text: 'default/web/app says hello\n' });
    await create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'carol-kubelet-api' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kubelet-api-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'carol' }],
    });
    const carol = await issueClientCert(join(cp.dir, 'pki'), 'carol');
    await waitFor(async () => {
      clock.step(30_000); // past a cached denial from before the binding reached the apiserver's cache
      return (await get('/containerLogs/default/web/app', { cert: carol })).status === 200;
    }, { timeoutMs: 10_000, what: 'carol to be allowed' });
    assert.deepEqual(await get('/healthz', { cert: carol }), { status: 200, text: 'ok' });
    assert.equal((await get('/nothing-here', { cert: carol })).status, 404);
  });

  test('a service-account token through TokenReview: 403 until a binding grants nodes/proxy, then 200', async () => {
    await create('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'log-reader' } });
    const tr = await create('/api/v1/namespaces/default/serviceaccounts/log-reader/token',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } }) as { status: { token: string } };
    const token = tr.status.token;
    assert.deepEqual(await get('/containerLogs/default/web/app', { token }), {
      status: 403, text: 'Forbidden (user=system:serviceaccount:default:log-reader, verb=get, resource=nodes, subresource(s)=[proxy])\n',
    });
    assert.deepEqual(await get('/containerLogs/default/web/app', { token: `${token}x` }), { status: 401, text: 'Unauthorized' });
    await create('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'node-proxy-reader' },
      rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }],
    });
    await create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'log-reader-node-proxy' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-proxy-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'log-reader', namespace: 'default' }],
    });
    // The denial is cached for --authorization-webhook-cache-unauthorized-ttl (30s).
    assert.equal((await get('/containerLogs/default/web/app', { token })).status, 403);
    await waitFor(async () => {
      clock.step(30_000);
      return (await get('/containerLogs/default/web/app', { token })).status === 200;
    }, { timeoutMs: 10_000, what: 'the service account to be allowed' });
    assert.equal((await get('/containerLogs/default/web/app', { token })).text, 'default/web/app says hello\n');
  });

  test('pods/log through the apiserver reaches the kubelet over HTTPS with the apiserver\'s own certificate', async () => {
    await create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
    const status = await http(cp.url, 'PATCH', `/api/v1/nodes/${nodeName}/status`,
      { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: server.port } } } },
      'application/merge-patch+json');
    assert.equal(status.status, 200, status.text);
    await create('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'talker' }, spec: { nodeName, containers: [{ name: 'main', image: 'busybox' }] },
    });
    const res = await http(cp.url, 'GET', '/api/v1/namespaces/default/pods/talker/log');
    assert.deepEqual([res.status, res.text], [200, 'default/talker/main says hello\n']);
  });

  test('the plain /healthz port answers without credentials', async () => {
    let healthy = true;
    const healthz = await startHealthzServer({ address: '127.0.0.1', port: 0, log: silent, healthy: () => healthy });
    try {
      const url = `http://127.0.0.1:${healthz.port}`;
      assert.deepEqual(await http(url, 'GET', '/healthz').then((r) => [r.status, r.text]), [200, 'ok']);
      healthy = false;
      assert.equal((await http(url, 'GET', '/healthz')).status, 500);
      assert.equal((await http(url, 'GET', '/containerLogs/default/web/app')).status, 404);
    } finally {
      await healthz.close();
    }
  });
});
