// What `tskubectl events` prints, as kubectl's events command and its EventPrinter: rows
// LAST SEEN, TYPE, REASON, OBJECT, MESSAGE (NAMESPACE first with -A), LAST SEEN as
// "5s", or "5s (x3 over 10m)" for repeated events; events sorted by the time they were
// last seen; and -o json|yaml as kubectl encodes its typed corev1.Event (struct field
// order for JSON, null timestamps and empty reportingComponent/Instance kept).
import type { Event, ObjectReference } from '../../api/types/core.js';
import type { ObjectMeta } from '../../api/types/meta.js';
import { humanDuration } from '../../api/duration.js';

/** kubectl's eventTime(): the series' last observation, else lastTimestamp, else eventTime. */
export function eventTime(e: Event): number {
  const t = e.series?.lastObservedTime || e.lastTimestamp || e.eventTime;
  return t ? Date.parse(t) : Number.NEGATIVE_INFINITY;
}

/** SortableEvents: oldest first; Go's sort.Sort is not stable, ties keep list order here. */
export function sortEvents(events: Event[]): Event[] {
  return [...events].sort((a, b) => eventTime(a) - eventTime(b));
}

const since = (t: string | null | undefined, now: number): string => (t ? humanDuration(now - Date.parse(t)) : '<unknown>');

/** The LAST SEEN cell (getInterval). */
export function interval(e: Event, now: number): string {
  const first = e.eventTime ? since(e.eventTime, now) : since(e.firstTimestamp, now);
  if (e.series) return `${since(e.series.lastObservedTime, now)} (x${e.series.count ?? 0} over ${first})`;
  if ((e.count ?? 0) > 1) return `${since(e.lastTimestamp, now)} (x${e.count} over ${first})`;
  return first;
}

/** printers.EscapeTerminal: ESC as "^[" and CR as "\\r", so event text cannot drive the terminal. */
function escapeTerminal(s: string | undefined): string {
  return (s ?? '').replaceAll('\x1b', '^[').replaceAll('\r', '\\r');
}

export const EVENT_HEADER = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];

/** One table row (tab-separated cells) of an event. */
export function eventRow(e: Event, now: number, allNamespaces: boolean): string[] {
  const row = [
    interval(e, now), escapeTerminal(e.type), escapeTerminal(e.reason),
    `${escapeTerminal(e.involvedObject?.kind)}/${escapeTerminal(e.involvedObject?.name)}`,
    escapeTerminal((e.message ?? '').trim()),
  ];
  return allNamespaces ? [e.metadata.namespace ?? '', ...row] : row;
}

/** An event as Go's typed corev1.Event marshals it: field order, nulls and "" kept. */
export function typedEvent(e: Event): Record<string, unknown> {
  return compact({
    kind: e.kind || 'Event',
    apiVersion: e.apiVersion || 'v1',
    metadata: typedObjectMeta(e.metadata),
    involvedObject: typedReference(e.involvedObject ?? {}),
    reason: e.reason || undefined,
    message: e.message || undefined,
    source: compact({ component: e.source?.component || undefined, host: e.source?.host || undefined }),
    firstTimestamp: e.firstTimestamp ?? null,
    lastTimestamp: e.lastTimestamp ?? null,
    count: e.count || undefined,
    type: e.type || undefined,
    eventTime: e.eventTime ?? null,
    series: e.series ? compact({ count: e.series.count || undefined, lastObservedTime: e.series.lastObservedTime ?? null }) : undefined,
    action: e.action || undefined,
    related: e.related ? typedReference(e.related) : undefined,
    reportingComponent: e.reportingComponent ?? '',
    reportingInstance: e.reportingInstance ?? '',
  });
}

/** The EventList kubectl prints for -o json|yaml: no list metadata. */
export function typedEventList(events: Event[]): Record<string, unknown> {
  return { kind: 'EventList', apiVersion: 'v1', metadata: {}, items: events.map(typedEvent) };
}

function typedReference(r: ObjectReference): Record<string, unknown> {
  return compact({ kind: r.kind, namespace: r.namespace, name: r.name, uid: r.uid, apiVersion: r.apiVersion, resourceVersion: r.resourceVersion, fieldPath: r.fieldPath });
}

function typedObjectMeta(m: ObjectMeta): Record<string, unknown> {
  const sorted = (o: Record<string, string> | undefined): Record<string, string> | undefined =>
    o && Object.keys(o).length ? Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : undefined;
  const x = m as ObjectMeta & { selfLink?: string };
  return compact({
    name: x.name || undefined, generateName: x.generateName || undefined, namespace: x.namespace || undefined,
    selfLink: x.selfLink || undefined, uid: x.uid || undefined, resourceVersion: x.resourceVersion || undefined,
    generation: x.generation || undefined, creationTimestamp: x.creationTimestamp ?? null,
    deletionTimestamp: x.deletionTimestamp || undefined, deletionGracePeriodSeconds: x.deletionGracePeriodSeconds ?? undefined,
    labels: sorted(x.labels), annotations: sorted(x.annotations),
    ownerReferences: x.ownerReferences?.length ? x.ownerReferences.map((o) => compact({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, controller: o.controller, blockOwnerDeletion: o.blockOwnerDeletion })) : undefined,
    finalizers: x.finalizers?.length ? x.finalizers : undefined,
  });
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
