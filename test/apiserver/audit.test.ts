// Audit logging: the policy's rule matching and validation (Kubernetes' checker.go and
// validation.go), the events each level writes compared byte for byte with events as
// kube-apiserver writes them, and the log file's rotation and flushing. No apiserver:
// the Auditor is driven as the HTTP layer drives it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Auditor, createAuditor, DEFAULT_POLICY, isLongRunning, PolicyChecker, type AuditContext, type AuditEvent, type AuditSink } from '../../apiserver/audit/index.js';
import { responseStatusOf, sourceIPs, truncateUserAgent, withoutManagedFields } from '../../apiserver/audit/event.js';
import { backupName, backupTime, openLogBackend } from '../../apiserver/audit/log-backend.js';
import { loadPolicyFile, parsePolicy, PolicyError, ruleMatches, type AuditAttributes, type Policy, type PolicyRule } from '../../apiserver/audit/policy.js';

const silent = pino({ level: 'silent' });

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'tskube-audit-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

const admin = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

/** Attributes of a resource request, as authz's requestAttributes reads them. */
function res(verb: string, resource: string, more: Partial<AuditAttributes> = {}): AuditAttributes {
  const path = more.path ?? `/api/v1/${more.namespace ? `namespaces/${more.namespace}/` : ''}${resource}${more.name ? `/${more.name}` : ''}${more.subresource ? `/${more.subresource}` : ''}`;
  return { user: admin, verb, resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, ...more, path };
}
const nonRes = (path: string, verb = 'get', user = admin): AuditAttributes => ({ user, verb, resourceRequest: false, path });

