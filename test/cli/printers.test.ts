// The CLI's printers without I/O: kubectl's tabwriter layout, ages, JSONPath, server
// Table decoration, --sort-by ordering, Go-style JSON, resource argument syntax and
// the describe building blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TabWriter, tabulate } from '../../kubectl/printers/tabwriter.js';
import { humanDuration, shortHumanDuration, age } from '../../kubectl/printers/age.js';
import { JsonPath, JsonPathError, relaxedJsonPath } from '../../kubectl/printers/jsonpath.js';
import { TablePrinter, cellText, labelHeader } from '../../kubectl/printers/table.js';
import { isLess, naturalLess, sortByField, quantityValue } from '../../kubectl/printers/sort.js';
import { goJson, goSyntax } from '../../kubectl/printers/go-json.js';
import { customColumnsText, parseOutput, executeJsonPath } from '../../kubectl/printers/output.js';
import { toJson, toYaml } from '../../kubectl/printers/object.js';
import { parseResourceArgSyntax } from '../../kubectl/resource-args.js';
import {
  describeEvents, printAnnotationsMultiline, printLabelsMultiline, printTolerationsMultiline, rfc1123z, tabbedString,
} from '../../kubectl/printers/describe/writer.js';
import { smartLabelFor, formatServiceEndpoints } from '../../kubectl/printers/describe/core.js';
import { describeProbe } from '../../kubectl/printers/describe/pod.js';
import type { Table, TableColumnDefinition } from '../../api/types/meta.js';
import type { Event } from '../../api/types/core.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('tabwriter: kubectl layout (minwidth 6, padding 3, last cell not padded)', () => {
  assert.equal(tabulate([['NAME', 'AGE'], ['a', '5s'], ['longer-name', '10m']]),
    'NAME          AGE\na             5s\nlonger-name   10m\n');
  // Every column is at least 6 wide, padding included.
  assert.equal(tabulate([['A', 'B', 'C'], ['x', 'y', 'z']]), 'A     B     C\nx     y     z\n');
  // A line without tabs ends the column block: widths start over after it.
  assert.equal(tabulate([['aaaaaaaaaa', 'b'], ['single'], ['c', 'd']]), 'aaaaaaaaaa   b\nsingle\nc     d\n');
  // Widths count code points, not UTF-16 units.
  assert.equal(tabulate([['ü', 'x'], ['abcdef', 'y']]), 'ü        x\nabcdef   y\n');
});

test('tabwriter: remembered widths keep watch rows aligned with the header, and never shrink', () => {
  let out = '';
  const tw = new TabWriter((t) => { out += t; });
  tw.write('NAME\tSTATUS\n');
  tw.write('a\tRunning\n');
  tw.flush();
  tw.write('b\tPending\n');
  tw.flush();
  tw.write('a-much-longer-name\tRunning\n');
  tw.flush();
  tw.write('c\tDone\n');
  tw.flush();
  assert.equal(out, [
    'NAME   STATUS', 'a      Running', 'b      Pending', 'a-much-longer-name   Running', 'c                    Done', '',
  ].join('\n'));
  out = '';
  tw.resetWidths();
  tw.write('x\ty\n');
  tw.flush();
  assert.equal(out, 'x     y\n');
});

