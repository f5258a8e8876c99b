// scheduling.k8s.io/v1 definitions: PriorityClass.
import { METADATA, listKind } from './meta.js';
import { API_VERSION, KIND, bool, gvk, int32, kind, str, type Definitions } from './schema.js';

export const SCH = 'io.k8s.api.scheduling.v1.';

export const SCHEDULING_DEFINITIONS: Definitions = {
  [`${SCH}PriorityClass`]: kind(gvk('scheduling.k8s.io', 'v1', 'PriorityClass'), 'Maps a priority class name to the priority pods of that class get.', {
    apiVersion: API_VERSION,
    description: str('When this class should be used; free text.'),
    globalDefault: bool('Whether pods without a priorityClassName get this class. Only one class may be the default.'),
    kind: KIND,
    metadata: METADATA,
    preemptionPolicy: str('Whether pods of this class may preempt lower-priority pods: PreemptLowerPriority (the default) or Never. Immutable.', { enum: ['Never', 'PreemptLowerPriority'] }),
    value: int32('The priority pods of this class receive; higher is more important. Immutable.'),
  }, ['value']),

  [`${SCH}PriorityClassList`]: listKind('scheduling.k8s.io', 'v1', 'PriorityClassList', `${SCH}PriorityClass`, 'priority classes'),
};
