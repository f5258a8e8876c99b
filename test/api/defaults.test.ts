import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, imageTag } from '../../api/defaults.js';
import type { Deployment, ReplicaSet } from '../../api/types/apps.js';
import type { Namespace, Node, Pod, Secret, Service } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';

function defaulted<T extends KubeObject>(obj: T): T {
  applyDefaults(obj);
  return obj;
}

const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...spec },
});

describe('applyDefaults: Pod', () => {
  it('fills the pod spec defaults', () => {
    const spec = defaulted(pod()).spec!;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
    // The Priority admission plugin resolves these from the pod's PriorityClass.
    assert.equal(spec.priority, undefined);
    assert.equal(spec.preemptionPolicy, undefined);
  });

  it('keeps what the user set', () => {
    const spec = defaulted(pod({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0, dnsPolicy: 'Default', schedulerName: 'mine', enableServiceLinks: false })).spec!;
    assert.equal(spec.restartPolicy, 'Never');
    assert.equal(spec.terminationGracePeriodSeconds, 0);
    assert.equal(spec.dnsPolicy, 'Default');
    assert.equal(spec.schedulerName, 'mine');
    assert.equal(spec.enableServiceLinks, false);
  });

  it('leaves priority to the PriorityClass when one is named', () => {
    assert.equal(defaulted(pod({ priorityClassName: 'high' })).spec!.priority, undefined);
  });

  it('defaults a PriorityClass to PreemptLowerPriority', () => {
    const pc = defaulted<KubeObject & { preemptionPolicy?: string }>({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 } as KubeObject);
    assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');
    const never = defaulted<KubeObject & { preemptionPolicy?: string }>({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'n' }, value: 1, preemptionPolicy: 'Never' } as KubeObject);
    assert.equal(never.preemptionPolicy, 'Never');
  });

  it('fills container defaults', () => {
    const c = defaulted(pod({ containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] })).spec!.containers[0];
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.equal(c.ports![0].protocol, 'TCP');
  });

  it('defaults imagePullPolicy from the image tag', () => {
    const cases: [string, string][] = [
      ['nginx', 'Always'], ['nginx:latest', 'Always'], ['nginx:1.25', 'IfNotPresent'],
      ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
      ['localhost:5000/nginx', 'Always'], ['localhost:5000/nginx:v1', 'IfNotPresent'], ['registry.k8s.io/pause:3.10', 'IfNotPresent'],
      ['', 'IfNotPresent'],
    ];
    for (const [image, want] of cases) {
      const c = defaulted(pod({ containers: [{ name: 'app', image }] })).spec!.containers[0];
      assert.equal(c.imagePullPolicy, want, image);
    }
    assert.equal(imageTag('busybox'), 'latest');
    assert.equal(imageTag('a/b:c'), 'c');
  });

  it('does not change an explicit imagePullPolicy', () => {
    const c = defaulted(pod({ containers: [{ name: 'app', image: 'nginx', imagePullPolicy: 'Never' }] })).spec!.containers[0];
    assert.equal(c.imagePullPolicy, 'Never');
  });

  it('defaults requests from limits, without overriding requests', () => {
    const c = defaulted(pod({
      containers: [{ name: 'app', image: 'x', resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } } }],
    })).spec!.containers[0];
    assert.deepEqual(c.resources!.requests, { cpu: '100m', memory: '128Mi' });
    const init = defaulted(pod({ initContainers: [{ name: 'init', image: 'x', resources: { limits: { cpu: '1' } } }] })).spec!.initContainers![0];
    assert.deepEqual(init.resources!.requests, { cpu: '1' });
  });

  it('writes quantities in canonical form', () => {
    const raw = pod({ containers: [{ name: 'app', image: 'x', resources: { limits: { cpu: 1 as unknown as string, memory: '1024Mi' }, requests: { cpu: '0.5' } } }] });
    const c = defaulted(raw).spec!.containers[0];
    assert.deepEqual(c.resources!.limits, { cpu: '1', memory: '1Gi' });
    assert.deepEqual(c.resources!.requests, { cpu: '500m', memory: '1Gi' });
  });

  it('fills probe and httpGet defaults', () => {
    const c = defaulted(pod({
      containers: [{
        name: 'app', image: 'x',
        livenessProbe: { httpGet: { port: 8080 } },
        readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 5 },
        lifecycle: { preStop: { httpGet: { port: 80 } } },
      }],
    })).spec!.containers[0];
    assert.deepEqual(c.livenessProbe, { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.equal(c.readinessProbe!.periodSeconds, 5);
    assert.equal(c.readinessProbe!.timeoutSeconds, 1);
    assert.deepEqual(c.lifecycle!.preStop!.httpGet, { port: 80, path: '/', scheme: 'HTTP' });
  });

  it('fills volume defaults', () => {
    const vols = defaulted(pod({
      volumes: [
        { name: 'scratch' },
        { name: 'host', hostPath: { path: '/var/log' } },
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
      ],
    })).spec!.volumes!;
    assert.deepEqual(vols[0], { name: 'scratch', emptyDir: {} });
    assert.equal(vols[1].hostPath!.type, '');
    assert.equal(vols[2].configMap!.defaultMode, 420);
    assert.equal(vols[3].secret!.defaultMode, 0o400);
  });

  it('defaults fieldRef apiVersion to v1', () => {
    const c = defaulted(pod({ containers: [{ name: 'app', image: 'x', env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] })).spec!.containers[0];
    assert.equal(c.env![0].valueFrom!.fieldRef!.apiVersion, 'v1');
  });

  it('gives hostNetwork pods hostPorts equal to their containerPorts', () => {
    const c = defaulted(pod({ hostNetwork: true, containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 8080 }] }] })).spec!.containers[0];
    assert.equal(c.ports![0].hostPort, 8080);
  });

  it('keeps serviceAccount and serviceAccountName in step', () => {
    const spec = defaulted(pod({ serviceAccount: 'robot' })).spec!;
    assert.equal(spec.serviceAccountName, 'robot');
    assert.equal(spec.serviceAccount, 'robot');
  });

  it('defaults a pod without a spec to an empty defaulted spec', () => {
    const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'default' } };
    assert.equal(defaulted(p).spec!.restartPolicy, 'Always');
  });

  it('is idempotent', () => {
    const once = defaulted(pod({ volumes: [{ name: 'v' }], containers: [{ name: 'app', image: 'x', livenessProbe: { exec: { command: ['true'] } } }] }));
    const twice = defaulted(structuredClone(once));
    assert.deepEqual(twice, once);
  });
});

