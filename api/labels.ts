// Label selectors: the string syntax of `?labelSelector=` and `kubectl -l`, the structured
// LabelSelector of ReplicaSets and Deployments, and matching both against object labels.
// A port of apimachinery's labels/selector.go and metav1.LabelSelectorAsSelector, messages
// included, so a bad selector fails here exactly as it fails on a real apiserver.
import { badRequest } from './errors.js';
import { isQualifiedName, isValidLabelValue } from './validation/names.js';
import type { LabelSelector } from './types/meta.js';

/** The operators of a requirement, spelled as apimachinery's selection.Operator. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** One term of a selector; `values` is sorted and free of duplicates. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/**
 * A parsed selector. Watch filters, list filters, controllers (ReplicaSet, Endpoints) and
 * kubectl call `matches(labels)`; `empty()` is true when it selects everything (so callers may
 * skip filtering); `toString()` is the canonical form (requirements sorted by key, values
 * sorted) and parses back to an equal selector. `requirements` is empty both for
 * "everything" and for "nothing": tell them apart with `matchesNothing`.
 */
export interface LabelSelectorMatcher {
  readonly requirements: readonly LabelRequirement[];
  /** True only for the selector of a missing (null) LabelSelector, which selects no object. */
  readonly matchesNothing: boolean;
  matches(labels: Record<string, string> | undefined | null): boolean;
  empty(): boolean;
  toString(): string;
  /** The one value the selector requires for `key` (`key=v`, `key==v`, `key in (v)`), if any. */
  requiresExactMatch(key: string): string | undefined;
}

// ---- validation messages ----

/**
 * Why `key` is not a valid label key (a qualified name) or `value` not a valid label
 * value; empty when valid. One implementation, in validation/names.ts.
 */
export const labelKeyErrors = isQualifiedName;
export const labelValueErrors = isValidLabelValue;

// field.Error.Error(): "<path>: Invalid value: \"v\": detail"; a nil path prints as <nil>.
const invalidValue = (path: string, value: unknown, detail: string): string =>
  `${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`;

function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

const SORTED = (values: Iterable<string>): string[] => [...new Set(values)].sort(compareStrings);
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds a validated requirement (apimachinery NewRequirement); returns the error message
 * instead when the key, operator or values are invalid.
 */
function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement | string {
  const errs: string[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length) errs.push(invalidValue('key', key, keyErrs.join('; ')));
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(invalidValue('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(invalidValue('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(invalidValue('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(invalidValue('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(`operator: Unsupported value: ${JSON.stringify(operator)}: supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"`);
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) errs.push(invalidValue(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  if (errs.length) return aggregate(errs);
  return { key, operator, values: SORTED(values) };
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'in': case '=': case '==':
      return has && r.values.includes(labels[r.key]);
    case 'notin': case '!=':
      return !has || !r.values.includes(labels[r.key]);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt': case 'lt': {
      if (!has || r.values.length !== 1 || !/^[+-]?\d+$/.test(labels[r.key])) return false;
      const actual = BigInt(labels[r.key]);
      const wanted = BigInt(r.values[0]);
      return r.operator === 'gt' ? actual > wanted : actual < wanted;
    }
  }
}

/** The canonical text of one requirement, as apimachinery's Requirement.String(). */
export function requirementString(r: LabelRequirement): string {
  const prefix = r.operator === '!' ? '!' : '';
  const values = r.values.join(',');
  switch (r.operator) {
    case 'exists': case '!': return `${prefix}${r.key}`;
    case 'in': return `${r.key} in (${values})`;
    case 'notin': return `${r.key} notin (${values})`;
    case 'gt': return `${r.key}>${values}`;
    case 'lt': return `${r.key}<${values}`;
    default: return `${r.key}${r.operator}${values}`;
  }
}

class Selector implements LabelSelectorMatcher {
  readonly requirements: readonly LabelRequirement[];
  readonly matchesNothing: boolean;

  constructor(requirements: LabelRequirement[], matchesNothing = false) {
    // Stable sort by key, as apimachinery sorts to make parsing deterministic.
    this.requirements = Object.freeze([...requirements].sort((a, b) => compareStrings(a.key, b.key)));
    this.matchesNothing = matchesNothing;
  }

  matches(labels: Record<string, string> | undefined | null): boolean {
    if (this.matchesNothing) return false;
    const set = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, set));
  }

  empty(): boolean {
    return !this.matchesNothing && this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }

  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((req) => req.key === key);
    if (!r) return undefined;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }
}

