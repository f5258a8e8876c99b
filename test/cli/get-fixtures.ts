// Shared by the get/describe/info CLI tests: a realistic set of objects written through
// our client library (statuses included, as controllers and kubelets would set them),
// a runner for the real kubectl that returns exit code and both streams, and the
// comparison of our output with kubectl's (ages may tick between the two runs).
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { resolveResource } from '../../api/registry.js';
import type { KubeObject } from '../../api/types/meta.js';
import { loadClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { ResourceClient } from '../../client/resource-client.js';
import type { ControlPlane } from '../harness/apiserver.js';
import { kubectlEnv } from '../harness/kubectl.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';

export function restFor(cp: ControlPlane): RestClient {
  return new RestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: 'cli-tests' });
}

export function clientFor(rest: RestClient, resource: string): ResourceClient {
  return new ResourceClient(rest, resolveResource(resource)!);
}

/** The real kubectl's exit code, stdout and stderr. */
export function kubectlRun(cp: ControlPlane, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...kubectlEnv(cp), ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const AGE = /^(?:\d+[smhdy]){1,2}$/;

/**
 * Output with ages replaced, cell by cell (cells are separated by two or more spaces),
 * so a second ticking between two runs does not count as a difference.
 */
export function normalizeAges(text: string): string {
  return text.split('\n').map((line) => line.trim().split(/ {2,}/).map((cell) => {
    if (AGE.test(cell)) return '<age>';
    return cell.replace(/\((?:\d+[smhdy]){1,2} ago\)/g, '(<age> ago)').replace(/(?:\d+[smhdy]){1,2} \(x(\d+) over (?:\d+[smhdy]){1,2}\)/g, '<age> (x$1 over <age>)');
  }).join(' | ')).join('\n');
}

/** kubectl's texts name itself; ours say tskubectl. */
const unbrand = (s: string): string => s.replaceAll('tskubectl', 'kubectl');

/**
 * Runs the same arguments through our CLI and the real kubectl and asserts the same exit
 * code, stdout and stderr: byte for byte when a retry finds them equal (ages agree),
 * otherwise with ages normalized. Returns our result.
 */
export async function sameAsKubectl(cp: ControlPlane, args: string[], opts: { env?: NodeJS.ProcessEnv; exactStderr?: boolean } = {}): Promise<CliResult> {
  let ours: CliResult | undefined;
  let theirs: CliResult | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    [ours, theirs] = await Promise.all([tskubectlRun(cp, args, { env: opts.env }), kubectlRun(cp, args, opts.env)]);
    if (ours.code === theirs.code && ours.stdout === theirs.stdout && unbrand(ours.stderr) === theirs.stderr) return ours;
  }
  const what = `tskubectl ${args.join(' ')}`;
  assert.equal(ours!.code, theirs!.code, `${what}: exit code (stderr: ${ours!.stderr} / kubectl: ${theirs!.stderr})`);
  assert.equal(normalizeAges(ours!.stdout), normalizeAges(theirs!.stdout), `${what}: stdout`);
  if (opts.exactStderr !== false) assert.equal(normalizeAges(unbrand(ours!.stderr)), normalizeAges(theirs!.stderr), `${what}: stderr`);
  return ours!;
}

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const MIN = 60_000;

/** What the fixtures created, for tests that need uids or names. */
export interface Fixtures {
  podUid: string;
  deploymentUid: string;
}

/**
 * Creates: namespace team-a; node node-1 (status, taints, lease); deployment api with
 * two replica sets (new and old) and two pods on node-1 (one running with restarts);
 * a pod in team-a; services np (NodePort, with endpoints) and plain (no endpoints); a
 * config map, a secret, a lease, and events for the pod and the node.
 */
