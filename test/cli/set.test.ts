// tskubectl set image|env|resources|selector|serviceaccount|subject against the real
// kubectl: each command runs with both, each in a fresh namespace holding the same
// objects; exit status, stdout, stderr and the objects left behind must be the same.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { KubeObject } from '../../api/types/meta.js';
import { runBoth } from './kubectl-compare.js';
import { parsePairs, selectString, splitResourcesAndPairs } from '../../kubectl/set/pod-spec.js';
import { keyToEnvName, readEnvLines, splitEnvironmentFromResources, updateEnv } from '../../kubectl/set/env-vars.js';

let cp: ControlPlane;
let rest: RestClient;
let dir: string;
let seq = 0;

const template = (app: string, containers: { name: string; image: string }[]) => ({
  metadata: { labels: { app } },
  spec: { containers },
});

/** The objects every case starts from, in namespace ns. */
async function prepare(ns: string): Promise<void> {
  await resourceClient(rest, 'namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const make = (resource: string, obj: Record<string, unknown>): Promise<KubeObject> => resourceClient(rest, resource).create(ns, obj as unknown as KubeObject);
  await make('deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { ...template('web', [{ name: 'nginx', image: 'nginx' }, { name: 'sidecar', image: 'busybox' }]), spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'nginx', image: 'nginx', env: [{ name: 'KEEP', value: 'k' }] }, { name: 'sidecar', image: 'busybox' }] } } },
  });
  await make('deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', labels: { app: 'api' } },
    spec: { selector: { matchLabels: { app: 'api' } }, template: template('api', [{ name: 'nginx', image: 'nginx' }]) },
  });
  await make('statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db', [{ name: 'db', image: 'postgres' }]) } });
  await make('daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent', [{ name: 'agent', image: 'agent:1' }]) } });
  await make('replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { selector: { matchLabels: { app: 'rs' } }, template: template('rs', [{ name: 'c', image: 'nginx' }]) } });
  await make('replicationcontrollers', { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { selector: { app: 'rc' }, template: template('rc', [{ name: 'c', image: 'nginx' }]) } });
  await make('jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox' }] } } } });
  await make('cronjobs', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'cron', image: 'busybox' }] } } } } } });
  await make('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod' }, spec: { containers: [{ name: 'pod', image: 'nginx' }] } });
  await make('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  await make('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { 'log.level': 'debug', MODE: 'fast' } });
  await make('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { password: Buffer.from('s3cret').toString('base64') } });
  await make('rolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }] });
}

const KINDS = ['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'replicationcontrollers', 'jobs', 'cronjobs', 'pods', 'services', 'rolebindings'];

/** What the commands may change: specs (without the generated parts) and subjects. */
async function state(ns: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const kind of KINDS) {
    const list = await resourceClient(rest, kind).list(ns);
    for (const o of list.items as (KubeObject & { spec?: Record<string, unknown>; subjects?: unknown })[]) {
      const spec = structuredClone(o.spec ?? {});
      delete spec.clusterIP;
      delete spec.clusterIPs;
      // A Job's generated selector and labels carry its uid.
      delete spec.selector;
      if (kind === 'jobs') delete (spec.template as { metadata?: unknown }).metadata;
      out.push({ kind, name: o.metadata.name, spec: kind === 'services' ? { ...spec, selector: o.spec?.selector } : spec, subjects: o.subjects });
    }
  }
  // Subjects name the namespace (--serviceaccount=:robot): the same in both runs but for its name.
  return JSON.parse(JSON.stringify(out).replaceAll(ns, 'NS')) as unknown[];
}

/** stderr's lines sorted: for errors kubectl prints in a Go map's order, which differs from run to run. */
const sortedStderr = <T extends { stderr: string }>(r: T): T => ({ ...r, stderr: r.stderr.split('\n').sort().join('\n') });

/** Runs args with both CLIs and checks they answer and leave the same (stderr's lines in any order with anyErrorOrder). */
async function same(args: string[], input?: string, o: { anyErrorOrder?: boolean } = {}): Promise<void> {
  const ns = `set-${++seq}`;
  const { kubectl, ours } = await runBoth(cp, ns, args, { input, prepare });
  if (o.anyErrorOrder) assert.deepEqual(sortedStderr(ours), sortedStderr(kubectl), args.join(' '));
  else assert.deepEqual(ours, kubectl, args.join(' '));
  assert.deepEqual(await state(`${ns}-t`), await state(`${ns}-k`), `objects after ${args.join(' ')}`);
}

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  dir = await mkdtemp(join(tmpdir(), 'set-test-'));
  await writeFile(join(dir, 'deploy.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: local
spec:
  selector:
    matchLabels: {app: local}
  template:
    metadata:
      labels: {app: local}
    spec:
      containers:
      - name: app
        image: app:1
`);
  await writeFile(join(dir, 'api.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: nginx, image: nginx}]}
`);
  await writeFile(join(dir, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: local}\nspec:\n  ports: [{port: 80}]\n  selector: {app: old}\n');
  await writeFile(join(dir, 'rb.yaml'), 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: local}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await rest?.destroy();
  await cp?.stop();
});

test('set image: every kind with a pod template, wildcards, -l, --all, dry runs, -o name', async () => {
  await same(['set', 'image', 'deployment/web', 'nginx=nginx:1.25', 'sidecar=busybox:1.36']);
  await same(['set', 'image', 'deploy', 'web', 'init=busybox:2']);
  await same(['set', 'image', 'sts/db', 'ds/agent', 'rs/rs', 'rc/rc', 'job/job', 'cronjob/cron', 'pod/pod', '*=registry.local/x:2']);
  await same(['set', 'image', 'deployments', '--all', 'nginx=nginx:2']);
  await same(['set', 'image', 'deploy', '-l', 'app=api', 'nginx=nginx:3', '-o', 'name']);
  await same(['set', 'image', 'deploy/api', 'nginx=nginx:4', '--dry-run=client']);
  await same(['set', 'image', 'deploy/api', 'nginx=nginx:4', '--dry-run=server']);
  await same(['set', 'image', 'deploy/api', 'nginx=nginx']);
  await same(['set', 'image', '-f', join(dir, 'api.yaml'), 'nginx=nginx:5']);
});

test('set image: kubectl\'s errors', async () => {
  await same(['set', 'image', 'deploy/web', 'nope=x:1']);
  // kubectl walks the name=image pairs as a Go map, in no fixed order.
  await same(['set', 'image', 'deploy/web', 'nope=x:1', 'other=y:1'], undefined, { anyErrorOrder: true });
  await same(['set', 'image', 'deploy/web', 'svc/web', 'nginx=nginx:6']);
  await same(['set', 'image', 'deploy/web']);
  await same(['set', 'image', 'nginx=x']);
  await same(['set', 'image', 'deploy', 'nginx=x']);
  await same(['set', 'image', 'deploy/nope', 'nginx=x']);
  await same(['set', 'image', 'deploy/web', '*=a', 'nginx=b']);
  await same(['set', 'image', 'deploy/web', 'nginx=a', 'extra']);
  await same(['set', 'image', 'deploy/web', 'nginx-']);
  await same(['set', 'image', 'deploy/web', 'nginx=a', '--local']);
  await same(['set', 'image', '-f', join(dir, 'deploy.yaml'), 'app=app:2', '--local', '--dry-run=server']);
});

test('set --local changes the files\' objects without a server round trip', async () => {
  await same(['set', 'image', '-f', join(dir, 'deploy.yaml'), 'app=app:2', '--local', '-o', 'name']);
  await same(['set', 'image', '-f', join(dir, 'deploy.yaml'), 'app=app:2', '--local']);
  await same(['set', 'image', '--local', '-f', '-', 'app=app:3', '-o', 'name'], `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: app, image: a}]}\n`);
});

test('set env: KEY=VALUE, -e, KEY-, -c, --overwrite=false, --list, stdin', async () => {
  await same(['set', 'env', 'deploy/web', 'A=1', 'B=two words']);
  await same(['set', 'env', 'deploy/web', '-e', 'KEEP=new', '-c', 'nginx']);
  await same(['set', 'env', 'deploy/web', 'KEEP=other', '--overwrite=false']);
  await same(['set', 'env', 'deploy/web', 'KEEP-']);
  await same(['set', 'env', 'deploy/web', 'X=1', '-c', 'side*']);
  await same(['set', 'env', 'deploy/web', 'X=1', '-c', 'nothing']);
  await same(['set', 'env', 'deploy/web', '--list']);
  await same(['set', 'env', 'deploy/web', 'NEW=1', '--list', '-c', 'nginx']);
  await same(['set', 'env', 'deploy/web', '-'], 'FROM_STDIN=yes # comment\n# only a comment\nOTHER=2\n');
  await same(['set', 'env', 'deploy', '--all', 'E=1', '-o', 'name']);
  await same(['set', 'env', 'sts/db', 'ds/agent', 'job/job', 'cronjob/cron', 'rc/rc', 'E=1', '--dry-run=server']);
  await same(['set', 'env', 'deploy/web']);
});

test('set env --from, --prefix, --keys and --resolve', async () => {
  await same(['set', 'env', 'deploy/api', '--from=configmap/cfg', '--keys=MODE']);
  await same(['set', 'env', 'deploy/api', '--from=configmap/cfg', '--keys=log.level', '--prefix=APP_']);
  await same(['set', 'env', 'deploy/api', '--from=secret/creds']);
  await same(['set', 'env', 'deploy/api', '--from=secret/creds', '--list']);
  await same(['set', 'env', 'deploy/api', '--from=secret/creds', '--list', '--resolve']);
  await same(['set', 'env', 'deploy/api', '--from=svc/web']);
  await same(['set', 'env', 'deploy/api', '--keys=MODE']);
});

test('set env: kubectl\'s errors', async () => {
  await same(['set', 'env', 'deploy/web', 'A=1', 'A-']);
  await same(['set', 'env', 'deploy/web', '1A=1']);
  await same(['set', 'env', 'deploy/web', 'A=1', 'deploy/api']);
  await same(['set', 'env', 'deploy/web', '--list', '-o', 'yaml']);
  await same(['set', 'env', 'svc/web', 'A=1']);
  await same(['set', 'env', 'A=1']);
  await same(['set', 'env', 'deploy', '--all', '-l', 'app=web', 'A=1']);
});

test('set resources: --limits, --requests, -c, canonical quantities and errors', async () => {
  await same(['set', 'resources', 'deploy/web', '--limits=cpu=200m,memory=512Mi']);
  await same(['set', 'resources', 'deploy/web', '-c', 'nginx', '--requests=cpu=0.5,memory=256Mi']);
  await same(['set', 'resources', 'sts/db', 'ds/agent', 'rc/rc', 'job/job', '--requests=memory=1Gi', '-o', 'name']);
  await same(['set', 'resources', 'deploy/web', '-c', 'nope', '--limits=cpu=1']);
  await same(['set', 'resources', 'deploy/web']);
  await same(['set', 'resources', 'deploy/web', '--limits=cpu']);
  await same(['set', 'resources', 'deploy/web', '--limits=cpu=lots']);
  await same(['set', 'resources', 'svc/web', '--limits=cpu=1']);
  await same(['set', 'resources', 'deploy/web', '--limits=cpu=1', '--dry-run=client']);
});

test('set selector, serviceaccount and subject', async () => {
  await same(['set', 'selector', 'svc/web', 'app=new,tier=front']);
  await same(['set', 'selector', 'svc', 'web', 'app=x', '--dry-run=server']);
  await same(['set', 'selector', 'svc/web', 'app in (x)']);
  await same(['set', 'selector', 'svc/web', 'app!=x']);
  await same(['set', 'selector', 'deploy/web', 'app=x']);
  await same(['set', 'selector', 'svc/web']);
  await same(['set', 'selector', 'svc/web', 'app=x', '--resource-version=1']);
  await same(['set', 'selector', '--local', '-f', join(dir, 'svc.yaml'), 'app=new']);
  await same(['set', 'serviceaccount', 'deploy/web', 'builder']);
  await same(['set', 'sa', 'deploy/web', 'deploy/api', 'job/job', 'cronjob/cron', 'builder', '-o', 'name']);
  await same(['set', 'sa', 'deploy/web']);
  await same(['set', 'sa']);
  await same(['set', 'sa', 'svc/web', 'x']);
  await same(['set', 'sa', 'deploy/web', 'x', '--local']);
  await same(['set', 'subject', 'rolebinding', 'rb', '--user=bob', '--group=ops', '--group=dev', '--serviceaccount=:robot', '--serviceaccount=other:robot']);
  await same(['set', 'subject', 'rolebinding/rb', '--user=alice']);
  await same(['set', 'subject', 'rolebinding/rb', '--user=carol', '--dry-run=server']);
  await same(['set', 'subject', 'rolebinding/rb']);
  await same(['set', 'subject', 'rolebinding/rb', '--serviceaccount=robot']);
  await same(['set', 'subject', 'deploy/web', '--user=a']);
  await same(['set', 'subject', '--local', '-f', join(dir, 'rb.yaml'), '--user=dave', '-o', 'name']);
});

test('set rules: pairs, wildcards, env merging', () => {
  assert.deepEqual(splitResourcesAndPairs(['deploy', 'web', 'a=b', 'c-'], 'image'), { resources: ['deploy', 'web'], pairs: ['a=b', 'c-'] });
  assert.throws(() => splitResourcesAndPairs(['a=b', 'deploy'], 'image'), /all resources must be specified before image changes: deploy/);
  assert.throws(() => parsePairs(['a-', 'b-'], 'image', false), /invalid image format: a-, b-/);
  assert.deepEqual([...parsePairs(['a=1', 'a=2'], 'image', false).set], [['a', '2']]);
  assert.equal(selectString('sidecar', 'side*'), true);
  assert.equal(selectString('nginx', '*inx'), true);
  assert.equal(selectString('nginx', 'ng*'), true);
  assert.equal(selectString('nginx', 'q*'), false);
  // kubectl's quirk, kept: a leading part found anywhere matches.
  assert.equal(selectString('nginx', 'x*'), true);
  assert.deepEqual(splitEnvironmentFromResources(['deploy/web', 'A=1', 'B-']), { resources: ['deploy/web'], envArgs: ['A=1', 'B-'] });
  assert.equal(splitEnvironmentFromResources(['A=1', 'deploy/web']), undefined);
  assert.deepEqual(readEnvLines('A=1 # x\n#B=2\nC=3\r\n'), [{ name: 'A', value: '1 ' }, { name: 'C', value: '3' }]);
  assert.equal(keyToEnvName('log.level'), 'LOG_LEVEL');
  assert.deepEqual(
    updateEnv([{ name: 'A', value: '1' }, { name: 'B', value: '1' }, { name: 'A', value: '2' }], [{ name: 'A', value: 'x' }, { name: 'C', value: 'c' }], ['B']),
    [{ name: 'A', value: 'x' }, { name: 'C', value: 'c' }],
  );
});