describe('rule matching', () => {
  const cases: { name: string; rule: Omit<PolicyRule, 'level'>; attrs: AuditAttributes; want: boolean }[] = [
    { name: 'empty rule matches everything', rule: {}, attrs: nonRes('/healthz'), want: true },
    { name: 'users: match', rule: { users: ['kubernetes-admin'] }, attrs: res('get', 'pods'), want: true },
    { name: 'users: other user', rule: { users: ['alice'] }, attrs: res('get', 'pods'), want: false },
    { name: 'userGroups: any group', rule: { userGroups: ['nobody', 'system:masters'] }, attrs: res('get', 'pods'), want: true },
    { name: 'userGroups: none', rule: { userGroups: ['system:nodes'] }, attrs: res('get', 'pods'), want: false },
    { name: 'users and userGroups both must match', rule: { users: ['alice'], userGroups: ['system:masters'] }, attrs: res('get', 'pods'), want: false },
    { name: 'verbs: match', rule: { verbs: ['list', 'watch'] }, attrs: res('watch', 'pods'), want: true },
    { name: 'verbs: other', rule: { verbs: ['create'] }, attrs: res('get', 'pods'), want: false },
    { name: 'resources: core group', rule: { resources: [{ group: '', resources: ['pods'] }] }, attrs: res('get', 'pods'), want: true },
    { name: 'resources: absent group is core', rule: { resources: [{ resources: ['pods'] }] }, attrs: res('get', 'pods'), want: true },
    { name: 'resources: other group', rule: { resources: [{ group: 'apps', resources: ['pods'] }] }, attrs: res('get', 'pods'), want: false },
    { name: 'resources: group without resources is the whole group', rule: { resources: [{ group: 'apps' }] }, attrs: res('get', 'deployments', { apiGroup: 'apps', path: '/apis/apps/v1/deployments' }), want: true },
    { name: 'resources: "pods" does not match pods/log', rule: { resources: [{ resources: ['pods'] }] }, attrs: res('get', 'pods', { namespace: 'd', name: 'p', subresource: 'log' }), want: false },
    { name: 'resources: "pods/log"', rule: { resources: [{ resources: ['pods/log'] }] }, attrs: res('get', 'pods', { namespace: 'd', name: 'p', subresource: 'log' }), want: true },
    { name: 'resources: "pods/log" does not match pods', rule: { resources: [{ resources: ['pods/log'] }] }, attrs: res('get', 'pods', { namespace: 'd', name: 'p' }), want: false },
    { name: 'resources: "*" matches subresources', rule: { resources: [{ resources: ['*'] }] }, attrs: res('update', 'pods', { namespace: 'd', name: 'p', subresource: 'status' }), want: true },
    { name: 'resources: "*/status"', rule: { resources: [{ resources: ['*/status'] }] }, attrs: res('update', 'services', { namespace: 'd', name: 's', subresource: 'status' }), want: true },
    { name: 'resources: "*/status" is not the main resource', rule: { resources: [{ resources: ['*/status'] }] }, attrs: res('update', 'services', { namespace: 'd', name: 's' }), want: false },
    { name: 'resources: "pods/*" matches a subresource', rule: { resources: [{ resources: ['pods/*'] }] }, attrs: res('create', 'pods', { namespace: 'd', name: 'p', subresource: 'binding' }), want: true },
    { name: 'resources: "pods/*" matches pods too, as checker.go does', rule: { resources: [{ resources: ['pods/*'] }] }, attrs: res('get', 'pods', { namespace: 'd', name: 'p' }), want: true },
    { name: 'resourceNames: match', rule: { resources: [{ resources: ['configmaps'], resourceNames: ['kube-root-ca.crt'] }] }, attrs: res('get', 'configmaps', { namespace: 'd', name: 'kube-root-ca.crt' }), want: true },
    { name: 'resourceNames: other name', rule: { resources: [{ resources: ['configmaps'], resourceNames: ['a'] }] }, attrs: res('get', 'configmaps', { namespace: 'd', name: 'b' }), want: false },
    { name: 'resourceNames: a list has no name', rule: { resources: [{ resources: ['configmaps'], resourceNames: ['a'] }] }, attrs: res('list', 'configmaps', { namespace: 'd' }), want: false },
    { name: 'resources: second group entry', rule: { resources: [{ group: 'apps', resources: ['deployments'] }, { resources: ['secrets'] }] }, attrs: res('get', 'secrets', { namespace: 'd', name: 's' }), want: true },
    { name: 'namespaces: match', rule: { namespaces: ['kube-system'] }, attrs: res('get', 'pods', { namespace: 'kube-system', name: 'p' }), want: true },
    { name: 'namespaces: other', rule: { namespaces: ['kube-system'] }, attrs: res('get', 'pods', { namespace: 'default', name: 'p' }), want: false },
    { name: 'namespaces: "" is cluster-scoped', rule: { namespaces: [''] }, attrs: res('get', 'nodes', { name: 'n1' }), want: true },
    { name: 'namespaces: "" is not a namespaced request', rule: { namespaces: [''] }, attrs: res('get', 'pods', { namespace: 'd', name: 'p' }), want: false },
    { name: 'namespaces: all-namespace list has no namespace', rule: { namespaces: ['default'] }, attrs: res('list', 'pods'), want: false },
    { name: 'namespaces: never a non-resource request', rule: { namespaces: [''] }, attrs: nonRes('/version'), want: false },
    { name: 'resources: never a non-resource request', rule: { resources: [{ resources: ['*'] }] }, attrs: nonRes('/api'), want: false },
    { name: 'nonResourceURLs: exact', rule: { nonResourceURLs: ['/version'] }, attrs: nonRes('/version'), want: true },
    { name: 'nonResourceURLs: exact only', rule: { nonResourceURLs: ['/version'] }, attrs: nonRes('/version/x'), want: false },
    { name: 'nonResourceURLs: prefix*', rule: { nonResourceURLs: ['/healthz*'] }, attrs: nonRes('/healthz/etcd'), want: true },
    { name: 'nonResourceURLs: prefix* includes the prefix', rule: { nonResourceURLs: ['/healthz*'] }, attrs: nonRes('/healthz'), want: true },
    { name: 'nonResourceURLs: "*"', rule: { nonResourceURLs: ['*'] }, attrs: nonRes('/openapi/v2'), want: true },
    { name: 'nonResourceURLs: never a resource request', rule: { nonResourceURLs: ['*'] }, attrs: res('get', 'pods'), want: false },
    { name: 'nonResourceURLs: with verbs', rule: { verbs: ['post'], nonResourceURLs: ['/healthz*'] }, attrs: nonRes('/healthz'), want: false },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(ruleMatches({ level: 'Metadata', ...c.rule }, c.attrs), c.want));
  }

  test('first matching rule wins; no match is None; omitStages are unioned; omitManagedFields defaults from the policy', () => {
    const policy: Policy = {
      apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], omitManagedFields: true,
      rules: [
        { level: 'RequestResponse', resources: [{ resources: ['pods'] }], omitStages: ['ResponseStarted'] },
        { level: 'Metadata', resources: [{ resources: ['pods', 'services'] }], omitManagedFields: false },
      ],
    };
    const checker = new PolicyChecker(policy);
    assert.deepEqual(checker.levelFor(res('get', 'pods')), { level: 'RequestResponse', omitStages: ['RequestReceived', 'ResponseStarted'], omitManagedFields: true });
    assert.deepEqual(checker.levelFor(res('get', 'services')), { level: 'Metadata', omitStages: ['RequestReceived'], omitManagedFields: false });
    assert.deepEqual(checker.levelFor(res('get', 'secrets')), { level: 'None', omitStages: ['RequestReceived'], omitManagedFields: false });
  });

  test('the default policy', () => {
    const checker = new PolicyChecker(DEFAULT_POLICY);
    const kubeProxy = { name: 'system:kube-proxy', groups: ['system:authenticated'] };
    const level = (a: AuditAttributes): string => checker.levelFor(a).level;
    assert.equal(level(nonRes('/healthz')), 'None');
    assert.equal(level(nonRes('/readyz', 'get')), 'None');
    assert.equal(level(nonRes('/livez/ping')), 'None');
    assert.equal(level(nonRes('/version')), 'None');
    assert.equal(level(nonRes('/api')), 'Metadata');
    assert.equal(level(res('watch', 'endpoints', { user: kubeProxy })), 'None');
    assert.equal(level(res('watch', 'endpointslices', { user: kubeProxy, apiGroup: 'discovery.k8s.io', path: '/apis/discovery.k8s.io/v1/endpointslices' })), 'None');
    assert.equal(level(res('list', 'services', { user: kubeProxy })), 'Metadata');
    assert.equal(level(res('create', 'secrets', { namespace: 'd' })), 'Metadata');
    assert.equal(level(res('update', 'configmaps', { namespace: 'd', name: 'c' })), 'Metadata');
    assert.equal(level(res('create', 'serviceaccounts', { namespace: 'd', name: 'sa', subresource: 'token' })), 'Metadata');
    assert.equal(level(res('create', 'tokenreviews', { apiGroup: 'authentication.k8s.io', path: '/apis/authentication.k8s.io/v1/tokenreviews' })), 'Metadata');
    assert.equal(level(res('create', 'pods', { namespace: 'd' })), 'Request');
    assert.equal(level(res('patch', 'deployments', { namespace: 'd', name: 'x', apiGroup: 'apps' })), 'Request');
    assert.equal(level(res('delete', 'pods', { namespace: 'd', name: 'p' })), 'Request');
    assert.equal(level(res('get', 'pods', { namespace: 'd', name: 'p' })), 'Metadata');
    assert.deepEqual(checker.levelFor(res('get', 'pods')).omitStages, ['RequestReceived']);
  });
});