test('ages: duration.HumanDuration and ShortHumanDuration', () => {
  const cases: [number, string][] = [
    [-5 * S, '<invalid>'], [-1 * S, '0s'], [0, '0s'], [59 * S, '59s'], [119 * S, '119s'], [2 * M, '2m'], [5 * M + 3 * S, '5m3s'],
    [10 * M + 30 * S, '10m'], [179 * M, '179m'], [3 * H, '3h'], [3 * H + 5 * M, '3h5m'], [8 * H + 30 * M, '8h'], [47 * H, '47h'],
    [2 * D + 5 * H, '2d5h'], [3 * D, '3d'], [8 * D + 5 * H, '8d'], [400 * D, '400d'], [2 * 365 * D + 40 * D, '2y40d'],
    [3 * 365 * D, '3y'], [9 * 365 * D, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
  assert.equal(shortHumanDuration(90 * S), '1m');
  assert.equal(shortHumanDuration(30 * H), '1d');
  const now = new Date('2026-01-02T00:00:00Z');
  assert.equal(age('2026-01-01T21:00:00Z', now), '3h');
  assert.equal(age(undefined, now), '<unknown>');
});

const pods = {
  kind: 'List',
  items: [
    {
      metadata: { name: 'web-1', labels: { app: 'web', 'app.kubernetes.io/name': 'web' } },
      spec: { containers: [{ name: 'c1', image: 'nginx' }, { name: 'c2', image: 'busybox' }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIP: '10.0.0.1' },
    },
    { metadata: { name: 'db-0', labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres' }] }, status: { phase: 'Pending' } },
  ],
};
const jp = (t: string, data: unknown = pods): string => new JsonPath(t, { allowMissingKeys: true }).execute(data);

test('jsonpath: fields, wildcards, indexes, slices and literal text', () => {
  assert.equal(jp('{.kind}'), 'List');
  assert.equal(jp('{.items[*].metadata.name}'), 'web-1 db-0');
  assert.equal(jp('{.items[0].spec.containers[1].image}'), 'busybox');
  assert.equal(jp('{.items[-1].metadata.name}'), 'db-0');
  assert.equal(jp('{.items[0:1].metadata.name}'), 'web-1');
  assert.equal(jp('{$.items[*].spec.containers[*].name}'), 'c1 c2 pg');
  assert.equal(jp('name: {.items[1].metadata.name}!'), 'name: db-0!');
  assert.equal(jp('{.items[0].metadata.labels.app\\.kubernetes\\.io/name}'), 'web');
  assert.equal(jp("{.items[0].metadata['name']}"), 'web-1');
  assert.equal(jp("{.items[0].spec.containers[*]['name','image']}"), 'c1 c2 nginx busybox');
  assert.equal(jp('{..image}'), 'nginx busybox postgres');
  assert.equal(jp('{.items[1].metadata.labels}'), '{"app":"db"}');
  assert.equal(jp('{.nope}{.items[0].nope}'), '');
});

test('jsonpath: range/end and quoted literals', () => {
  assert.equal(jp('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}'), 'web-1\tRunning\ndb-0\tPending\n');
  assert.equal(jp("{range .items[*]}[{.metadata.name}]{end} done"), '[web-1][db-0] done');
  assert.equal(jp("{range .items[*]}{range .spec.containers[*]}{.name},{end};{end}"), 'c1,c2,;pg,;');
  assert.equal(jp("{'a\\'b'}"), "a'b");
  assert.equal(jp('{range .nothing[*]}x{end}after'), 'after');
});

test('jsonpath: filters', () => {
  assert.equal(jp('{.items[?(@.status.phase=="Pending")].metadata.name}'), 'db-0');
  assert.equal(jp('{.items[?(@.status.phase!="Pending")].metadata.name}'), 'web-1');
  assert.equal(jp('{.items[0].status.conditions[?(@.type=="Ready")].status}'), 'True');
  assert.equal(jp('{.items[?(@.status.podIP)].metadata.name}'), 'web-1');
  const nums = { xs: [{ n: 1 }, { n: 5 }, { n: 10 }] };
  assert.equal(jp('{.xs[?(@.n>4)].n}', nums), '5 10');
  assert.equal(jp('{.xs[?(@.n<=5)].n}', nums), '1 5');
});

test('jsonpath: errors and JSON output', () => {
  assert.throws(() => new JsonPath('{.items[}'), /unterminated array/);
  assert.throws(() => new JsonPath('{.a'), /unclosed action/);
  assert.throws(() => jp('{.items[5]}'), (e: Error) => e instanceof JsonPathError && /array index out of bounds: index 5, length 2/.test(e.message));
  assert.throws(() => new JsonPath('{.nope}').execute({}), /nope is not found/);
  assert.throws(() => jp('{end}'), /not in range, nothing to end/);
  assert.equal(new JsonPath('{.items[*].metadata.name}', { outputJson: true }).execute(pods), '[\n    "web-1",\n    "db-0"\n]\n');
  assert.throws(() => executeJsonPath('{.items[9]}', { items: [] }),
    /error: error executing jsonpath "\{\.items\[9\]\}": Error executing template: array index out of bounds: index 9, length 0\. Printing more information/);
  assert.throws(() => executeJsonPath('{.items[', {}), /error: error parsing jsonpath \{\.items\[, unterminated array$/);
});

test('jsonpath: relaxed expressions for --sort-by and custom columns', () => {
  assert.equal(relaxedJsonPath('.metadata.name'), '{.metadata.name}');
  assert.equal(relaxedJsonPath('metadata.name'), '{.metadata.name}');
  assert.equal(relaxedJsonPath('{.metadata.name}'), '{.metadata.name}');
  assert.equal(relaxedJsonPath('{metadata.name}'), '{.metadata.name}');
  assert.throws(() => relaxedJsonPath('{a}{b}'), /unexpected path string/);
});

const col = (name: string, priority = 0, format = ''): TableColumnDefinition => ({ name, type: 'string', format, description: '', priority });
const podTable = (rows: [string, string, string, Record<string, string>?][], columns = true): Table => ({
  kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {},
  columnDefinitions: columns ? [col('Name', 0, 'name'), col('Status'), col('IP', 1)] : [],
  rows: rows.map(([name, status, ip, labels]) => ({
    cells: [name, status, ip],
    object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name, namespace: 'ns1', labels } },
  })),
});

test('table printer: headers, wide columns, namespace, labels and kind prefix', () => {
  const t = podTable([['web', 'Running', '10.0.0.1', { app: 'web', tier: 'fe' }], ['db', 'Pending', '<none>']]);
  assert.equal(tabulateText(new TablePrinter().render(t)), 'NAME   STATUS\nweb    Running\ndb     Pending\n');
  assert.equal(tabulateText(new TablePrinter({ wide: true }).render(t)), 'NAME   STATUS    IP\nweb    Running   10.0.0.1\ndb     Pending   <none>\n');
  assert.equal(tabulateText(new TablePrinter({ withNamespace: true, showLabels: true, kind: 'pod' }).render(t)), [
    'NAMESPACE   NAME      STATUS    LABELS', 'ns1         pod/web   Running   app=web,tier=fe', 'ns1         pod/db    Pending   <none>', '',
  ].join('\n'));
  assert.equal(tabulateText(new TablePrinter({ columnLabels: ['app', 'app.kubernetes.io/name'], noHeaders: true }).render(t)),
    'web   Running   web   \ndb    Pending         \n');
  assert.equal(labelHeader('app.kubernetes.io/name'), 'NAME');
  assert.equal(cellText('two\nlines'), 'two...');
  assert.equal(cellText(3), '3');
});

test('table printer: one header for a run of tables with the same columns (watch rows)', () => {
  const p = new TablePrinter();
  assert.equal(p.render(podTable([])), '', 'an empty table prints nothing, not even its header');
  assert.equal(p.render(podTable([['a', 'Running', '']])), 'NAME\tSTATUS\na\tRunning\n');
  assert.equal(p.render(podTable([['a', 'Succeeded', '']])), 'a\tSucceeded\n');
  // A watch event's table may come without column definitions.
  assert.equal(p.render(podTable([['b', 'Pending', '']], false)), 'b\tPending\n');
});

/** The tab-separated lines a TablePrinter renders, laid out as kubectl's tabwriter would. */
function tabulateText(text: string): string {
  return tabulate(text.replace(/\n$/, '').split('\n').map((l) => l.split('\t')));
}

test('sort: natural order, quantities, numbers; objects without the field first', () => {
  assert.ok(naturalLess('pod2', 'pod10'));
  assert.ok(!naturalLess('pod10', 'pod2'));
  assert.ok(naturalLess('a', 'b'));
  assert.ok(naturalLess('x01', 'x1') === false && naturalLess('x1', 'x01'));
  assert.ok(isLess('250m', '1'));
  assert.ok(isLess('1Gi', '2G'));
  assert.ok(isLess(2, 10));
  assert.equal(quantityValue('1Ki'), 1024);
  assert.equal(quantityValue('web'), undefined);
  const objs = [{ n: 'b', v: 'pod10' }, { n: 'c' }, { n: 'a', v: 'pod2' }];
  assert.deepEqual(sortByField(objs, '.v', (o) => o).map((o) => o.n), ['c', 'a', 'b']);
  assert.deepEqual(sortByField(objs, '{.n}', (o) => o).map((o) => o.n), ['a', 'b', 'c']);
  assert.throws(() => sortByField(objs, '.nope', (o) => o), /couldn't find any field with path "\{\.nope\}"/);
});

test('Go JSON: sorted keys, HTML-safe escapes; %#v dumps', () => {
  assert.equal(goJson({ b: 1, a: '<none> & more' }), '{"a":"\\u003cnone\\u003e \\u0026 more","b":1}');
  assert.equal(toJson({ kind: 'Pod', apiVersion: 'v1', metadata: {} }), '{\n    "apiVersion": "v1",\n    "kind": "Pod",\n    "metadata": {}\n}\n');
  assert.equal(toYaml({ spec: { finalizers: ['kubernetes'] }, metadata: { creationTimestamp: '2026-01-01T00:00:00Z', v: 'yes' } }),
    'metadata:\n  creationTimestamp: "2026-01-01T00:00:00Z"\n  v: "yes"\nspec:\n  finalizers:\n  - kubernetes\n');
  assert.equal(goSyntax({ b: [1, 'x'], a: null }), 'map[string]interface {}{"a":interface {}(nil), "b":[]interface {}{1, "x"}}');
});

test('output formats: -o parsing and custom columns', () => {
  assert.deepEqual(parseOutput(undefined), { kind: 'table' });
  assert.deepEqual(parseOutput('=json'), { kind: 'json' });
  assert.deepEqual(parseOutput('jsonpath={.a}'), { kind: 'jsonpath', template: '{.a}', asJson: false });
  assert.deepEqual(parseOutput('jsonpath-as-json={.a}'), { kind: 'jsonpath', template: '{.a}', asJson: true });
  assert.throws(() => parseOutput('foo'), /unable to match a printer suitable for the output format "foo"/);
  assert.equal(customColumnsText(pods.items, 'NAME:.metadata.name,IMAGES:.spec.containers[*].image,IP:.status.podIP'),
    'NAME    IMAGES          IP\nweb-1   nginx,busybox   10.0.0.1\ndb-0    postgres        <none>\n');
});

test('resource arguments: TYPE NAME..., TYPE/NAME..., type1,type2', () => {
  assert.deepEqual(parseResourceArgSyntax(['pods']), [{ type: 'pods', names: [] }]);
  assert.deepEqual(parseResourceArgSyntax(['po', 'a', 'b']), [{ type: 'po', names: ['a', 'b'] }]);
  assert.deepEqual(parseResourceArgSyntax(['po,svc', 'x']), [{ type: 'po', names: ['x'] }, { type: 'svc', names: ['x'] }]);
  assert.deepEqual(parseResourceArgSyntax(['po,svc,po']), [{ type: 'po', names: [] }, { type: 'svc', names: [] }]);
  assert.deepEqual(parseResourceArgSyntax(['po/a', 'po/b', 'svc/c']), [{ type: 'po', names: ['a', 'b'] }, { type: 'svc', names: ['c'] }]);
  assert.throws(() => parseResourceArgSyntax(['pods', 'web', 'svc/x']), /there is no need to specify a resource type as a separate argument/);
  assert.throws(() => parseResourceArgSyntax(['po/']), /must have a single resource and name/);
});

test('describe: labels, annotations, tolerations, events as kubectl lays them out', () => {
  const text = tabbedString((w) => {
    w.write(0, 'Name:\tweb\n');
    printLabelsMultiline(w, 'Labels', { b: '2', a: '1' });
    printAnnotationsMultiline(w, 'Annotations', { 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'x'.repeat(150), short: 'y' });
    printTolerationsMultiline(w, 'Tolerations', [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { operator: 'Exists' }]);
  });
  assert.equal(text, [
    'Name:         web',
    'Labels:       a=1',
    '              b=2',
    'Annotations:  note:',
    `                ${'x'.repeat(138)}...`,
    '              short: y',
    'Tolerations:  op=Exists',
    '              k:NoExecute op=Exists for 300s',
    '',
  ].join('\n'));
  const now = new Date('2026-01-01T01:00:00Z');
  const ev = (reason: string, last: string, count: number): Event => ({
    metadata: { name: reason }, involvedObject: {}, type: 'Normal', reason, message: ` ${reason} happened `, count,
    source: { component: 'kubelet' }, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: last,
  });
  const events = tabbedString((w) => describeEvents([ev('Pulled', '2026-01-01T00:50:00Z', 3), ev('Scheduled', '2026-01-01T00:00:00Z', 1)], w, now));
  assert.equal(events, [
    'Events:',
    '  Type    Reason     Age                From     Message',
    '  ----    ------     ----               ----     -------',
    '  Normal  Scheduled  60m                kubelet  Scheduled happened',
    '  Normal  Pulled     10m (x3 over 60m)  kubelet  Pulled happened',
    '',
  ].join('\n'));
  assert.equal(tabbedString((w) => describeEvents([], w, now)), 'Events:  <none>\n');
  assert.match(rfc1123z('2026-01-01T00:00:00Z'), /^(Wed|Thu), 0[12] Jan 2026 \d\d:\d\d:00 [+-]\d{4}$/);
});

test('describe: field labels, probes, service endpoints', () => {
  assert.equal(smartLabelFor('creationTimestamp'), 'Creation Timestamp');
  assert.equal(smartLabelFor('apiVersion'), 'API Version');
  assert.equal(smartLabelFor('uid'), 'UID');
  assert.equal(smartLabelFor('holderIdentity'), 'Holder Identity');
  assert.equal(smartLabelFor('ipv4'), 'ipv4');
  assert.equal(describeProbe({ httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 }),
    'http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3');
  assert.equal(describeProbe({ exec: { command: ['cat', '/tmp/ok'] } }), 'exec [cat /tmp/ok] delay=0s timeout=0s period=0s #success=0 #failure=0');
  const ep = {
    metadata: { name: 'web' },
    subsets: [{ addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip) => ({ ip })), ports: [{ name: 'http', port: 80 }, { name: 'm', port: 9090 }] }],
  };
  assert.equal(formatServiceEndpoints(ep, 'http'), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...');
  assert.equal(formatServiceEndpoints(ep, 'none'), '');
  assert.equal(formatServiceEndpoints(undefined, 'http'), '<none>');
});
