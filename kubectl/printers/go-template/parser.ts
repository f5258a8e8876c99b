// The parser of Go's text/template (src/text/template/parse/parse.go, Go 1.23): builds
// one Tree per template (the top-level one and each {{define}}/{{block}}), checks that
// functions and variables are defined, and reports errors worded as Go's
// ("template: output:1: function \"foo\" not defined").
import { goQuote, itemString, lex, type Item, type ItemType } from './lexer.js';
import type {
  ArgNode, ChainNode, CommandNode, IfNode, ListNode, Node, NumberNode, PipeNode, RangeNode, TemplateNode, Tree, VariableNode, WithNode,
} from './nodes.js';
import { nodeString } from './nodes.js';

/** A template that does not parse; the message is Go's. */
export class TemplateParseError extends Error {
  override name = 'TemplateParseError';
}

/** The end of a list: {{end}} or {{else}} (parser-internal nodes). */
interface EndNode { type: 'end'; pos: number }
interface ElseNode { type: 'else'; pos: number }
type ListItem = Node | EndNode | ElseNode;

/**
 * Parses text as the template `name`, adding it and every template it defines to
 * trees. hasFunction says which identifiers name functions (builtins and the
 * caller's). Throws TemplateParseError.
 */
export function parseTemplates(name: string, text: string, hasFunction: (name: string) => boolean, trees: Map<string, Tree>): void {
  const items = lex(text);
  const p = new Parser(name, name, text, items, { i: 0 }, hasFunction, trees);
  p.parse();
}

class Parser {
  private vars: string[] = ['$'];
  private token: Item[] = [];
  private peekCount = 0;
  private rangeDepth = 0;
  private actionLine = 0;
  private current: Item;

  constructor(
    private name: string,
    private readonly parseName: string,
    private readonly text: string,
    private readonly items: Item[],
    /** Shared with the parsers of nested definitions, as Go shares its lexer. */
    private readonly cursor: { i: number },
    private readonly hasFunction: (name: string) => boolean,
    private readonly trees: Map<string, Tree>,
  ) {
    this.current = items[0]!;
  }

