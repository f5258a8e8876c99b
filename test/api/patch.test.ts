import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyJsonPatch, applyMergePatch, applyPatch, applyStrategicMergePatch, applyStrategicMergePatchWithMeta,
  lookupIn, PatchError, patchMetaFor, patchMetaTable,
} from '../../api/patch/index.js';

type Obj = Record<string, unknown>;

function patchError(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PatchError, `expected PatchError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a PatchError');
}

/** Applies `patch` and checks that neither input was modified. */
function strategic(target: Obj, patch: Obj, kind: string): Obj {
  const before = structuredClone(target);
  const patchBefore = structuredClone(patch);
  const result = applyStrategicMergePatch(target, patch, kind);
  assert.deepEqual(target, before, 'target was mutated');
  assert.deepEqual(patch, patchBefore, 'patch was mutated');
  return result;
}

const containersOf = (obj: Obj): Obj[] => (((obj.spec as Obj).template as Obj).spec as Obj).containers as Obj[];

describe('merge patch (RFC 7386)', () => {
  it('merges objects, deletes on null, replaces arrays and scalars', () => {
    const target = { metadata: { labels: { app: 'web', tier: 'fe' }, annotations: { a: '1' } }, spec: { replicas: 1, ports: [1, 2] } };
    const result = applyMergePatch(target, { metadata: { labels: { tier: null, env: 'prod' }, annotations: null }, spec: { ports: [3], replicas: 2 } });
    assert.deepEqual(result, { metadata: { labels: { app: 'web', env: 'prod' } }, spec: { replicas: 2, ports: [3] } });
    assert.deepEqual(target.metadata.labels, { app: 'web', tier: 'fe' }, 'target was mutated');
  });

  it('creates missing objects, dropping nulls inside them', () => {
    assert.deepEqual(applyMergePatch({ a: 1 }, { b: { c: null, d: 1 } }), { a: 1, b: { d: 1 } });
    assert.deepEqual(applyMergePatch({ a: 'x' }, { a: { b: 1 } }), { a: { b: 1 } });
  });

  it('replaces the whole target with a non-object patch', () => {
    assert.deepEqual(applyMergePatch({ a: 1 }, [1, 2]), [1, 2]);
    assert.equal(applyMergePatch({ a: 1 }, 'x'), 'x');
    assert.deepEqual(applyMergePatch('x', { a: 1 }), { a: 1 });
  });
});

describe('JSON patch (RFC 6902)', () => {
  const deployment = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.24' }] } } } };

  it('applies add, replace, remove, test, copy and move', () => {
    const result = applyJsonPatch(deployment, [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/metadata/labels/tier', value: 'frontend' },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'log', image: 'busybox' } },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.25' },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/name' },
      { op: 'move', from: '/metadata/labels/name', path: '/metadata/labels/component' },
      { op: 'remove', path: '/metadata/labels/app' },
    ]);
    assert.deepEqual(result, {
      metadata: { name: 'web', labels: { tier: 'frontend', component: 'web' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25' }, { name: 'log', image: 'busybox' }] } } },
    });
    assert.equal(deployment.spec.replicas, 1, 'target was mutated');
    assert.deepEqual(deployment.metadata.labels, { app: 'web' }, 'target was mutated');
  });

  it('escapes ~1 and ~0 in paths', () => {
    const result = applyJsonPatch({ metadata: { labels: {} } }, [{ op: 'add', path: '/metadata/labels/example.com~1team', value: 'a' }]);
    assert.deepEqual(result, { metadata: { labels: { 'example.com/team': 'a' } } });
  });

  it('fails a test operation with 422 and evanphx/json-patch messages', () => {
    const err = patchError(() => applyJsonPatch(deployment, [{ op: 'replace', path: '/spec/replicas', value: 5 }, { op: 'test', path: '/spec/replicas', value: 2 }]));
    assert.equal(err.code, 422);
    assert.equal(err.message, 'testing value /spec/replicas failed: test failed');
    assert.equal(deployment.spec.replicas, 1, 'a failed patch must not leak partial changes');
  });

  it('fails operations on missing paths with 422', () => {
    const remove = patchError(() => applyJsonPatch(deployment, [{ op: 'remove', path: '/metadata/labels/missing' }]));
    assert.equal(remove.code, 422);
    assert.equal(remove.message, 'remove operation does not apply: doc is missing path: "/metadata/labels/missing": missing value');
    const replace = patchError(() => applyJsonPatch(deployment, [{ op: 'replace', path: '/spec/paused', value: true }]));
    assert.equal(replace.message, 'replace operation does not apply: doc is missing key: /spec/paused: missing value');
    const add = patchError(() => applyJsonPatch(deployment, [{ op: 'add', path: '/status/replicas', value: 1 }]));
    assert.equal(add.message, 'add operation does not apply: doc is missing path: "/status/replicas": missing value');
    const move = patchError(() => applyJsonPatch(deployment, [{ op: 'move', from: '/nope', path: '/x' }]));
    assert.equal(move.message, 'move operation does not apply: doc is missing from path: /nope: missing value');
    const index = patchError(() => applyJsonPatch(deployment, [{ op: 'add', path: '/spec/template/spec/containers/5', value: {} }]));
    assert.equal(index.message, 'Unable to access invalid index: 5: invalid index referenced');
  });

  it('rejects malformed patches', () => {
    const unknownOp = patchError(() => applyJsonPatch(deployment, [{ op: 'frobnicate', path: '/spec' }]));
    assert.equal(unknownOp.code, 422);
    assert.equal(unknownOp.message, 'Unexpected kind: frobnicate: unknown object type');
    assert.equal(patchError(() => applyJsonPatch(deployment, { op: 'add' })).code, 400);
    assert.equal(patchError(() => applyJsonPatch(deployment, [{ op: 'add', path: '/a' }])).code, 400);
    assert.equal(patchError(() => applyJsonPatch(deployment, [{ op: 'add', path: 'a', value: 1 }])).code, 400);
    assert.equal(patchError(() => applyJsonPatch(deployment, ['x'])).code, 400);
    const tooMany = patchError(() => applyJsonPatch({}, Array.from({ length: 10001 }, () => ({ op: 'test', path: '', value: {} }))));
    assert.equal(tooMany.code, 413);
    assert.equal(tooMany.message, 'The allowed maximum operations in a JSON patch is 10000, got 10001');
  });
});

describe('strategic merge patch: what kubectl apply sends', () => {
  // The live object: server defaults filled in, and a sidecar someone else added.
  const live = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web', image: 'nginx:1.24', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log',
              command: ['nginx', '-g', 'daemon off;'],
              env: [{ name: 'FOO', value: '1' }, { name: 'BAR', value: '2' }],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
            { name: 'log', image: 'busybox', imagePullPolicy: 'Always' },
            { name: 'proxy', image: 'envoy' },
          ],
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
        },
      },
    },
    status: { replicas: 2 },
  };

  it('changes an image, removes an env var, drops a field and adds a label', () => {
    // kubectl apply's three-way patch after the manifest changed the image to nginx:1.25,
    // removed FOO and `command`, and added the label tier=frontend.
    const patch = {
      metadata: { labels: { tier: 'frontend' } },
      spec: {
        template: {
          metadata: { labels: { tier: 'frontend' } },
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }],
            containers: [{
              name: 'web',
              image: 'nginx:1.25',
              command: null,
              '$setElementOrder/env': [{ name: 'BAR' }],
              env: [{ $patch: 'delete', name: 'FOO' }],
            }],
          },
        },
      },
    };
    const result = strategic(live, patch, 'Deployment');
    assert.deepEqual((result.metadata as Obj).labels, { app: 'web', tier: 'frontend' });
    assert.deepEqual((((result.spec as Obj).template as Obj).metadata as Obj).labels, { app: 'web', tier: 'frontend' });
    const containers = containersOf(result);
    assert.deepEqual(containers.map((c) => c.name), ['web', 'log', 'proxy'], 'server-only sidecar kept after the applied ones');
    assert.deepEqual(containers[0], {
      name: 'web', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log',
      env: [{ name: 'BAR', value: '2' }],
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
    assert.deepEqual(containers[1], { name: 'log', image: 'busybox', imagePullPolicy: 'Always' });
    assert.deepEqual((result.spec as Obj).strategy, live.spec.strategy);
    assert.deepEqual(result.status, live.status);
  });

  it('reorders containers per $setElementOrder and inserts a new one in place', () => {
    const patch = {
      spec: { template: { spec: {
        '$setElementOrder/containers': [{ name: 'log' }, { name: 'init' }, { name: 'web' }],
        containers: [{ name: 'init', image: 'alpine' }],
      } } },
    };
    const names = containersOf(strategic(live, patch, 'Deployment')).map((c) => c.name);
    assert.deepEqual(names, ['log', 'init', 'web', 'proxy']);
  });

  it('renames a container (delete one, add one)', () => {
    const patch = {
      spec: { template: { spec: {
        '$setElementOrder/containers': [{ name: 'web' }, { name: 'logger' }],
        containers: [{ name: 'logger', image: 'fluentbit' }, { name: 'log', $patch: 'delete' }],
      } } },
    };
    const containers = containersOf(strategic(live, patch, 'Deployment'));
    assert.deepEqual(containers.map((c) => c.name), ['web', 'proxy', 'logger']);
    assert.deepEqual(containers[2], { name: 'logger', image: 'fluentbit' });
  });

  it('switches the deployment strategy with $retainKeys', () => {
    const patch = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } };
    assert.deepEqual((strategic(live, patch, 'Deployment').spec as Obj).strategy, { type: 'Recreate' });
    const badRetain = patchError(() => applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, 'Deployment'));
    assert.equal(badRetain.message, 'invalid patch format of retainKeys');
    assert.equal(badRetain.code, 400);
  });

  it('rejects a patch list out of order with $setElementOrder', () => {
    const patch = { spec: { template: { spec: {
      '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }],
      containers: [{ name: 'log', image: 'x' }, { name: 'web', image: 'y' }],
    } } } };
    assert.match(patchError(() => applyStrategicMergePatch(live, patch, 'Deployment')).message, /doesn't match \$setElementOrder list/);
  });
});

describe('strategic merge patch: list strategies of the built-in kinds', () => {
  const pod = {
    kind: 'Pod',
    metadata: { name: 'p', finalizers: ['a', 'b'], ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' }] },
    spec: {
      containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }, { containerPort: 443 }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', emptyDir: {} }, { name: 'conf', configMap: { name: 'c' } }],
      tolerations: [{ key: 'a', operator: 'Exists' }],
      imagePullSecrets: [{ name: 'reg' }],
    },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }] },
  };

  it('merges containers by name and their ports by containerPort', () => {
    const result = strategic(pod, { spec: { containers: [{ name: 'web', ports: [{ containerPort: 8080, name: 'alt' }, { containerPort: 80, name: 'http' }] }] } }, 'Pod');
    const [web] = (result.spec as Obj).containers as Obj[];
    assert.equal(web.image, 'nginx');
    // As in Kubernetes: patch items keep the patch's order and, having no place in the live
    // list, come before the live-only items.
    assert.deepEqual(web.ports, [{ containerPort: 8080, name: 'alt' }, { containerPort: 80, name: 'http' }, { containerPort: 443 }]);
  });

  it('merges volume mounts by mountPath and volumes by name, honouring $retainKeys', () => {
    const result = strategic(pod, { spec: {
      containers: [{ name: 'web', volumeMounts: [{ mountPath: '/data', readOnly: true }] }],
      volumes: [{ name: 'data', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/srv' } }],
    } }, 'Pod');
    const spec = result.spec as Obj;
    assert.deepEqual(((spec.containers as Obj[])[0]).volumeMounts, [{ name: 'data', mountPath: '/data', readOnly: true }]);
    assert.deepEqual(spec.volumes, [{ name: 'data', hostPath: { path: '/srv' } }, { name: 'conf', configMap: { name: 'c' } }]);
  });

  it('unions finalizers and deletes with $deleteFromPrimitiveList', () => {
    const added = strategic(pod, { metadata: { finalizers: ['c', 'a'] } }, 'Pod');
    assert.deepEqual((added.metadata as Obj).finalizers, ['c', 'a', 'b']);
    const removed = strategic(pod, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, 'Pod');
    assert.deepEqual((removed.metadata as Obj).finalizers, ['b']);
    const ordered = strategic(pod, { metadata: { '$setElementOrder/finalizers': ['b', 'c'], finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] } }, 'Pod');
    assert.deepEqual((ordered.metadata as Obj).finalizers, ['b', 'c']);
  });

  it('merges ownerReferences by uid and conditions by type', () => {
    const result = strategic(pod, {
      metadata: { ownerReferences: [{ uid: 'u1', controller: true }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }] },
    }, 'Pod');
    assert.deepEqual((result.metadata as Obj).ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }]);
    assert.deepEqual((result.status as Obj).conditions, [
      { type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' },
    ]);
  });

  it('replaces lists without a strategy: tolerations, taints, command', () => {
    const result = strategic(pod, { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } }, 'Pod');
    assert.deepEqual((result.spec as Obj).tolerations, [{ key: 'b', operator: 'Exists' }]);
    const node = { kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } };
    const tainted = strategic(node, { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } }, 'Node');
    assert.deepEqual((tainted.spec as Obj).taints, [{ key: 'b', effect: 'NoExecute' }]);
  });

  it('merges service ports by port and node addresses by type', () => {
    const svc = { kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    const result = strategic(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, 'Service');
    assert.deepEqual((result.spec as Obj).ports, [{ port: 80, targetPort: 9090 }, { port: 443 }]);
    const node = { kind: 'Node', metadata: { name: 'n' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n' }] } };
    const moved = strategic(node, { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } }, 'Node');
    assert.deepEqual((moved.status as Obj).addresses, [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n' }]);
  });

  it('handles $patch directives on maps and lists', () => {
    const replacedMap = strategic(pod, { metadata: { $patch: 'replace', name: 'p' } }, 'Pod');
    assert.deepEqual(replacedMap.metadata, { name: 'p' });
    const deletedMap = strategic(pod, { status: { $patch: 'delete' } }, 'Pod');
    assert.deepEqual(deletedMap.status, {});
    const mergedMap = strategic(pod, { status: { $patch: 'merge', phase: 'Running' } }, 'Pod');
    assert.equal((mergedMap.status as Obj).phase, 'Running');
    assert.equal(((mergedMap.status as Obj).conditions as Obj[]).length, 2);
    const replacedList = strategic(pod, { spec: { imagePullSecrets: [{ $patch: 'replace' }, { name: 'other' }] } }, 'Pod');
    assert.deepEqual((replacedList.spec as Obj).imagePullSecrets, [{ name: 'other' }]);
    const emptied = strategic(pod, { spec: { volumes: [{ $patch: 'replace' }] } }, 'Pod');
    assert.deepEqual((emptied.spec as Obj).volumes, []);
    assert.match(patchError(() => applyStrategicMergePatch(pod, { spec: { volumes: [{ $patch: 'merge' }] } }, 'Pod')).message,
      /merging lists cannot yet be specified in the patch/);
    assert.match(patchError(() => applyStrategicMergePatch(pod, { spec: { $patch: 'frob' } }, 'Pod')).message, /^unknown patch type: frob in map/);
  });

  it('deletes keys with null and ignores nulls for missing keys', () => {
    const result = strategic(pod, { spec: { tolerations: null, nodeName: null, nodeSelector: { disk: 'ssd', zone: null } } }, 'Pod');
    const spec = result.spec as Obj;
    assert.equal('tolerations' in spec, false);
    assert.equal('nodeName' in spec, false);
    assert.deepEqual(spec.nodeSelector, { disk: 'ssd' });
  });

  it('strips directives from values that had nothing to merge with', () => {
    const result = strategic({ kind: 'Pod', metadata: { name: 'p' }, spec: {} }, { spec: {
      '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
      containers: [{ name: 'b', command: null }, { name: 'a', env: [{ name: 'X', $patch: 'delete' }, { name: 'Y', value: '1' }] }],
    } }, 'Pod');
    assert.deepEqual((result.spec as Obj).containers, [{ name: 'b' }, { name: 'a', env: [{ name: 'Y', value: '1' }] }]);
  });

  it('reports a merge-keyed item without its key', () => {
    const err = patchError(() => applyStrategicMergePatch(pod, { spec: { containers: [{ image: 'x' }] } }, 'Pod'));
    assert.equal(err.code, 422);
    assert.equal(err.message, 'map: map[image:x] does not contain declared merge key: name');
  });

  it('rejects kinds without metadata and non-object patches', () => {
    const unsupported = patchError(() => applyStrategicMergePatch({}, {}, 'Widget'));
    assert.equal(unsupported.message, 'strategic merge patch format is not supported');
    assert.equal(unsupported.code, 415);
    assert.equal(patchError(() => applyStrategicMergePatch(pod, [], 'Pod')).code, 400);
  });

  it('covers the pod template of ReplicaSets and the built-in kinds', () => {
    for (const kind of ['Pod', 'Service', 'Node', 'Namespace', 'Endpoints', 'ConfigMap', 'Secret', 'Event', 'ReplicaSet', 'Deployment', 'Lease']) {
      assert.ok(patchMetaFor(kind), kind);
    }
    assert.deepEqual(patchMetaFor('ReplicaSet')?.get('spec.template.spec.containers[].env'), { strategy: 'merge', mergeKey: 'name' });
    assert.deepEqual(patchMetaFor('Pod')?.get('spec.volumes'), { strategy: 'merge', mergeKey: 'name', retainKeys: true });
    assert.equal(patchMetaFor('Node')?.get('spec.taints'), undefined);
  });

  it('accepts custom metadata', () => {
    const lookup = lookupIn(patchMetaTable({ items: { strategy: 'merge', mergeKey: 'id' }, 'items[].tags': { strategy: 'merge' } }));
    const result = applyStrategicMergePatchWithMeta(
      { items: [{ id: 1, tags: ['a'] }, { id: 2 }] },
      { items: [{ id: 1, tags: ['b'] }] },
      lookup,
    );
    assert.deepEqual(result, { items: [{ id: 1, tags: ['b', 'a'] }, { id: 2 }] });
  });
});

describe('applyPatch', () => {
  const cm = { kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1' } }, data: { k: 'v' } };

  it('dispatches on the content type', () => {
    assert.deepEqual(applyPatch('application/merge-patch+json', cm, { data: { k: null } }, 'ConfigMap'),
      { kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1' } }, data: {} });
    assert.deepEqual(applyPatch('application/json-patch+json; charset=utf-8', cm, [{ op: 'add', path: '/data/x', value: 'y' }], 'ConfigMap'),
      { kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1' } }, data: { k: 'v', x: 'y' } });
    assert.deepEqual(applyPatch('application/strategic-merge-patch+json', cm, { metadata: { labels: { b: '2' } } }, 'ConfigMap'),
      { kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1', b: '2' } }, data: { k: 'v' } });
    assert.deepEqual(cm.data, { k: 'v' }, 'target was mutated');
  });

  it('rejects strategic merge patch for unknown kinds and unknown media types', () => {
    const unknownKind = patchError(() => applyPatch('application/strategic-merge-patch+json', {}, {}, 'Widget'));
    assert.equal(unknownKind.message, 'strategic merge patch format is not supported');
    const unknownType = patchError(() => applyPatch('application/xml', cm, {}, 'ConfigMap'));
    assert.equal(unknownType.code, 415);
  });
});

it('a merge patch with a "__proto__" key changes no prototype', async () => {
  const { applyMergePatch } = await import('../../api/patch/merge.js');
  const out = applyMergePatch({ data: { a: '1' } }, JSON.parse('{"data":{"__proto__":{"polluted":"yes"}},"__proto__":{"polluted":"yes"}}')) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out.data as object).sort(), ['__proto__', 'a']);
});
