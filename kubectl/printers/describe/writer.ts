// The building blocks of kubectl's describe output (kubectl/pkg/describe/describe.go):
// a prefix writer (two spaces per level) over a Go tabwriter (minwidth 0, padding 2),
// and the shared sections: labels, annotations, tolerations, taints, events, times.
import type { Event, Taint, Toleration } from '../../../api/types/core.js';
import { controllerRef } from '../../../api/helpers/owner-refs.js';
import type { KubeObject } from '../../../api/types/meta.js';
import { humanDuration } from '../age.js';
import { TabWriter } from '../tabwriter.js';

export const LEVEL_0 = 0;
export const LEVEL_1 = 1;
export const LEVEL_2 = 2;
export const LEVEL_3 = 3;

/** kubectl's PrefixWriter: Write(level, text) indents by two spaces a level. */
export class PrefixWriter {
  constructor(private readonly tw: TabWriter) {}

  write(level: number, text: string): void {
    this.tw.write('  '.repeat(level) + text);
  }

  writeLine(text = ''): void {
    this.tw.write(`${text}\n`);
  }

  flush(): void {
    this.tw.flush();
  }
}

/** Runs fn against a fresh describe tabwriter and answers what it wrote (tabbedString). */
export function tabbedString(fn: (w: PrefixWriter) => void): string {
  let out = '';
  const tw = new TabWriter((t) => { out += t; }, { minWidth: 0, padding: 2, rememberWidths: false });
  fn(new PrefixWriter(tw));
  tw.flush();
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * A timestamp as Go's time.RFC1123Z in local time ("Mon, 02 Jan 2006 15:04:05 -0700");
 * Go's zero time for a missing one, as kubectl prints an unset metav1.Time.
 */
export function rfc1123z(ts: string | undefined | null): string {
  const t = ts ? Date.parse(ts) : Number.NaN;
  if (Number.isNaN(t)) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const d = new Date(t);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${DAYS[d.getDay()]}, ${pad2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
}

/** translateTimestampSince: "<unknown>" for an unset time, else the human age. */
export function since(ts: string | undefined | null, now: Date): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** printLabelsMultilineWithIndent: sorted k=v lines, "<none>" when empty. */
export function printLabelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined | null, initialIndent = '', innerIndent = '\t'): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((k, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, initialIndent);
      w.write(LEVEL_0, innerIndent);
    }
    w.write(LEVEL_0, `${k}=${labels![k]}\n`);
  });
}

const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);
const MAX_ANNOTATION_LEN = 140;

const shorten = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}...` : s);

/** printAnnotationsMultiline: long or multi-line values on their own indented lines. */
export function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined | null): void {
  w.write(LEVEL_0, `${title}:\t`);
  const keys = Object.keys(annotations ?? {}).filter((k) => !SKIP_ANNOTATIONS.has(k)).sort();
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  const indent = '\t';
  keys.forEach((key, i) => {
    if (i !== 0) w.write(LEVEL_0, indent);
    const value = annotations![key]!.replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(LEVEL_0, `${key}:\n`);
      for (const s of value.split('\n')) w.write(LEVEL_0, `${indent}  ${shorten(s, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      w.write(LEVEL_0, `${key}: ${value}\n`);
    }
  });
}

/** printTolerationsMultilineWithIndent. */
export function printTolerationsMultiline(w: PrefixWriter, title: string, tolerations: Toleration[] | undefined, initialIndent = '', innerIndent = '\t'): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const list = [...(tolerations ?? [])].sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
  if (list.length === 0) {
    w.writeLine('<none>');
    return;
  }
  list.forEach((t, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, initialIndent);
      w.write(LEVEL_0, innerIndent);
    }
    let s = t.key ?? '';
    if (t.value) s += `=${t.value}`;
    if (t.effect) s += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) s += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) s += ` for ${t.tolerationSeconds}s`;
    w.write(LEVEL_0, `${s}\n`);
  });
}

/** printTaintsMultilineWithIndent: sorted by effect, then key. */
export function printTaintsMultiline(w: PrefixWriter, title: string, taints: Taint[] | undefined, initialIndent = '', innerIndent = '\t'): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const key = (t: Taint): string => `${t.effect},${t.key}`;
  const list = [...(taints ?? [])].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (list.length === 0) {
    w.writeLine('<none>');
    return;
  }
  list.forEach((t, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, initialIndent);
      w.write(LEVEL_0, innerIndent);
    }
    w.write(LEVEL_0, `${t.value ? `${t.key}=${t.value}` : t.key}:${t.effect}\n`);
  });
}

/** "ReplicaSet/web-abc" for the controller owner reference, or "". */
export function printController(obj: Pick<KubeObject, 'metadata'>): string {
  const ref = controllerRef(obj);
  return ref ? `${ref.kind}/${ref.name}` : '';
}

/** DescribeEvents: the Events table sorted by last timestamp, or "Events: <none>". */
export function describeEvents(events: Event[] | undefined, w: PrefixWriter, now: Date): void {
  if (!events) return;
  if (events.length === 0) {
    w.write(LEVEL_0, 'Events:\t<none>\n');
    return;
  }
  w.flush();
  const sorted = [...events].sort((a, b) => eventTime(a.lastTimestamp) - eventTime(b.lastTimestamp));
  w.write(LEVEL_0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(LEVEL_1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    let first = e.eventTime ? since(e.eventTime, now) : since(e.firstTimestamp, now);
    if (!e.eventTime && !e.firstTimestamp) first = '<unknown>';
    let interval: string;
    if (e.series) interval = `${since(e.series.lastObservedTime, now)} (x${e.series.count ?? 0} over ${first})`;
    else if ((e.count ?? 0) > 1) interval = `${since(e.lastTimestamp, now)} (x${e.count} over ${first})`;
    else interval = first;
    const source = e.source?.component || e.reportingComponent || '';
    w.write(LEVEL_1, `${e.type ?? ''}\t${e.reason ?? ''}\t${interval}\t${source}\t${(e.message ?? '').trim()}\n`);
  }
}

function eventTime(ts: string | undefined | null): number {
  const t = ts ? Date.parse(ts) : Number.NaN;
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** Go's %v of a scalar JSON value. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValue(o[k])}`).join(' ')}]`;
  }
  return String(v);
}