describe('applyDefaults: Service', () => {
  const svc = (spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec });

  it('fills ClusterIP service defaults', () => {
    const spec = defaulted(svc({ selector: { app: 'web' }, ports: [{ port: 80 }, { port: 443, targetPort: 'https', name: 'https' }] })).spec!;
    assert.equal(spec.type, 'ClusterIP');
    assert.equal(spec.sessionAffinity, 'None');
    assert.equal(spec.ports![0].protocol, 'TCP');
    assert.equal(spec.ports![0].targetPort, 80);
    assert.equal(spec.ports![1].targetPort, 'https');
    assert.equal(spec.internalTrafficPolicy, 'Cluster');
    assert.equal(spec.externalTrafficPolicy, undefined);
    assert.deepEqual(spec.ipFamilies, ['IPv4']);
    assert.equal(spec.ipFamilyPolicy, 'SingleStack');
  });

  it('defaults externalTrafficPolicy for NodePort and LoadBalancer', () => {
    assert.equal(defaulted(svc({ type: 'NodePort', ports: [{ port: 80 }] })).spec!.externalTrafficPolicy, 'Cluster');
    const lb = defaulted(svc({ type: 'LoadBalancer', ports: [{ port: 80 }] })).spec!;
    assert.equal(lb.externalTrafficPolicy, 'Cluster');
    assert.equal(lb.allocateLoadBalancerNodePorts, true);
  });

  it('sets clusterIPs from clusterIP', () => {
    assert.deepEqual(defaulted(svc({ clusterIP: '10.96.0.10', ports: [{ port: 53 }] })).spec!.clusterIPs, ['10.96.0.10']);
    assert.deepEqual(defaulted(svc({ clusterIP: 'None', ports: [] })).spec!.clusterIPs, ['None']);
  });

  it('leaves ExternalName services without IP families', () => {
    const spec = defaulted(svc({ type: 'ExternalName', externalName: 'example.com' })).spec!;
    assert.equal(spec.ipFamilies, undefined);
    assert.equal(spec.ipFamilyPolicy, undefined);
    assert.equal(spec.internalTrafficPolicy, undefined);
  });

  it('defaults the ClientIP affinity timeout', () => {
    const spec = defaulted(svc({ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] })).spec!;
    assert.deepEqual(spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  });
});

