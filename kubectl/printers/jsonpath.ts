// kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath), ported: text with
// {actions}; fields .a.b (\. escapes a dot), ['key'], [n], [-1], [a:b:step], [*], .*,
// ..recursive, unions [a,b], filters [?(@.x=="y")] (== != < > <= >=, or existence),
// quoted literals {"\n"} and {'\t'}, {range ...}{end}, $ and @. Each action's results
// print separated by spaces; strings and numbers as text, maps and lists as JSON.
// Used by -o jsonpath, --sort-by and custom columns.
import { goJson } from './go-json.js';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'list'; nodes: Node[] }
  | { kind: 'field'; name: string }
  | { kind: 'array'; params: [Param, Param, Param] }
  | { kind: 'filter'; left: Node; right: Node; op: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'union'; nodes: Node[] }
  | { kind: 'identifier'; name: string };

interface Param { known: boolean; value: number; derived: boolean }

/** A template that does not parse or cannot be executed on the data. */
export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

const EOF = '';
const isSpace = (r: string): boolean => r === ' ' || r === '\t';
const isEndOfLine = (r: string): boolean => r === '\r' || r === '\n';
const isTerminator = (r: string): boolean =>
  isSpace(r) || isEndOfLine(r) || r === EOF || '.,[]$@{}'.includes(r);
const isAlphaNumeric = (r: string): boolean => r === '_' || /^[\p{L}\p{Nd}]$/u.test(r);
const isDigit = (r: string): boolean => r >= '0' && r <= '9';

/** The parser of client-go's jsonpath/parser.go, a rune-at-a-time scanner. */
class Parser {
  private input = '';
  private pos = 0;
  private start = 0;
  root: Node & { kind: 'list' } = { kind: 'list', nodes: [] };

  constructor(private readonly name: string) {}

  parse(text: string): this {
    this.input = text;
    this.pos = 0;
    this.start = 0;
    this.root = { kind: 'list', nodes: [] };
    this.parseText(this.root);
    return this;
  }

  private next(): string {
    if (this.pos >= this.input.length) {
      this.pos = this.input.length + 1; // so backup() after EOF stays at the end
      return EOF;
    }
    const cp = this.input.codePointAt(this.pos)!;
    const r = String.fromCodePoint(cp);
    this.pos += r.length;
    return r;
  }

  private peek(): string {
    const save = this.pos;
    const r = this.next();
    this.pos = save;
    return r;
  }

  private backup(): void {
    if (this.pos > this.input.length) {
      this.pos = this.input.length;
      return;
    }
    // Step back over one code point.
    const prev = this.input.codePointAt(this.pos - 2);
    this.pos -= prev !== undefined && prev > 0xffff ? 2 : 1;
  }

  private consumeText(): string {
    const end = Math.min(this.pos, this.input.length);
    const value = this.input.slice(this.start, end);
    this.start = end;
    return value;
  }

  private rest(): string {
    return this.input.slice(Math.min(this.pos, this.input.length));
  }

  private parseText(cur: Node & { kind: 'list' }): void {
    // Iterative form of Go's parseText ↔ parseRightDelim recursion.
    for (;;) {
      if (this.rest().startsWith('{')) {
        if (this.pos > this.start) cur.nodes.push({ kind: 'text', text: this.consumeText() });
        this.pos += 1;
        this.consumeText();
        const action: Node & { kind: 'list' } = { kind: 'list', nodes: [] };
        cur.nodes.push(action);
        this.parseInsideAction(action);
        continue;
      }
      if (this.next() === EOF) break;
    }
    if (Math.min(this.pos, this.input.length) > this.start) cur.nodes.push({ kind: 'text', text: this.consumeText() });
  }

