// The executor of Go's text/template (src/text/template/exec.go, Go 1.23): walks a
// parsed tree over data, evaluating pipelines, fields of maps, variables and function
// calls with Go's rules, and fails with Go's ExecError wording:
//   template: output:1:2: executing "output" at <.a.b>: can't evaluate field b in type interface {}
import { formatArg, sprint } from './fmt.js';
import { goQuote } from './lexer.js';
import type { TemplateFunction, Param } from './funcs.js';
import {
  nodeString, type ArgNode, type ChainNode, type CommandNode, type FieldNode, type IdentifierNode, type Node,
  type NumberNode, type PipeNode, type RangeNode, type TemplateNode, type Tree, type VariableNode,
} from './nodes.js';
import { GoNumber, Iface, concrete, elem, isMap, isTrue as truth, sortedKeys, typeName, type Value } from './values.js';

/** What a missing map key yields: kubectl's default ("<no value>") or an error. */
export type MissingKey = 'default' | 'zero' | 'error';

/** A failure while executing; the message is Go's ExecError text. */
export class TemplateExecError extends Error {
  override name = 'TemplateExecError';
}

const MAX_EXEC_DEPTH = 100000;
/** The pipeline's previous value when there is none (Go's missingVal). */
const MISSING = Symbol('missing');
type Final = Value | typeof MISSING;

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

interface Variable { name: string; value: Value }

export interface ExecContext {
  trees: ReadonlyMap<string, Tree>;
  funcs: ReadonlyMap<string, TemplateFunction>;
  missingKey: MissingKey;
}

/**
 * Executes tree over data, appending output to out (kept when execution fails
 * halfway, as Go's writer keeps what was written). Throws TemplateExecError.
 */
export function execute(ctx: ExecContext, tree: Tree, data: Value, out: string[]): void {
  const s = new State(ctx, tree, out, [{ name: '$', value: data }], 0);
  s.walk(data, tree.root);
}

class State {
  private node: Node | undefined;

  constructor(
    private readonly ctx: ExecContext,
    private readonly tmpl: Tree,
    private readonly out: string[],
    private vars: Variable[],
    private readonly depth: number,
  ) {}

  private at(node: Node): void { this.node = node; }

  private errorf(msg: string): never {
    const name = this.tmpl.name;
    if (!this.node) throw new TemplateExecError(`template: ${name}: ${msg}`);
    throw new TemplateExecError(`template: ${this.location(this.node)}: executing ${goQuote(name)} at <${nodeString(this.node)}>: ${msg}`);
  }

  /** "output:LINE:COL" of a node, the column counted in bytes as Go does. */
  private location(n: Node): string {
    const text = this.tmpl.text.slice(0, n.pos);
    const nl = text.lastIndexOf('\n');
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    const col = nl < 0 ? Buffer.byteLength(text) : Buffer.byteLength(text.slice(nl + 1));
    return `${this.tmpl.parseName}:${line}:${col}`;
  }

