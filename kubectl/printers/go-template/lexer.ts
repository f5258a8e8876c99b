// The lexer of Go's text/template (src/text/template/parse/lex.go, Go 1.23): text and
// actions between {{ and }}, trim markers ("{{- " and " -}}"), comments, and the
// tokens inside actions. It scans the whole input up front into a list ending with
// an EOF or error item; the parser stops at the first error item it meets, which is
// what Go's lazily-run lexer amounts to.
import { goQuote, isGoPrintable as isPrintable } from '../../../api/errors.js';

export { goQuote, isPrintable };

export type ItemType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'comment' | 'assign' | 'declare' | 'eof'
  | 'field' | 'identifier' | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString'
  | 'rightDelim' | 'rightParen' | 'space' | 'string' | 'text' | 'variable'
  // Keywords.
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range' | 'template' | 'with';

const KEYWORDS: Record<string, ItemType> = {
  '.': 'dot', block: 'block', break: 'break', continue: 'continue', define: 'define', else: 'else',
  end: 'end', if: 'if', range: 'range', nil: 'nil', template: 'template', with: 'with',
};
const KEYWORD_TYPES = new Set<ItemType>(Object.values(KEYWORDS));

export interface Item {
  type: ItemType;
  /** Offset of the item in the input (UTF-16 units). */
  pos: number;
  val: string;
  /** Line number at the start of the item (1-based). */
  line: number;
}

/** Go's item.String(): how a token appears in "unexpected ..." parse errors. */
export function itemString(i: Item): string {
  if (i.type === 'eof') return 'EOF';
  if (i.type === 'error') return i.val;
  if (KEYWORD_TYPES.has(i.type)) return `<${i.val}>`;
  const runes = [...i.val];
  if (runes.length > 10) return `${goQuote(runes.slice(0, 10).join(''))}...`;
  return goQuote(i.val);
}

const LEFT = '{{';
const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
const SPACE_CHARS = ' \t\r\n';
const TRIM_MARKER_LEN = 2;

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c));
const hasLeftTrimMarker = (s: string): boolean => s.length >= 2 && s[0] === '-' && isSpace(s[1]);
const hasRightTrimMarker = (s: string): boolean => s.length >= 2 && isSpace(s[0]) && s[1] === '-';

/** Scans input into items; the last is 'eof' or 'error'. */
export function lex(input: string): Item[] {
  return new Lexer(input).run();
}

class Lexer {
  private pos = 0;
  private start = 0;
  private parenDepth = 0;
  private readonly items: Item[] = [];
  private done = false;
  private readonly newlines: number[] = [];

