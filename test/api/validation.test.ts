import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../api/defaults.js';
import type { Deployment, ReplicaSet } from '../../api/types/apps.js';
import type { Container, Pod, PodSpec, Service } from '../../api/types/core.js';
import type { KubeObject, StatusCause } from '../../api/types/meta.js';
import { validateCreate, validateUpdate } from '../../api/validation/index.js';
import {
  isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidCIDR, isValidIP,
  isValidLabelValue, isValidPortName, isValidPortNum, nameIsDNSSubdomain,
} from '../../api/validation/names.js';

// ---------------------------------------------------------------- helpers

const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const POD_UPDATE_MSG = 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

const d = <T extends KubeObject>(obj: T): T => {
  applyDefaults(obj);
  return obj;
};

const makePod = (spec: Partial<PodSpec> = {}, meta: Partial<Pod['metadata']> = {}): Pod => d<Pod>({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', ...meta },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...spec },
});

const ctr = (c: Partial<Container> = {}): Container => ({ name: 'app', image: 'nginx:1.25', ...c });

const makeService = (spec: Service['spec'], name = 'web'): Service => d<Service>({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec,
});

const makeDeployment = (spec: Partial<NonNullable<Deployment['spec']>> = {}): Deployment => d<Deployment>({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [ctr()] } },
    ...spec,
  },
});

/** The server's view of a stored object: what an update starts from. */
const stored = <T extends KubeObject>(obj: T): T => {
  const o = structuredClone(obj);
  o.metadata.uid = '11111111-2222-3333-4444-555555555555';
  o.metadata.resourceVersion = '10';
  o.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
  return o;
};

const find = (causes: StatusCause[], field: string): StatusCause | undefined => causes.find((c) => c.field === field);

function assertCause(causes: StatusCause[], expected: StatusCause): void {
  assert.ok(
    causes.some((c) => c.field === expected.field && c.reason === expected.reason && c.message === expected.message),
    `expected ${JSON.stringify(expected)} in\n${JSON.stringify(causes, null, 2)}`,
  );
}

// ---------------------------------------------------------------- names

