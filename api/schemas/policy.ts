// policy/v1 definitions: PodDisruptionBudget, and Eviction (the pods/eviction body, also
// accepted as policy/v1beta1).
import { INT_OR_STRING, METADATA, listKind, M } from './meta.js';
import { API_VERSION, KIND, gvk, int32, int64, kind, listOf, map, object, ref, str, type Definitions } from './schema.js';

export const PO = 'io.k8s.api.policy.v1.';

export const POLICY_DEFINITIONS: Definitions = {
  [`${PO}PodDisruptionBudgetSpec`]: object('Which pods a budget guards and how many of them must stay available.', {
    maxUnavailable: ref(INT_OR_STRING, 'An eviction is allowed while at most this many (or this percentage) of the selected pods are unavailable after it. Exclusive with minAvailable.'),
    minAvailable: ref(INT_OR_STRING, 'An eviction is allowed while at least this many (or this percentage) of the selected pods stay available after it. "100%" forbids every voluntary eviction.'),
    selector: ref(`${M}LabelSelector`, 'The pods whose evictions the budget governs. A null selector matches no pods, an empty one every pod of the namespace.', { patch: 'replace' }),
    unhealthyPodEvictionPolicy: str('When running but not Ready pods may be evicted: IfHealthyBudget (the default: only while the application is not disrupted) or AlwaysAllow.', { enum: ['AlwaysAllow', 'IfHealthyBudget'] }),
  }),

  [`${PO}PodDisruptionBudgetStatus`]: object('What the disruption controller last computed for the budget. May trail the cluster.', {
    conditions: listOf(`${M}Condition`, 'DisruptionAllowed: True (SufficientPods) when pods may be disrupted, False (InsufficientPods, SyncFailed) otherwise.', {
      patch: 'merge', mergeKey: 'type', listType: 'map', mapKeys: ['type'],
    }),
    currentHealthy: int32('How many selected pods are healthy (Ready) now.'),
    desiredHealthy: int32('How many selected pods must stay healthy.'),
    disruptedPods: map(ref(`${M}Time`, ''), 'Pods the eviction API let go that the controller has not yet seen deleted, with when; forgotten after a timeout.'),
    disruptionsAllowed: int32('How many pod disruptions are allowed now.'),
    expectedPods: int32('How many pods the budget counts (the scale of their controllers, or the selected pods).'),
    observedGeneration: int64('The generation of the budget this status was computed from; the rest is valid only when it equals metadata.generation.'),
  }, ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']),

  [`${PO}PodDisruptionBudget`]: kind(gvk('policy', 'v1', 'PodDisruptionBudget'), 'The most disruption voluntary evictions may cause to a set of pods.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${PO}PodDisruptionBudgetSpec`, 'Which pods, and how many must stay available.'),
    status: ref(`${PO}PodDisruptionBudgetStatus`, 'What the disruption controller last computed. Read-only.'),
  }),

  [`${PO}PodDisruptionBudgetList`]: listKind('policy', 'v1', 'PodDisruptionBudgetList', `${PO}PodDisruptionBudget`, 'pod disruption budgets'),

  [`${PO}Eviction`]: kind([gvk('policy', 'v1', 'Eviction'), gvk('policy', 'v1beta1', 'Eviction')], 'Evicts a pod from its node, within its disruption budget: POSTed to pods/<name>/eviction.', {
    apiVersion: API_VERSION,
    deleteOptions: ref(`${M}DeleteOptions`, 'How the pod is deleted once the eviction is allowed.'),
    kind: KIND,
    metadata: ref(`${M}ObjectMeta`, 'The pod to evict: its name and namespace.'),
  }),
};
