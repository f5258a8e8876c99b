// What Go's encoding/json says about the bytes of a body, so a malformed request gets
// kube-apiserver's own words: its scanner's syntax errors ("invalid character '}'
// looking for beginning of object key string", "unexpected end of JSON input") and its
// nesting limit ("exceeded max depth"; ours is lower than Go's, see MAX_NESTING_DEPTH),
// checked before anything recursive (JSON.stringify, structuredClone, the schema walk)
// sees the value.

import { MAX_NESTING_DEPTH } from '../../api/schemas/shape.js';

export { MAX_NESTING_DEPTH };

/**
 * True when the JSON text nests objects and arrays deeper than MAX_NESTING_DEPTH.
 * Linear and allocation-free; only brackets outside strings count.
 */
export function tooDeep(data: Uint8Array): boolean {
  // Each level takes at least two bytes: a short body cannot be too deep (most are short).
  if (data.length <= 2 * MAX_NESTING_DEPTH) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_NESTING_DEPTH) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

// Scanner states, as in Go's scanner.go.
const enum S {
  BeginValue, BeginValueOrEmpty, BeginStringOrEmpty, BeginString, EndValue, EndTop, InString, InStringEsc,
  EscU, EscU1, EscU12, EscU123, Neg, One, Zero, Dot, Dot0, E, ESign, E0, T, Tr, Tru, F, Fa, Fal, Fals, N, Nu, Nul,
}
const enum P { ObjectKey, ObjectValue, ArrayValue }

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Go's quoteChar: a byte as the scanner prints it in an error ('x', '\n', '\x00', 'ÿ'). */
export function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  return `'${quoteRune(c)}'`;
}

