// Go's text/template, as kubectl's -o go-template uses it: parse once (with kubectl's
// functions base64decode and exists next to the builtins), execute over JSON data.
// Pure: no I/O. lexer.ts scans, parser.ts builds trees (nodes.ts), exec.ts walks them,
// funcs.ts holds the functions and fmt.ts Go's fmt.
import { execute, TemplateExecError, type MissingKey } from './exec.js';
import { FUNCTIONS } from './funcs.js';
import type { Tree } from './nodes.js';
import { parseTemplates, TemplateParseError } from './parser.js';

export { TemplateExecError, TemplateParseError, type MissingKey };
export { NO_FLAGS, formatArg } from './fmt.js';
export { goQuote } from './lexer.js';

/** What a failed execution leaves: Go's error, and what had been written before it. */
export interface ExecFailure {
  error: TemplateExecError;
  output: string;
}

export class GoTemplate {
  private constructor(private readonly name: string, private readonly trees: Map<string, Tree>) {}

  /** Parses text as template `name`; throws TemplateParseError with Go's message. */
  static parse(name: string, text: string): GoTemplate {
    const trees = new Map<string, Tree>();
    parseTemplates(name, text, (fn) => FUNCTIONS.has(fn), trees);
    return new GoTemplate(name, trees);
  }

  /**
   * Executes the template over data (JSON values: objects, arrays, numbers, strings,
   * booleans, null). Returns the output, or the failure with the partial output.
   */
  execute(data: unknown, missingKey: MissingKey = 'default'): { output: string } | ExecFailure {
    const out: string[] = [];
    const tree = this.trees.get(this.name);
    try {
      if (!tree) throw new TemplateExecError(`template: ${this.name}: "${this.name}" is an incomplete or empty template`);
      execute({ trees: this.trees, funcs: FUNCTIONS, missingKey }, tree, data, out);
      return { output: out.join('') };
    } catch (err) {
      if (err instanceof TemplateExecError) return { error: err, output: out.join('') };
      // Go's template engine recovers from panics the same way (kubectl's safeExecute).
      if (err instanceof RangeError) return { error: new TemplateExecError(`caught panic: ${err.message}`), output: out.join('') };
      throw err;
    }
  }
}
