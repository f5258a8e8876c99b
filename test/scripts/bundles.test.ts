// The one-file bundles (scripts/bundles.ts): built by `npm run build`, and the image's
// entrypoint runs the same files componentCommand and `npm run cluster` do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLES, WORKER_BUNDLES } from '../../scripts/bundles.js';
import { componentCommand } from '../harness/apiserver.js';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const root = resolve(dist, '..');

test('every bundle and worker bundle is built, and tests run components from their bundles', () => {
  for (const b of [...Object.values(BUNDLES), ...WORKER_BUNDLES]) assert.ok(existsSync(join(dist, b.out)), `${b.out} missing: npm run build makes it`);
  for (const [component, b] of Object.entries(BUNDLES)) assert.deepEqual(componentCommand(component), [join(dist, b.out)]);
  assert.deepEqual(componentCommand('kubelet'), [join(dist, 'kubelet/main.js')]);
});

test("the image's entrypoint runs each bundled component from its bundle", () => {
  const script = readFileSync(join(root, 'scripts/entrypoint.sh'), 'utf8');
  const mains = new Map([...script.matchAll(/^\s*([a-z-]+)\|?[a-z|-]*\) component=\S+ main=(\S+) ;;$/gm)].map((m) => [m[1], m[2]]));
  const entrypointName: Record<string, string> = { apiserver: 'kube-apiserver', scheduler: 'kube-scheduler', 'controller-manager': 'kube-controller-manager' };
  for (const [component, b] of Object.entries(BUNDLES)) assert.equal(mains.get(entrypointName[component] ?? component), b.out, component);
});