  /** Parses an action up to and including its closing brace. */
  private parseInsideAction(cur: Node & { kind: 'list' }): void {
    for (;;) {
      const rest = this.rest();
      if (rest.startsWith('}')) {
        this.pos += 1;
        this.consumeText();
        return;
      }
      if (rest.startsWith('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (rest.startsWith('..')) {
        if (cur.nodes[cur.nodes.length - 1]?.kind === 'recursive') throw new JsonPathError('invalid multiple recursive descent');
        this.pos += 2;
        this.consumeText();
        cur.nodes.push({ kind: 'recursive' });
        if (isAlphaNumeric(this.peek())) this.parseField(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || isEndOfLine(r)) throw new JsonPathError('unclosed action');
      if (r === ' ' || r === '@' || r === '$') {
        this.consumeText();
      } else if (r === '[') {
        this.parseArray(cur);
      } else if (r === '"' || r === "'") {
        this.parseQuote(cur, r);
      } else if (r === '.') {
        this.parseField(cur);
      } else if (r === '+' || r === '-' || isDigit(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else {
        throw new JsonPathError(`unrecognized character in action: U+${r.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${r}'`);
      }
    }
  }

  private parseIdentifier(cur: Node & { kind: 'list' }): void {
    for (;;) {
      const r = this.next();
      if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (value === 'true' || value === 'false') cur.nodes.push({ kind: 'bool', value: value === 'true' });
    else cur.nodes.push({ kind: 'identifier', name: value });
  }

  private parseNumber(cur: Node & { kind: 'list' }): void {
    const r = this.peek();
    if (r === '+' || r === '-') this.next();
    for (;;) {
      const c = this.next();
      if (c !== '.' && !isDigit(c)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (/^[+-]?\d+$/.test(value)) cur.nodes.push({ kind: 'int', value: Number(value) });
    else if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) cur.nodes.push({ kind: 'float', value: Number(value) });
    else throw new JsonPathError(`cannot parse number ${value}`);
  }

  private parseArray(cur: Node & { kind: 'list' }): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new JsonPathError('unterminated array');
      if (r === ']') break;
    }
    let text = this.consumeText();
    text = text.slice(1, -1);
    if (text === '*') text = ':';
    const parts = text.split(',');
    if (parts.length > 1) {
      const union = parts.map((s) => parseAction('union', `[${s.trim()}]`));
      cur.nodes.push({ kind: 'union', nodes: union });
      return;
    }
    const dict = /^'([^']*)'$/.exec(text);
    if (dict) {
      cur.nodes.push(...(parseAction('arraydict', `.${dict[1]}`) as { nodes: Node[] }).nodes);
      return;
    }
    const m = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/.exec(text);
    if (!m) throw new JsonPathError(`invalid array index ${text}`);
    const params: [Param, Param, Param] = [
      { known: false, value: 0, derived: false }, { known: false, value: 0, derived: false }, { known: false, value: 0, derived: false },
    ];
    const groups = [m[1] ?? '', m[2] ?? '', m[3] ?? ''];
    for (let i = 0; i < 3; i++) {
      let v = groups[i]!;
      if (v !== '') {
        if (i > 0) v = v.slice(1);
        if (i > 0 && v === '') {
          params[i]!.known = false;
        } else {
          if (!/^[+-]?\d+$/.test(v)) throw new JsonPathError(`array index ${v} is not a number`);
          params[i] = { known: true, value: Number(v), derived: false };
        }
      } else if (i === 1) {
        params[1] = { known: true, value: params[0].value + 1, derived: true };
      }
    }
    cur.nodes.push({ kind: 'array', params });
  }

  private parseFilter(cur: Node & { kind: 'list' }): void {
    this.pos += 3;
    this.consumeText();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new JsonPathError('unterminated filter');
      if (r === '"' || r === "'") {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === ')') {
        if (begin === end) break;
      }
    }
    if (this.next() !== ']') throw new JsonPathError('unclosed array expect ]');
    let text = this.consumeText();
    text = text.slice(0, -2);
    const m = /^([^!<>=]+)([!<>=]+)(.+?)$/s.exec(text);
    if (!m) {
      cur.nodes.push({ kind: 'filter', left: parseAction('text', text), right: { kind: 'list', nodes: [] }, op: 'exists' });
    } else {
      cur.nodes.push({ kind: 'filter', left: parseAction('left', m[1]!), right: parseAction('right', m[3]!), op: m[2]! });
    }
  }

  private parseQuote(cur: Node & { kind: 'list' }, end: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new JsonPathError('unterminated quoted string');
      if (r === '\\') {
        const n = this.next();
        if (n === EOF || n === '\n') throw new JsonPathError('unterminated quoted string');
      } else if (r === end) {
        break;
      }
    }
    const value = this.consumeText();
    cur.nodes.push({ kind: 'text', text: unquote(value) });
  }

