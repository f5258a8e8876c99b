// describe horizontalpodautoscaler (kubectl's describeHorizontalPodAutoscalerV2): the
// target, each metric as "( current / target )", the replica bounds, the behavior when
// one is set, the target's current and desired pods, the conditions and the events.
import { hpaFromV1 } from '../../../api/conversion/autoscaling.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerV1, HPAScalingRules } from '../../../api/types/autoscaling.js';
import type { Event } from '../../../api/types/core.js';
import {
  describeEvents, LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, printAnnotationsMultiline, printLabelsMultiline, rfc1123z, tabbedString, type PrefixWriter,
} from './writer.js';

const UNKNOWN = '<unknown>';
/** A nil *Quantity's String(). */
const NIL = '<nil>';

function printDirectionBehavior(w: PrefixWriter, direction: string, rules: HPAScalingRules | undefined): void {
  if (!rules) return;
  w.write(LEVEL_1, `${direction}:\n`);
  if (rules.stabilizationWindowSeconds !== undefined) w.write(LEVEL_2, `Stabilization Window: ${rules.stabilizationWindowSeconds} seconds\n`);
  if (rules.policies?.length) {
    w.write(LEVEL_2, `Select Policy: ${rules.selectPolicy ?? 'Max'}\n`);
    w.write(LEVEL_2, 'Policies:\n');
    for (const p of rules.policies) w.write(LEVEL_3, `- Type: ${p.type}\tValue: ${p.value}\tPeriod: ${p.periodSeconds} seconds\n`);
  }
}

export function describeHorizontalPodAutoscaler(obj: HorizontalPodAutoscaler | HorizontalPodAutoscalerV1, events: Event[] | undefined, now: Date): string {
  // kubectl describes every version as v2.
  const hpa = obj.apiVersion === 'autoscaling/v1' ? hpaFromV1(obj as HorizontalPodAutoscalerV1) : obj as HorizontalPodAutoscaler;
  return tabbedString((w) => {
    const spec = hpa.spec ?? ({ scaleTargetRef: { kind: '', name: '' }, maxReplicas: 0 } as NonNullable<HorizontalPodAutoscaler['spec']>);
    const current = hpa.status?.currentMetrics ?? [];
    w.write(LEVEL_0, `Name:\t${hpa.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${hpa.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', hpa.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', hpa.metadata.annotations);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(hpa.metadata.creationTimestamp)}\n`);
    w.write(LEVEL_0, `Reference:\t${spec.scaleTargetRef?.kind ?? ''}/${spec.scaleTargetRef?.name ?? ''}\n`);
    w.write(LEVEL_0, 'Metrics:\t( current / target )\n');
    (spec.metrics ?? []).forEach((m, i) => {
      const st = current[i];
      switch (m.type) {
        case 'External': {
          const t = m.external?.target;
          if (t?.averageValue !== undefined) {
            w.write(LEVEL_1, `${JSON.stringify(m.external?.metric?.name ?? '')} (target average value):\t${st?.external?.current?.averageValue ?? UNKNOWN} / ${t.averageValue}\n`);
          } else {
            w.write(LEVEL_1, `${JSON.stringify(m.external?.metric?.name ?? '')} (target value):\t${st?.external ? st.external.current?.value ?? NIL : UNKNOWN} / ${t?.value ?? NIL}\n`);
          }
          break;
        }
        case 'Pods':
          w.write(LEVEL_1, `${JSON.stringify(m.pods?.metric?.name ?? '')} on pods:\t${st?.pods ? st.pods.current?.averageValue ?? NIL : UNKNOWN} / ${m.pods?.target?.averageValue ?? NIL}\n`);
          break;
        case 'Object': {
          const o = m.object;
          w.write(LEVEL_1, `"${o?.metric?.name ?? ''}" on ${o?.describedObject?.kind ?? ''}/${o?.describedObject?.name ?? ''} `);
          if (o?.target?.type === 'AverageValue') w.write(LEVEL_0, `(target average value):\t${st?.object ? st.object.current?.averageValue ?? NIL : UNKNOWN} / ${o.target.averageValue ?? NIL}\n`);
          else w.write(LEVEL_0, `(target value):\t${st?.object ? st.object.current?.value ?? NIL : UNKNOWN} / ${o?.target?.value ?? NIL}\n`);
          break;
        }
        case 'Resource':
        case 'ContainerResource': {
          const src = m.type === 'Resource' ? m.resource : m.containerResource;
          const cur = m.type === 'Resource' ? st?.resource : st?.containerResource;
          w.write(LEVEL_1, m.type === 'Resource' ? `resource ${src?.name ?? ''} on pods` : `resource ${src?.name ?? ''} of container "${m.containerResource?.container ?? ''}" on pods`);
          if (src?.target?.averageValue !== undefined) {
            w.write(LEVEL_0, `:\t${cur ? cur.current?.averageValue ?? NIL : UNKNOWN} / ${src.target.averageValue}\n`);
          } else {
            const c = cur?.current?.averageUtilization !== undefined ? `${cur.current.averageUtilization}% (${cur.current.averageValue ?? NIL})` : UNKNOWN;
            const target = src?.target?.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
            w.write(LEVEL_1, `(as a percentage of request):\t${c} / ${target}\n`);
          }
          break;
        }
        default:
          w.write(LEVEL_1, `<unknown metric type ${JSON.stringify(m.type)}>\n`);
      }
    });
    w.write(LEVEL_0, `Min replicas:\t${spec.minReplicas !== undefined ? String(spec.minReplicas) : '<unset>'}\n`);
    w.write(LEVEL_0, `Max replicas:\t${spec.maxReplicas ?? 0}\n`);
    if (spec.behavior) {
      w.write(LEVEL_0, 'Behavior:\n');
      printDirectionBehavior(w, 'Scale Up', spec.behavior.scaleUp);
      printDirectionBehavior(w, 'Scale Down', spec.behavior.scaleDown);
    }
    w.write(LEVEL_0, `${spec.scaleTargetRef?.kind ?? ''} pods:\t`);
    w.write(LEVEL_0, `${hpa.status?.currentReplicas ?? 0} current / ${hpa.status?.desiredReplicas ?? 0} desired\n`);
    const conditions = hpa.status?.conditions ?? [];
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n');
      w.write(LEVEL_1, 'Type\tStatus\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t------\t-------\n');
      for (const c of conditions) w.write(LEVEL_1, `${c.type}\t${c.status}\t${c.reason ?? ''}\t${c.message ?? ''}\n`);
    }
    describeEvents(events, w, now);
  });
}
