// tskubectl scale: through the scale subresource, with --current-replicas as a
// precondition, several objects, --all, dry runs and kubectl's errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';

let cp: ControlPlane;
let rest: RestClient;

const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);
const expect = async (args: string[], code: number, stdout: string, stderr = ''): Promise<void> => {
  const r = await run(...args);
  assert.deepEqual([r.code, r.stdout, r.stderr], [code, stdout, stderr], args.join(' '));
};
const replicas = async (name: string): Promise<number> =>
  ((await resourceClient(rest, 'deployments').get('default', name)) as unknown as { spec: { replicas: number } }).spec.replicas;

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  for (const name of ['web', 'api']) {
    await resourceClient(rest, 'deployments').create('default', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name } },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
  }
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

test('scale sets spec.replicas; --current-replicas is a precondition', async () => {
  await expect(['scale', 'deployment', 'web', '--replicas=3'], 0, 'deployment.apps/web scaled\n');
  assert.equal(await replicas('web'), 3);
  await expect(['scale', 'deploy', 'web', '--replicas=4', '--current-replicas=2'], 1, '', 'error: Expected replicas to be 2, was 3\n');
  assert.equal(await replicas('web'), 3);
  await expect(['scale', 'deploy', 'web', '--replicas=4', '--current-replicas=3'], 0, 'deployment.apps/web scaled\n');
  assert.equal(await replicas('web'), 4);
  await expect(['scale', 'deploy', 'web', '--replicas=9', '--dry-run=server'], 0, 'deployment.apps/web scaled (server dry run)\n');
  await expect(['scale', 'deploy', 'web', '--replicas=9', '--dry-run=client', '-o', 'name'], 0, 'deployment.apps/web\n');
  assert.equal(await replicas('web'), 4);
});

test('scale several objects, --all, and errors', async () => {
  await expect(['scale', 'deploy', '--all', '--replicas=2'], 0, 'deployment.apps/api scaled\ndeployment.apps/web scaled\n');
  assert.deepEqual([await replicas('api'), await replicas('web')], [2, 2]);
  await expect(['scale', 'deploy/web', 'deploy/nope', '--replicas=0'], 1, 'deployment.apps/web scaled\n', 'Error from server (NotFound): deployments.apps "nope" not found\n');
  assert.equal(await replicas('web'), 0);
  await expect(['scale', 'deploy', 'nope', '--replicas=1'], 1, '', 'error: no objects passed to scale deployments.apps "nope" not found\n');
  await expect(['scale', 'deploy', 'web'], 1, '', 'error: required flag(s) "replicas" not set\n');
  await expect(['scale', 'deploy', 'web', '--replicas=-1'], 1, '', 'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n');
});
