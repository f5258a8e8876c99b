// Pure parts of `wait`: parsing --for, condition and JSONPath checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types/meta.js';
import { conditionMet, jsonPathMet, parseWaitFor, splitJsonPathInput } from '../../kubectl/wait-conditions.js';

const obj = (status: unknown, generation?: number): KubeObject => ({ metadata: { name: 'x', ...(generation ? { generation } : {}) }, status });

test('--for values kubectl understands, and its errors for others', () => {
  assert.deepEqual(parseWaitFor('delete'), { kind: 'delete' });
  assert.deepEqual(parseWaitFor('Delete'), { kind: 'delete' });
  assert.deepEqual(parseWaitFor('create'), { kind: 'create' });
  assert.deepEqual(parseWaitFor('condition=Ready'), { kind: 'condition', name: 'Ready', status: 'true' });
  assert.deepEqual(parseWaitFor('condition=Ready=False'), { kind: 'condition', name: 'Ready', status: 'False' });
  const jp = parseWaitFor('jsonpath={.status.readyReplicas}=3');
  assert.equal(jp.kind === 'jsonpath' && `${jp.expression} ${jp.value}`, '{.status.readyReplicas} 3');
  const relaxed = parseWaitFor('jsonpath=.status.phase');
  assert.equal(relaxed.kind === 'jsonpath' && `${relaxed.expression} ${relaxed.value}`, '{.status.phase} undefined');
  assert.throws(() => parseWaitFor('ready'), { message: 'unrecognized condition: "ready"' });
  assert.throws(() => parseWaitFor('jsonpath={.a}='), { message: "jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3" });
  assert.throws(() => parseWaitFor('jsonpath={.a}=1=2'), /jsonpath wait format must be/);
  assert.deepEqual(splitJsonPathInput('{.a[?(@.b=="c")].d}=e'), ['{.a[?(@.b=="c")].d}', 'e']);
});

test('conditions: type and status compared case-insensitively, stale conditions do not count', () => {
  const ready = obj({ conditions: [{ type: 'Ready', status: 'True' }] });
  assert.ok(conditionMet(ready, 'ready', 'true'));
  assert.ok(!conditionMet(ready, 'Ready', 'false'));
  assert.ok(!conditionMet(ready, 'Available', 'true'));
  assert.ok(!conditionMet(obj({ observedGeneration: 1, conditions: [{ type: 'Available', status: 'True' }] }, 2), 'Available', 'True'));
  assert.ok(conditionMet(obj({ observedGeneration: 1, conditions: [{ type: 'Available', status: 'True', observedGeneration: 2 }] }, 2), 'Available', 'True'));
});

test('JSONPath: a value to equal, or any value at all; lists and maps are refused', () => {
  const p = (s: string) => {
    const w = parseWaitFor(`jsonpath=${s}`);
    if (w.kind !== 'jsonpath') throw new Error('not jsonpath');
    return w;
  };
  const o = obj({ phase: 'Running', replicas: 3, conditions: [{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }] });
  const check = (s: string): boolean => {
    const w = p(s);
    return jsonPathMet(o, w.path, w.value);
  };
  assert.ok(check('{.status.phase}=Running'));
  assert.ok(check('{.status.replicas}=3'));
  assert.ok(!check('{.status.phase}=Pending'));
  assert.ok(check('{.status.phase}'));
  assert.ok(!check('{.status.podIP}'));
  assert.ok(check('{.status.conditions[?(@.type=="Ready")].status}=True'));
  assert.throws(() => check('{.status.conditions}=x'), { message: 'jsonpath leads to a nested object or list which is not supported' });
  assert.throws(() => check('{.status.conditions[*].type}=x'), { message: 'given jsonpath expression matches more than one value' });
});