describe('policy files', () => {
  const yamlPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - "RequestReceived"
rules:
  - level: RequestResponse
    resources:
    - group: ""
      resources: ["pods"]
  - level: Metadata
    resources:
    - group: ""
      resources: ["pods/log", "pods/status"]
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
    - group: ""
      resources: ["endpoints", "services"]
  - level: None
    nonResourceURLs:
    - /healthz*
    - /version
  - level: Metadata
    omitStages:
      - "RequestReceived"
`;

  test('the documentation example loads, from YAML and from JSON', async () => {
    const { policy, unknownFields } = parsePolicy(yamlPolicy);
    assert.equal(policy.rules.length, 5);
    assert.deepEqual(unknownFields, []);
    const file = join(dir, 'policy.json');
    await writeFile(file, JSON.stringify(policy));
    const fromJson = await loadPolicyFile(file);
    assert.deepEqual(fromJson.policy, policy);
    const checker = new PolicyChecker(policy);
    assert.equal(checker.levelFor(res('get', 'pods', { namespace: 'd', name: 'p', subresource: 'log' })).level, 'Metadata');
    assert.equal(checker.levelFor(res('get', 'pods', { namespace: 'd', name: 'p' })).level, 'RequestResponse');
  });

  test('unknown fields are reported, not refused', () => {
    const { unknownFields } = parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  userGroup: [a]\n  resources: [{group: "", resource: [pods]}]\n');
    assert.deepEqual(unknownFields, ['rules[0].userGroup', 'rules[0].resources[0].resource']);
  });

  const invalid: { name: string; text: string; message: RegExp }[] = [
    { name: 'unknown level', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Verbose\n', message: /^rules\[0\]\.level: Unsupported value: "Verbose": supported values: "None", "Metadata", "Request", "RequestResponse"$/ },
    { name: 'missing level', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- users: [a]\n', message: /^rules\[0\]\.level: Required value$/ },
    { name: 'unknown stage', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [Done]\nrules:\n- level: None\n', message: /^omitStages\[0\]: Invalid value: "Done": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic$/ },
    { name: 'group with a version', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{group: rbac.authorization.k8s.io/v1}]\n', message: /^rules\[0\]\.resources\[0\]\.group: Invalid value: "rbac.authorization.k8s.io\/v1": a lowercase RFC 1123 subdomain/ },
    { name: 'resourceNames without resources', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{resourceNames: [a]}]\n', message: /using resourceNames requires at least one resource/ },
    { name: 'URL without a slash', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: [healthz]\n', message: /non-resource URL rules must begin with a '\/' character/ },
    { name: 'wildcard not last', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: ["/api/*/x"]\n', message: /non-resource URL wildcards '\*' must be the final character of the rule/ },
    { name: 'URLs and resources', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: [/x]\n  namespaces: [a]\n', message: /rules cannot apply to both regular resources and non-resource URLs/ },
    { name: 'a string for a list', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: alice\n', message: /^rules\[0\]\.users: Invalid value: "alice": must be a list of strings$/ },
    { name: 'two problems', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n- level: None\n  omitManagedFields: yes please\n', message: /^\[rules\[0\]\.level: Unsupported value: "Loud".*, rules\[1\]\.omitManagedFields: Invalid value: "yes please": must be true or false\]$/ },
    { name: 'no rules', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n', message: /^loaded illegal policy with 0 rules$/ },
    { name: 'old version', text: 'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None\n', message: /unknown group version field "audit.k8s.io\/v1beta1" in policy/ },
    { name: 'no apiVersion', text: 'kind: Policy\nrules:\n- level: None\n', message: /must set apiVersion \(audit.k8s.io\/v1\) and kind \(Policy\)/ },
    { name: 'other kind', text: 'apiVersion: audit.k8s.io/v1\nkind: Event\nrules:\n- level: None\n', message: /kind is "Event", not Policy/ },
    { name: 'not YAML', text: 'rules: [\n', message: /^failed decoding: / },
  ];
  for (const c of invalid) {
    test(`refused: ${c.name}`, () => {
      assert.throws(() => parsePolicy(c.text), (err: unknown) => {
        assert.ok(err instanceof PolicyError);
        assert.match(err.message, c.message);
        return true;
      });
    });
  }

  test('a file error names the file', async () => {
    const file = join(dir, 'bad-policy.yaml');
    await writeFile(file, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Verbose\n');
    await assert.rejects(loadPolicyFile(file), (err: Error) => {
      assert.equal(err.message, `loading audit policy file: rules[0].level: Unsupported value: "Verbose": supported values: "None", "Metadata", "Request", "RequestResponse": from file ${file}`);
      return true;
    });
    await assert.rejects(loadPolicyFile(join(dir, 'missing.yaml')), /failed to read file path/);
  });
});

/** Collects events as the log backend would receive them. */
class MemorySink implements AuditSink {
  events: AuditEvent[] = [];
  write(ev: AuditEvent): boolean { this.events.push(ev); return true; }
  async close(): Promise<void> {}
}

/** An Auditor on a fixed clock and ids; each `tick` ms later. */
function auditorFor(policy: Policy) {
  const sink = new MemorySink();
  let t = Date.parse('2024-03-01T10:00:00.123Z');
  let id = 0;
  const auditor = new Auditor(new PolicyChecker(policy), sink, {
    log: silent, now: () => { const now = t; t += 2; return now; }, newAuditID: () => `00000000-0000-0000-0000-00000000000${id++}`,
  });
  return { auditor, sink };
}
const policyAt = (level: PolicyRule['level'], extra: Partial<Policy> = {}): Policy => ({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level }], ...extra });

const kubectlHeaders = { 'user-agent': 'kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819', host: '127.0.0.1:6443' };
const allow = (ctx: AuditContext, reason = ''): void => {
  ctx.annotate('authorization.k8s.io/decision', 'allow');
  ctx.annotate('authorization.k8s.io/reason', reason);
};

describe('events', () => {
  test('Metadata list: the event kube-apiserver writes for `kubectl get pods`', () => {
    const { auditor, sink } = auditorFor(policyAt('Metadata'));
    const ctx = auditor.begin({
      attributes: res('list', 'pods', { namespace: 'default' }), requestURI: '/api/v1/namespaces/default/pods?limit=500',
      headers: kubectlHeaders, remoteAddress: '::ffff:172.18.0.1',
    });
    assert.ok(ctx);
    allow(ctx);
    ctx.setResponseObject(Buffer.from('{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"5"},"items":[]}\n'));
    ctx.complete(200);
    // A kube-apiserver line (audit.k8s.io/v1, format=json), with the ids and times ours.
    const lines = [
      '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"00000000-0000-0000-0000-000000000000","stage":"RequestReceived","requestURI":"/api/v1/namespaces/default/pods?limit=500","verb":"list","user":{"username":"kubernetes-admin","groups":["system:masters","system:authenticated"]},"sourceIPs":["172.18.0.1"],"userAgent":"kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819","objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},"requestReceivedTimestamp":"2024-03-01T10:00:00.123000Z","stageTimestamp":"2024-03-01T10:00:00.123000Z"}',
      '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"00000000-0000-0000-0000-000000000000","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods?limit=500","verb":"list","user":{"username":"kubernetes-admin","groups":["system:masters","system:authenticated"]},"sourceIPs":["172.18.0.1"],"userAgent":"kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819","objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2024-03-01T10:00:00.123000Z","stageTimestamp":"2024-03-01T10:00:00.125000Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}',
    ];
    assert.deepEqual(sink.events.map((e) => JSON.stringify(e)), lines);
  });

  test('an error keeps its Status in responseStatus at every level', () => {
    const { auditor, sink } = auditorFor(policyAt('Metadata', { omitStages: ['RequestReceived'] }));
    const ctx = auditor.begin({ attributes: res('get', 'pods', { namespace: 'default', name: 'nope' }), requestURI: '/api/v1/namespaces/default/pods/nope', headers: {}, remoteAddress: '127.0.0.1' });
    ctx?.complete(404, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}\n');
    assert.equal(sink.events.length, 1);
    assert.equal(JSON.stringify(sink.events[0].responseStatus), '{"metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}');
    assert.equal(sink.events[0].responseObject, undefined);
    assert.equal(JSON.stringify(sink.events[0].objectRef), '{"resource":"pods","namespace":"default","name":"nope","apiVersion":"v1"}');
  });

  const created = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm', namespace: 'default', uid: 'u-1', resourceVersion: '7', managedFields: [{ manager: 'kubectl' }] }, data: { a: '1' } };
  const body = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm', managedFields: [{ manager: 'kubectl' }] }, data: { a: '1' } };
  const create = (policy: Policy) => {
    const { auditor, sink } = auditorFor(policy);
    const ctx = auditor.begin({ attributes: res('create', 'configmaps', { namespace: 'default' }), requestURI: '/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create', headers: {}, remoteAddress: '10.0.0.1' });
    assert.ok(ctx);
    ctx.setRequestObject(body);
    ctx.complete(201, created);
    return sink.events;
  };

  test('Metadata: objectRef gets the name from the body, but no bodies are recorded', () => {
    const [ev] = create(policyAt('Metadata', { omitStages: ['RequestReceived'] }));
    assert.deepEqual(ev.objectRef, { resource: 'configmaps', namespace: 'default', name: 'cm', apiVersion: 'v1' });
    assert.deepEqual(ev.responseStatus, { metadata: {}, code: 201 });
    assert.equal(ev.requestObject, undefined);
    assert.equal(ev.responseObject, undefined);
  });

  test('Request: the request object, not the response', () => {
    const [received, complete] = create(policyAt('Request'));
    assert.equal(received.requestObject, undefined, 'the body is not read when RequestReceived is written');
    assert.deepEqual(complete.requestObject, body);
    assert.equal(complete.responseObject, undefined);
  });

  test('RequestResponse: both objects, in the Go field order', () => {
    const [, complete] = create(policyAt('RequestResponse'));
    assert.deepEqual(complete.requestObject, body);
    assert.deepEqual(complete.responseObject, created);
    assert.deepEqual(Object.keys(complete), ['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'sourceIPs', 'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp']);
  });

  test('omitManagedFields strips managedFields from both objects and from list items, without changing them', () => {
    const [, complete] = create({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'RequestResponse', omitManagedFields: true }] });
    assert.deepEqual(complete.requestObject, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm' }, data: { a: '1' } });
    assert.equal((complete.responseObject as typeof created).metadata.managedFields, undefined);
    assert.equal(created.metadata.managedFields.length, 1);
    assert.deepEqual(withoutManagedFields({ kind: 'List', metadata: {}, items: [created] }), { kind: 'List', metadata: {}, items: [{ ...created, metadata: { name: 'cm', namespace: 'default', uid: 'u-1', resourceVersion: '7' } }] });
  });

  test('non-resource requests have no objectRef and no bodies, even at RequestResponse', () => {
    const { auditor, sink } = auditorFor(policyAt('RequestResponse', { omitStages: ['RequestReceived'] }));
    const ctx = auditor.begin({ attributes: nonRes('/api'), requestURI: '/api?timeout=32s', headers: {}, remoteAddress: '127.0.0.1' });
    ctx?.complete(200, { kind: 'APIVersions', versions: ['v1'] });
    assert.equal(JSON.stringify(sink.events[0]), '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"00000000-0000-0000-0000-000000000000","stage":"ResponseComplete","requestURI":"/api?timeout=32s","verb":"get","user":{"username":"kubernetes-admin","groups":["system:masters","system:authenticated"]},"sourceIPs":["127.0.0.1"],"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2024-03-01T10:00:00.123000Z","stageTimestamp":"2024-03-01T10:00:00.125000Z"}');
  });

  test('a watch writes ResponseStarted when its headers go out, then ResponseComplete; a get does not', () => {
    const { auditor, sink } = auditorFor(policyAt('Metadata', { omitStages: ['RequestReceived'] }));
    const watch = auditor.begin({ attributes: res('watch', 'pods'), requestURI: '/api/v1/pods?watch=true', headers: {} });
    assert.ok(watch?.longRunning);
    watch.responseStarted(200);
    watch.responseStarted(200);
    watch.complete(200);
    watch.complete(200);
    assert.deepEqual(sink.events.map((e) => [e.stage, JSON.stringify(e.responseStatus)]), [['ResponseStarted', '{"metadata":{},"code":200}'], ['ResponseComplete', '{"metadata":{},"code":200}']]);
    assert.ok(sink.events[0].stageTimestamp < sink.events[1].stageTimestamp);

    sink.events = [];
    const get = auditor.begin({ attributes: res('get', 'pods', { namespace: 'd', name: 'p' }), requestURI: '/api/v1/namespaces/d/pods/p', headers: {} });
    assert.equal(get?.longRunning, false);
    get.responseStarted(200);
    get.complete(200);
    assert.deepEqual(sink.events.map((e) => e.stage), ['ResponseComplete']);
  });

  test('a long-running request that completes without ResponseStarted still gets one first', () => {
    const { auditor, sink } = auditorFor(policyAt('Metadata', { omitStages: ['RequestReceived'] }));
    auditor.begin({ attributes: res('get', 'pods', { namespace: 'd', name: 'p', subresource: 'log' }), requestURI: '/api/v1/namespaces/d/pods/p/log', headers: {} })?.complete(200);
    assert.deepEqual(sink.events.map((e) => e.stage), ['ResponseStarted', 'ResponseComplete']);
  });

  test('panic replaces ResponseComplete', () => {
    const { auditor, sink } = auditorFor(policyAt('Metadata', { omitStages: ['RequestReceived'] }));
    const ctx = auditor.begin({ attributes: res('get', 'pods', { namespace: 'd', name: 'p' }), requestURI: '/api/v1/namespaces/d/pods/p', headers: {} });
    ctx?.panic(new TypeError('x is undefined'));
    ctx?.complete(500);
    assert.deepEqual(sink.events.map((e) => e.stage), ['Panic']);
    assert.equal(JSON.stringify(sink.events[0].responseStatus), '{"metadata":{},"status":"Failure","message":"APIServer panic\'d: x is undefined","reason":"InternalError","code":500}');
  });

  test('None writes nothing and begins no context; omitStages drops stages', () => {
    const { auditor, sink } = auditorFor({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', users: ['kubernetes-admin'] }, { level: 'Metadata', omitStages: ['ResponseComplete'] }] });
    assert.equal(auditor.begin({ attributes: res('get', 'pods'), requestURI: '/api/v1/pods', headers: {} }), undefined);
    const other = { name: 'alice', groups: ['system:authenticated'] };
    auditor.begin({ attributes: res('list', 'pods', { user: other }), requestURI: '/api/v1/pods', headers: {} })?.complete(200);
    assert.deepEqual(sink.events.map((e) => [e.stage, e.user.username]), [['RequestReceived', 'alice']]);
  });

  test('annotations: the first value stays; Audit-ID, user uid and extra, impersonation', () => {
    const { auditor, sink } = auditorFor(policyAt('Metadata', { omitStages: ['RequestReceived'] }));
    const user = { name: 'system:serviceaccount:d:sa', uid: 'sa-uid', groups: ['system:serviceaccounts'], extra: { 'authentication.kubernetes.io/pod-name': ['p'] } };
    const ctx = auditor.begin({
      attributes: res('get', 'pods', { namespace: 'd', name: 'p', user }), requestURI: '/api/v1/namespaces/d/pods/p',
      headers: { 'audit-id': 'from-the-client' }, impersonatedUser: { name: 'bob', groups: [] },
    });
    assert.equal(ctx?.auditID, 'from-the-client');
    ctx?.annotate('authorization.k8s.io/decision', 'forbid');
    ctx?.annotate('authorization.k8s.io/decision', 'allow');
    ctx?.complete(403);
    const ev = sink.events[0];
    assert.equal(ev.auditID, 'from-the-client');
    assert.deepEqual(ev.annotations, { 'authorization.k8s.io/decision': 'forbid' });
    assert.equal(JSON.stringify(ev.user), '{"username":"system:serviceaccount:d:sa","uid":"sa-uid","groups":["system:serviceaccounts"],"extra":{"authentication.kubernetes.io/pod-name":["p"]}}');
    assert.deepEqual(ev.impersonatedUser, { username: 'bob' });
    assert.equal(ev.sourceIPs, undefined);
  });

  test('source IPs and user agents, as utilnet.SourceIPs and maybeTruncateUserAgent', () => {
    assert.deepEqual(sourceIPs({}, '::ffff:10.0.0.1'), ['10.0.0.1']);
    assert.deepEqual(sourceIPs({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2', 'x-real-ip': '3.3.3.3' }, '2.2.2.2'), ['1.1.1.1', '2.2.2.2', '3.3.3.3', '2.2.2.2']);
    assert.deepEqual(sourceIPs({ 'x-forwarded-for': '1.1.1.1,bogus, 2.2.2.2' }, '2.2.2.2'), ['1.1.1.1', '2.2.2.2']);
    assert.deepEqual(sourceIPs({ 'x-real-ip': '3.3.3.3' }, '::1'), ['3.3.3.3', '::1']);
    assert.equal(truncateUserAgent('a'.repeat(1030)), `${'a'.repeat(1024)}...TRUNCATED`);
    assert.equal(truncateUserAgent(''), undefined);
  });

  test('responseStatus of a Status answering a success (a delete)', () => {
    assert.deepEqual(responseStatusOf({ code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'x', kind: 'pods', uid: 'u' } } }),
      { metadata: {}, status: 'Success', details: { name: 'x', kind: 'pods', uid: 'u' }, code: 200 });
  });

  test('long-running requests', () => {
    assert.equal(isLongRunning(res('watch', 'pods')), true);
    assert.equal(isLongRunning(res('get', 'pods', { namespace: 'd', name: 'p', subresource: 'log' })), true);
    assert.equal(isLongRunning(res('create', 'pods', { namespace: 'd', name: 'p', subresource: 'exec' })), true);
    assert.equal(isLongRunning(res('list', 'pods')), false);
    assert.equal(isLongRunning(nonRes('/logs/x')), false);
  });
});

/** The events in a JSON-lines file. */
async function linesOf(file: string): Promise<{ n: number }[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { n: number });
}

describe('log file', () => {
  test('backup names are lumberjack\'s and parse back', () => {
    const t = Date.parse('2016-11-04T18:30:00.000Z');
    assert.equal(backupName('/var/log/foo/server.log', t), '/var/log/foo/server-2016-11-04T18-30-00.000.log');
    assert.equal(backupName('/var/log/audit', t), '/var/log/audit-2016-11-04T18-30-00.000');
    assert.equal(backupTime('/var/log/foo/server.log', 'server-2016-11-04T18-30-00.000.log'), t);
    assert.equal(backupTime('/var/log/foo/server.log', 'server-notes.log'), undefined);
    assert.equal(backupTime('/var/log/foo/server.log', 'server.log'), undefined);
  });

  test('rotates before a write would pass the max size; all lines kept when maxbackup is 0', async () => {
    const sub = join(dir, 'rotate-all');
    const file = join(sub, 'audit.log');
    let t = Date.parse('2024-03-01T10:00:00.000Z');
    const backend = await openLogBackend({ path: file, maxSizeBytes: 200, log: silent, now: () => t++ });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(sub)).mode & 0o777, 0o700);
    // 22 events of ~60 bytes: 3 to a file.
    for (let n = 0; n < 22; n++) assert.equal(backend.write({ n, pad: 'x'.repeat(40) }), true);
    await backend.close();
    assert.equal(backend.write({ n: 99 }), false, 'closed');
    const names = (await readdir(sub)).sort();
    assert.equal(names.length, 8);
    const all: number[] = [];
    // Backups sort by their time, oldest first, and the current file holds the newest lines.
    for (const name of [...names.filter((n) => n !== 'audit.log'), 'audit.log']) {
      const st = await stat(join(sub, name));
      assert.ok(st.size <= 200, `${name} is ${st.size} bytes`);
      assert.equal(st.mode & 0o777, 0o600, `${name} keeps the mode`);
      all.push(...(await linesOf(join(sub, name))).map((e) => e.n));
    }
    assert.deepEqual(all, Array.from({ length: 22 }, (_, i) => i));
  });

  test('maxbackup keeps only the newest backups', async () => {
    const sub = join(dir, 'rotate-keep');
    const file = join(sub, 'audit.log');
    const t = Date.parse('2024-03-01T10:00:00.000Z');
    // A clock standing still: every rotation wants the same name and must not overwrite.
    const backend = await openLogBackend({ path: file, maxSizeBytes: 200, maxBackup: 2, log: silent, now: () => t });
    for (let n = 0; n < 30; n++) backend.write({ n, pad: 'x'.repeat(40) });
    await backend.flush();
    // A second batch, after the first has been written.
    for (let n = 30; n < 36; n++) backend.write({ n, pad: 'x'.repeat(40) });
    await backend.close();
    const names = (await readdir(sub)).sort();
    assert.deepEqual(names, ['audit-2024-03-01T10-00-00.009.log', 'audit-2024-03-01T10-00-00.010.log', 'audit.log']);
    const kept = [];
    for (const name of names.filter((n) => n !== 'audit.log')) kept.push(...(await linesOf(join(sub, name))).map((e) => e.n));
    kept.push(...(await linesOf(file)).map((e) => e.n));
    assert.deepEqual(kept, [27, 28, 29, 30, 31, 32, 33, 34, 35]);
  });

  test('maxage removes old backups by the time in their names; other files stay', async () => {
    const sub = join(dir, 'rotate-age');
    const file = join(sub, 'audit.log');
    const now = Date.parse('2024-03-10T00:00:00.000Z');
    const backend = await openLogBackend({ path: file, maxSizeBytes: 1000, maxAge: 3, log: silent, now: () => now });
    await writeFile(join(sub, 'audit-2024-03-01T00-00-00.000.log'), 'old\n');
    await writeFile(join(sub, 'audit-2024-03-08T00-00-00.000.log'), 'recent\n');
    await writeFile(join(sub, 'audit-notes.log'), 'not a backup\n');
    await writeFile(join(sub, 'other.log'), 'not a backup\n');
    // The existing file is almost full: the first write rotates it.
    await writeFile(file, `${'y'.repeat(995)}\n`);
    backend.write({ n: 1 });
    await backend.close();
    assert.deepEqual((await readdir(sub)).sort(), ['audit-2024-03-08T00-00-00.000.log', 'audit-2024-03-10T00-00-00.000.log', 'audit-notes.log', 'audit.log', 'other.log']);
    assert.deepEqual(await linesOf(file), [{ n: 1 }]);
  });

  test('an existing file is appended to; an event bigger than the max size is dropped', async () => {
    const sub = join(dir, 'append');
    const file = join(sub, 'audit.log');
    const first = await openLogBackend({ path: file, maxSizeBytes: 300, log: silent });
    first.write({ n: 1 });
    await first.close();
    const second = await openLogBackend({ path: file, maxSizeBytes: 300, log: silent });
    second.write({ n: 2 });
    second.write({ n: 3, pad: 'z'.repeat(400) });
    second.write({ n: 4 });
    await second.close();
    assert.deepEqual((await linesOf(file)).map((e) => e.n), [1, 2, 4]);
    assert.deepEqual(await readdir(sub), ['audit.log']);
  });

  test('a queue past its limit drops events instead of growing', async () => {
    const file = join(dir, 'queue', 'audit.log');
    const backend = await openLogBackend({ path: file, maxSizeBytes: 1 << 20, maxQueued: 5, log: silent });
    const accepted = Array.from({ length: 8 }, (_, n) => backend.write({ n })).filter(Boolean).length;
    await backend.close();
    assert.equal(accepted, 5);
    assert.deepEqual((await linesOf(file)).map((e) => e.n), [0, 1, 2, 3, 4]);
  });

  test('createAuditor: policy file, flags, and close() flushing what is queued', async () => {
    const policyFile = join(dir, 'auditor-policy.yaml');
    await writeFile(policyFile, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n');
    const logPath = join(dir, 'auditor', 'audit.log');
    const auditor = await createAuditor({ policyFile, logPath, maxSize: 1, log: silent });
    for (let i = 0; i < 50; i++) {
      const ctx = auditor.begin({ attributes: res('create', 'pods', { namespace: 'd' }), requestURI: '/api/v1/namespaces/d/pods', headers: {}, remoteAddress: '127.0.0.1' });
      ctx?.setRequestObject({ metadata: { name: `p${i}` } });
      ctx?.complete(201, `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p${i}"}}`);
    }
    // Nothing has been written yet: the writer runs on a later turn of the event loop.
    assert.equal(statSync(logPath).size, 0);
    await auditor.close();
    const events = (await readFile(logPath, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEvent);
    assert.equal(events.length, 100);
    const last = events[99];
    assert.equal(last.stage, 'ResponseComplete');
    assert.deepEqual(last.objectRef, { resource: 'pods', namespace: 'd', name: 'p49', apiVersion: 'v1' });
    assert.deepEqual(last.responseObject, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p49' } });

    await assert.rejects(createAuditor({ logPath, maxBackup: -1, log: silent }), /--audit-log-maxbackup -1 can't be a negative number/);
    await assert.rejects(createAuditor({ logPath, policyFile: join(dir, 'nope.yaml'), log: silent }), /loading audit policy file/);
    await writeFile(join(dir, 'a-file'), '');
    await assert.rejects(createAuditor({ logPath: join(dir, 'a-file', 'audit.log'), log: silent }), /ENOTDIR|EEXIST/);
  });

  test('createAuditor without a policy file audits with the default policy', async () => {
    const logPath = join(dir, 'default', 'audit.log');
    const auditor = await createAuditor({ logPath, log: silent });
    auditor.begin({ attributes: nonRes('/healthz'), requestURI: '/healthz', headers: {} })?.complete(200);
    const ctx = auditor.begin({ attributes: res('create', 'secrets', { namespace: 'd' }), requestURI: '/api/v1/namespaces/d/secrets', headers: {} });
    ctx?.setRequestObject({ metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' } });
    ctx?.complete(201, { metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' } });
    await auditor.close();
    const text = await readFile(logPath, 'utf8');
    const events = text.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEvent);
    assert.deepEqual(events.map((e) => [e.level, e.stage, e.objectRef?.name]), [['Metadata', 'ResponseComplete', 's']]);
    assert.doesNotMatch(text, /aHVudGVyMg==/);
  });
});
