// The YAML kubectl kustomize prints (kyaml on go-yaml v3): keys sorted, block style,
// sequences not indented under their key, no line folding; a string that YAML 1.1 or
// 1.2 would read as something else ("1", "y", "on", "", "0755", "true") double-quoted,
// a multi-line one as a literal block, any other that cannot be plain single-quoted
// (double-quoted when it needs escapes). Documents are separated by `---`.
import { Document, isScalar, parse, visit, Scalar } from 'yaml';
import { sortKeys } from '../printers/go-json.js';
import type { Obj } from './resource.js';

export function renderYaml(objects: Obj[]): string {
  return objects.map(renderObject).join('---\n');
}

function renderObject(obj: Obj): string {
  const doc = new Document(sortKeys(obj), { version: '1.2' });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      const s = node.value;
      if (SPECIAL.test(s)) node.type = Scalar.QUOTE_DOUBLE;
      else if (s.includes('\n')) node.type = / \n/.test(s) ? Scalar.QUOTE_DOUBLE : Scalar.BLOCK_LITERAL;
      else if (readsAsNonString(s)) node.type = Scalar.QUOTE_DOUBLE;
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && typeof pair.key.value === 'string' && readsAsNonString(pair.key.value)) pair.key.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0, indentSeq: false, singleQuote: true, minContentWidth: 0, doubleQuotedAsJSON: true });
}

// Characters libyaml does not count as printable (tab included): a string holding one
// can only be written double-quoted, with escapes. A space before a line break also
// rules out a literal block.
const SPECIAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u0084\u0086-\u009f\ufeff\ufffe\uffff]/;

/** kyaml's IsValueNonString (go-yaml v2, YAML 1.1) or go-yaml v3's resolve: would the plain text not read back as this string? */
export function readsAsNonString(s: string): boolean {
  if (s === '' || s === '<<') return true;
  for (const version of ['1.1', '1.2'] as const) {
    try {
      const v: unknown = parse(s, { version });
      if (typeof v !== 'string') return true;
    } catch {
      // Not YAML at all: plain or quoted as the emitter decides.
    }
  }
  return false;
}
