// Cron schedules as Kubernetes reads them: github.com/robfig/cron/v3 ParseStandard
// (five fields, names for months and weekdays, "*", "?", ranges, steps, lists, the
// @yearly... descriptors and @every <duration>, an optional TZ= / CRON_TZ= prefix),
// with robfig's error texts, which CronJob validation shows word for word
// ("expected exactly 5 fields, found 1: [foo]"), and their next activation as robfig's
// Schedule.Next computes it (the CronJob controller), in IANA time zones from Node's
// Intl data. Hand-written rather than an npm cron package: none has robfig's grammar,
// error texts, star rule and daylight-saving walk, which names of Jobs depend on.
import { parseGoDuration } from './duration.js';

/** A parsed schedule: the allowed values of each field, or a fixed interval (@every). */
export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday. */
  daysOfWeek: ReadonlySet<number>;
  /** The day-of-month field was "*" or "?": only day-of-week restricts the day (and the reverse). */
  domStar: boolean;
  dowStar: boolean;
  /** The time zone named by a TZ= or CRON_TZ= prefix. */
  timeZone?: string;
  /** @every <duration>: milliseconds between runs (the fields above are then unused). */
  everyMs?: number;
}

export class CronParseError extends Error {}

interface Bounds { min: number; max: number; names?: Record<string, number> }

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1, max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** True when the IANA time zone is known to this runtime (Go's time.LoadLocation). */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === 'UTC' || tz === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Go's strconv.Atoi, with its error text. */
function atoi(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr)) throw new CronParseError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number(expr);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63) throw new CronParseError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`);
  return n;
}

function mustParseInt(expr: string): number {
  const n = atoi(expr);
  if (n < 0) throw new CronParseError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Record<string, number> | undefined): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

/** One comma-separated part of a field: "*", "?", "a", "a-b", each optionally "/step". */
function parseRange(expr: string, b: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b.names);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronParseError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronParseError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronParseError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star;
}

function parseField(field: string, b: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',')) star = parseRange(part, b, values) || star;
  return { values, star };
}

const range = (b: Bounds, ...only: number[]): Set<number> => {
  if (only.length) return new Set(only);
  const s = new Set<number>();
  for (let v = b.min; v <= b.max; v++) s.add(v);
  return s;
};

function descriptor(spec: string, timeZone: string | undefined): CronSchedule {
  const at = (minutes: number[], hours: number[], dom: number[], months: number[], dow: number[], domStar: boolean, dowStar: boolean): CronSchedule => ({
    minutes: range(MINUTES, ...minutes), hours: range(HOURS, ...hours), daysOfMonth: range(DOM, ...dom),
    months: range(MONTHS, ...months), daysOfWeek: range(DOW, ...dow), domStar, dowStar, timeZone,
  });
  switch (spec) {
    case '@yearly': case '@annually': return at([0], [0], [1], [1], [], false, true);
    case '@monthly': return at([0], [0], [1], [], [], false, true);
    case '@weekly': return at([0], [0], [], [], [0], true, false);
    case '@daily': case '@midnight': return at([0], [0], [], [], [], true, true);
    case '@hourly': return at([0], [], [], [], [], true, true);
    default: break;
  }
  if (spec.startsWith('@every ')) {
    const text = spec.slice('@every '.length);
    let ms: number;
    try {
      ms = parseGoDuration(text);
    } catch (err) {
      throw new CronParseError(`failed to parse duration ${spec}: ${(err as Error).message}`);
    }
    // robfig rounds to whole seconds, and never below one.
    const every = Math.max(1000, Math.floor(ms / 1000) * 1000);
    return { ...at([], [], [], [], [], true, true), everyMs: every };
  }
  throw new CronParseError(`unrecognized descriptor: ${spec}`);
}

/**
 * Parses a schedule as Kubernetes' CronJob validation and controller do; throws a
 * CronParseError with robfig/cron's message when it is not valid.
 */
export function parseCronSchedule(input: string): CronSchedule {
  let spec = input;
  if (spec.length === 0) throw new CronParseError('empty spec string');
  let timeZone: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const name = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i);
    if (!isKnownTimeZone(name) || name.toLowerCase() === 'local') {
      throw new CronParseError(`provided bad location ${name}: unknown time zone ${name}`);
    }
    timeZone = name;
    spec = i < 0 ? '' : spec.slice(i).trim();
  }
  if (spec.startsWith('@')) return descriptor(spec, timeZone);
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const minute = parseField(fields[0], MINUTES);
  const hour = parseField(fields[1], HOURS);
  const dom = parseField(fields[2], DOM);
  const month = parseField(fields[3], MONTHS);
  const dow = parseField(fields[4], DOW);
  return {
    minutes: minute.values, hours: hour.values, daysOfMonth: dom.values, months: month.values, daysOfWeek: dow.values,
    domStar: dom.star, dowStar: dow.star, timeZone,
  };
}

// ---------------------------------------------------------------- next activation

/**
 * The time zone schedules without TZ=/spec.timeZone are read in: the process's own,
 * as kube-controller-manager reads them in Go's time.Local.
 */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The zone's offset from UTC, in ms, at instant t (Go's Location.lookup), from Node's tz data. */
export function zoneOffset(tz: string, t: number): number {
  if (tz === 'UTC') return 0;
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(t))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  return utcFields(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) -
    Math.floor(t / 1000) * 1000;
}

/** Date.UTC without its 1900 offset for years below 100; out-of-range fields carry over as in Go. */
function utcFields(year: number, month0: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month0, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** A time's wall clock in a zone: the UTC fields of the returned Date are the zone's. */
function wallOf(tz: string, t: number): Date {
  return new Date(t + zoneOffset(tz, t));
}

/**
 * Go's time.Date in a zone: fields normalized (month 13 is next January), a wall time
 * that does not exist or exists twice resolved as Go does (the offset in force at the
 * wall time read as UTC, unless the instant it gives lies outside that offset's period).
 */
function zonedDate(tz: string, year: number, month0: number, day: number, hour: number, minute: number, second: number): number {
  const wall = utcFields(year, month0, day, hour, minute, second);
  let offset = zoneOffset(tz, wall);
  if (offset !== 0) {
    const other = zoneOffset(tz, wall - offset);
    if (other !== offset) offset = other;
  }
  return wall - offset;
}

function dayMatches(s: CronSchedule, wall: Date): boolean {
  const dom = s.daysOfMonth.has(wall.getUTCDate());
  const dow = s.daysOfWeek.has(wall.getUTCDay());
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * The first activation of the schedule strictly after t (ms since the epoch), as
 * robfig/cron's SpecSchedule.Next (and ConstantDelaySchedule.Next for @every), in the
 * schedule's time zone, else `defaultZone` (the process's, as Go's time.Local). Walks
 * the wall clock field by field the way robfig does, so daylight-saving days behave
 * alike: a time in a skipped hour does not run that day, a time in a repeated hour runs
 * twice. Undefined when nothing matches within five years ("30 0 31 2 *").
 */
export function nextActivation(s: CronSchedule, t: number, defaultZone = localTimeZone()): number | undefined {
  if (s.everyMs !== undefined) return Math.floor(t / 1000) * 1000 + s.everyMs;
  const tz = s.timeZone ?? defaultZone;
  // The upcoming second (the seconds field of a standard spec is always 0).
  t = Math.floor(t / 1000) * 1000 + 1000;
  let added = false;
  const yearLimit = wallOf(tz, t).getUTCFullYear() + 5;
  wrap: for (;;) {
    let w = wallOf(tz, t);
    if (w.getUTCFullYear() > yearLimit) return undefined;
    while (!s.months.has(w.getUTCMonth() + 1)) {
      if (!added) {
        added = true;
        t = zonedDate(tz, w.getUTCFullYear(), w.getUTCMonth(), 1, 0, 0, 0);
        w = wallOf(tz, t);
      }
      t = zonedDate(tz, w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds());
      w = wallOf(tz, t);
      if (w.getUTCMonth() === 0) continue wrap;
    }
    while (!dayMatches(s, w)) {
      if (!added) {
        added = true;
        t = zonedDate(tz, w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), 0, 0, 0);
        w = wallOf(tz, t);
      }
      t = zonedDate(tz, w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate() + 1, w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds());
      w = wallOf(tz, t);
      // Where midnight does not exist (DST at 00:00) the day starts at 01:00 or, the
      // other way, 23:00 of the day before: back onto the day's first hour, as robfig does.
      const h = w.getUTCHours();
      if (h !== 0) {
        t += h > 12 ? (24 - h) * HOUR : -h * HOUR;
        w = wallOf(tz, t);
      }
      if (w.getUTCDate() === 1) continue wrap;
    }
    while (!s.hours.has(w.getUTCHours())) {
      if (!added) {
        added = true;
        t = zonedDate(tz, w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), w.getUTCHours(), 0, 0);
        w = wallOf(tz, t);
      }
      t += HOUR;
      w = wallOf(tz, t);
      if (w.getUTCHours() === 0) continue wrap;
    }
    while (!s.minutes.has(w.getUTCMinutes())) {
      if (!added) {
        added = true;
        t = Math.floor(t / MINUTE) * MINUTE;
      }
      t += MINUTE;
      w = wallOf(tz, t);
      if (w.getUTCMinutes() === 0) continue wrap;
    }
    // Seconds: a standard spec fires at second 0 only.
    while (w.getUTCSeconds() !== 0) {
      if (!added) {
        added = true;
        t = Math.floor(t / 1000) * 1000;
      }
      t += 1000;
      w = wallOf(tz, t);
      if (w.getUTCSeconds() === 0) continue wrap;
    }
    return t;
  }
}