/** A selector that matches every object (an empty selector). */
export function everything(): LabelSelectorMatcher {
  return new Selector([]);
}

/** A selector that matches no object (what a missing LabelSelector means). */
export function nothing(): LabelSelectorMatcher {
  return new Selector([], true);
}

// ---- the string parser: a port of apimachinery's Lexer and Parser ----

const enum Tok {
  Error, EndOfString, ClosedPar, Comma, DoesNotExist, DoubleEquals, Equals, GreaterThan,
  Identifier, In, LessThan, NotEquals, NotIn, OpenPar,
}

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': Tok.ClosedPar, ',': Tok.Comma, '!': Tok.DoesNotExist, '==': Tok.DoubleEquals, '=': Tok.Equals,
  '>': Tok.GreaterThan, in: Tok.In, '<': Tok.LessThan, '!=': Tok.NotEquals, notin: Tok.NotIn, '(': Tok.OpenPar,
};
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string): boolean => '=!(),><'.includes(ch) && ch !== '';
const lookup = (s: string): Tok | undefined => (Object.prototype.hasOwnProperty.call(STRING_TO_TOKEN, s) ? STRING_TO_TOKEN[s] : undefined);

interface Item { tok: Tok; lit: string }

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  const read = (): string => (pos < s.length ? s[pos++] : '');
  for (;;) {
    let ch = read();
    while (ch !== '' && isWhitespace(ch)) ch = read();
    if (ch === '') {
      items.push({ tok: Tok.EndOfString, lit: '' });
      return items;
    }
    pos--;
    if (isSpecialSymbol(ch)) {
      // Longest operator that is a known token: "!=" over "!", "==" over "=".
      let buffer = '';
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === '') break;
        if (!isSpecialSymbol(c)) { pos--; break; }
        buffer += c;
        const tok = lookup(buffer);
        if (tok !== undefined) last = { tok, lit: buffer };
        else if (last) { pos--; break; }
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '') break;
        if (isSpecialSymbol(c) || isWhitespace(c)) { pos--; break; }
        buffer += c;
      }
      const tok = lookup(buffer);
      items.push({ tok: tok ?? Tok.Identifier, lit: buffer });
    }
  }
}