  private parseField(cur: Node & { kind: 'list' }): void {
    this.consumeText();
    for (;;) {
      const r = this.next();
      if (r === '\\') {
        this.next();
      } else if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (value === '*') cur.nodes.push({ kind: 'wildcard' });
    else cur.nodes.push({ kind: 'field', name: value.replaceAll('\\', '') });
  }

  get templateName(): string {
    return this.name;
  }
}

/** Parses a whole `{...}` action body (used for filters and unions): text is wrapped in braces. */
function parseAction(name: string, text: string): Node & { kind: 'list' } {
  const p = new Parser(name).parse(`{${text}}`);
  const first = p.root.nodes[0];
  return first && first.kind === 'list' ? first : { kind: 'list', nodes: [] };
}

/** strconv.Unquote, extended (as UnquoteExtend) to single-quoted strings. */
function unquote(quoted: string): string {
  const q = quoted[0];
  const body = quoted.slice(1, -1);
  if (q === "'") {
    // Go turns 'x' into "x", escaping inner double quotes.
    return unquote(`"${body.replace(/\\'/g, "'").replace(/(?<!\\)"/g, '\\"')}"`);
  }
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case "'": out += "'"; break;
      case 'x': out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16)); i += 2; break;
      case 'u': out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16)); i += 4; break;
      case 'U': out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16)); i += 8; break;
      default:
        if (n !== undefined && /[0-7]/.test(n)) {
          out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
          i += 2;
        } else {
          throw new JsonPathError(`invalid syntax`);
        }
    }
  }
  return out;
}

// ---------------------------------------------------------------- evaluation

type Value = unknown;
/** The value of a key that is not there (Go's invalid reflect.Value). */
const MISSING = Symbol('missing');

const isObject = (v: Value): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const sortedKeys = (o: Record<string, unknown>): string[] => Object.keys(o).sort();

export interface JsonPathOptions {
  /** A missing key yields nothing instead of an error (kubectl's default for -o jsonpath). */
  allowMissingKeys?: boolean;
  /** jsonpath-as-json: each action's results printed as one indented JSON array. */
  outputJson?: boolean;
}

/** A parsed template; execute() may be called many times. */
export class JsonPath {
  private readonly root: Node & { kind: 'list' };
  private beginRange = 0;
  private inRange = 0;
  private endRange = 0;
  private lastEndNode: Node | undefined;

  constructor(readonly template: string, private readonly opts: JsonPathOptions = {}) {
    this.root = new Parser('jsonpath').parse(template).root;
  }

  /** The results of each top-level node (text or action), in order. */
  findResults(data: Value): Value[][] {
    this.beginRange = 0;
    this.inRange = 0;
    this.endRange = 0;
    this.lastEndNode = undefined;
    return this.find(data, this.root.nodes);
  }

  /** The template's output for data (a JSON value). */
  execute(data: Value): string {
    return this.findResults(data).map((r) => this.printResults(r)).join('');
  }

