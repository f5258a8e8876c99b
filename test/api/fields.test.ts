import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { convertFieldSelector, escapeFieldValue, fieldsOf, parseFieldSelector, validateFieldSelector } from '../../api/fields.js';
import type { KubeObject } from '../../api/types/meta.js';
import { badRequestMessage } from '../harness/assert-status.js';

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default' },
  spec: { nodeName: 'node-a', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default', containers: [] },
  status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] },
};

describe('parseFieldSelector', () => {
  it('parses =, == and != terms joined by commas', () => {
    const sel = parseFieldSelector('spec.nodeName=node-a,status.phase!=Failed,metadata.name==web-1');
    assert.deepEqual(sel.requirements, [
      { field: 'metadata.name', op: '=', value: 'web-1' },
      { field: 'spec.nodeName', op: '=', value: 'node-a' },
      { field: 'status.phase', op: '!=', value: 'Failed' },
    ]);
    assert.ok(sel.matches(fieldsOf(pod)));
    assert.ok(!parseFieldSelector('spec.nodeName=node-b').matches(fieldsOf(pod)));
    assert.equal(sel.toString(), 'metadata.name=web-1,spec.nodeName=node-a,status.phase!=Failed');
  });

  it('empty selects everything; a missing field compares as ""', () => {
    assert.ok(parseFieldSelector('').empty());
    assert.ok(parseFieldSelector('').matches({}));
    assert.ok(parseFieldSelector('spec.nodeName=').matches({}));
    assert.ok(parseFieldSelector('spec.nodeName!=x').matches({}));
    assert.ok(!parseFieldSelector('spec.nodeName=').matches(fieldsOf(pod)));
  });

  it('unescapes \\, \\= and \\\\ in values and re-escapes them when printing', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d');
    assert.equal(sel.requirements[0].value, 'a,b=c\\d');
    assert.ok(sel.matches({ 'metadata.name': 'a,b=c\\d' }));
    assert.equal(sel.toString(), 'metadata.name=a\\,b\\=c\\\\d');
    assert.equal(escapeFieldValue('x,y=z'), 'x\\,y\\=z');
  });

  it('requiresExactMatch finds = terms only', () => {
    const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed');
    assert.equal(sel.requiresExactMatch('spec.nodeName'), 'n1');
    assert.equal(sel.requiresExactMatch('status.phase'), undefined);
  });

  it('rejects malformed selectors with the apiserver messages', () => {
    assert.equal(badRequestMessage(() => parseFieldSelector('spec.nodeName')), "invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'");
    assert.equal(badRequestMessage(() => parseFieldSelector('a=b=c')), 'invalid field selector: unescaped character in value: 61');
    assert.equal(badRequestMessage(() => parseFieldSelector('a=b\\x')), 'invalid field selector: invalid escape sequence: \\x');
    assert.equal(badRequestMessage(() => parseFieldSelector('a=b\\')), 'invalid field selector: invalid escape sequence: \\');
  });
});

describe('fieldsOf', () => {
  it('computes the pod fields', () => {
    assert.deepEqual(fieldsOf(pod), {
      'metadata.name': 'web-1',
      'metadata.namespace': 'default',
      'spec.nodeName': 'node-a',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'default',
      'spec.hostNetwork': 'false',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.5',
      'status.nominatedNodeName': '',
    });
    const unscheduled: KubeObject = { kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { hostNetwork: true } };
    assert.equal(fieldsOf(unscheduled)['spec.nodeName'], '');
    assert.equal(fieldsOf(unscheduled)['spec.hostNetwork'], 'true');
  });

  it('computes the fields of cluster-scoped kinds without metadata.namespace', () => {
    assert.deepEqual(fieldsOf({ kind: 'Node', metadata: { name: 'n1' }, spec: { unschedulable: true } }),
      { 'metadata.name': 'n1', 'spec.unschedulable': 'true' });
    assert.deepEqual(fieldsOf({ kind: 'Namespace', metadata: { name: 'dev' }, status: { phase: 'Active' } }),
      { 'metadata.name': 'dev', 'status.phase': 'Active', name: 'dev' });
  });

  it('computes the fields of the other kinds', () => {
    assert.equal(fieldsOf({ kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'Opaque' }).type, 'Opaque');
    assert.equal(fieldsOf({ kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'd' }, status: { replicas: 3 } })['status.replicas'], '3');
    assert.equal(fieldsOf({ kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'd' } })['status.replicas'], '0');
    const svc = fieldsOf({ kind: 'Service', metadata: { name: 's', namespace: 'd' }, spec: { clusterIP: '10.96.0.10', type: 'ClusterIP' } });
    assert.equal(svc['spec.clusterIP'], '10.96.0.10');
    assert.equal(svc['spec.type'], 'ClusterIP');
    assert.deepEqual(fieldsOf({ kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' } }), { 'metadata.name': 'c', 'metadata.namespace': 'd' });
  });

  it('computes the event fields, source falling back to reportingComponent', () => {
    const event: KubeObject = {
      kind: 'Event',
      metadata: { name: 'e', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1', apiVersion: 'v1', resourceVersion: '7', fieldPath: 'spec.containers{web}' },
      reason: 'Scheduled',
      reportingComponent: 'default-scheduler',
      type: 'Normal',
    };
    const fields = fieldsOf(event);
    assert.equal(fields['involvedObject.name'], 'web-1');
    assert.equal(fields['involvedObject.fieldPath'], 'spec.containers{web}');
    assert.equal(fields.reason, 'Scheduled');
    assert.equal(fields.source, 'default-scheduler');
    assert.equal(fieldsOf({ ...event, source: { component: 'kubelet' } }).source, 'kubelet');
    assert.ok(parseFieldSelector('involvedObject.kind=Pod,involvedObject.name=web-1,type=Normal').matches(fields));
  });
});

describe('validateFieldSelector', () => {
  it('accepts the fields each kind supports', () => {
    validateFieldSelector('Pod', parseFieldSelector('spec.nodeName=n,status.phase=Running,metadata.namespace=d'));
    validateFieldSelector('Node', parseFieldSelector('spec.unschedulable=false'));
    validateFieldSelector('Event', parseFieldSelector('involvedObject.uid=x,reason=y,source=z'));
    validateFieldSelector('ConfigMap', parseFieldSelector('metadata.name=x'));
  });

  it('rejects unsupported fields as the apiserver does', () => {
    assert.equal(badRequestMessage(() => validateFieldSelector('Pod', parseFieldSelector('spec.foo=x'))), 'field label not supported: spec.foo');
    assert.equal(badRequestMessage(() => validateFieldSelector('Node', parseFieldSelector('metadata.namespace=x'))),
      'field label not supported: metadata.namespace');
    assert.equal(badRequestMessage(() => validateFieldSelector('Secret', parseFieldSelector('data=x'))), 'field label not supported: data');
    assert.equal(badRequestMessage(() => validateFieldSelector('ConfigMap', parseFieldSelector('data=x'))),
      '"data" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('converts the legacy pod field spec.host to spec.nodeName', () => {
    const sel = convertFieldSelector('Pod', parseFieldSelector('spec.host=node-a'));
    assert.deepEqual(sel.requirements, [{ field: 'spec.nodeName', op: '=', value: 'node-a' }]);
    assert.ok(sel.matches(fieldsOf(pod)));
  });
});
