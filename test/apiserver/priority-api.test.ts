// scheduling.k8s.io/v1 PriorityClasses and the Priority admission plugin against a real
// apiserver: the system classes exist from the start, validation refuses what
// Kubernetes refuses with its messages, a pod's priority is resolved from its class
// (the globalDefault when it names none), and the real kubectl lists classes with
// Kubernetes' columns.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import type { PriorityClass } from '../../api/types/scheduling.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl } from '../harness/kubectl.js';

let cp: ControlPlane;
const PCS = '/apis/scheduling.k8s.io/v1/priorityclasses';

const pc = (name: string, value: number, extra: Partial<PriorityClass> = {}): PriorityClass =>
  ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra });

const pod = (name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...spec },
});

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

describe('PriorityClass', () => {
  it('has the two system classes from the start, as the scheduling post-start hook creates them', async () => {
    const node = await http(cp.url, 'GET', `${PCS}/system-node-critical`);
    assert.equal(node.status, 200, node.text);
    assert.equal(node.json.value, 2000001000);
    assert.equal(node.json.preemptionPolicy, 'PreemptLowerPriority');
    assert.equal(node.json.description, 'Used for system critical pods that must not be moved from their current node.');
    const cluster = await http(cp.url, 'GET', `${PCS}/system-cluster-critical`);
    assert.equal(cluster.status, 200, cluster.text);
    assert.equal(cluster.json.value, 2000000000);
    const out = await kubectl(cp, 'get', 'pc');
    const lines = out.trim().split('\n');
    assert.match(lines[0], /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/);
    assert.ok(lines.some((l) => /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/.test(l)), out);
  });

  it('refuses values above 1e9, reserved system- names, and changes of value or preemptionPolicy', async () => {
    const big = await http(cp.url, 'POST', PCS, pc('too-high', 1_000_000_001));
    assert.equal(big.status, 422, big.text);
    assert.equal(big.json.message, 'PriorityClass.scheduling.k8s.io "too-high" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000');
    const sys = await http(cp.url, 'POST', PCS, pc('system-mine', 10));
    assert.equal(sys.status, 422, sys.text);
    assert.equal(sys.json.details.causes[0].message,
      "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class");
    const made = await http(cp.url, 'POST', PCS, pc('mid', 100, { description: 'x' }));
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json.preemptionPolicy, 'PreemptLowerPriority');
    const changed = await http(cp.url, 'PUT', `${PCS}/mid`, { ...made.json, value: 101, preemptionPolicy: 'Never' });
    assert.equal(changed.status, 422, changed.text);
    assert.deepEqual(changed.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`), [
      'value: Forbidden: may not be changed in an update.',
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
    const described = await http(cp.url, 'PUT', `${PCS}/mid`, { ...made.json, description: 'y', globalDefault: false });
    assert.equal(described.status, 200, described.text);
  });

  it('resolves a pod\'s priority and preemptionPolicy from its class, refuses unknown classes and disagreeing priorities', async () => {
    assert.equal((await http(cp.url, 'POST', PCS, pc('never', 500, { preemptionPolicy: 'Never' }))).status, 201);
    const p = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', pod('classy', { priorityClassName: 'never' }));
    assert.equal(p.status, 201, p.text);
    assert.equal(p.json.spec.priority, 500);
    assert.equal(p.json.spec.preemptionPolicy, 'Never');

    const critical = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', pod('critical', { priorityClassName: 'system-node-critical' }));
    assert.equal(critical.status, 201, critical.text);
    assert.equal(critical.json.spec.priority, 2000001000);

    const plain = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', pod('plain'));
    assert.equal(plain.status, 201, plain.text);
    assert.equal(plain.json.spec.priority, 0);
    assert.equal(plain.json.spec.preemptionPolicy, 'PreemptLowerPriority');
    assert.equal(plain.json.spec.priorityClassName, undefined);

    const unknown = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', pod('lost', { priorityClassName: 'nope' }));
    assert.equal(unknown.status, 403, unknown.text);
    assert.deepEqual(unknown.json, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'pods "lost" is forbidden: no PriorityClass with name nope was found', reason: 'Forbidden',
      details: { name: 'lost', kind: 'pods' }, code: 403,
    });
    const wrong = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', pod('wrong', { priorityClassName: 'never', priority: 7 }));
    assert.equal(wrong.status, 403, wrong.text);
    assert.equal(wrong.json.message, 'pods "wrong" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 500 from the given PriorityClass name');
    const policy = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', pod('policy', { priorityClassName: 'never', preemptionPolicy: 'PreemptLowerPriority' }));
    assert.equal(policy.status, 403, policy.text);
    assert.equal(policy.json.message, 'pods "policy" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name');

    // An update that leaves priority out keeps it (the plugin carries it over).
    const { priority: _p, preemptionPolicy: _pp, ...specWithout } = p.json.spec;
    const updated = await http(cp.url, 'PUT', '/api/v1/namespaces/default/pods/classy', { ...p.json, metadata: { ...p.json.metadata, labels: { a: 'b' } }, spec: specWithout });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.json.spec.priority, 500);
  });

  it('gives pods without a class the globalDefault class; only one class may be the default', async () => {
    const def = await http(cp.url, 'POST', PCS, pc('everyday', 42, { globalDefault: true }));
    assert.equal(def.status, 201, def.text);
    const second = await http(cp.url, 'POST', PCS, pc('another', 43, { globalDefault: true }));
    assert.equal(second.status, 403, second.text);
    assert.equal(second.json.message, 'priorityclasses.scheduling.k8s.io "another" is forbidden: PriorityClass everyday is already marked as default. Only one default can exist');
    // The default class's own update may keep globalDefault.
    const again = await http(cp.url, 'PUT', `${PCS}/everyday`, { ...def.json, description: 'd' });
    assert.equal(again.status, 200, again.text);
    try {
      const p = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', pod('defaulted'));
      assert.equal(p.status, 201, p.text);
      assert.equal(p.json.spec.priorityClassName, 'everyday');
      assert.equal(p.json.spec.priority, 42);
    } finally {
      assert.equal((await http(cp.url, 'DELETE', `${PCS}/everyday`)).status, 200);
    }
  });
});