/** strconv.Quote's escaping of one rune below U+0100, without the quotes. */
function quoteRune(c: number): string {
  switch (c) {
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
    case 0x0b: return '\\v';
    case 0x5c: return '\\\\';
    default:
      if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, '0')}`;
      // C1 controls, no-break space and soft hyphen are not printable in Go.
      if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `\\u${c.toString(16).padStart(4, '0')}`;
      return String.fromCharCode(c);
  }
}

/**
 * Runs Go's JSON scanner over data: undefined when it is valid JSON, else the message
 * of the SyntaxError Go's json.Unmarshal (or json.Valid) would fail with.
 */
export function goSyntaxError(data: Uint8Array): string | undefined {
  const stack: P[] = [];
  let state = S.BeginValue;
  let endTop = false;
  let err: string | undefined;
  const fail = (c: number, context: string): void => { err = `invalid character ${quoteChar(c)} ${context}`; };
  const push = (c: number, p: P, next: S): void => {
    stack.push(p);
    state = next;
    if (stack.length > MAX_NESTING_DEPTH) fail(c, 'exceeded max depth');
  };
  const pop = (): void => {
    stack.pop();
    if (stack.length === 0) { state = S.EndTop; endTop = true; } else state = S.EndValue;
  };
  const endValue = (c: number): void => {
    const n = stack.length;
    if (n === 0) { state = S.EndTop; endTop = true; endTopStep(c); return; }
    if (isSpace(c)) { state = S.EndValue; return; }
    switch (stack[n - 1]) {
      case P.ObjectKey:
        if (c === 0x3a) { stack[n - 1] = P.ObjectValue; state = S.BeginValue; return; }
        return fail(c, 'after object key');
      case P.ObjectValue:
        if (c === 0x2c) { stack[n - 1] = P.ObjectKey; state = S.BeginString; return; }
        if (c === 0x7d) return pop();
        return fail(c, 'after object key:value pair');
      default:
        if (c === 0x2c) { state = S.BeginValue; return; }
        if (c === 0x5d) return pop();
        return fail(c, 'after array element');
    }
  };
  const endTopStep = (c: number): void => { if (!isSpace(c)) fail(c, 'after top-level value'); };
  const beginValue = (c: number): void => {
    if (isSpace(c)) return;
    switch (c) {
      case 0x7b: return push(c, P.ObjectKey, S.BeginStringOrEmpty);
      case 0x5b: return push(c, P.ArrayValue, S.BeginValueOrEmpty);
      case 0x22: state = S.InString; return;
      case 0x2d: state = S.Neg; return;
      case 0x30: state = S.Zero; return;
      case 0x74: state = S.T; return;
      case 0x66: state = S.F; return;
      case 0x6e: state = S.N; return;
    }
    if (c >= 0x31 && c <= 0x39) { state = S.One; return; }
    fail(c, 'looking for beginning of value');
  };
  const beginString = (c: number): void => {
    if (isSpace(c)) return;
    if (c === 0x22) { state = S.InString; return; }
    fail(c, 'looking for beginning of object key string');
  };
  const literal = (c: number, want: number, next: S, word: string): void => {
    if (c === want) state = next;
    else fail(c, `in literal ${word} (expecting '${String.fromCharCode(want)}')`);
  };
  // state0: after the integer part of a number.
  const afterInteger = (c: number): void => {
    if (c === 0x2e) state = S.Dot;
    else if (c === 0x65 || c === 0x45) state = S.E;
    else endValue(c);
  };
  const exponentDigit = (c: number): void => {
    if (isDigit(c)) state = S.E0;
    else fail(c, 'in exponent of numeric literal');
  };
  const step = (c: number): void => {
    switch (state) {
      case S.BeginValue: return beginValue(c);
      case S.BeginValueOrEmpty:
        if (isSpace(c)) return;
        if (c === 0x5d) return endValue(c);
        return beginValue(c);
      case S.BeginStringOrEmpty:
        if (isSpace(c)) return;
        if (c === 0x7d) { stack[stack.length - 1] = P.ObjectValue; return endValue(c); }
        return beginString(c);
      case S.BeginString: return beginString(c);
      case S.EndValue: return endValue(c);
      case S.EndTop: return endTopStep(c);
      case S.InString:
        if (c === 0x22) state = S.EndValue;
        else if (c === 0x5c) state = S.InStringEsc;
        else if (c < 0x20) fail(c, 'in string literal');
        return;
      case S.InStringEsc:
        if ([0x62, 0x66, 0x6e, 0x72, 0x74, 0x5c, 0x2f, 0x22].includes(c)) state = S.InString;
        else if (c === 0x75) state = S.EscU;
        else fail(c, 'in string escape code');
        return;
      case S.EscU: case S.EscU1: case S.EscU12: case S.EscU123:
        if (!isHex(c)) return fail(c, 'in \\u hexadecimal character escape');
        state = state === S.EscU123 ? S.InString : state + 1;
        return;
      case S.Neg:
        if (c === 0x30) state = S.Zero;
        else if (c >= 0x31 && c <= 0x39) state = S.One;
        else fail(c, 'in numeric literal');
        return;
      case S.One:
        if (isDigit(c)) return;
        return afterInteger(c);
      case S.Zero:
        return afterInteger(c);
      case S.Dot:
        if (isDigit(c)) state = S.Dot0;
        else fail(c, 'after decimal point in numeric literal');
        return;
      case S.Dot0:
        if (isDigit(c)) return;
        if (c === 0x65 || c === 0x45) state = S.E;
        else endValue(c);
        return;
      case S.E:
        if (c === 0x2b || c === 0x2d) { state = S.ESign; return; }
        return exponentDigit(c);
      case S.ESign:
        return exponentDigit(c);
      case S.E0:
        if (isDigit(c)) return;
        return endValue(c);
      case S.T: return literal(c, 0x72, S.Tr, 'true');
      case S.Tr: return literal(c, 0x75, S.Tru, 'true');
      case S.Tru: return literal(c, 0x65, S.EndValue, 'true');
      case S.F: return literal(c, 0x61, S.Fa, 'false');
      case S.Fa: return literal(c, 0x6c, S.Fal, 'false');
      case S.Fal: return literal(c, 0x73, S.Fals, 'false');
      case S.Fals: return literal(c, 0x65, S.EndValue, 'false');
      case S.N: return literal(c, 0x75, S.Nu, 'null');
      case S.Nu: return literal(c, 0x6c, S.Nul, 'null');
      case S.Nul: return literal(c, 0x6c, S.EndValue, 'null');
    }
  };
  for (let i = 0; i < data.length && err === undefined; i++) step(data[i]);
  if (err !== undefined) return err;
  if (endTop) return undefined;
  step(0x20);
  if (err !== undefined) return err;
  return endTop ? undefined : 'unexpected end of JSON input';
}
