// -o go-template / go-template-file / template / templatefile and --template, run with
// the real kubectl and with ours against the same control plane: same exit status,
// stdout and stderr (the quick reference's secret examples, lists, numbers, errors with
// kubectl's debugging lines on stdout, --allow-missing-template-keys=false, and a
// mutating command's -o go-template).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectlRun } from '../harness/kubectl.js';
import { tskubectlRun } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';

let cp: ControlPlane;
let rest: RestClient;
let dir: string;

const b64 = (s: string): string => Buffer.from(s).toString('base64');

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  dir = mkdtempSync(join(tmpdir(), 'gotpl-'));
  await resourceClient(rest, 'secrets').create('default', {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'my-secret', labels: { app: 'demo' } },
    data: { 'key-name-with-dashes': b64('s3cr3t'), 'other.key': b64('line1\nline2'), plain: b64('p') },
  });
  for (const name of ['alpha', 'beta']) {
    await resourceClient(rest, 'configmaps').create('default', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { tier: 'web' } }, data: { name, 'ratio': '0.5' },
    });
  }
  await resourceClient(rest, 'services').create('default', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'metrics', port: 9090, targetPort: 'metrics' }] },
  });
  await resourceClient(rest, 'deployments').create('default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app' },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'app' } }, progressDeadlineSeconds: 600,
      template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '500m' } } }] } },
    },
  });
  await resourceClient(rest, 'nodes').create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gotpl-node' }, spec: { taints: [{ key: 'old', value: 'x', effect: 'NoSchedule' }] } });
  writeFileSync(join(dir, 'ports.tpl'), '{{range .spec.ports}}{{.name}}={{.port}}->{{.targetPort}}\n{{end}}');
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

/** Runs args with kubectl and with ours and asserts the same exit code, stdout and stderr. */
async function same(args: string[], expectCode?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const theirs = await kubectlRun(cp, args);
  const ours = await tskubectlRun(cp, args);
  assert.deepEqual(
    { code: ours.code, stdout: ours.stdout, stderr: ours.stderr.replace(/tskubectl/g, 'kubectl') },
    { code: theirs.code, stdout: theirs.stdout, stderr: theirs.stderr },
    args.join(' '),
  );
  if (expectCode !== undefined) assert.equal(theirs.code, expectCode, `kubectl ${args.join(' ')}: ${theirs.stderr}`);
  return theirs;
}

test('the quick reference: a secret key with dashes (--template), and every key decoded', async () => {
  const r = await same(['get', 'secret', 'my-secret', '--template={{index .data "key-name-with-dashes"}}'], 0);
  assert.equal(r.stdout, b64('s3cr3t'));
  const all = await same(['get', 'secret', 'my-secret', '-o', 'go-template={{range $k,$v := .data}}{{"### "}}{{$k}}{{"\\n"}}{{$v|base64decode}}{{"\\n\\n"}}{{end}}'], 0);
  assert.equal(all.stdout, '### key-name-with-dashes\ns3cr3t\n\n### other.key\nline1\nline2\n\n### plain\np\n\n');
  await same(['get', 'secret', 'my-secret', '-o', 'template={{.metadata.labels}} {{.type}} {{len .data}}'], 0);
  await same(['get', 'secret', 'my-secret', '-o=go-template', '--template', '{{.metadata.name}}'], 0);
});

test('lists: range over .items, selectors, several types, an empty list', async () => {
  await same(['get', 'configmaps', '-l', 'tier=web', '-o', 'go-template={{range .items}}{{.metadata.name}}: {{.data.name}}{{"\\n"}}{{end}}'], 0);
  await same(['get', 'cm,svc', '-l', 'tier=web', '-o', 'go-template={{.kind}} {{len .items}}{{range $i, $o := .items}} {{$i}}={{$o.kind}}/{{$o.metadata.name}}{{end}}'], 0);
  await same(['get', 'pods', '-o', 'go-template={{range .items}}{{.metadata.name}}{{else}}none{{end}} {{.metadata}}'], 0);
  await same(['get', 'cm', 'alpha', 'beta', '-o', 'go-template={{range .items}}{{if eq .metadata.name "beta"}}B{{else}}{{.metadata.name}}{{end}};{{end}}'], 0);
});

