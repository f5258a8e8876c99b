// Go's text/tabwriter as kubectl configures it (printers.GetNewTabWriter: minwidth 6,
// tabwidth 4, padding 3, pad ' ', RememberWidths from liggitt/tabwriter): cells end at
// '\t', lines at '\n'; a column block is a run of consecutive lines that have a cell in
// that column; the text after a line's last tab is not part of any column. Widths
// remembered from earlier flushes keep `get -w` rows aligned with the header.
import type { Writable } from 'node:stream';

export interface TabWriterOptions {
  minWidth?: number;
  padding?: number;
  /** Keep column widths across flushes and never shrink them (kubectl: on). */
  rememberWidths?: boolean;
}

interface Cell { text: string; width: number }

/** Width of text in terminal columns, as tabwriter counts it: one per code point. */
export function textWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export class TabWriter {
  private readonly minWidth: number;
  private readonly padding: number;
  private readonly remember: boolean;
  /** Complete lines (the last one may be incomplete: `partial`). */
  private lines: Cell[][] = [];
  private partial = '';
  private widths: number[] = [];
  private maxWidths: number[] = [];
  private out = '';

  constructor(private readonly sink: (text: string) => void, opts: TabWriterOptions = {}) {
    this.minWidth = opts.minWidth ?? 6;
    this.padding = opts.padding ?? 3;
    this.remember = opts.rememberWidths ?? true;
  }

  /** A TabWriter that writes to a stream. */
  static to(stream: Writable, opts?: TabWriterOptions): TabWriter {
    return new TabWriter((t) => stream.write(t), opts);
  }

  write(text: string): void {
    let s = this.partial + text;
    this.partial = '';
    let nl: number;
    while ((nl = s.indexOf('\n')) >= 0) {
      const cells = s.slice(0, nl).split('\t').map((t) => ({ text: t, width: textWidth(t) }));
      s = s.slice(nl + 1);
      this.lines.push(cells);
      // A line with a single cell terminates every column block: Go flushes here.
      if (cells.length === 1) this.flushLines();
    }
    this.partial = s;
  }

  /** Formats and writes everything buffered, including an unterminated last line. */
  flush(): void {
    this.flushLines();
    if (this.partial) {
      this.sink(this.partial);
      this.partial = '';
    }
  }

  /** Forgets remembered widths (kubectl does this when a new resource type starts). */
  resetWidths(): void {
    this.maxWidths = [];
  }

  private flushLines(): void {
    if (this.lines.length === 0) return;
    this.out = '';
    this.format(0, this.lines.length);
    const text = this.out;
    this.lines = [];
    this.out = '';
    this.widths = [];
    this.sink(text);
  }

  /** Go's Writer.format: the recursive column-block algorithm. */
  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let cur = line0; cur < line1; cur++) {
      if (column >= this.lines[cur]!.length - 1) continue;
      // A cell exists in this column: print the lines before the block, then size it.
      this.writeLines(line0, cur);
      line0 = cur;
      let width = this.minWidth;
      for (; cur < line1; cur++) {
        const line = this.lines[cur]!;
        if (column >= line.length - 1) break;
        const w = line[column]!.width + this.padding;
        if (w > width) width = w;
      }
      if (this.remember) {
        const i = this.widths.length;
        if (this.maxWidths.length < i) this.maxWidths.push(...this.widths.slice(this.maxWidths.length));
        if (this.maxWidths.length === i) this.maxWidths.push(width);
        else if (this.maxWidths[i]! > width) width = this.maxWidths[i]!;
        else this.maxWidths[i] = width;
      }
      this.widths.push(width);
      this.format(line0, cur);
      this.widths.pop();
      line0 = cur;
    }
    this.writeLines(line0, line1);
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      line.forEach((c, j) => {
        this.out += c.text;
        if (j < this.widths.length && j < line.length - 1) this.out += ' '.repeat(Math.max(0, this.widths[j]! - c.width));
      });
      this.out += '\n';
    }
  }
}

/** Lays out whole lines of cells at once (no remembered widths), as one kubectl table. */
export function tabulate(rows: string[][], opts: TabWriterOptions = {}): string {
  let out = '';
  const tw = new TabWriter((t) => { out += t; }, { rememberWidths: false, ...opts });
  for (const r of rows) tw.write(`${r.join('\t')}\n`);
  tw.flush();
  return out;
}
