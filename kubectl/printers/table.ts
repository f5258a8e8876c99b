// Printing the server's meta.k8s.io/v1 Tables as kubectl's HumanReadablePrinter does
// (cli-runtime printers/tableprinter.go): upper-case headers, priority>0 columns only
// with -o wide, a NAMESPACE column first with -A, LABELS last with --show-labels, -L
// label columns, "kind/name" in the name column when several types print together.
// The header prints once for a run of tables with the same columns (the rows of a
// watch, the objects of `get pods a b`).
import type { Table, TableColumnDefinition, TableRow } from '../../api/types/meta.js';
import type { TabWriter } from './tabwriter.js';

export interface TablePrintOptions {
  noHeaders?: boolean;
  wide?: boolean;
  /** Adds the NAMESPACE column (from each row's object metadata). */
  withNamespace?: boolean;
  showLabels?: boolean;
  /** -L: one column per label key, its value in each row. */
  columnLabels?: string[];
  /** Prefix for the name column ("pod", "deployment.apps") when several types print. */
  kind?: string;
}

interface RowMeta { namespace?: string; labels?: Record<string, string> }

/** The object metadata a row carries (PartialObjectMetadata or the whole object). */
function rowMeta(row: TableRow): RowMeta | undefined {
  const obj = row.object as { metadata?: RowMeta } | undefined;
  return obj && typeof obj === 'object' && obj.metadata ? obj.metadata : undefined;
}

/** labels.FormatLabels: sorted "k=v" joined by commas; "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** -L header: the label key's last path segment, upper case ("app.kubernetes.io/name" → NAME). */
export function labelHeader(key: string): string {
  const parts = key.split('/');
  return parts[parts.length - 1]!.toUpperCase();
}

/** One cell's text: strings cut at the first line break (then "..."), others as Go's fmt.Sprint. */
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') {
    const brk = cell.search(/[\f\n\r]/);
    return brk >= 0 ? `${cell.slice(0, brk)}...` : cell;
  }
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  return JSON.stringify(cell);
}

/**
 * A table with kubectl's decorations applied (decorateTable): namespace, -L and
 * labels columns and the kind prefix. Does not change its argument.
 */
export function decorateTable(table: Table, o: TablePrintOptions): Table {
  const labelCols = o.columnLabels ?? [];
  let columns: TableColumnDefinition[] = table.columnDefinitions;
  const nameColumn = o.kind ? columns.findIndex((c) => c.format === 'name' && c.type === 'string') : -1;
  const extra = labelCols.length + (o.withNamespace ? 1 : 0) + (o.showLabels ? 1 : 0);
  if (extra > 0) {
    const plain = (name: string): TableColumnDefinition => ({ name, type: 'string', format: '', description: '', priority: 0 });
    columns = [
      ...(o.withNamespace ? [plain('Namespace')] : []),
      ...columns,
      ...labelCols.map((l) => plain(labelHeader(l))),
      ...(o.showLabels ? [plain('Labels')] : []),
    ];
  }
  const rows = table.rows.map((row): TableRow => {
    const cells = [...row.cells];
    if (nameColumn >= 0) cells[nameColumn] = `${o.kind}/${cellText(cells[nameColumn])}`;
    const meta = rowMeta(row);
    if (o.withNamespace) cells.unshift(meta ? meta.namespace ?? '' : null);
    if (meta) {
      for (const l of labelCols) cells.push(meta.labels?.[l] ?? '');
      if (o.showLabels) cells.push(formatLabels(meta.labels));
    } else {
      while (cells.length < columns.length) cells.push(null);
    }
    return { ...row, cells };
  });
  return { ...table, columnDefinitions: columns, rows };
}

/** The lines of a decorated table, tab-separated as kubectl writes them to its tabwriter. */
export function tableLines(table: Table, o: { noHeaders?: boolean; wide?: boolean }): string {
  if (!o.noHeaders && table.rows.length === 0) return '';
  const show = table.columnDefinitions.map((c) => o.wide || c.priority === 0);
  let out = '';
  if (!o.noHeaders) {
    out += `${table.columnDefinitions.filter((_, i) => show[i]).map((c) => c.name.toUpperCase()).join('\t')}\n`;
  }
  for (const row of table.rows) {
    const cells: string[] = [];
    row.cells.forEach((cell, i) => {
      if (i >= table.columnDefinitions.length || !show[i]) return;
      cells.push(cellText(cell));
    });
    out += `${cells.join('\t')}\n`;
  }
  return out;
}

/**
 * Prints Tables through a TabWriter, remembering the last columns so a run of tables
 * with the same columns shows one header. One printer per resource type, as kubectl
 * makes a new printer when the mapping changes. Watch events may carry a table without
 * column definitions: the last ones are used.
 */
export class TablePrinter {
  private lastColumns: TableColumnDefinition[] | undefined;
  private printedHeaders = false;

  constructor(private readonly opts: TablePrintOptions = {}) {}

  /**
   * The text for one table (empty when there is nothing to print); with a watch event's
   * type (--output-watch-events), an EVENT column first.
   */
  render(table: Table, eventType?: string): string {
    let noHeaders = this.opts.noHeaders ?? false;
    const cols = table.columnDefinitions ?? [];
    if (this.printedHeaders && (cols.length === 0 || sameColumns(cols, this.lastColumns))) noHeaders = true;
    let t = table;
    if (cols.length === 0) {
      t = { ...table, columnDefinitions: this.lastColumns ?? [] };
    } else if (!sameColumns(cols, this.lastColumns)) {
      this.lastColumns = cols;
      this.printedHeaders = false;
    }
    if (t.rows.length > 0) this.printedHeaders = true;
    const decorated = decorateTable(t, this.opts);
    return tableLines(eventType ? withEventColumn(decorated, eventType) : decorated, { noHeaders, wide: this.opts.wide });
  }

  print(table: Table, w: TabWriter, eventType?: string): void {
    const text = this.render(table, eventType);
    if (text) w.write(text);
  }
}

/** printers.formatEventType: event types padded to one width. */
const EVENT_TYPES: Record<string, string> = { ADDED: 'ADDED   ', MODIFIED: 'MODIFIED', DELETED: 'DELETED ', ERROR: 'ERROR   ' };

/** The Event column kubectl puts before all others for --output-watch-events. */
function withEventColumn(table: Table, eventType: string): Table {
  const column: TableColumnDefinition = { name: 'Event', type: 'string', format: '', description: '', priority: 0 };
  return {
    ...table,
    columnDefinitions: [column, ...table.columnDefinitions],
    rows: table.rows.map((row) => ({ ...row, cells: [EVENT_TYPES[eventType] ?? eventType, ...row.cells] })),
  };
}

function sameColumns(a: TableColumnDefinition[], b: TableColumnDefinition[] | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  return a.every((c, i) => c.name === b[i]!.name && c.type === b[i]!.type && c.format === b[i]!.format
    && c.priority === b[i]!.priority && c.description === b[i]!.description);
}