export async function createFixtures(rest: RestClient): Promise<Fixtures> {
  const c = (r: string): ResourceClient => clientFor(rest, r);
  await c('namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { team: 'a' } } });

  await c('nodes').create('', {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1', 'node-role.kubernetes.io/control-plane': '' }, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
  } as KubeObject);
  await c('nodes').patch('', 'node-1', 'merge', {
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      allocatable: { cpu: '3900m', memory: '7Gi', pods: '110', 'ephemeral-storage': '90Gi' },
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'node-1' }],
      nodeInfo: {
        machineID: 'm1', systemUUID: 'u1', bootID: 'b1', kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12', containerRuntimeVersion: 'docker://24.0.7',
        kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0', operatingSystem: 'linux', architecture: 'amd64',
      },
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: ago(MIN), lastTransitionTime: ago(60 * MIN), reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: ago(MIN), lastTransitionTime: ago(60 * MIN), reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
    },
  }, { subresource: 'status' });
  await c('leases').create('kube-node-lease', {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1' },
    spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: new Date(Date.now() - 5000).toISOString().replace('Z', '000Z') },
  } as KubeObject);

  const template = {
    metadata: { labels: { app: 'api', tier: 'backend' }, annotations: { 'prometheus.io/scrape': 'true' } },
    spec: {
      containers: [{
        name: 'main', image: 'nginx:1.25', command: ['nginx', '-g', 'daemon off;'], args: ['--flag'],
        ports: [{ containerPort: 80 }, { containerPort: 443, protocol: 'TCP' }],
        env: [
          { name: 'A', value: '1' },
          { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } },
          { name: 'SEC', valueFrom: { secretKeyRef: { name: 'sec', key: 'x', optional: true } } },
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
        ],
        envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'sec' }, prefix: 'S_' }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 3 },
        readinessProbe: { tcpSocket: { port: 80 } },
        volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'conf', mountPath: '/etc/conf', readOnly: true, subPath: 'x' }],
      }, { name: 'side', image: 'busybox' }],
      volumes: [
        { name: 'data', emptyDir: {} }, { name: 'conf', configMap: { name: 'cfg' } }, { name: 's', secret: { secretName: 'sec' } },
        { name: 'h', hostPath: { path: '/var/log', type: 'Directory' } },
      ],
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute', tolerationSeconds: 30 }],
    },
  };
  const d = await c('deployments').create('default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', labels: { app: 'api' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'api' } }, template },
  } as KubeObject);
  await c('deployments').patch('default', 'api', 'merge', {
    status: {
      observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: ago(MIN), lastTransitionTime: ago(MIN) },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "api-5d4f8" is progressing.', lastUpdateTime: ago(MIN), lastTransitionTime: ago(MIN) },
      ],
    },
  }, { subresource: 'status' });
  const owner = (kind: string, o: KubeObject): unknown => [{ apiVersion: kind === 'Deployment' ? 'apps/v1' : 'apps/v1', kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true }];
  const rsFor = (hash: string, image: string, replicas: number): KubeObject => {
    const t = structuredClone(template) as typeof template & { metadata: { labels: Record<string, string> } };
    t.metadata.labels['pod-template-hash'] = hash;
    t.spec.containers[0]!.image = image;
    return {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: `api-${hash}`, labels: { app: 'api', tier: 'backend', 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': hash === '5d4f8' ? '2' : '1' }, ownerReferences: owner('Deployment', d) as never },
      spec: { replicas, selector: { matchLabels: { app: 'api', 'pod-template-hash': hash } }, template: t },
    } as KubeObject;
  };
  await c('replicasets').create('default', rsFor('7c9b2', 'nginx:1.24', 0));
  const rs = await c('replicasets').create('default', rsFor('5d4f8', 'nginx:1.25', 3));
  // The new replica set's template must equal the deployment's (ignoring the hash label).
  await c('replicasets').patch('default', 'api-5d4f8', 'merge', { status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 } }, { subresource: 'status' });
  const podSpec = { ...structuredClone(template.spec), nodeName: 'node-1' };
  const podLabels = { app: 'api', tier: 'backend', 'pod-template-hash': '5d4f8' };
  const p1 = await c('pods').create('default', {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'api-5d4f8-x1', labels: podLabels, annotations: template.metadata.annotations, ownerReferences: owner('ReplicaSet', rs) as never },
    spec: podSpec,
  } as KubeObject);
  await c('pods').create('default', {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'api-5d4f8-x2', labels: podLabels, ownerReferences: owner('ReplicaSet', rs) as never },
    spec: podSpec,
  } as KubeObject);
  await c('pods').patch('default', 'api-5d4f8-x1', 'merge', {
    status: {
      phase: 'Running', hostIP: '192.168.1.10', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], startTime: ago(30 * MIN), qosClass: 'Burstable',
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: ago(30 * MIN) }, { type: 'Ready', status: 'True', lastTransitionTime: ago(20 * MIN) },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: ago(20 * MIN) }, { type: 'PodScheduled', status: 'True', lastTransitionTime: ago(30 * MIN) },
      ],
      containerStatuses: [
        {
          name: 'main', ready: true, restartCount: 2, image: 'nginx:1.25', imageID: 'docker-pullable://nginx@sha256:abc', containerID: 'docker://c1', started: true,
          state: { running: { startedAt: ago(20 * MIN) } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: ago(25 * MIN), finishedAt: ago(20 * MIN) } },
        },
        { name: 'side', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } } },
      ],
    },
  }, { subresource: 'status' });
  await c('pods').create('team-a', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'worker', labels: { app: 'worker' } },
    spec: { containers: [{ name: 'w', image: 'busybox', command: ['sleep', '3600'] }] },
  } as KubeObject);

  await c('services').create('default', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'np', labels: { app: 'api' }, annotations: { team: 'a' } },
    spec: { type: 'NodePort', selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'metrics', port: 9090, targetPort: 'metrics' }], externalIPs: ['1.2.3.4'] },
  } as KubeObject);
  await c('endpoints').create('default', {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'np', labels: { app: 'api' } },
    subsets: [{ addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip) => ({ ip })), notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }] }],
  } as KubeObject);
  await c('services').create('default', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'plain' },
    spec: { selector: { app: 'nothing' }, ports: [{ port: 5432 }], sessionAffinity: 'ClientIP' },
  } as KubeObject);

  await c('configmaps').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', labels: { app: 'api' } }, data: { a: 'b', 'config.yaml': 'x: 1\ny: 2\n' } } as KubeObject);
  await c('secrets').create('default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, type: 'Opaque', data: { x: Buffer.from('y').toString('base64'), token: Buffer.from('secret-value').toString('base64') } } as KubeObject);
  await c('leases').create('default', {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader', labels: { a: 'b' } },
    spec: { holderIdentity: 'me', leaseDurationSeconds: 15, leaseTransitions: 2 },
  } as KubeObject);

  const event = (name: string, involved: Record<string, string>, reason: string, message: string, type: string, source: Record<string, string>, first: number, last: number, count: number): KubeObject => ({
    apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' },
    involvedObject: involved, reason, message, type, source, firstTimestamp: ago(first), lastTimestamp: ago(last), count,
  } as KubeObject);
  const podRef = { kind: 'Pod', name: 'api-5d4f8-x1', namespace: 'default', uid: p1.metadata.uid!, apiVersion: 'v1' };
  await c('events').create('default', event('api-5d4f8-x1.1', podRef, 'Scheduled', 'Successfully assigned default/api-5d4f8-x1 to node-1', 'Normal', { component: 'default-scheduler' }, 30 * MIN, 30 * MIN, 1));
  await c('events').create('default', event('api-5d4f8-x1.2', { ...podRef, fieldPath: 'spec.containers{side}' }, 'BackOff', 'Back-off restarting failed container side in pod api-5d4f8-x1', 'Warning', { component: 'kubelet', host: 'node-1' }, 25 * MIN, 15 * MIN, 7));
  await c('events').create('default', event('node-1.1', { kind: 'Node', name: 'node-1', uid: 'node-1', apiVersion: 'v1' }, 'NodeReady', 'Node node-1 status is now: NodeReady', 'Normal', { component: 'kubelet', host: 'node-1' }, 60 * MIN, 60 * MIN, 1));
  return { podUid: p1.metadata.uid!, deploymentUid: d.metadata.uid! };
}