describe('names', () => {
  it('DNS-1123 subdomain: format and 253-character limit', () => {
    assert.deepEqual(isDNS1123Subdomain('example.com'), []);
    assert.deepEqual(isDNS1123Subdomain('Foo_bar'), [SUBDOMAIN_MSG]);
    assert.deepEqual(isDNS1123Subdomain('a'.repeat(253)), []);
    assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
    assert.deepEqual(isDNS1123Subdomain('-a'), [SUBDOMAIN_MSG]);
  });

  it('DNS-1123 label: format, dots and 63-character limit', () => {
    assert.deepEqual(isDNS1123Label('my-name'), []);
    assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
    assert.deepEqual(isDNS1123Label('My_Name'), [LABEL_MSG]);
    assert.deepEqual(isDNS1123Label('a'.repeat(63)), []);
    assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  });

  it('DNS-1035 label must start with a letter', () => {
    assert.deepEqual(isDNS1035Label('web'), []);
    assert.deepEqual(isDNS1035Label('1web'), [DNS1035_MSG]);
    assert.deepEqual(isDNS1035Label('w'.repeat(64)), ['must be no more than 63 characters']);
  });

  it('qualified names (label keys)', () => {
    assert.deepEqual(isQualifiedName('app'), []);
    assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
    assert.deepEqual(isQualifiedName('a/b/c'), ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]);
    assert.deepEqual(isQualifiedName('/a'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('a/'), ['name part must be non-empty', NAME_PART_MSG]);
    assert.deepEqual(isQualifiedName('x'.repeat(64)), ['name part must be no more than 63 characters']);
    assert.deepEqual(isQualifiedName('Example.com/x'), [`prefix part ${SUBDOMAIN_MSG}`]);
    assert.deepEqual(isQualifiedName('-bad'), [NAME_PART_MSG]);
  });

  it('label values', () => {
    assert.deepEqual(isValidLabelValue(''), []);
    assert.deepEqual(isValidLabelValue('v1.2_x-y'), []);
    assert.deepEqual(isValidLabelValue('bad value'), [LABEL_VALUE_MSG]);
    assert.deepEqual(isValidLabelValue('v'.repeat(64)), ['must be no more than 63 characters']);
  });

  it('port numbers and names', () => {
    assert.deepEqual(isValidPortNum(1), []);
    assert.deepEqual(isValidPortNum(65535), []);
    assert.deepEqual(isValidPortNum(0), ['must be between 1 and 65535, inclusive']);
    assert.deepEqual(isValidPortNum(65536), ['must be between 1 and 65535, inclusive']);
    assert.deepEqual(isValidPortName('http'), []);
    assert.deepEqual(isValidPortName('1234'), ['must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('HTTP'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
    assert.deepEqual(isValidPortName('-ab'), ['must not begin or end with a hyphen']);
    assert.deepEqual(isValidPortName('abcdefghijklmnop'), ['must be no more than 15 characters']);
  });

  it('config keys, IPs and CIDRs', () => {
    assert.deepEqual(isConfigMapKey('app.properties'), []);
    assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
    assert.equal(isConfigMapKey('a b').length, 1);
    assert.deepEqual(isValidIP('10.0.0.1'), []);
    assert.deepEqual(isValidIP('2001:db8::1'), []);
    assert.deepEqual(isValidIP('10.0.0.256'), ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
    assert.deepEqual(isValidCIDR('10.244.0.0/16'), []);
    assert.deepEqual(isValidCIDR('10.244.0.0/33'), ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']);
  });

  it('generateName may end in a dash', () => {
    assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
    assert.deepEqual(nameIsDNSSubdomain('web-', false), [SUBDOMAIN_MSG]);
  });
});

// ---------------------------------------------------------------- metadata

describe('ObjectMeta', () => {
  it('requires a name', () => {
    const causes = validateCreate(makePod({}, { name: undefined }));
    assertCause(causes, { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  });

  it('checks the name format per kind', () => {
    assertCause(validateCreate(makePod({}, { name: 'Web_1' })), { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "Web_1": ${SUBDOMAIN_MSG}` });
    assert.deepEqual(validateCreate(makePod({}, { name: 'web.v1' })), []);
    assertCause(validateCreate(makeService({ ports: [{ port: 80 }] }, 'web.v1')), {
      reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "web.v1": ${DNS1035_MSG}`,
    });
    const ns = d<KubeObject>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } });
    assertCause(validateCreate(ns), { reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "team.a": must not contain dots' });
    const long = d<KubeObject>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c'.repeat(254), namespace: 'default' } });
    assertCause(validateCreate(long), { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${'c'.repeat(254)}": must be no more than 253 characters` });
  });

  it('checks generateName with a trailing dash allowed', () => {
    assert.deepEqual(validateCreate(makePod({}, { name: 'web-x7k2p', generateName: 'web-' })), []);
    const causes = validateCreate(makePod({}, { name: 'ok', generateName: 'Bad_' }));
    assert.equal(find(causes, 'metadata.generateName')?.reason, 'FieldValueInvalid');
  });

  it('requires a namespace on namespaced kinds and forbids it on cluster-scoped ones', () => {
    assertCause(validateCreate(makePod({}, { namespace: undefined })), { reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' });
    const node = d<KubeObject>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: 'default' } });
    assertCause(validateCreate(node), { reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' });
  });

  it('validates label keys and values on metadata.labels', () => {
    const causes = validateCreate(makePod({}, { labels: { 'app': 'bad value', '-key': 'ok' } }));
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "bad value": ${LABEL_VALUE_MSG}` });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "-key": ${NAME_PART_MSG}` });
  });

  it('limits annotations to 256 KiB in total', () => {
    assert.deepEqual(validateCreate(makePod({}, { annotations: { a: 'x'.repeat(1000) } })), []);
    const causes = validateCreate(makePod({}, { annotations: { a: 'x'.repeat(256 * 1024) } }));
    assertCause(causes, { reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: must have at most 262144 bytes' });
  });

  it('requires finalizers to be standard or fully qualified', () => {
    assert.deepEqual(validateCreate(makePod({}, { finalizers: ['kubernetes', 'example.com/cleanup'] })), []);
    assertCause(validateCreate(makePod({}, { finalizers: ['cleanup'] })), {
      reason: 'FieldValueInvalid', field: 'metadata.finalizers[0]', message: 'Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
    });
  });

  it('checks ownerReferences', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true };
    assert.deepEqual(validateCreate(makePod({}, { ownerReferences: [ref] })), []);
    assertCause(validateCreate(makePod({}, { ownerReferences: [{ ...ref, uid: '' }] })), {
      reason: 'FieldValueInvalid', field: 'metadata.ownerReferences.uid', message: 'Invalid value: "": must not be empty',
    });
    const two = validateCreate(makePod({}, { ownerReferences: [ref, { ...ref, name: 'rs2', uid: 'u2' }] }));
    assert.match(find(two, 'metadata.ownerReferences')!.message!, /Only one reference can have Controller set to true. Found "true" in references for ReplicaSet\/rs and ReplicaSet\/rs2$/);
  });

  it('makes name, namespace and uid immutable on update', () => {
    const old = stored(makePod());
    const renamed = structuredClone(old);
    renamed.metadata.name = 'other';
    assertCause(validateUpdate(renamed, old), { reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "other": field is immutable' });
    const moved = structuredClone(old);
    moved.metadata.namespace = 'kube-system';
    assertCause(validateUpdate(moved, old), { reason: 'FieldValueInvalid', field: 'metadata.namespace', message: 'Invalid value: "kube-system": field is immutable' });
    const reuid = structuredClone(old);
    reuid.metadata.uid = 'other-uid';
    assert.equal(find(validateUpdate(reuid, old), 'metadata.uid')?.message, 'Invalid value: "other-uid": field is immutable');
    const stamped = structuredClone(old);
    stamped.metadata.creationTimestamp = '2030-01-01T00:00:00Z';
    assert.equal(find(validateUpdate(stamped, old), 'metadata.creationTimestamp')?.reason, 'FieldValueInvalid');
  });

  it('allows label and annotation changes on update', () => {
    const old = stored(makePod());
    const next = structuredClone(old);
    next.metadata.labels = { tier: 'frontend' };
    next.metadata.annotations = { note: 'x' };
    assert.deepEqual(validateUpdate(next, old), []);
  });

  it('forbids new finalizers once an object is being deleted', () => {
    const old = stored(makePod({}, { finalizers: ['example.com/a'] }));
    old.metadata.deletionTimestamp = '2024-01-02T00:00:00Z';
    const next = structuredClone(old);
    next.metadata.finalizers = ['example.com/a', 'example.com/b'];
    assertCause(validateUpdate(next, old), {
      reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}',
    });
    const removed = structuredClone(old);
    removed.metadata.finalizers = [];
    assert.deepEqual(validateUpdate(removed, old), []);
  });
});

// ---------------------------------------------------------------- pods

describe('Pod', () => {
  it('accepts a defaulted pod', () => {
    assert.deepEqual(validateCreate(makePod()), []);
  });

  it('requires at least one container', () => {
    assert.deepEqual(validateCreate(makePod({ containers: [] })), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }]);
  });

  it('checks container names: DNS-1123 label, unique', () => {
    assertCause(validateCreate(makePod({ containers: [ctr({ name: 'My_App' })] })), {
      reason: 'FieldValueInvalid', field: 'spec.containers[0].name', message: `Invalid value: "My_App": ${LABEL_MSG}`,
    });
    assertCause(validateCreate(makePod({ containers: [ctr(), ctr()] })), { reason: 'FieldValueDuplicate', field: 'spec.containers[1].name', message: 'Duplicate value: "app"' });
    assertCause(validateCreate(makePod({ containers: [ctr({ name: '' })] })), { reason: 'FieldValueRequired', field: 'spec.containers[0].name', message: 'Required value' });
    assertCause(validateCreate(makePod({ containers: [ctr()], initContainers: [ctr()] })), { reason: 'FieldValueDuplicate', field: 'spec.initContainers[0].name', message: 'Duplicate value: "app"' });
  });

  it('requires an image', () => {
    assertCause(validateCreate(makePod({ containers: [ctr({ image: '' })] })), { reason: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' });
    assertCause(validateCreate(makePod({ containers: [ctr({ image: ' nginx' })] })), {
      reason: 'FieldValueInvalid', field: 'spec.containers[0].image', message: 'Invalid value: " nginx": must not have leading or trailing whitespace',
    });
  });

  it('checks container ports', () => {
    const causes = validateCreate(makePod({
      containers: [ctr({
        ports: [{ containerPort: 70000 }, { containerPort: 0 }, { containerPort: 80, protocol: 'HTTP' }, { containerPort: 81, name: 'web' }, { containerPort: 82, name: 'web' }],
      })],
    }));
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.containers[0].ports[0].containerPort', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' });
    assertCause(causes, { reason: 'FieldValueRequired', field: 'spec.containers[0].ports[1].containerPort', message: 'Required value' });
    assertCause(causes, { reason: 'FieldValueNotSupported', field: 'spec.containers[0].ports[2].protocol', message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"' });
    assertCause(causes, { reason: 'FieldValueDuplicate', field: 'spec.containers[0].ports[4].name', message: 'Duplicate value: "web"' });
    const hostPorts = validateCreate(makePod({ containers: [ctr({ ports: [{ containerPort: 80, hostPort: 8080 }] }), ctr({ name: 'b', ports: [{ containerPort: 81, hostPort: 8080 }] })] }));
    assertCause(hostPorts, { reason: 'FieldValueDuplicate', field: 'spec.containers[1].ports[0].hostPort', message: 'Duplicate value: "TCP//8080"' });
  });

  it('checks restartPolicy and dnsPolicy values', () => {
    assert.deepEqual(validateCreate(makePod({ restartPolicy: 'Sometimes' })), [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"', field: 'spec.restartPolicy',
    }]);
    assertCause(validateCreate(makePod({ dnsPolicy: 'Google' })), {
      reason: 'FieldValueNotSupported', field: 'spec.dnsPolicy', message: 'Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    });
  });

  it('requires the fields defaulting fills in (validation runs after defaults)', () => {
    const raw: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [ctr()] } };
    const causes = validateCreate(raw);
    for (const field of ['spec.terminationGracePeriodSeconds', 'spec.restartPolicy', 'spec.dnsPolicy', 'spec.containers[0].imagePullPolicy', 'spec.containers[0].terminationMessagePolicy']) {
      assertCause(causes, { reason: 'FieldValueRequired', field, message: 'Required value' });
    }
  });

  it('checks volumes and volume mounts', () => {
    const causes = validateCreate(makePod({
      volumes: [{ name: 'data' }, { name: 'data' }, { name: 'Bad_Name' }, { name: 'cfg', configMap: { name: '' } }, { name: 'two', emptyDir: {}, hostPath: { path: '/tmp' } }],
      containers: [ctr({ volumeMounts: [{ name: 'missing', mountPath: '/m' }, { name: 'data', mountPath: '' }] })],
    }));
    assertCause(causes, { reason: 'FieldValueDuplicate', field: 'spec.volumes[1].name', message: 'Duplicate value: "data"' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.volumes[2].name', message: `Invalid value: "Bad_Name": ${LABEL_MSG}` });
    assertCause(causes, { reason: 'FieldValueRequired', field: 'spec.volumes[3].configMap.name', message: 'Required value' });
    assertCause(causes, { reason: 'FieldValueForbidden', field: 'spec.volumes[4].hostPath', message: 'Forbidden: may not specify more than 1 volume type' });
    assertCause(causes, { reason: 'FieldValueNotFound', field: 'spec.containers[0].volumeMounts[0].name', message: 'Not found: "missing"' });
    assertCause(causes, { reason: 'FieldValueRequired', field: 'spec.containers[0].volumeMounts[1].mountPath', message: 'Required value' });
    assert.deepEqual(validateCreate(makePod({ volumes: [{ name: 'data' }], containers: [ctr({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] })), []);
  });

  it('checks secret and hostPath volume sources', () => {
    const causes = validateCreate(makePod({
      volumes: [{ name: 's', secret: { secretName: 's', defaultMode: 0o1777 } }, { name: 'h', hostPath: { path: '/var/../etc', type: 'Bogus' } }],
    }));
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.volumes[0].secret.defaultMode', message: 'Invalid value: 1023: must be a number between 0 and 0777 (octal), both inclusive' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.volumes[1].hostPath.path', message: `Invalid value: "/var/../etc": must not contain '..'` });
    assert.equal(find(causes, 'spec.volumes[1].hostPath.type')?.reason, 'FieldValueNotSupported');
  });

  it('checks resource quantities and requests <= limits', () => {
    const causes = validateCreate(makePod({
      containers: [ctr({ resources: { limits: { cpu: '500m', memory: 'lots' }, requests: { cpu: '1' } } })],
    }));
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.requests', message: 'Invalid value: "1": must be less than or equal to cpu limit of 500m' });
    assertCause(causes, {
      reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.limits[memory]',
      message: `Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    });
    assertCause(validateCreate(makePod({ containers: [ctr({ resources: { requests: { memory: '-1Gi' } } })] })), {
      reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.requests[memory]', message: 'Invalid value: "-1Gi": must be greater than or equal to 0',
    });
    assertCause(validateCreate(makePod({ containers: [ctr({ resources: { requests: { gpu: '1' } } })] })), {
      reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.requests[gpu]', message: 'Invalid value: "gpu": must be a standard resource for containers',
    });
    assertCause(validateCreate(makePod({ containers: [ctr({ resources: { limits: { 'example.com/gpu': '1' }, requests: { 'example.com/gpu': '2' } } })] })), {
      reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.requests', message: 'Invalid value: "2": must be equal to example.com/gpu limit of 1',
    });
    assert.deepEqual(validateCreate(makePod({ containers: [ctr({ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m', memory: '64Mi' } } })] })), []);
  });

  it('checks probes', () => {
    const causes = validateCreate(makePod({
      containers: [ctr({
        livenessProbe: { periodSeconds: 10 },
        readinessProbe: { httpGet: { port: 0, scheme: 'FTP' } },
        startupProbe: { exec: { command: ['true'] }, successThreshold: 2 },
      })],
    }));
    assertCause(causes, { reason: 'FieldValueRequired', field: 'spec.containers[0].livenessProbe', message: 'Required value: must specify a handler type' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.containers[0].readinessProbe.httpGet.port', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' });
    assertCause(causes, { reason: 'FieldValueNotSupported', field: 'spec.containers[0].readinessProbe.httpGet.scheme', message: 'Unsupported value: "FTP": supported values: "HTTP", "HTTPS"' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.containers[0].startupProbe.successThreshold', message: 'Invalid value: 2: must be 1' });
    const named = validateCreate(makePod({ containers: [ctr({ livenessProbe: { tcpSocket: { port: 'HTTP' } } })] }));
    assert.equal(find(named, 'spec.containers[0].livenessProbe.tcpSocket.port')?.reason, 'FieldValueInvalid');
  });

  it('allows probes and hooks only on sidecar init containers', () => {
    const causes = validateCreate(makePod({ initContainers: [ctr({ name: 'init', livenessProbe: { exec: { command: ['true'] } } })] }));
    assertCause(causes, { reason: 'FieldValueForbidden', field: 'spec.initContainers[0].livenessProbe', message: 'Forbidden: may not be set for init containers without restartPolicy=Always' });
    assert.deepEqual(validateCreate(makePod({ initContainers: [ctr({ name: 'side', restartPolicy: 'Always', livenessProbe: { exec: { command: ['true'] } } })] })), []);
    assertCause(validateCreate(makePod({ containers: [ctr({ restartPolicy: 'Always' })] })), {
      reason: 'FieldValueForbidden', field: 'spec.containers[0].restartPolicy', message: 'Forbidden: may not be set for non-init containers',
    });
  });

  it('checks env and envFrom', () => {
    const causes = validateCreate(makePod({
      containers: [ctr({
        env: [
          { name: '', value: 'x' },
          { name: 'A', valueFrom: {} },
          { name: 'B', value: 'v', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          { name: 'C', valueFrom: { fieldRef: { fieldPath: 'spec.restartPolicy' } } },
          { name: 'D', valueFrom: { configMapKeyRef: { name: 'cm', key: '' } } },
        ],
        envFrom: [{}],
      })],
    }));
    assertCause(causes, { reason: 'FieldValueRequired', field: 'spec.containers[0].env[0].name', message: 'Required value' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.containers[0].env[1].valueFrom', message: 'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.containers[0].env[2].valueFrom', message: 'Invalid value: "": may not be specified when `value` is not empty' });
    assertCause(causes, {
      reason: 'FieldValueNotSupported', field: 'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath',
      message: 'Unsupported value: "spec.restartPolicy": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
    });
    assertCause(causes, { reason: 'FieldValueRequired', field: 'spec.containers[0].env[4].valueFrom.configMapKeyRef.key', message: 'Required value' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.containers[0].envFrom', message: 'Invalid value: "": must specify one of: `configMapRef` or `secretRef`' });
  });

  it('checks tolerations, affinity and nodeSelector', () => {
    const causes = validateCreate(makePod({
      tolerations: [{ key: 'k', operator: 'Maybe' }, { operator: 'Equal', value: 'v' }, { key: 'k', tolerationSeconds: 5, effect: 'NoSchedule' }],
      nodeSelector: { disk: 'ssd drive' },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' }] }] } } },
    }));
    assertCause(causes, { reason: 'FieldValueNotSupported', field: 'spec.tolerations[0].operator', message: 'Unsupported value: "Maybe": supported values: "Equal", "Exists"' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.tolerations[1].operator', message: 'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.tolerations[2].effect', message: "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set" });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.nodeSelector', message: `Invalid value: "ssd drive": ${LABEL_VALUE_MSG}` });
    assertCause(causes, {
      reason: 'FieldValueRequired', field: 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values',
      message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
    });
  });

  it('requires hostPort to match containerPort with hostNetwork', () => {
    const p = makePod({ hostNetwork: true, containers: [ctr({ ports: [{ containerPort: 80, hostPort: 8080 }] })] });
    assertCause(validateCreate(p), { reason: 'FieldValueInvalid', field: 'spec.containers[0].ports[0].hostPort', message: 'Invalid value: 8080: must match `containerPort` when `hostNetwork` is true' });
  });

  it('checks nodeName and activeDeadlineSeconds', () => {
    assertCause(validateCreate(makePod({ nodeName: 'Node_1' })), { reason: 'FieldValueInvalid', field: 'spec.nodeName', message: `Invalid value: "Node_1": ${SUBDOMAIN_MSG}` });
    assertCause(validateCreate(makePod({ activeDeadlineSeconds: 0 })), { reason: 'FieldValueInvalid', field: 'spec.activeDeadlineSeconds', message: 'Invalid value: 0: must be between 1 and 2147483647, inclusive' });
  });
});

describe('Pod update', () => {
  const base = (): Pod => stored(makePod({ tolerations: [{ key: 'a', operator: 'Exists' }], containers: [ctr({ ports: [{ containerPort: 80 }] })] }));

  it('allows changing images', () => {
    const old = base();
    const next = structuredClone(old);
    next.spec!.containers[0].image = 'nginx:1.26';
    assert.deepEqual(validateUpdate(next, old), []);
  });

  it('forbids changing anything else in spec, with Kubernetes\' message', () => {
    const old = base();
    const next = structuredClone(old);
    next.spec!.containers[0].ports![0].containerPort = 8080;
    const causes = validateUpdate(next, old);
    assert.equal(causes.length, 1);
    assert.equal(causes[0].field, 'spec');
    assert.equal(causes[0].reason, 'FieldValueForbidden');
    assert.ok(causes[0].message!.startsWith(`${POD_UPDATE_MSG}\n`), causes[0].message);
    const policy = structuredClone(old);
    policy.spec!.restartPolicy = 'Never';
    assert.ok(validateUpdate(policy, old)[0].message!.startsWith(POD_UPDATE_MSG));
    // The account of the change reads the same whatever order the fields were written in.
    const reordered = structuredClone(old);
    reordered.spec!.containers = reordered.spec!.containers.map((c) => Object.fromEntries(Object.entries(c).reverse()) as Container);
    assert.equal(validateUpdate(next, reordered)[0].message, causes[0].message);
  });

  it('forbids adding or removing containers', () => {
    const old = base();
    const next = structuredClone(old);
    next.spec!.containers.push(d<Pod>({ kind: 'Pod', metadata: {}, spec: { containers: [ctr({ name: 'b' })] } }).spec!.containers[0]);
    assertCause(validateUpdate(next, old), { reason: 'FieldValueForbidden', field: 'spec.containers', message: 'Forbidden: pod updates may not add or remove containers' });
  });

  it('allows adding tolerations but not changing existing ones', () => {
    const old = base();
    const added = structuredClone(old);
    added.spec!.tolerations!.push({ key: 'b', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 });
    assert.deepEqual(validateUpdate(added, old), []);
    const removed = structuredClone(old);
    removed.spec!.tolerations = [];
    assertCause(validateUpdate(removed, old), { reason: 'FieldValueForbidden', field: 'spec.tolerations', message: 'Forbidden: existing toleration can not be modified except its tolerationSeconds' });
  });

  it('allows activeDeadlineSeconds to be set or lowered, not raised', () => {
    const old = base();
    const set = structuredClone(old);
    set.spec!.activeDeadlineSeconds = 100;
    assert.deepEqual(validateUpdate(set, old), []);
    const raised = structuredClone(set);
    raised.spec!.activeDeadlineSeconds = 200;
    assertCause(validateUpdate(raised, set), { reason: 'FieldValueInvalid', field: 'spec.activeDeadlineSeconds', message: 'Invalid value: 200: must be less than or equal to previous value' });
  });

  it('checks the status subresource separately; binding is not validated as an update', () => {
    const old = base();
    const status = structuredClone(old);
    status.status = { phase: 'Running' };
    assert.deepEqual(validateUpdate(status, old, { subresource: 'status' }), []);
    const bound = structuredClone(old);
    bound.spec!.nodeName = 'node-1';
    assert.deepEqual(validateUpdate(bound, old, { subresource: 'binding' }), []);
    assert.equal(validateUpdate(bound, old)[0].field, 'spec');
    assertCause(validateUpdate(bound, old, { subresource: 'status' }), { reason: 'FieldValueForbidden', field: 'status.nodeName', message: 'Forbidden: may not be changed directly' });
  });

  it('validates Binding bodies', () => {
    assert.deepEqual(validateCreate({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Node', name: 'n1' } }), []);
    assertCause(validateCreate({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Pod' } }), {
      reason: 'FieldValueNotSupported', field: 'target.kind', message: 'Unsupported value: "Pod": supported values: "Node", "<empty>"',
    });
    assertCause(validateCreate({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: {} }), { reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' });
  });
});

// ---------------------------------------------------------------- services

describe('Service', () => {
  it('accepts a defaulted ClusterIP service', () => {
    assert.deepEqual(validateCreate(makeService({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] })), []);
  });

  it('requires ports unless headless or ExternalName', () => {
    assert.deepEqual(validateCreate(makeService({ selector: { app: 'web' } })), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.ports' }]);
    assert.deepEqual(validateCreate(makeService({ clusterIP: 'None', selector: { app: 'web' } })), []);
    assert.deepEqual(validateCreate(makeService({ type: 'ExternalName', externalName: 'db.example.com.' })), []);
    assertCause(validateCreate(makeService({ type: 'ExternalName' })), { reason: 'FieldValueRequired', field: 'spec.externalName', message: 'Required value' });
  });

  it('checks port numbers, protocols and target ports', () => {
    const causes = validateCreate(makeService({ ports: [{ port: 0, protocol: 'ICMP', targetPort: 70000 }] }));
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.ports[0].port', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' });
    assertCause(causes, { reason: 'FieldValueNotSupported', field: 'spec.ports[0].protocol', message: 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"' });
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'spec.ports[0].targetPort', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' });
    assertCause(validateCreate(makeService({ ports: [{ port: 80, targetPort: 'Web_Port' }] })), {
      reason: 'FieldValueInvalid', field: 'spec.ports[0].targetPort', message: 'Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    });
  });

  it('requires unique port names when there is more than one port', () => {
    const unnamed = validateCreate(makeService({ ports: [{ port: 80 }, { port: 443 }] }));
    assertCause(unnamed, { reason: 'FieldValueRequired', field: 'spec.ports[0].name', message: 'Required value' });
    assertCause(unnamed, { reason: 'FieldValueRequired', field: 'spec.ports[1].name', message: 'Required value' });
    assertCause(validateCreate(makeService({ ports: [{ name: 'web', port: 80 }, { name: 'web', port: 443 }] })), {
      reason: 'FieldValueDuplicate', field: 'spec.ports[1].name', message: 'Duplicate value: "web"',
    });
    const dup = validateCreate(makeService({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }));
    assert.equal(find(dup, 'spec.ports[1]')?.reason, 'FieldValueDuplicate');
    assert.deepEqual(validateCreate(makeService({ ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] })), []);
  });

  it('checks type, sessionAffinity, nodePort and selector', () => {
    assertCause(validateCreate(makeService({ type: 'Internal', ports: [{ port: 80 }] })), {
      reason: 'FieldValueNotSupported', field: 'spec.type', message: 'Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    });
    assertCause(validateCreate(makeService({ sessionAffinity: 'Sticky', ports: [{ port: 80 }] })), {
      reason: 'FieldValueNotSupported', field: 'spec.sessionAffinity', message: 'Unsupported value: "Sticky": supported values: "ClientIP", "None"',
    });
    assertCause(validateCreate(makeService({ ports: [{ port: 80, nodePort: 30080 }] })), {
      reason: 'FieldValueForbidden', field: 'spec.ports[0].nodePort', message: "Forbidden: may not be used when `type` is 'ClusterIP'",
    });
    assert.deepEqual(validateCreate(makeService({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })), []);
    assertCause(validateCreate(makeService({ selector: { app: 'bad value' }, ports: [{ port: 80 }] })), {
      reason: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: "bad value": ${LABEL_VALUE_MSG}`,
    });
  });

  it('rejects special external IPs', () => {
    assertCause(validateCreate(makeService({ externalIPs: ['127.0.0.1'], ports: [{ port: 80 }] })), {
      reason: 'FieldValueInvalid', field: 'spec.externalIPs[0]', message: 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    });
  });

  it('checks clusterIP values', () => {
    assertCause(validateCreate(makeService({ clusterIP: '10.96.0.999', ports: [{ port: 80 }] })), {
      reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: "10.96.0.999": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    });
    assertCause(validateCreate(makeService({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] })), {
      reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: "Invalid value: \"None\": may not be set to 'None' for NodePort services",
    });
  });

  it('makes the clusterIP immutable on update', () => {
    const old = stored(makeService({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] }));
    assert.deepEqual(validateUpdate(structuredClone(old), old), []);
    const changed = structuredClone(old);
    changed.spec!.clusterIP = '10.96.0.11';
    assertCause(validateUpdate(changed, old), {
      reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: []string{"10.96.0.11"}: may not change once set',
    });
    const both = structuredClone(old);
    both.spec!.clusterIP = '10.96.0.12';
    both.spec!.clusterIPs = ['10.96.0.12'];
    assertCause(validateUpdate(both, old), {
      reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: []string{"10.96.0.12"}: may not change once set',
    });
    const ports = structuredClone(old);
    ports.spec!.ports = [{ port: 8080, protocol: 'TCP', targetPort: 8080 }];
    assert.deepEqual(validateUpdate(ports, old), []);
  });
});

// ---------------------------------------------------------------- other core kinds

describe('Node, Namespace, ConfigMap, Secret, Event, Endpoints, Lease', () => {
  it('Node: taint effects and uniqueness', () => {
    const node = d<KubeObject>({
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' },
      spec: { taints: [{ key: 'a', effect: 'NoWay' }, { key: 'b', effect: '' }, { key: 'c', value: 'x', effect: 'NoSchedule' }, { key: 'c', value: 'y', effect: 'NoSchedule' }] },
    });
    const causes = validateCreate(node);
    assertCause(causes, { reason: 'FieldValueNotSupported', field: 'metadata.taints[0].effect', message: 'Unsupported value: "NoWay": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"' });
    assertCause(causes, { reason: 'FieldValueRequired', field: 'metadata.taints[1].effect', message: 'Required value' });
    assert.equal(find(causes, 'metadata.taints[3]')?.reason, 'FieldValueDuplicate');
    assert.match(find(causes, 'metadata.taints[3]')!.message!, /: taints must be unique by key and effect pair$/);
  });

  it('Node: podCIDR and providerID may only be set once; quantities are checked', () => {
    const old = stored(d<KubeObject>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24', providerID: 'docker://n1' } }));
    const next = structuredClone(old);
    (next.spec as { podCIDR?: string; podCIDRs?: string[] }).podCIDRs = ['10.244.1.0/24'];
    (next.spec as { providerID?: string }).providerID = 'docker://n2';
    const causes = validateUpdate(next, old);
    assertCause(causes, { reason: 'FieldValueForbidden', field: 'spec.podCIDRs', message: 'Forbidden: node updates may not change podCIDR except from "" to valid' });
    assertCause(causes, { reason: 'FieldValueForbidden', field: 'spec.providerID', message: 'Forbidden: node updates may not change providerID except from "" to valid' });
    const neg = d<KubeObject>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '-1' } } });
    assertCause(validateCreate(neg), { reason: 'FieldValueInvalid', field: 'status.capacity.cpu', message: 'Invalid value: "-1": must be greater than or equal to 0' });
  });

  it('Namespace: DNS-1123 label names', () => {
    assert.deepEqual(validateCreate(d<KubeObject>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } })), []);
    assertCause(validateCreate(d<KubeObject>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Team' } })), {
      reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "Team": ${LABEL_MSG}`,
    });
  });

  it('ConfigMap: keys, duplicates with binaryData, 1 MiB', () => {
    const cm = (data: Record<string, string>, binaryData?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, data, binaryData });
    assert.deepEqual(validateCreate(cm({ 'app.properties': 'x=1' })), []);
    assertCause(validateCreate(cm({ 'bad key': 'x' })), {
      reason: 'FieldValueInvalid', field: 'data[bad key]',
      message: "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    });
    assertCause(validateCreate(cm({ a: 'x' }, { a: 'eA==' })), { reason: 'FieldValueInvalid', field: 'data[a]', message: 'Invalid value: "a": duplicate of key present in binaryData' });
    assertCause(validateCreate(cm({ big: 'x'.repeat(1024 * 1024 + 1) })), { reason: 'FieldValueTooLong', field: '', message: 'Too long: must have at most 1048576 bytes' });
  });

  it('ConfigMap and Secret: immutable ones stay as they are', () => {
    const old = stored<KubeObject>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, immutable: true, data: { a: '1' } });
    const next = structuredClone(old);
    next.data = { a: '2' };
    assertCause(validateUpdate(next, old), { reason: 'FieldValueForbidden', field: 'data', message: 'Forbidden: field is immutable when `immutable` is set' });
  });

  it('Secret: base64 values, required keys per type, type immutable', () => {
    const secret = (extra: Record<string, unknown>): KubeObject => d<KubeObject>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, ...extra });
    assert.deepEqual(validateCreate(secret({ data: { password: 'aHVudGVyMg==' } })), []);
    assert.equal(find(validateCreate(secret({ data: { password: 'not base64!' } })), 'data[password]')?.reason, 'FieldValueInvalid');
    const tls = validateCreate(secret({ type: 'kubernetes.io/tls', data: {} }));
    assertCause(tls, { reason: 'FieldValueRequired', field: 'data[tls.crt]', message: 'Required value' });
    assertCause(tls, { reason: 'FieldValueRequired', field: 'data[tls.key]', message: 'Required value' });
    const old = stored(secret({ data: {} }));
    const next = structuredClone(old);
    next.type = 'kubernetes.io/basic-auth';
    next.data = { username: 'YQ==' };
    assertCause(validateUpdate(next, old), { reason: 'FieldValueInvalid', field: 'type', message: 'Invalid value: "kubernetes.io/basic-auth": field is immutable' });
  });

  it('Event: involvedObject namespace must match', () => {
    const ev = (ns: string, involvedNs: string): KubeObject => ({
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.17a', namespace: ns },
      involvedObject: { kind: 'Pod', name: 'web', namespace: involvedNs }, reason: 'Started', message: 'Started container', type: 'Normal', count: 1,
    });
    assert.deepEqual(validateCreate(ev('default', 'default')), []);
    assert.deepEqual(validateCreate(ev('default', '')), []);
    assertCause(validateCreate(ev('default', 'other')), { reason: 'FieldValueInvalid', field: 'involvedObject.namespace', message: 'Invalid value: "other": does not match event.namespace' });
    const modern = { ...ev('default', 'default'), eventTime: '2024-01-01T00:00:00.000000Z' };
    const causes = validateCreate(modern);
    assertCause(causes, { reason: 'FieldValueRequired', field: 'reportingComponent', message: 'Required value' });
    assertCause(causes, { reason: 'FieldValueRequired', field: 'action', message: 'Required value' });
  });

  it('Endpoints: addresses and ports', () => {
    const ep = d<KubeObject>({
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.244.0.5' }, { ip: '169.254.1.1' }, { ip: 'nope' }, { ip: '127.0.0.1' }], ports: [{ port: 80 }] }, { ports: [{ name: 'a', port: 1 }] }],
    });
    const causes = validateCreate(ep);
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'subsets[0].addresses[1].ip', message: 'Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)' });
    // Loopback is allowed (unlike Kubernetes): the apiserver advertises 127.0.0.1 by default.
    assert.equal(find(causes, 'subsets[0].addresses[3].ip'), undefined);
    assertCause(causes, { reason: 'FieldValueInvalid', field: 'subsets[0].addresses[2].ip', message: 'Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' });
    assertCause(causes, { reason: 'FieldValueRequired', field: 'subsets[1]', message: 'Required value: must specify `addresses` or `notReadyAddresses`' });
  });

  it('Lease: positive duration, non-negative transitions', () => {
    const lease = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec });
    assert.deepEqual(validateCreate(lease({ holderIdentity: 'n1', leaseDurationSeconds: 40 })), []);
    assertCause(validateCreate(lease({ leaseDurationSeconds: 0 })), { reason: 'FieldValueInvalid', field: 'spec.leaseDurationSeconds', message: 'Invalid value: 0: must be greater than 0' });
    assertCause(validateCreate(lease({ leaseTransitions: -1 })), { reason: 'FieldValueInvalid', field: 'spec.leaseTransitions', message: 'Invalid value: -1: must be greater than or equal to 0' });
  });

  it('unknown kinds have no rules', () => {
    assert.deepEqual(validateCreate({ kind: 'Widget', metadata: {} }), []);
    assert.deepEqual(validateUpdate({ kind: 'Widget', metadata: {} }, { kind: 'Widget', metadata: {} }), []);
  });
});

// ---------------------------------------------------------------- apps

describe('ReplicaSet and Deployment', () => {
  it('accepts defaulted objects', () => {
    assert.deepEqual(validateCreate(makeDeployment()), []);
    const rs = d<ReplicaSet>({
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [ctr()] } } },
    });
    assert.deepEqual(validateCreate(rs), []);
  });

  it('requires a selector, not empty', () => {
    const missing = makeDeployment();
    delete (missing.spec as { selector?: unknown }).selector;
    assertCause(validateCreate(missing), { reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
    const empty = validateCreate(makeDeployment({ selector: {} }));
    assertCause(empty, { reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment' });
  });

  it('requires the selector to match the template labels', () => {
    const causes = validateCreate(makeDeployment({ selector: { matchLabels: { app: 'api' } } }));
    assert.deepEqual(causes, [{
      reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels',
      message: 'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    }]);
    const rs = d<ReplicaSet>({
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'default' },
      spec: { selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }, template: { spec: { containers: [ctr()] } } },
    });
    assertCause(validateCreate(rs), {
      reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: 'Invalid value: map[string]string(nil): `selector` does not match template `labels`',
    });
  });

  it('requires replicas >= 0 and an always-restarting template', () => {
    assertCause(validateCreate(makeDeployment({ replicas: -1 })), { reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' });
    const never = makeDeployment();
    never.spec!.template.spec!.restartPolicy = 'Never';
    assertCause(validateCreate(never), { reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Never": supported values: "Always"' });
    const deadline = makeDeployment();
    deadline.spec!.template.spec!.activeDeadlineSeconds = 10;
    assertCause(validateCreate(deadline), { reason: 'FieldValueForbidden', field: 'spec.template.spec.activeDeadlineSeconds', message: 'Forbidden: activeDeadlineSeconds in Deployment is not Supported' });
  });

  it('validates the template pod spec with template paths', () => {
    const bad = makeDeployment();
    bad.spec!.template.spec!.containers[0].image = '';
    bad.spec!.template.metadata!.labels!['bad key!'] = 'x';
    const causes = validateCreate(bad);
    assertCause(causes, { reason: 'FieldValueRequired', field: 'spec.template.spec.containers[0].image', message: 'Required value' });
    assert.equal(find(causes, 'spec.template.labels')?.reason, 'FieldValueInvalid');
  });

  it('checks the strategy', () => {
    assertCause(validateCreate(makeDeployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } })), {
      reason: 'FieldValueInvalid', field: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Invalid value: 0: may not be 0 when `maxSurge` is 0',
    });
    assertCause(validateCreate(makeDeployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '0%', maxUnavailable: '0%' } } })), {
      reason: 'FieldValueInvalid', field: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Invalid value: 0%: may not be 0 when `maxSurge` is 0',
    });
    assertCause(validateCreate(makeDeployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '150%' } } })), {
      reason: 'FieldValueInvalid', field: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Invalid value: 150%: must not be greater than 100%',
    });
    const blue = validateCreate(makeDeployment({ strategy: { type: 'BlueGreen' } }));
    assert.equal(find(blue, 'spec.strategy')?.reason, 'FieldValueNotSupported');
    assert.match(find(blue, 'spec.strategy')!.message!, /: supported values: "Recreate", "RollingUpdate"$/);
    assertCause(validateCreate(makeDeployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } })), {
      reason: 'FieldValueForbidden', field: 'spec.strategy.rollingUpdate', message: "Forbidden: may not be specified when strategy `type` is 'Recreate'",
    });
    assertCause(validateCreate(makeDeployment({ progressDeadlineSeconds: 10, minReadySeconds: 10 })), {
      reason: 'FieldValueInvalid', field: 'spec.progressDeadlineSeconds', message: 'Invalid value: 10: must be greater than minReadySeconds',
    });
  });

  it('makes the selector immutable on update', () => {
    const old = stored(makeDeployment());
    const scaled = structuredClone(old);
    scaled.spec!.replicas = 5;
    scaled.spec!.template.spec!.containers[0].image = 'nginx:1.26';
    assert.deepEqual(validateUpdate(scaled, old), []);
    const moved = structuredClone(old);
    moved.spec!.selector = { matchLabels: { app: 'web', tier: 'fe' } };
    moved.spec!.template.metadata!.labels = { app: 'web', tier: 'fe' };
    assert.deepEqual(validateUpdate(moved, old), [{
      reason: 'FieldValueInvalid', field: 'spec.selector',
      message: 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"fe"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    }]);
  });

  it('checks replica counts in status updates', () => {
    const old = stored(makeDeployment());
    const next = structuredClone(old);
    next.status = { replicas: 1, readyReplicas: 2 };
    assertCause(validateUpdate(next, old, { subresource: 'status' }), {
      reason: 'FieldValueInvalid', field: 'status.readyReplicas', message: 'Invalid value: 2: cannot be greater than status.replicas',
    });
  });
});

describe('causes', () => {
  it('are reported once each', () => {
    const old = stored(makePod({}, { labels: { a: 'ok' } }));
    const next = structuredClone(old);
    next.metadata.labels = { a: 'bad value' };
    const causes = validateUpdate(next, old);
    assert.equal(causes.filter((c) => c.field === 'metadata.labels').length, 1);
  });
});