test('numbers are int64 when whole: eq, printf and comparison with Go\'s rules', async () => {
  await same(['get', 'deploy', 'app', '-o', 'go-template={{.spec.replicas}} {{printf "%T %d %v" .spec.replicas .spec.replicas .spec.progressDeadlineSeconds}} {{eq .spec.replicas 3}} {{gt .spec.replicas 1}} {{with (index .spec.template.spec.containers 0)}}{{.resources.limits.cpu}}{{end}}'], 0);
  await same(['get', 'svc', 'web', '-o', 'go-template-file=' + join(dir, 'ports.tpl')], 0);
  await same(['get', 'svc', 'web', '-o', 'go-template={{range .spec.ports}}{{printf "%-8s|%5d|%v" .name .port .targetPort}};{{end}}'], 0);
  // A float compared with an int is an error in Go's templates.
  await same(['get', 'deploy', 'app', '-o', 'go-template={{lt .spec.replicas 3.5}}'], 1);
});

test('missing keys print <no value>, or fail with --allow-missing-template-keys=false', async () => {
  await same(['get', 'cm', 'alpha', '-o', 'go-template={{.data.nope}} {{.nope.deeper}} {{index .data "nope"}}'], 0);
  await same(['get', 'cm', 'alpha', '--allow-missing-template-keys=false', '-o', 'go-template={{.data.name}} {{.data.nope}}'], 1);
});

test('errors: execution (debugging lines on stdout), parse, no template, bad file, bad base64', async () => {
  const r = await same(['get', 'cm', 'alpha', '-o', 'go-template=ok {{.metadata.name.x}}'], 1);
  assert.match(r.stdout, /^ok Error executing template: template: output:1:14: executing "output" at <\.metadata\.name\.x>: can't evaluate field x in type interface \{\}\. Printing more information/);
  await same(['get', 'cm', 'alpha', '-o', 'go-template={{.data.ratio | base64decode}}'], 1);
  await same(['get', 'cm', 'alpha', '-o', 'go-template={{index .data 1}}'], 1);
  await same(['get', 'cm', 'alpha', '-o', 'go-template={{foo .}}'], 1);
  await same(['get', 'cm', 'alpha', '-o', 'go-template={{if .data}}'], 1);
  await same(['get', 'cm', 'alpha', '-o', 'go-template'], 1);
  await same(['get', 'cm', 'alpha', '-o', `go-template-file=${join(dir, 'missing.tpl')}`], 1);
  await same(['get', 'cm', 'alpha', '-o', 'jsonpath', '--template={.metadata.name}'], 0);
});

test('a mutating command prints its result with -o go-template', async () => {
  await same(['label', 'cm', 'alpha', 'extra=1', '--dry-run=client', '-o', 'go-template={{.metadata.name}} {{.metadata.labels.extra}}{{"\\n"}}'], 0);
  await same(['label', 'cm', 'alpha', 'beta', 'extra=1', '--dry-run=server', '--template={{.metadata.name}},'], 0);
  await same(['create', 'configmap', 'gamma', '--from-literal=k=v', '--dry-run=client', '-o', 'go-template={{.kind}} {{.data.k}} {{.metadata.creationTimestamp}}'], 0);
  await same(['create', 'configmap', 'gamma', '--from-literal=k=v', '--dry-run=client', '--template={{.metadata.name}}'], 0);
  await same(['taint', 'nodes', 'gotpl-node', 'new=y:NoExecute', '--dry-run=client', '-o', 'go-template={{range .spec.taints}}{{.key}}={{.value}}:{{.effect}} {{end}}'], 0);
  await same(['label', 'cm', 'alpha', 'extra=1', '--dry-run=client', '-o', 'go-template={{.metadata.name.x}}'], 1);
});
