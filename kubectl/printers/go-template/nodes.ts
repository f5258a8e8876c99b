// The parse tree of a Go template (src/text/template/parse/node.go). Every node keeps
// its offset in the source, for "output:LINE:COL" in execution errors, and prints back
// as Go's Node.String() does (the "<...>" context of those errors).

export interface Tree {
  name: string;
  /** The name of the top-level template whose source this came from (error locations). */
  parseName: string;
  /** The whole source text the tree was parsed from. */
  text: string;
  root: ListNode;
}

export type Node =
  | ListNode | TextNode | CommentNode | ActionNode | IfNode | RangeNode | WithNode | TemplateNode
  | BreakNode | ContinueNode | PipeNode | CommandNode | ArgNode;

/** What may appear as a command's word. */
export type ArgNode =
  | FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | PipeNode;

export interface ListNode { type: 'list'; pos: number; nodes: Node[] }
export interface TextNode { type: 'text'; pos: number; text: string }
export interface CommentNode { type: 'comment'; pos: number; text: string }
export interface ActionNode { type: 'action'; pos: number; pipe: PipeNode }
export interface BranchNode { pos: number; pipe: PipeNode; list: ListNode; elseList?: ListNode }
export interface IfNode extends BranchNode { type: 'if' }
export interface RangeNode extends BranchNode { type: 'range' }
export interface WithNode extends BranchNode { type: 'with' }
export interface TemplateNode { type: 'template'; pos: number; name: string; pipe?: PipeNode }
export interface BreakNode { type: 'break'; pos: number }
export interface ContinueNode { type: 'continue'; pos: number }
export interface PipeNode { type: 'pipe'; pos: number; isAssign: boolean; decl: VariableNode[]; cmds: CommandNode[] }
export interface CommandNode { type: 'command'; pos: number; args: ArgNode[] }
export interface FieldNode { type: 'field'; pos: number; ident: string[] }
export interface VariableNode { type: 'variable'; pos: number; ident: string[] }
export interface ChainNode { type: 'chain'; pos: number; node: ArgNode; field: string[] }
export interface IdentifierNode { type: 'identifier'; pos: number; ident: string }
export interface DotNode { type: 'dot'; pos: number }
export interface NilNode { type: 'nil'; pos: number }
export interface BoolNode { type: 'bool'; pos: number; value: boolean }
export interface StringNode { type: 'string'; pos: number; quoted: string; text: string }
export interface NumberNode {
  type: 'number';
  pos: number;
  /** The literal as written. */
  text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  int: number;
  float: number;
}

/** Go's Node.String(). */
export function nodeString(n: Node): string {
  switch (n.type) {
    case 'list': return n.nodes.map(nodeString).join('');
    case 'text': return n.text;
    case 'comment': return `{{${n.text}}}`;
    case 'action': return `{{${nodeString(n.pipe)}}}`;
    case 'if': case 'range': case 'with': {
      const e = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${e}{{end}}`;
    }
    case 'template': return n.pipe ? `{{template ${JSON.stringify(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${JSON.stringify(n.name)}}}`;
    case 'break': return '{{break}}';
    case 'continue': return '{{continue}}';
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = `${n.decl.map(nodeString).join(', ')}${n.isAssign ? ' = ' : ' := '}`;
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command': return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field': return n.ident.map((i) => `.${i}`).join('');
    case 'variable': return n.ident.join('.');
    case 'chain': {
      const base = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return base + n.field.map((f) => `.${f}`).join('');
    }
    case 'identifier': return n.ident;
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'bool': return n.value ? 'true' : 'false';
    case 'number': return n.text;
    case 'string': return n.quoted;
  }
}
