// The one copy of each pod rule (api/helpers/): QoS class against the cases of
// Kubernetes' qos_test.go, readiness and availability, metav1 time formats, and
// controller ownerReferences.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { controllerRef, isControlledBy } from '../../api/helpers/owner-refs.js';
import { isPodActive, isPodAvailable, isPodReady, isPodTerminal, podCondition } from '../../api/helpers/pod.js';
import { podQOSClass, type QOSClass } from '../../api/helpers/qos.js';
import { parseTime, rfc3339, rfc3339Micro, rfc3339Now } from '../../api/helpers/time.js';
import type { Container, Pod, PodCondition, ResourceList } from '../../api/types/core.js';
import type { OwnerReference } from '../../api/types/meta.js';

/** qos_test.go's getResourceList: only the quantities given (an empty string leaves one out). */
const res = (cpu: string, memory: string, extra: ResourceList = {}): ResourceList => ({
  ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}), ...extra,
});
const container = (name: string, requests: ResourceList, limits: ResourceList): Container => ({ name, image: 'x', resources: { requests, limits } });
const podOf = (containers: Container[], initContainers: Container[] = []): Pod => ({
  metadata: { name: 'p' },
  spec: { containers, ...(initContainers.length ? { initContainers } : {}) },
});

describe('podQOSClass (ComputePodQOS)', () => {
  const cases: { name: string; pod: Pod; want: QOSClass }[] = [
    // BestEffort
    { name: 'best-effort', pod: podOf([container('a', res('', ''), res('', ''))]), want: 'BestEffort' },
    { name: 'no resources field at all', pod: podOf([{ name: 'a', image: 'x' }]), want: 'BestEffort' },
    { name: 'best-effort-best-effort', pod: podOf([container('a', res('', ''), res('', '')), container('b', res('', ''), res('', ''))]), want: 'BestEffort' },
    { name: 'only zero quantities', pod: podOf([container('a', res('0', '0'), res('0', '0'))]), want: 'BestEffort' },
    { name: 'best-effort with extended resources', pod: podOf([container('a', res('', '', { 'nvidia.com/gpu': '2' }), res('', '', { 'nvidia.com/gpu': '2' }))]), want: 'BestEffort' },
    { name: 'best-effort-hugepages', pod: podOf([container('a', res('0', '0', { 'hugepages-2Mi': '1Gi' }), res('0', '0', { 'hugepages-2Mi': '1Gi' }))]), want: 'BestEffort' },
    // Guaranteed
    { name: 'guaranteed', pod: podOf([container('a', res('100m', '100Mi'), res('100m', '100Mi'))]), want: 'Guaranteed' },
    { name: 'guaranteed-guaranteed', pod: podOf([container('a', res('100m', '100Mi'), res('100m', '100Mi')), container('b', res('100m', '100Mi'), res('100m', '100Mi'))]), want: 'Guaranteed' },
    { name: 'guaranteed with extended resources', pod: podOf([container('a', res('100m', '100Mi', { 'nvidia.com/gpu': '2' }), res('100m', '100Mi', { 'nvidia.com/gpu': '2' }))]), want: 'Guaranteed' },
    { name: 'requests left out default to the limits', pod: podOf([container('a', {}, res('1', '1Gi'))]), want: 'Guaranteed' },
    { name: 'equal values written differently', pod: podOf([container('a', res('1', '1024Mi'), res('1000m', '1Gi'))]), want: 'Guaranteed' },
    { name: 'guaranteed init container too', pod: podOf([container('a', res('1', '1Gi'), res('1', '1Gi'))], [container('i', res('500m', '64Mi'), res('0.5', '64Mi'))]), want: 'Guaranteed' },
    // Burstable
    { name: 'best-effort-burstable', pod: podOf([container('a', res('', ''), res('', '')), container('b', res('1', ''), res('2', ''))]), want: 'Burstable' },
    { name: 'best-effort-guaranteed', pod: podOf([container('a', res('', ''), res('', '')), container('b', res('10m', '100Mi'), res('10m', '100Mi'))]), want: 'Burstable' },
    { name: 'burstable-cpu-guaranteed-memory (only memory limited)', pod: podOf([container('a', res('', '100Mi'), res('', '100Mi'))]), want: 'Burstable' },
    { name: 'only cpu limited', pod: podOf([container('a', res('1', ''), res('1', ''))]), want: 'Burstable' },
    { name: 'burstable-no-limits', pod: podOf([container('a', res('100m', '100Mi'), res('', ''))]), want: 'Burstable' },
    { name: 'burstable-guaranteed', pod: podOf([container('a', res('1', '100Mi'), res('2', '100Mi')), container('b', res('100m', '100Mi'), res('100m', '100Mi'))]), want: 'Burstable' },
    { name: 'burstable-unbounded-but-requests-match-limits', pod: podOf([container('a', res('100m', '100Mi'), res('200m', '200Mi')), container('b', res('100m', '100Mi'), res('', ''))]), want: 'Burstable' },
    { name: 'burstable-1 (requests below limits)', pod: podOf([container('a', res('10m', '100Mi'), res('100m', '200Mi'))]), want: 'Burstable' },
    { name: 'burstable-2 (zero requests, set limits)', pod: podOf([container('a', res('0', '0'), res('100m', '200Mi', { 'nvidia.com/gpu': '2' }))]), want: 'Burstable' },
    { name: 'burstable-hugepages', pod: podOf([container('a', res('0', '0', { 'hugepages-2Mi': '1Gi' }), res('100m', '200Mi', { 'hugepages-2Mi': '1Gi' }))]), want: 'Burstable' },
    { name: 'init-container (best-effort container, burstable init)', pod: podOf([container('a', res('', ''), res('', ''))], [container('i', res('10m', '100Mi'), res('100m', '200Mi'))]), want: 'Burstable' },
    { name: 'guaranteed container, init container without limits', pod: podOf([container('a', res('1', '1Gi'), res('1', '1Gi'))], [container('i', res('100m', ''), {})]), want: 'Burstable' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(podQOSClass(c.pod), c.want));
  }
});

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const withConditions = (conditions: PodCondition[], phase?: string, deletionTimestamp?: string): Pod => ({
  metadata: { name: 'p', ...(deletionTimestamp ? { deletionTimestamp } : {}) },
  spec: { containers: [] },
  status: { ...(phase ? { phase } : {}), conditions },
});
const ready = (status: string, lastTransitionTime: string | undefined = rfc3339(T0)): PodCondition => ({ type: 'Ready', status, lastTransitionTime });

