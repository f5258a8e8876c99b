import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HostPortInfo, NodeInfo, Snapshot, podInfoOf, podKey } from '../../scheduler/node-info.js';
import { makeNode, makePod } from './fixtures.js';

describe('NodeInfo', () => {
  it('parses allocatable once per node update', () => {
    const ni = new NodeInfo('n', makeNode('n', { cpu: '3500m', memory: '2Gi', pods: '20' }));
    assert.equal(ni.allocatable.milliCPU, 3500);
    assert.equal(ni.allocatable.memory, 2 * 1024 ** 3);
    assert.equal(ni.allocatable.allowedPodNumber, 20);
    ni.setNode(makeNode('n', { cpu: '1' }));
    assert.equal(ni.allocatable.milliCPU, 1000);
  });

  it('keeps requested, non-zero requested, pod count, and ports in step with adds and removes', () => {
    const ni = new NodeInfo('n', makeNode('n'));
    const a = podInfoOf(makePod('a', { cpu: '250m', memory: '64Mi', hostPorts: [{ hostPort: 80 }], owner: 'web' }));
    const b = podInfoOf(makePod('b', { owner: 'web' }));
    ni.addPod(a);
    ni.addPod(b);
    assert.equal(ni.podCount, 2);
    assert.equal(ni.requested.milliCPU, 250);
    assert.equal(ni.requested.memory, 64 * 1024 ** 2);
    assert.equal(ni.nonZeroMilliCPU, 350);
    assert.equal(ni.nonZeroMemory, 64 * 1024 ** 2 + 200 * 1024 ** 2);
    assert.equal(ni.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 80 }), true);

    // Re-adding a pod (an update) replaces its old contribution.
    ni.addPod(podInfoOf({ ...a.pod, spec: { ...a.pod.spec!, containers: [{ name: 'app', resources: { requests: { cpu: '1' } } }] } }));
    assert.equal(ni.podCount, 2);
    assert.equal(ni.requested.milliCPU, 1000);
    assert.equal(ni.requested.memory, 0);
    assert.equal(ni.usedPorts.size, 0);

    assert.equal(ni.removePod(a.key)?.key, a.key);
    assert.equal(ni.removePod(a.key), undefined);
    ni.removePod(b.key);
    assert.equal(ni.podCount, 0);
    assert.equal(ni.requested.milliCPU, 0);
    assert.equal(ni.nonZeroMilliCPU, 0);
    assert.equal(ni.nonZeroMemory, 0);
  });

  it('clones independently', () => {
    const ni = new NodeInfo('n', makeNode('n'));
    const a = podInfoOf(makePod('a', { cpu: '1' }));
    ni.addPod(a);
    const c = ni.clone();
    c.removePod(a.key);
    assert.equal(ni.requested.milliCPU, 1000);
    assert.equal(c.requested.milliCPU, 0);
  });
});

describe('HostPortInfo', () => {
  it('counts users of a port so one removal does not free it for the other', () => {
    const h = new HostPortInfo();
    const p = { ip: '10.0.0.1', protocol: 'TCP', port: 80 };
    h.add(p);
    h.add(p);
    h.add(p, -1);
    assert.equal(h.conflicts(p), true);
    assert.equal(h.conflicts({ ...p, ip: '0.0.0.0' }), true);
    h.add(p, -1);
    assert.equal(h.conflicts(p), false);
    assert.equal(h.conflicts({ ...p, ip: '0.0.0.0' }), false);
    assert.equal(h.conflicts({ ...p, port: 0 }), false);
  });
});

describe('Snapshot', () => {
  it('adds, updates and removes nodes with O(1) list maintenance', () => {
    const s = new Snapshot();
    for (const n of ['a', 'b', 'c']) s.setNode(makeNode(n));
    assert.deepEqual(s.nodeInfos().map((n) => n.name), ['a', 'b', 'c']);
    s.setNode(makeNode('b', { cpu: '1' }));
    assert.equal(s.numNodes, 3);
    assert.equal(s.get('b')!.allocatable.milliCPU, 1000);
    s.removeNode('a');
    assert.deepEqual(s.nodeInfos().map((n) => n.name).sort(), ['b', 'c']);
    s.removeNode('c');
    s.removeNode('zzz');
    assert.deepEqual(s.nodeInfos().map((n) => n.name), ['b']);
  });

  it('accounts bound pods, including pods that arrive before their node', () => {
    const s = new Snapshot();
    const p = makePod('p', { cpu: '1', nodeName: 'late' });
    s.addPod(p);
    assert.equal(s.numNodes, 0, 'a node known only from pods is not schedulable');
    assert.equal(s.get('late')!.requested.milliCPU, 1000);
    s.setNode(makeNode('late'));
    assert.equal(s.numNodes, 1);
    assert.equal(s.get('late')!.requested.milliCPU, 1000);
    s.removeNode('late');
    assert.equal(s.get('late')!.podCount, 1, 'pods of a deleted node stay until they are deleted');
    s.removePod(p);
    assert.equal(s.get('late'), undefined);
    s.addPod(makePod('unbound'));
    assert.equal(s.numPods, 0);
  });

  it('assumes, confirms, moves and forgets pods', () => {
    const s = new Snapshot();
    s.setNode(makeNode('a'));
    s.setNode(makeNode('b'));
    const p = makePod('p', { cpu: '1' });
    s.assumePod(p, 'a');
    assert.equal(s.isAssumed(p), true);
    assert.equal(s.get('a')!.requested.milliCPU, 1000);

    // The binding lands: the bound pod replaces the assumption, counted once.
    s.addPod({ ...p, spec: { ...p.spec!, nodeName: 'a' } });
    assert.equal(s.isAssumed(p), false);
    assert.equal(s.get('a')!.podCount, 1);
    assert.equal(s.get('a')!.requested.milliCPU, 1000);
    s.forgetPod(p);
    assert.equal(s.get('a')!.podCount, 1, 'forget never drops a confirmed pod');

    // An assumption that failed to bind is forgotten.
    const q = makePod('q', { cpu: '2' });
    s.assumePod(q, 'b');
    s.forgetPod(podKey(q));
    assert.equal(s.get('b')!.podCount, 0);
    assert.equal(s.get('b')!.requested.milliCPU, 0);
    assert.equal(s.nodeOf(q), undefined);

    // A pod seen on another node than assumed moves.
    s.assumePod(q, 'a');
    s.addPod(q, 'b');
    assert.equal(s.get('a')!.podCount, 1);
    assert.equal(s.get('b')!.podCount, 1);
    assert.equal(s.nodeOf(q), 'b');
    s.removePod(q);
    assert.equal(s.numPods, 1);
  });
});