describe('applyDefaults: other kinds', () => {
  it('Namespace: finalizers, phase and the metadata.name label', () => {
    const ns = defaulted<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { env: 'dev' } } });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
    assert.deepEqual(ns.metadata.labels, { env: 'dev', 'kubernetes.io/metadata.name': 'team-a' });
  });

  it('Secret: type Opaque and stringData merged into data', () => {
    const s = defaulted<Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { a: 'YQ==' }, stringData: { b: 'hello' } });
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(s.data, { a: 'YQ==', b: 'aGVsbG8=' });
    assert.equal(s.stringData, undefined);
    const typed = defaulted<Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/tls' });
    assert.equal(typed.type, 'kubernetes.io/tls');
  });

  it('ReplicaSet: replicas 1 and template pod defaults, but no pod-only defaults', () => {
    const rs = defaulted<ReplicaSet>({
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'x:1', resources: { limits: { cpu: '1' } } }] } } },
    });
    assert.equal(rs.spec!.replicas, 1);
    const spec = rs.spec!.template!.spec!;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(spec.enableServiceLinks, undefined);
    assert.equal(spec.priority, undefined);
    assert.equal(spec.containers[0].resources!.requests, undefined);
  });

  it('Deployment: replicas, strategy, history, progress deadline and template defaults', () => {
    const d = defaulted<Deployment>({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    });
    assert.equal(d.spec!.replicas, 1);
    assert.deepEqual(d.spec!.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec!.revisionHistoryLimit, 10);
    assert.equal(d.spec!.progressDeadlineSeconds, 600);
    assert.equal(d.spec!.template.spec!.terminationGracePeriodSeconds, 30);
    assert.equal(d.spec!.template.spec!.containers[0].imagePullPolicy, 'Always');
  });

  it('Deployment: Recreate gets no rollingUpdate; replicas 0 stays 0', () => {
    const d = defaulted<Deployment>({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' },
      spec: { replicas: 0, strategy: { type: 'Recreate' }, selector: {}, template: {} },
    });
    assert.equal(d.spec!.replicas, 0);
    assert.deepEqual(d.spec!.strategy, { type: 'Recreate' });
  });

  it('Node: allocatable defaults to capacity', () => {
    const n = defaulted<Node>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } });
    assert.deepEqual(n.status!.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
    const kept = defaulted<Node>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '4' }, allocatable: { cpu: '3' } } });
    assert.deepEqual(kept.status!.allocatable, { cpu: '3' });
  });

  it('leaves unknown kinds and Leases alone', () => {
    const lease: KubeObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'default' }, spec: { holderIdentity: 'a' } };
    const copy = structuredClone(lease);
    applyDefaults(lease);
    assert.deepEqual(lease, copy);
    const other: KubeObject = { kind: 'Widget', metadata: { name: 'w' }, spec: {} };
    applyDefaults(other);
    assert.deepEqual(other, { kind: 'Widget', metadata: { name: 'w' }, spec: {} });
  });
});