describe('pod state', () => {
  it('podCondition and isPodReady read the Ready condition', () => {
    const pod = withConditions([{ type: 'PodScheduled', status: 'True' }, ready('True')]);
    assert.equal(podCondition(pod, 'PodScheduled')?.status, 'True');
    assert.equal(podCondition(pod, 'Initialized'), undefined);
    assert.equal(isPodReady(pod), true);
    assert.equal(isPodReady(withConditions([ready('False')])), false);
    assert.equal(isPodReady(withConditions([])), false);
    assert.equal(isPodReady({ metadata: { name: 'p' } }), false, 'no status');
  });

  it('isPodAvailable: Ready for minReadySeconds', () => {
    const pod = withConditions([ready('True')]);
    assert.equal(isPodAvailable(pod, 0, T0), true, 'minReadySeconds 0: available at once');
    assert.equal(isPodAvailable(pod, 10, T0 + 9_999), false);
    assert.equal(isPodAvailable(pod, 10, T0 + 10_000), true);
    assert.equal(isPodAvailable(withConditions([ready('False')]), 0, T0), false, 'not Ready');
    assert.equal(isPodAvailable(withConditions([ready('True', undefined)]), 0, T0), true, 'no transition time needed without minReadySeconds');
    assert.equal(isPodAvailable(withConditions([{ type: 'Ready', status: 'True' }]), 10, T0 + 60_000), false, 'no transition time: not yet');
  });

  it('isPodTerminal and isPodActive', () => {
    assert.equal(isPodTerminal(withConditions([], 'Succeeded')), true);
    assert.equal(isPodTerminal(withConditions([], 'Failed')), true);
    assert.equal(isPodTerminal(withConditions([], 'Running')), false);
    assert.equal(isPodActive(withConditions([], 'Running')), true);
    assert.equal(isPodActive(withConditions([], 'Pending')), true);
    assert.equal(isPodActive(withConditions([], 'Failed')), false);
    assert.equal(isPodActive(withConditions([], 'Running', rfc3339(T0))), false, 'being deleted');
  });
});

describe('metav1 time formats', () => {
  const d = new Date(Date.UTC(2006, 0, 2, 15, 4, 5, 7));
  it('rfc3339: UTC, whole seconds (truncated, not rounded)', () => {
    assert.equal(rfc3339(d), '2006-01-02T15:04:05Z');
    assert.equal(rfc3339(Date.UTC(2006, 0, 2, 15, 4, 5, 999)), '2006-01-02T15:04:05Z');
    assert.equal(rfc3339(0), '1970-01-01T00:00:00Z');
  });

  it('rfc3339Micro: exactly six fractional digits', () => {
    assert.equal(rfc3339Micro(d), '2006-01-02T15:04:05.007000Z');
    assert.equal(rfc3339Micro(Date.UTC(2006, 0, 2, 15, 4, 5)), '2006-01-02T15:04:05.000000Z');
  });

  it('rfc3339Now is the current second', () => {
    const before = rfc3339();
    const now = rfc3339Now();
    const after = rfc3339();
    assert.match(now, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(before <= now && now <= after, `${before} <= ${now} <= ${after}`);
  });

  it('parseTime reads both formats; NaN when absent or malformed', () => {
    assert.equal(parseTime('2006-01-02T15:04:05Z'), Date.UTC(2006, 0, 2, 15, 4, 5));
    assert.equal(parseTime(rfc3339Micro(d)), d.getTime());
    assert.ok(Number.isNaN(parseTime(undefined)));
    assert.ok(Number.isNaN(parseTime('')));
    assert.ok(Number.isNaN(parseTime('yesterday')));
  });
});

describe('controller ownerReferences', () => {
  const rs = { metadata: { name: 'web-abc', uid: 'rs-uid' } };
  const ref = (uid: string, controller?: boolean): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid, ...(controller === undefined ? {} : { controller }) });
  const owned = (...ownerReferences: OwnerReference[]) => ({ metadata: { name: 'p', ownerReferences } });

  it('controllerRef: the reference with controller=true', () => {
    assert.equal(controllerRef({ metadata: { name: 'p' } }), undefined);
    assert.equal(controllerRef(owned(ref('a'), ref('b', false))), undefined);
    assert.deepEqual(controllerRef(owned(ref('a'), ref('rs-uid', true))), ref('rs-uid', true));
  });

  it('isControlledBy: the controller reference names the owner\'s uid', () => {
    assert.equal(isControlledBy(owned(ref('rs-uid', true)), rs), true);
    assert.equal(isControlledBy(owned(ref('other', true)), rs), false);
    assert.equal(isControlledBy(owned(ref('rs-uid')), rs), false, 'an owner, not the controller');
    assert.equal(isControlledBy({ metadata: { name: 'p' } }, { metadata: { name: 'x' } }), false, 'no reference, no uid');
  });
});