  private find(data: Value, nodes: Node[]): Value[][] {
    const full: Value[][] = [];
    const cur = [data];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const results = this.walk(cur, node);
      if (this.endRange > 0 && this.endRange <= this.inRange) {
        this.endRange--;
        this.lastEndNode = node;
        break;
      }
      if (this.beginRange > 0) {
        this.beginRange--;
        this.inRange++;
        const rest = nodes.slice(i + 1);
        if (results.length > 0) {
          for (const v of results) full.push(...this.find(v, rest));
        } else {
          // Still walk the body so the position advances to its end node.
          this.find(MISSING, rest);
        }
        this.inRange--;
        for (let k = i + 1; k < nodes.length; k++) {
          if (nodes[k] === this.lastEndNode) {
            i = k;
            break;
          }
        }
        continue;
      }
      full.push(results);
    }
    return full;
  }

  printResults(results: Value[]): string {
    if (this.opts.outputJson) return `${goJson(results, '    ')}\n`;
    return results.map((r) => (typeof r === 'object' && r !== null ? goJson(r) : textOf(r))).join(' ');
  }

  private walk(input: Value[], node: Node): Value[] {
    switch (node.kind) {
      case 'list': {
        let cur = input;
        for (const n of node.nodes) cur = this.walk(cur, n);
        return cur;
      }
      case 'text': return [node.text];
      case 'field': return this.evalField(input, node.name);
      case 'array': return this.evalArray(input, node.params);
      case 'filter': return this.evalFilter(input, node);
      case 'int':
      case 'float':
      case 'bool':
        return input.map(() => node.value);
      case 'wildcard': return this.evalWildcard(input);
      case 'recursive': return this.evalRecursive(input);
      case 'union': return node.nodes.flatMap((n) => this.walk(input, n));
      case 'identifier': return this.evalIdentifier(input, node.name);
    }
  }

  private evalIdentifier(input: Value[], name: string): Value[] {
    if (name === 'range') {
      this.beginRange++;
      return input;
    }
    if (name === 'end') {
      if (this.inRange > 0) {
        this.endRange++;
        return [];
      }
      throw new JsonPathError('not in range, nothing to end');
    }
    throw new JsonPathError(`unrecognized identifier ${name}`);
  }

  private evalField(input: Value[], name: string): Value[] {
    if (input.length === 0) return [];
    const results: Value[] = [];
    for (const v of input) {
      if (v === null || v === MISSING) continue;
      // `{.}`, `{$}`: the value itself.
      if (name === '') {
        results.push(v);
        continue;
      }
      if (isObject(v) && Object.prototype.hasOwnProperty.call(v, name)) results.push(v[name]);
    }
    if (results.length === 0 && !this.opts.allowMissingKeys) throw new JsonPathError(`${name} is not found`);
    return results;
  }

  private evalArray(input: Value[], params: [Param, Param, Param]): Value[] {
    const result: Value[] = [];
    for (const v of input) {
      if (v === null || v === MISSING) continue;
      if (!Array.isArray(v)) throw new JsonPathError(`${goTypeName(v)} is not array or slice`);
      const p = params.map((x) => ({ ...x }));
      const len = v.length;
      if (!p[0]!.known) p[0]!.value = 0;
      if (p[0]!.value < 0) p[0]!.value += len;
      if (!p[1]!.known) p[1]!.value = len;
      if (p[1]!.value < 0 || (p[1]!.value === 0 && p[1]!.derived)) p[1]!.value += len;
      if (p[1]!.value === p[0]!.value) return result;
      if (p[0]!.value >= len || p[0]!.value < 0) throw new JsonPathError(`array index out of bounds: index ${p[0]!.value}, length ${len}`);
      if (p[1]!.value > len || p[1]!.value < 0) throw new JsonPathError(`array index out of bounds: index ${p[1]!.value - 1}, length ${len}`);
      if (p[0]!.value > p[1]!.value) throw new JsonPathError(`starting index ${p[0]!.value} is greater than ending index ${p[1]!.value}`);
      const slice = v.slice(p[0]!.value, p[1]!.value);
      let step = 1;
      if (p[2]!.known) {
        if (p[2]!.value <= 0) throw new JsonPathError('step must be > 0');
        step = p[2]!.value;
      }
      for (let i = 0; i < slice.length; i += step) result.push(slice[i]);
    }
    return result;
  }

  private evalWildcard(input: Value[]): Value[] {
    const results: Value[] = [];
    for (const v of input) {
      if (isObject(v)) for (const k of sortedKeys(v)) results.push(v[k]);
      else if (Array.isArray(v)) results.push(...v);
      else if (typeof v === 'string') results.push(...[...v]);
    }
    return results;
  }

  private evalRecursive(input: Value[]): Value[] {
    const result: Value[] = [];
    for (const v of input) {
      let children: Value[] = [];
      if (isObject(v)) children = sortedKeys(v).map((k) => v[k]);
      else if (Array.isArray(v)) children = v;
      if (children.length) {
        result.push(v);
        result.push(...this.evalRecursive(children));
      }
    }
    return result;
  }

  private evalFilter(input: Value[], node: { left: Node; right: Node; op: string }): Value[] {
    const results: Value[] = [];
    for (const v of input) {
      if (v === null || v === MISSING) continue;
      if (!Array.isArray(v)) throw new JsonPathError(`${goValueString(v)} is not array or slice and cannot be filtered`);
      for (const item of v) {
        const temp = [item];
        if (node.op === 'exists') {
          let lefts: Value[] = [];
          try {
            lefts = this.walk(temp, node.left);
          } catch { /* a missing key means "does not exist" */ }
          if (lefts.length > 0) results.push(item);
          continue;
        }
        const lefts = this.walk(temp, node.left);
        if (lefts.length === 0) continue;
        if (lefts.length > 1) throw new JsonPathError('can only compare one element at a time');
        const rights = this.walk(temp, node.right);
        if (rights.length === 0) continue;
        if (rights.length > 1) throw new JsonPathError('can only compare one element at a time');
        if (compare(lefts[0], rights[0], node.op)) results.push(item);
      }
    }
    return results;
  }
}