class ParseError extends Error {}

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  // In a values context the words "in" and "notin" are plain identifiers ("x in (in)").
  private lookahead(values: boolean): Item {
    return this.asContext(this.items[this.position], values);
  }

  private consume(values: boolean): Item {
    return this.asContext(this.items[this.position++], values);
  }

  private asContext(item: Item, values: boolean): Item {
    if (values && (item.tok === Tok.In || item.tok === Tok.NotIn)) return { tok: Tok.Identifier, lit: item.lit };
    return item;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case Tok.Identifier: case Tok.DoesNotExist: {
          let r: LabelRequirement;
          try {
            r = this.parseRequirement();
          } catch (err) {
            if (err instanceof ParseError) throw new ParseError(`unable to parse requirement: ${err.message}`);
            throw err;
          }
          requirements.push(r);
          const next = this.consume(true);
          if (next.tok === Tok.EndOfString) return requirements;
          if (next.tok === Tok.Comma) {
            const after = this.lookahead(true);
            if (after.tok !== Tok.Identifier && after.tok !== Tok.DoesNotExist) {
              throw new ParseError(`found '${after.lit}', expected: identifier after ','`);
            }
            break;
          }
          throw new ParseError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
        case Tok.EndOfString:
          return requirements;
        default:
          throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    let result: LabelRequirement | string;
    if (operator === 'exists' || operator === '!') {
      result = newRequirement(key, operator, []);
    } else {
      const op = this.parseOperator();
      const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
      result = newRequirement(key, op, values);
    }
    if (typeof result === 'string') throw new ParseError(result);
    return result;
  }

  private parseKeyAndInferOperator(): { key: string; operator: LabelOperator | undefined } {
    let operator: LabelOperator | undefined;
    let item = this.consume(true);
    if (item.tok === Tok.DoesNotExist) {
      operator = '!';
      item = this.consume(true);
    }
    if (item.tok !== Tok.Identifier) throw new ParseError(`found '${item.lit}', expected: identifier`);
    const keyErrs = labelKeyErrors(item.lit);
    if (keyErrs.length) throw new ParseError(invalidValue('<nil>', item.lit, keyErrs.join('; ')));
    const next = this.lookahead(true).tok;
    if ((next === Tok.EndOfString || next === Tok.Comma) && operator !== '!') operator = 'exists';
    return { key: item.lit, operator };
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case Tok.In: return 'in';
      case Tok.Equals: return '=';
      case Tok.DoubleEquals: return '==';
      case Tok.GreaterThan: return 'gt';
      case Tok.LessThan: return 'lt';
      case Tok.NotIn: return 'notin';
      case Tok.NotEquals: return '!=';
      default: throw new ParseError(`found '${lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private parseValues(): string[] {
    const open = this.consume(true);
    if (open.tok !== Tok.OpenPar) throw new ParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    switch (tok) {
      case Tok.Identifier: case Tok.Comma: {
        const values = this.parseIdentifiersList();
        if (this.consume(true).tok !== Tok.ClosedPar) throw new ParseError(`found '${lit}', expected: ')'`);
        return values;
      }
      case Tok.ClosedPar:
        this.consume(true);
        return [''];
      default:
        throw new ParseError(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): string[] {
    const values = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === Tok.Identifier) {
        values.add(lit);
        const next = this.lookahead(true);
        if (next.tok === Tok.Comma) continue;
        if (next.tok === Tok.ClosedPar) return [...values];
        throw new ParseError(`found '${next.lit}', expected: ',' or ')'`);
      } else if (tok === Tok.Comma) {
        // Empty values are allowed: "(,a)", "(a,)", "(a,,b)".
        if (values.size === 0) values.add('');
        const next = this.lookahead(true).tok;
        if (next === Tok.ClosedPar) { values.add(''); return [...values]; }
        if (next === Tok.Comma) values.add('');
      } else {
        throw new ParseError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): string[] {
    const next = this.lookahead(true).tok;
    if (next === Tok.EndOfString || next === Tok.Comma) return [''];
    const { tok, lit } = this.consume(true);
    if (tok === Tok.Identifier) return [lit];
    throw new ParseError(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses the string form (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * `a>1`, `a<1`; comma means AND; whitespace ignored). The empty string selects everything.
 * Throws a 400 BadRequest StatusError with apimachinery's message on bad input.
 */
export function parseLabelSelector(s: string): LabelSelectorMatcher {
  try {
    return new Selector(new Parser(lex(s)).parse());
  } catch (err) {
    if (err instanceof ParseError) throw badRequest(err.message);
    throw err;
  }
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * Converts a structured LabelSelector (matchLabels AND matchExpressions) as Kubernetes'
 * LabelSelectorAsSelector does: null/undefined selects NOTHING (a controller with no
 * selector owns no pods), `{}` selects EVERYTHING. Throws a 400 BadRequest on an unknown
 * operator or an invalid key or value.
 */
export function selectorFromLabelSelector(sel: LabelSelector | null | undefined): LabelSelectorMatcher {
  if (sel === null || sel === undefined) return nothing();
  const matchLabels = sel.matchLabels ?? {};
  const matchExpressions = sel.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + matchExpressions.length === 0) return everything();
  const requirements: LabelRequirement[] = [];
  const add = (r: LabelRequirement | string): void => {
    if (typeof r === 'string') throw badRequest(r);
    requirements.push(r);
  };
  for (const [k, v] of Object.entries(matchLabels)) add(newRequirement(k, '=', [String(v)]));
  for (const expr of matchExpressions) {
    const op = Object.prototype.hasOwnProperty.call(EXPRESSION_OPERATORS, expr.operator) ? EXPRESSION_OPERATORS[expr.operator] : undefined;
    if (!op) throw badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    add(newRequirement(expr.key, op, [...(expr.values ?? [])]));
  }
  return new Selector(requirements);
}

/**
 * The selector that matches exactly the given labels (Kubernetes SelectorFromSet), as a
 * Service's spec.selector is used. An empty or missing set selects everything.
 */
export function selectorFromSet(set: Record<string, string> | undefined | null): LabelSelectorMatcher {
  return new Selector(Object.entries(set ?? {}).map(([key, value]) => ({ key, operator: '=' as const, values: [value] })));
}

/**
 * Prints a LabelSelector as kubectl does (metav1.FormatLabelSelector): `app=web,tier in (a,b)`;
 * `<none>` when it is empty or missing, `<error>` when it is invalid.
 */
export function formatLabelSelector(sel: LabelSelector | null | undefined): string {
  let text: string;
  try {
    text = selectorFromLabelSelector(sel).toString();
  } catch {
    return '<error>';
  }
  return text === '' ? '<none>' : text;
}