  constructor(private readonly input: string) {
    for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) this.newlines.push(i);
  }

  /** 1 + the newlines before pos. */
  private lineAt(pos: number): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  private push(type: ItemType, pos: number, val: string): void {
    this.items.push({ type, pos, val, line: this.lineAt(pos) });
  }

  run(): Item[] {
    let state: (() => void) | null = () => this.lexText();
    while (!this.done && state) {
      state = this.step(state);
    }
    return this.items;
  }

  // Each state function returns the next one (null at the end), as Go's stateFn.
  private step(state: () => void): (() => void) | null {
    this.nextState = null;
    state();
    return this.nextState;
  }

  private nextState: (() => void) | null = null;
  private goto(s: () => void): void { this.nextState = s; }

  /** The next code point, or undefined at the end. */
  private next(): string | undefined {
    if (this.pos >= this.input.length) { this.width = 0; return undefined; }
    const cp = this.input.codePointAt(this.pos)!;
    const c = String.fromCodePoint(cp);
    this.width = c.length;
    this.pos += c.length;
    return c;
  }

  private width = 0;

  private peek(): string | undefined {
    const c = this.next();
    this.backup();
    return c;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private emit(type: ItemType): void {
    this.push(type, this.start, this.input.slice(this.start, this.pos));
    this.start = this.pos;
  }

  private ignore(): void {
    this.start = this.pos;
  }

  private accept(valid: string): boolean {
    const c = this.next();
    if (c !== undefined && valid.includes(c)) return true;
    this.backup();
    return false;
  }

  private acceptRun(valid: string): void {
    for (;;) {
      const c = this.next();
      if (c === undefined || !valid.includes(c)) break;
    }
    this.backup();
  }

  private errorf(msg: string): void {
    this.push('error', this.start, msg);
    this.done = true;
  }

  private lexText(): void {
    const x = this.input.indexOf(LEFT, this.pos);
    if (x >= 0) {
      if (x > this.pos) {
        this.pos = x;
        let trim = 0;
        const delimEnd = this.pos + LEFT.length;
        if (hasLeftTrimMarker(this.input.slice(delimEnd))) {
          const text = this.input.slice(this.start, this.pos);
          trim = text.length - trimRight(text).length;
        }
        const val = this.input.slice(this.start, this.pos - trim);
        if (val.length > 0) this.push('text', this.start, val);
        this.start = this.pos;
      }
      this.goto(() => this.lexLeftDelim());
      return;
    }
    this.pos = this.input.length;
    if (this.pos > this.start) {
      this.push('text', this.start, this.input.slice(this.start));
      this.start = this.pos;
    }
    this.push('eof', this.pos, '');
    this.done = true;
  }

  private lexLeftDelim(): void {
    this.pos += LEFT.length;
    const trim = hasLeftTrimMarker(this.input.slice(this.pos));
    const after = trim ? TRIM_MARKER_LEN : 0;
    if (this.input.startsWith(LEFT_COMMENT, this.pos + after)) {
      this.pos += after;
      this.ignore();
      this.goto(() => this.lexComment());
      return;
    }
    this.push('leftDelim', this.start, LEFT);
    this.pos += after;
    this.ignore();
    this.parenDepth = 0;
    this.goto(() => this.lexInsideAction());
  }

  private atRightDelim(): { delim: boolean; trim: boolean } {
    const rest = this.input.slice(this.pos);
    if (hasRightTrimMarker(rest) && rest.startsWith(RIGHT, TRIM_MARKER_LEN)) return { delim: true, trim: true };
    if (rest.startsWith(RIGHT)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  }

  private lexComment(): void {
    this.pos += LEFT_COMMENT.length;
    const x = this.input.indexOf(RIGHT_COMMENT, this.pos);
    if (x < 0) { this.errorf('unclosed comment'); return; }
    this.pos = x + RIGHT_COMMENT.length;
    const { delim, trim } = this.atRightDelim();
    if (!delim) { this.errorf('comment ends before closing delimiter'); return; }
    if (trim) this.pos += TRIM_MARKER_LEN;
    this.pos += RIGHT.length;
    if (trim) this.pos += leftTrimLength(this.input.slice(this.pos));
    this.ignore();
    this.goto(() => this.lexText());
  }

  private lexRightDelim(): void {
    const { trim } = this.atRightDelim();
    if (trim) {
      this.pos += TRIM_MARKER_LEN;
      this.ignore();
    }
    this.pos += RIGHT.length;
    this.push('rightDelim', this.start, RIGHT);
    this.start = this.pos;
    if (trim) {
      this.pos += leftTrimLength(this.input.slice(this.pos));
    }
    this.ignore();
    this.goto(() => this.lexText());
  }

  private lexInsideAction(): void {
    const { delim } = this.atRightDelim();
    if (delim) {
      if (this.parenDepth === 0) { this.goto(() => this.lexRightDelim()); return; }
      this.errorf('unclosed left paren');
      return;
    }
    const r = this.next();
    const inside = (): void => this.goto(() => this.lexInsideAction());
    if (r === undefined) { this.errorf('unclosed action'); return; }
    if (isSpace(r)) {
      this.backup(); // Put the space back in case we have " -}}".
      this.goto(() => this.lexSpace());
      return;
    }
    switch (r) {
      case '=': this.emit('assign'); inside(); return;
      case ':':
        if (this.next() !== '=') { this.errorf('expected :='); return; }
        this.emit('declare'); inside(); return;
      case '|': this.emit('pipe'); inside(); return;
      case '"': this.goto(() => this.lexQuote()); return;
      case '`': this.goto(() => this.lexRawQuote()); return;
      case '$': this.goto(() => this.lexVariable()); return;
      case "'": this.goto(() => this.lexChar()); return;
      case '(':
        this.emit('leftParen');
        this.parenDepth++;
        inside();
        return;
      case ')':
        this.emit('rightParen');
        this.parenDepth--;
        if (this.parenDepth < 0) { this.errorf(`unexpected right paren ${unicodeName(r)}`); return; }
        inside();
        return;
      default: break;
    }
    if (r === '.') {
      // A field, unless a digit follows ('.5' is a number).
      const c = this.input[this.pos];
      if (c === undefined || c < '0' || c > '9') { this.goto(() => this.lexField()); return; }
    }
    if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) {
      this.backup();
      this.goto(() => this.lexNumber());
      return;
    }
    if (isAlphaNumeric(r)) {
      this.backup();
      this.goto(() => this.lexIdentifier());
      return;
    }
    const cp = r.codePointAt(0)!;
    if (cp <= 0x7f && cp >= 0x20 && cp !== 0x7f) {
      this.emit('char');
      inside();
      return;
    }
    this.errorf(`unrecognized character in action: ${unicodeName(r)}`);
  }

  private lexSpace(): void {
    let n = 0;
    while (isSpace(this.peek())) { this.next(); n++; }
    // A trim-marked closing delimiter has a minus after a space.
    if (hasRightTrimMarker(this.input.slice(this.pos - 1)) && this.input.startsWith(RIGHT, this.pos - 1 + TRIM_MARKER_LEN)) {
      this.pos--;
      if (n === 1) { this.goto(() => this.lexRightDelim()); return; }
    }
    this.emit('space');
    this.goto(() => this.lexInsideAction());
  }

  private lexIdentifier(): void {
    for (;;) {
      const r = this.next();
      if (isAlphaNumeric(r)) continue;
      this.backup();
      const word = this.input.slice(this.start, this.pos);
      if (!this.atTerminator()) { this.errorf(`bad character ${unicodeName(r)}`); return; }
      const kw = KEYWORDS[word];
      if (kw && kw !== 'dot') this.emit(kw);
      else if (word[0] === '.') this.emit('field');
      else if (word === 'true' || word === 'false') this.emit('bool');
      else this.emit('identifier');
      break;
    }
    this.goto(() => this.lexInsideAction());
  }

  private lexField(): void { this.lexFieldOrVariable('field'); }

  private lexVariable(): void {
    if (this.atTerminator()) { // "$" alone.
      this.emit('variable');
      this.goto(() => this.lexInsideAction());
      return;
    }
    this.lexFieldOrVariable('variable');
  }

  private lexFieldOrVariable(type: ItemType): void {
    if (this.atTerminator()) { // "." or "$" alone.
      this.emit(type === 'variable' ? 'variable' : 'dot');
      this.goto(() => this.lexInsideAction());
      return;
    }
    let r: string | undefined;
    for (;;) {
      r = this.next();
      if (!isAlphaNumeric(r)) { this.backup(); break; }
    }
    if (!this.atTerminator()) { this.errorf(`bad character ${unicodeName(r)}`); return; }
    this.emit(type);
    this.goto(() => this.lexInsideAction());
  }

  /** Whether the input is at a valid character to follow an identifier. */
  private atTerminator(): boolean {
    const r = this.peek();
    if (r === undefined || isSpace(r)) return true;
    if ('.,|:)(='.includes(r)) return true;
    return this.input.startsWith(RIGHT, this.pos);
  }

  private lexChar(): void {
    for (;;) {
      const c = this.next();
      if (c === '\\') {
        const r = this.next();
        if (r !== undefined && r !== '\n') continue;
        this.errorf('unterminated character constant');
        return;
      }
      if (c === undefined || c === '\n') { this.errorf('unterminated character constant'); return; }
      if (c === "'") break;
    }
    this.emit('charConstant');
    this.goto(() => this.lexInsideAction());
  }

  private lexNumber(): void {
    if (!this.scanNumber()) { this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`); return; }
    const sign = this.peek();
    if (sign === '+' || sign === '-') {
      // Complex: 1+2i. No spaces, must end in 'i'.
      if (!this.scanNumber() || this.input[this.pos - 1] !== 'i') {
        this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
        return;
      }
      this.errorf(`complex numbers are not supported: ${goQuote(this.input.slice(this.start, this.pos))}`);
      return;
    }
    this.emit('number');
    this.goto(() => this.lexInsideAction());
  }

  private scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 10 + 1 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 16 + 6 + 1 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  private lexQuote(): void {
    for (;;) {
      const c = this.next();
      if (c === '\\') {
        const r = this.next();
        if (r !== undefined && r !== '\n') continue;
        this.errorf('unterminated quoted string');
        return;
      }
      if (c === undefined || c === '\n') { this.errorf('unterminated quoted string'); return; }
      if (c === '"') break;
    }
    this.emit('string');
    this.goto(() => this.lexInsideAction());
  }

  private lexRawQuote(): void {
    for (;;) {
      const c = this.next();
      if (c === undefined) { this.errorf('unterminated raw quoted string'); return; }
      if (c === '`') break;
    }
    this.emit('rawString');
    this.goto(() => this.lexInsideAction());
  }
}

function trimRight(s: string): string {
  let end = s.length;
  while (end > 0 && SPACE_CHARS.includes(s[end - 1]!)) end--;
  return s.slice(0, end);
}

function leftTrimLength(s: string): number {
  let i = 0;
  while (i < s.length && SPACE_CHARS.includes(s[i]!)) i++;
  return i;
}

/** Go's %#U: U+0041 'A'. */
export function unicodeName(c: string | undefined): string {
  if (c === undefined) return 'U+FFFFFFFFFFFFFFFF';
  const cp = c.codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return isPrintable(cp) ? `${hex} '${c}'` : hex;
}