  private nextItem(): Item {
    const it = this.items[Math.min(this.cursor.i, this.items.length - 1)]!;
    if (this.cursor.i < this.items.length - 1) this.cursor.i++;
    return it;
  }

  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.nextItem();
    this.current = this.token[this.peekCount]!;
    return this.current;
  }

  private backup(): void { this.peekCount++; }

  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  private backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.nextItem();
    return this.token[0];
  }

  private nextNonSpace(): Item {
    let t: Item;
    do t = this.next(); while (t.type === 'space');
    return t;
  }

  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  private errorf(msg: string): never {
    throw new TemplateParseError(`template: ${this.parseName}:${this.token[0]?.line ?? 1}: ${msg}`);
  }

  private expect(expected: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.type !== expected) this.unexpected(t, context);
    return t;
  }

  private unexpected(t: Item, context: string): never {
    if (t.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(t)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(t)} in ${context}`);
  }

  parse(): void {
    const root = this.newList(this.peek().pos);
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const delim = this.next();
        if (this.nextNonSpace().type === 'define') {
          const def = new Parser('definition', this.parseName, this.text, this.items, this.cursor, this.hasFunction, this.trees);
          def.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected {{${n.type}}}`);
      root.nodes.push(n);
    }
    this.add(root);
  }

  /** Installs a parsed tree, as Go's (*Tree).add: an empty redefinition is ignored. */
  private add(root: ListNode): void {
    const existing = this.trees.get(this.name);
    if (!existing || isEmptyTree(existing.root)) {
      this.trees.set(this.name, { name: this.name, parseName: this.parseName, text: this.text, root });
      return;
    }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${goQuote(this.name)}`);
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const name = this.nextNonSpace();
    if (name.type !== 'string' && name.type !== 'rawString') this.unexpected(name, context);
    this.name = this.unquote(name.val);
    this.expect('rightDelim', context);
    const [root, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${listItemString(end)} in ${context}`);
    this.add(root);
  }

  private itemList(): [ListNode, EndNode | ElseNode] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): ListItem {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'text': return { type: 'text', pos: t.pos, text: t.val };
      case 'leftDelim': {
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default: this.unexpected(t, 'input');
    }
  }

  private action(): ListItem {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'block': return this.blockControl();
      case 'break': return this.breakControl(t, 'break');
      case 'continue': return this.breakControl(t, 'continue');
      case 'else': return this.elseControl();
      case 'end': return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if': return { type: 'if', ...this.parseControl('if') } satisfies IfNode;
      case 'range': return { type: 'range', ...this.parseControl('range') } satisfies RangeNode;
      case 'template': return this.templateControl();
      case 'with': return { type: 'with', ...this.parseControl('with') } satisfies WithNode;
      default: break;
    }
    this.backup();
    const start = this.peek();
    // Variables are not popped: they persist until "end".
    return { type: 'action', pos: start.pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private breakControl(t: Item, word: 'break' | 'continue'): Node {
    const next = this.nextNonSpace();
    if (next.type !== 'rightDelim') this.unexpected(next, `{{${word}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
    return { type: word, pos: t.pos };
  }

  private parseControl(context: 'if' | 'range' | 'with'): { pos: number; pipe: PipeNode; list: ListNode; elseList?: ListNode } {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.type === 'else') {
        // {{else if x}} / {{else with x}}: the pending keyword starts a nested control
        // that consumes the one {{end}}.
        if (context === 'if' && this.peek().type === 'if') {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push({ type: 'if', ...this.parseControl('if') });
        } else if (context === 'with' && this.peek().type === 'with') {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push({ type: 'with', ...this.parseControl('with') });
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf(`expected end; found ${listItemString(next)}`);
        }
      }
      return { pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private elseControl(): ElseNode {
    const peek = this.peekNonSpace();
    if (peek.type === 'if' || peek.type === 'with') return { type: 'else', pos: peek.pos };
    const t = this.expect('rightDelim', 'else');
    return { type: 'else', pos: t.pos };
  }

  private blockControl(): Node {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    const pipe = this.pipeline(context, 'rightDelim');
    // The block's body is a template of its own, read from the same items.
    const block = new Parser(name, this.parseName, this.text, this.items, this.cursor, this.hasFunction, this.trees);
    const [root, end] = block.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${listItemString(end)} in ${context}`);
    block.add(root);
    return { type: 'template', pos: t.pos, name, pipe } satisfies TemplateNode;
  }

  private templateControl(): Node {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: t.pos, name, pipe } satisfies TemplateNode;
  }

  private parseTemplateName(t: Item, context: string): string {
    if (t.type === 'string' || t.type === 'rawString') return this.unquote(t.val);
    this.unexpected(t, context);
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: start.pos, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      this.next();
      // Three-token lookahead: in "$x foo", "foo" (not ":=") makes $x an argument.
      const afterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type;
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (afterVariable.type === 'space') {
        this.backup3(v, afterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.type) {
        case 'bool': case 'charConstant': case 'dot': case 'field': case 'identifier': case 'number':
        case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    // Only the first command of a pipeline may start with a non-executable operand.
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]!.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace(); // Skip leading spaces.
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.backup();
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type !== 'field') return node;
    const chain: ChainNode = { type: 'chain', pos: this.peek().pos, node, field: [] };
    while (this.peek().type === 'field') chain.field.push(this.next().val.slice(1));
    // Fields after a field or variable extend it; after a literal they are an error.
    switch (node.type) {
      case 'field': return { type: 'field', pos: chain.pos, ident: [...node.ident, ...chain.field] };
      case 'variable': return { type: 'variable', pos: chain.pos, ident: [...node.ident, ...chain.field] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      default: return chain;
    }
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.hasFunction(t.val)) this.errorf(`function ${goQuote(t.val)} not defined`);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case 'dot': return { type: 'dot', pos: t.pos };
      case 'nil': return { type: 'nil', pos: t.pos };
      case 'variable': return this.useVar(t.pos, t.val);
      case 'field': return { type: 'field', pos: t.pos, ident: t.val.slice(1).split('.') };
      case 'bool': return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant': case 'number': return this.newNumber(t);
      case 'leftParen': return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string': case 'rawString':
        return { type: 'string', pos: t.pos, quoted: t.val, text: this.unquote(t.val) };
      default:
        this.backup();
        return undefined;
    }
  }

  private newVariable(pos: number, name: string): VariableNode {
    return { type: 'variable', pos, ident: name.split('.') };
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0]!)) this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`);
    return v;
  }

  private newList(pos: number): ListNode {
    return { type: 'list', pos, nodes: [] };
  }

  private unquote(s: string): string {
    try {
      return unquote(s);
    } catch (err) {
      this.errorf((err as Error).message);
    }
  }

  private newNumber(t: Item): NumberNode {
    try {
      return parseNumber(t.pos, t.val, t.type === 'charConstant');
    } catch (err) {
      this.errorf((err as Error).message);
    }
  }
}

function listItemString(n: ListItem): string {
  if (n.type === 'end' || n.type === 'else') return `{{${n.type}}}`;
  return nodeString(n);
}

/** Whether a tree holds nothing but space (an empty definition may be replaced). */
function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case 'list': return n.nodes.every(isEmptyTree);
    case 'text': return n.text.trim() === '';
    case 'comment': return true;
    default: return false;
  }
}

/** strconv.Unquote for "...", `...` and '...'; throws "invalid syntax". */
export function unquote(s: string): string {
  const q = s[0];
  if (s.length < 2 || s[s.length - 1] !== q) throw new Error('invalid syntax');
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new Error('invalid syntax');
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") throw new Error('invalid syntax');
  const bytes: number[] = [];
  const pushRune = (cp: number): void => { bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8')); };
  let runes = 0;
  for (let i = 0; i < body.length;) {
    const c = body[i]!;
    runes++;
    if (c === q || c === '\n') throw new Error('invalid syntax');
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      pushRune(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
    if (e !== undefined && e in simple) { bytes.push(simple[e]!); continue; }
    if (e === q) { bytes.push(q.charCodeAt(0)); continue; }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const h = body.slice(i, i + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(h)) throw new Error('invalid syntax');
      i += hexLen;
      const v = Number.parseInt(h, 16);
      if (e === 'x') {
        if (q === "'") pushRune(v);
        else bytes.push(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new Error('invalid syntax');
        pushRune(v);
      }
      continue;
    }
    if (e !== undefined && e >= '0' && e <= '7') {
      const o = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(o)) throw new Error('invalid syntax');
      const v = Number.parseInt(o, 8);
      if (v > 255) throw new Error('invalid syntax');
      i += 2;
      if (q === "'") pushRune(v);
      else bytes.push(v);
      continue;
    }
    throw new Error('invalid syntax');
  }
  if (q === "'" && runes !== 1) throw new Error('invalid syntax');
  return Buffer.from(bytes).toString('utf8');
}

/** Go's integer literal syntax with base prefix (strconv.ParseInt(s, 0, 64) without the range check). */
function parseGoInteger(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') { neg = s[0] === '-'; s = s.slice(1); }
  let base = 10;
  let prefixed = false;
  if (/^0[xX]/.test(s)) { base = 16; s = s.slice(2); prefixed = true; }
  else if (/^0[oO]/.test(s)) { base = 8; s = s.slice(2); prefixed = true; }
  else if (/^0[bB]/.test(s)) { base = 2; s = s.slice(2); prefixed = true; }
  else if (s.length > 1 && s[0] === '0') { base = 8; s = s.slice(1); prefixed = true; }
  // Underscores only between digits (or after a base prefix).
  if (s.includes('_')) {
    if (!/^_?[^_]+(_[^_]+)*$/.test(s) || (s.startsWith('_') && !prefixed)) return undefined;
    s = s.replace(/_/g, '');
  }
  const digits = '0123456789abcdef'.slice(0, base);
  if (s === '' || [...s.toLowerCase()].some((c) => !digits.includes(c))) return undefined;
  let v = 0n;
  for (const c of s.toLowerCase()) v = v * BigInt(base) + BigInt(digits.indexOf(c));
  return neg ? -v : v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** A number literal as Go's newNumber reads it: which of int, uint and float it can be. */
export function parseNumber(pos: number, text: string, isChar = false): NumberNode {
  const n: NumberNode = { type: 'number', pos, text, isInt: false, isUint: false, isFloat: false, int: 0, float: 0 };
  if (isChar) {
    let r: string;
    try {
      r = unquote(text);
    } catch {
      throw new Error(`malformed character constant: ${text}`);
    }
    const cp = r.codePointAt(0)!;
    return { ...n, isInt: true, isUint: true, isFloat: true, int: cp, float: cp };
  }
  if (text.endsWith('i')) throw new Error(`complex numbers are not supported: ${goQuote(text)}`);
  const i = parseGoInteger(text);
  if (i !== undefined) {
    if (i >= INT64_MIN && i <= INT64_MAX) { n.isInt = true; n.int = Number(i); }
    if (i >= 0n && i <= UINT64_MAX && !text.startsWith('-')) n.isUint = true;
    if (i === 0n) n.isUint = true;
  }
  if (n.isInt || n.isUint) {
    n.isFloat = true;
    n.float = Number(i);
    return n;
  }
  const f = parseGoFloat(text);
  if (f !== undefined) {
    if (!/[.eEpP]/.test(text)) throw new Error(`integer overflow: ${goQuote(text)}`);
    n.isFloat = true;
    n.float = f;
    if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) { n.isInt = true; n.int = f; }
    if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) n.isUint = true;
  }
  if (!n.isInt && !n.isUint && !n.isFloat) throw new Error(`illegal number syntax: ${goQuote(text)}`);
  return n;
}

/** strconv.ParseFloat(s, 64) for decimal and hex floats (underscores allowed as in Go literals). */
function parseGoFloat(text: string): number | undefined {
  let s = text.replace(/(?<=[0-9a-fA-F])_(?=[0-9a-fA-F])/g, '');
  if (s.includes('_')) return undefined;
  let sign = 1;
  if (s[0] === '+' || s[0] === '-') { sign = s[0] === '-' ? -1 : 1; s = s.slice(1); }
  if (/^0[xX]/.test(s)) {
    const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
    if (!m || (m[1] === '' && !m[2])) return undefined;
    const mant = Number.parseInt(`${m[1] || '0'}${m[2] ?? ''}`, 16);
    return sign * mant * 2 ** (Number(m[3]) - 4 * (m[2]?.length ?? 0));
  }
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return sign * Number(s);
}
