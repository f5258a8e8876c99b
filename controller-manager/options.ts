// Flags of the controller manager and the typed view controllers read them through.
// Each controller declares its own flags in its descriptor (controllers.ts); main
// registers them all, so `--help` lists every timing and every one can be shortened
// in tests.
import { parseDurationFlag } from '../api/duration.js';

export type FlagKind = 'duration' | 'int' | 'float' | 'bool' | 'string';

/** A flag as kube-controller-manager spells it: `--node-monitor-grace-period 40s`. */
export interface FlagDef {
  /** Without the dashes: 'node-monitor-grace-period'. */
  name: string;
  kind: FlagKind;
  default: string;
  description: string;
  /** Left out of --help (kube-controller-manager's hidden flags; ours are test-only knobs). */
  hidden?: boolean;
}

/**
 * The parsed flags by name. Readers ask for the kind they declared: duration() in
 * milliseconds, int(), float(), bool(), string(); an unknown name is a programming error.
 */
export class ControllerOptions {
  constructor(private readonly values: Map<string, string>) {}

  /** Options from a plain map (tests): unset flags take the defaults given. */
  static from(defs: readonly FlagDef[], set: Record<string, string | number | boolean> = {}): ControllerOptions {
    const m = new Map(defs.map((d) => [d.name, d.default]));
    for (const [k, v] of Object.entries(set)) m.set(k, String(v));
    return new ControllerOptions(m);
  }

  private raw(name: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`controller-manager: no flag --${name}`);
    return v;
  }

  duration(name: string): number {
    return parseDurationFlag(this.raw(name));
  }

  int(name: string): number {
    return Number(this.raw(name));
  }

  float(name: string): number {
    return Number(this.raw(name));
  }

  bool(name: string): boolean {
    return this.raw(name) !== 'false';
  }

  string(name: string): string {
    return this.raw(name);
  }
}

/** Checks a flag's value by its kind; the error names the flag as a person typed it. */
export function checkFlag(def: FlagDef, value: string): void {
  const bad = (why: string): never => { throw new Error(`invalid argument "${value}" for "--${def.name}" flag: ${why}`); };
  switch (def.kind) {
    case 'duration':
      try {
        parseDurationFlag(value);
      } catch (err) {
        bad(err instanceof Error ? err.message : String(err));
      }
      break;
    case 'int':
      if (!/^-?\d+$/.test(value)) bad('strconv.ParseInt: parsing ' + JSON.stringify(value) + ': invalid syntax');
      break;
    case 'float':
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) bad('strconv.ParseFloat: parsing ' + JSON.stringify(value) + ': invalid syntax');
      break;
    case 'bool':
      if (!['true', 'false'].includes(value)) bad('strconv.ParseBool: parsing ' + JSON.stringify(value) + ': invalid syntax');
      break;
    default:
  }
}