/** text/template's eq/ne/lt/le/gt/ge on basic values. */
function compare(left: Value, right: Value, op: string): boolean {
  const lt = typeof left;
  const rt = typeof right;
  if (op === '==' || op === '!=') {
    if (lt !== rt || (lt === 'object' && left !== null)) {
      if (left === null || right === null) return op === '==' ? left === right : left !== right;
      throw new JsonPathError('incompatible types for comparison');
    }
    return op === '==' ? left === right : left !== right;
  }
  if (lt !== rt) throw new JsonPathError('incompatible types for comparison');
  if (lt !== 'string' && lt !== 'number') throw new JsonPathError('invalid type for comparison');
  const a = left as string | number;
  const b = right as string | number;
  switch (op) {
    case '<': return a < b;
    case '>': return a > b;
    case '<=': return a <= b;
    case '>=': return a >= b;
    default: throw new JsonPathError(`unrecognized filter operator ${op}`);
  }
}

/** A scalar as Go's fmt.Fprint prints it. */
function textOf(v: Value): string {
  if (v === null) return 'null';
  if (v === MISSING || v === undefined) return '';
  if (typeof v === 'number') return goFloat(v);
  return String(v);
}

/** Go prints float64 with %v as JS does, but with at least two exponent digits ("1e-07"). */
function goFloat(n: number): string {
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

function goTypeName(v: Value): string {
  if (isObject(v)) return 'map[string]interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'interface {}';
}

function goValueString(v: Value): string {
  if (isObject(v)) return `map[${sortedKeys(v).map((k) => `${k}:${typeof v[k] === 'object' ? '...' : String(v[k])}`).join(' ')}]`;
  return String(v);
}

/**
 * kubectl's RelaxedJSONPathExpression (for --sort-by and custom columns): accepts
 * ".a.b", "a.b", "{.a.b}" and "{a.b}", and answers the braced form "{.a.b}".
 */
export function relaxedJsonPath(pathExpression: string): string {
  if (pathExpression.length === 0) return pathExpression;
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(pathExpression);
  if (!m) throw new JsonPathError('unexpected path string, expected a \'name1.name2\' or \'.name1.name2\' or \'{name1.name2}\' or \'{.name1.name2}\'');
  return `{.${m[1] || m[2] || ''}}`;
}
