// What the quick-reference walk's commands act on, made the same way in each side's
// namespace and folder: the pods, workloads, services, config and files the page's
// examples name (my-pod, frontend, rc/foo, ./pod.json, /tmp/foo, ...). Images are local
// tags of the test images, so no command makes the kubelet pull from a registry; pods
// that only need to exist (scaled replica sets) are held Pending by a node selector.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_BUSYBOX_IMAGE, LOCAL_TESTSERVER_IMAGE } from '../../../scripts/images.js';
import type { Tool } from './walk.js';

/** Local tags of busybox the page's image names resolve to. */
export const IMAGE_TAGS = ['tskube.local/quickref:v2', 'tskube.local/myimage:v3', 'tskube.local/myimage:v4'];
export const BUSYBOX = LOCAL_BUSYBOX_IMAGE;
export const SERVER = LOCAL_TESTSERVER_IMAGE;

const SLEEP = ['sh', '-c', "trap 'exit 0' TERM; echo started; while true; do sleep 1; done"];
const PENDING = { nodeSelector: { 'quickref/never': 'true' } };
const grace = { terminationGracePeriodSeconds: 1 };

const pod = (name: string, labels: Record<string, string>, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { ...grace, ...spec } });
const container = (name: string, image = BUSYBOX, extra: Record<string, unknown> = {}) => ({ name, image, command: SLEEP, ...extra });
const template = (app: string, containers: unknown[], extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app } }, spec: { ...grace, ...extra, containers },
});
const deployment = (name: string, replicas: number, containers: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name, containers, extra) },
});
const rc = (name: string, replicas: number, extra: Record<string, unknown> = PENDING) => ({
  apiVersion: 'v1', kind: 'ReplicationController', metadata: { name },
  spec: { replicas, selector: { app: `rc-${name}` }, template: template(`rc-${name}`, [container('main')], extra) },
});
const service = (name: string, selector: Record<string, string>, ports: unknown[], labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, labels }, spec: { selector, ports },
});

/** The objects of one side's namespace, as one List. */
export function namespaceObjects(): unknown {
  const items = [
    pod('my-pod', { name: 'myLabel', app: 'cassandra', version: 'v1' }, {
      containers: [
        container('my-container', BUSYBOX, { command: ['sh', '-c', "trap 'exit 0' TERM; echo hello from my-container; mkdir -p /tmp/bar_dir /tmp/bar; while true; do sleep 1; done"] }),
        container('side'),
      ],
    }),
    pod('valid-pod', {}, { containers: [container('kubernetes-serve-hostname')] }),
    pod('mypod', {}, { containers: [container('main', 'tskube.local/myimage:v3')] }),
    pod('unwanted', {}, { containers: [container('main')] }),
    pod('baz', { name: 'myLabel' }, { containers: [container('main')] }),
    pod('foo', {}, { containers: [container('main')] }),
    pod('attachable', {}, { restartPolicy: 'Never', containers: [{ name: 'main', image: BUSYBOX, stdin: true, stdinOnce: true, command: ['sh', '-c', 'read line; echo "got $line"'] }] }),
    deployment('frontend', 1, [container('www')]),
    deployment('nginx-deployment', 1, [container('nginx')]),
    deployment('valid-deployment', 1, [container('main', BUSYBOX, { livenessProbe: { exec: { command: ['true'] }, periodSeconds: 30 } })]),
    deployment('my-deployment', 1, [
      { name: 'my-container', image: SERVER, env: [{ name: 'PORT', value: '6000' }], ports: [{ containerPort: 6000, name: 'http' }] },
      container('side'),
    ]),
    deployment('mysql', 2, [container('mysql')], PENDING),
    deployment('foo', 1, [container('main')], PENDING),
    {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'foo' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'rs-foo' } }, template: template('rs-foo', [container('main')], PENDING) },
    },
    rc('nginx', 1, {}),
    rc('my-rc', 1, PENDING),
    rc('foo', 1), rc('bar', 1), rc('baz', 1),
    service('my-service', { app: 'my-deployment' }, [{ name: 'my-service-port', port: 5000, targetPort: 6000 }]),
    service('baz', { app: 'none' }, [{ port: 80 }], { name: 'myLabel' }),
    service('foo', { app: 'none' }, [{ port: 80 }]),
    service('docker-registry', { app: 'registry' }, [{ port: 5000 }]),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'myconfig' }, data: { 'ca.crt': 'a certificate', other: 'x' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'my-secret' }, type: 'Opaque', data: { 'key-name-with-dashes': Buffer.from('dashed value').toString('base64'), plain: Buffer.from('plain value').toString('base64') } },
  ];
  return { apiVersion: 'v1', kind: 'List', items };
}

/** The page's my-ns: a few pods and services for `delete pod,svc --all`. */
export function myNamespaceObjects(): unknown {
  return {
    apiVersion: 'v1', kind: 'List',
    items: [
      pod('one', {}, { containers: [container('main')] }),
      pod('two', {}, { ...PENDING, containers: [container('main')] }),
      service('one', { app: 'none' }, [{ port: 80 }]),
    ],
  };
}

/** Cluster-scoped objects both sides read. */
export function clusterObjects(): unknown {
  const pv = (name: string, storage: string) => ({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/quickref-${name}` } },
  });
  return { apiVersion: 'v1', kind: 'List', items: [pv('quickref-pv-big', '5Gi'), pv('quickref-pv-small', '1Gi')] };
}

/** A side's own Node: no kubelet runs it, a taint keeps pods off it. */
export function fakeNode(name: string): unknown {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'quickref/fake': 'true' } },
    spec: { taints: [{ key: 'quickref/fake', value: 'true', effect: 'NoSchedule' }] },
  };
}

/** The page's local files (./my-manifest.yaml, ./pod.json, /tmp/foo as ./foo, ...) in a side's folder. */
export async function writeFiles(tool: Tool): Promise<void> {
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: ${name}\n`;
  await writeFile(join(tool.dir, 'my-manifest.yaml'), cm('manifest-cm'));
  await writeFile(join(tool.dir, 'my1.yaml'), cm('my1-cm'));
  await writeFile(join(tool.dir, 'my2.yaml'), cm('my2-cm'));
  await mkdir(join(tool.dir, 'dir'), { recursive: true });
  await writeFile(join(tool.dir, 'dir', 'a.yaml'), cm('dir-a-cm'));
  await writeFile(join(tool.dir, 'dir', 'b.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dir-b-cm' }, data: { key: 'b' } }));
  await writeFile(join(tool.dir, 'pod.json'), JSON.stringify(pod('json-pod', { from: 'json' }, { containers: [container('main')] }), null, 2));
  await writeFile(join(tool.dir, 'foo.yaml'), `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: foo\n`);
  await mkdir(join(tool.dir, 'foo_dir', 'sub'), { recursive: true });
  await writeFile(join(tool.dir, 'foo_dir', 'one.txt'), 'one\n');
  await writeFile(join(tool.dir, 'foo_dir', 'sub', 'two.txt'), 'two\n');
  await writeFile(join(tool.dir, 'foo'), 'foo file\n');
  await writeFile(join(tool.dir, 'columns.txt'), 'NAME          IMAGE\n.metadata.name .spec.containers[0].image\n');
  await writeFile(join(tool.dir, 'names.tmpl'), '{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}');
  await writeFile(join(tool.dir, 'names.jsonpath'), '{range .items[*]}{.metadata.name}{"\\n"}{end}');
}