  private mark(): number { return this.vars.length; }
  private pop(mark: number): void { this.vars.length = mark; }
  private push(name: string, value: Value): void { this.vars.push({ name, value }); }

  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) { this.vars[i]!.value = value; return; }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: Value): void {
    this.vars[this.vars.length - n]!.value = value;
  }

  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: Value, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        // Variables declared here persist until the enclosing end; a declaration prints nothing.
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break': throw BREAK;
      case 'continue': throw CONTINUE;
      case 'comment': return;
      case 'if': case 'with': {
        const mark = this.mark();
        try {
          const val = this.evalPipeline(dot, node.pipe);
          if (truth(val)) this.walk(node.type === 'with' ? val : dot, node.list);
          else if (node.elseList) this.walk(dot, node.elseList);
        } finally {
          this.pop(mark);
        }
        return;
      }
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range': this.walkRange(dot, node); return;
      case 'template': this.walkTemplate(dot, node); return;
      case 'text': this.out.push(node.text); return;
      default: this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkRange(dot: Value, r: RangeNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const one = (index: Value, el: Value): void => {
        if (r.pipe.decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(r.pipe.decl[0]!.ident[0]!, r.pipe.decl.length > 1 ? index : el);
          else this.setTopVar(1, el);
        }
        if (r.pipe.decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(r.pipe.decl[1]!.ident[0]!, el);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(el, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
      };
      let ran = false;
      if (Array.isArray(val)) {
        val.forEach((v, i) => { ran = true; one(new GoNumber('int', i), elem(v)); });
      } else if (isMap(val)) {
        for (const k of sortedKeys(val)) { ran = true; one(k, elem(val[k])); }
      } else if (val !== undefined) {
        this.errorf(`range can't iterate over ${sprint([val])}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally {
      this.pop(outer);
    }
  }

  private walkTemplate(dot: Value, t: TemplateNode): void {
    this.at(t);
    const tmpl = this.ctx.trees.get(t.name);
    if (!tmpl) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth === MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    // Variables declared by the pipeline persist; the template sees none of ours.
    const newDot = this.evalPipeline(dot, t.pipe);
    const s = new State(this.ctx, tmpl, this.out, [{ name: '$', value: newDot }], this.depth + 1);
    s.walk(newDot, tmpl.root);
  }

  private evalPipeline(dot: Value, pipe: PipeNode | undefined): Value {
    if (!pipe) return undefined;
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      // An interface value becomes the concrete value inside it (a nil one, invalid).
      value = concrete(this.evalCommand(dot, cmd, value));
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.push(v.ident[0]!, value);
    }
    return value;
  }

  private notAFunction(args: ArgNode[] | undefined, final: Final): void {
    if ((args && args.length > 1) || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args![0]!)}`);
  }

  private evalCommand(dot: Value, cmd: CommandNode, final: Final): Value {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field': return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain': return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier': return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        // A parenthesized pipeline takes no arguments.
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable': return this.evalVariableNode(dot, first, cmd.args, final);
      default: break;
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'nil': this.errorf('nil is not a command');
      case 'number': return this.idealConstant(first);
      case 'string': return first.text;
    }
  }

  /** A number literal where no type is asked for: int, or float64 if written as one. */
  private idealConstant(n: NumberNode): Value {
    this.at(n);
    const isHexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    const isRune = n.text.startsWith("'");
    if (n.isFloat && !isHexInt && !isRune && /[.eEpP]/.test(n.text)) return new GoNumber('float64', n.float);
    if (n.isInt) return new GoNumber('int', n.int);
    if (n.isUint) this.errorf(`${n.text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: Value, field: FieldNode, args: ArgNode[] | undefined, final: Final): Value {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: Value, chain: ChainNode, args: ArgNode[] | undefined, final: Final): Value {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    // (pipe).Field1.Field2: evaluate the pipeline, then the fields.
    const pipe = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: Value, v: VariableNode, args: ArgNode[] | undefined, final: Final): Value {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: Value, receiver: Value, node: Node, ident: string[], args: ArgNode[] | undefined, final: Final): Value {
    let r = receiver;
    for (let i = 0; i < ident.length - 1; i++) r = this.evalField(ident[i]!, undefined, MISSING, r);
    return this.evalField(ident[ident.length - 1]!, args, final, r);
  }

  private evalField(fieldName: string, args: ArgNode[] | undefined, final: Final, receiver: Value): Value {
    if (receiver === undefined) {
      if (this.ctx.missingKey === 'error') this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return undefined;
    }
    const typ = typeName(receiver);
    if (receiver instanceof Iface && receiver.value === null) this.errorf(`nil pointer evaluating ${typ}.${fieldName}`);
    const r = concrete(receiver);
    const hasArgs = (args !== undefined && args.length > 1) || final !== MISSING;
    if (isMap(r)) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      if (Object.hasOwn(r, fieldName)) return elem(r[fieldName]);
      switch (this.ctx.missingKey) {
        case 'zero': return new Iface(null);
        case 'error': this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
        default: return undefined;
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  private evalFunction(dot: Value, node: IdentifierNode, cmd: Node, args: ArgNode[] | undefined, final: Final): Value {
    this.at(node);
    const fn = this.ctx.funcs.get(node.ident);
    if (!fn) this.errorf(`${goQuote(node.ident)} is not a defined function`);
    return this.evalCall(dot, fn, cmd, node.ident, args, final);
  }

  private evalCall(dot: Value, fn: TemplateFunction, node: Node, name: string, allArgs: ArgNode[] | undefined, final: Final): Value {
    const args = allArgs ? allArgs.slice(1) : [];
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    if (fn.variadic) {
      numFixed = fn.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${fn.params.length} got ${args.length}`);
    } else if (numIn !== fn.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
    }
    // and/or short-circuit: arguments after the deciding one are not evaluated.
    if (name === 'and' || name === 'or') {
      let v: Value;
      for (const a of args) {
        v = this.evalArg(dot, 'value', a);
        if (truth(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }
    const argv: Value[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, fn.params[i], args[i]!));
    if (fn.variadic) for (; i < args.length; i++) argv.push(this.evalArg(dot, fn.variadic, args[i]!));
    if (final !== MISSING) {
      const t = fn.variadic && numIn - 1 >= numFixed ? fn.variadic : fn.params[numIn - 1];
      argv.push(this.validateType(final, t));
    }
    try {
      return fn.call(argv);
    } catch (err) {
      this.at(node);
      this.errorf(`error calling ${name}: ${(err as Error).message}`);
    }
  }

  /** validateType: a value as a parameter of type t takes it (see Param). */
  private validateType(value: Value, t: Param | undefined): Value {
    if (value === undefined) {
      if (t === undefined || t === 'value') return undefined;
      if (t === 'any') return null;
      this.errorf(`invalid value; expected ${t}`);
    }
    switch (t) {
      case undefined: case 'value': return value;
      case 'any': return value instanceof Iface ? value.value : value;
      case 'string': {
        const c = value instanceof Iface ? value.value : value;
        if (typeof c === 'string') return c;
        this.errorf(`wrong type for value; expected string; got ${c === null ? 'interface {}' : typeName(c)}`);
      }
    }
  }

  private evalArg(dot: Value, t: Param | undefined, n: ArgNode): Value {
    this.at(n);
    switch (n.type) {
      case 'dot': return this.validateType(dot, t);
      case 'nil':
        if (t === 'value') return undefined;
        if (t === 'any' || t === undefined) return null;
        this.errorf(`cannot assign nil to ${t}`);
      case 'field': return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), t);
      case 'variable': return this.validateType(this.evalVariableNode(dot, n, undefined, MISSING), t);
      case 'pipe': return this.validateType(this.evalPipeline(dot, n), t);
      case 'identifier': return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), t);
      case 'chain': return this.validateType(this.evalChainNode(dot, n, undefined, MISSING), t);
      default: break;
    }
    if (t === 'string') {
      if (n.type === 'string') return n.text;
      this.errorf(`expected string; found ${nodeString(n)}`);
    }
    switch (n.type) {
      case 'bool': return n.value;
      case 'number': return this.idealConstant(n);
      case 'string': return n.text;
    }
  }

  private printValue(n: Node, v: Value): void {
    this.at(n);
    const c = concrete(v);
    this.out.push(c === undefined ? '<no value>' : formatArg(c, 'v', { plus: false, minus: false, sharp: false, space: false, zero: false }));
  }
}

