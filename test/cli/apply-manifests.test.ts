// Manifest parsing for -f (no server): YAML as sigs.k8s.io/yaml reads it, document
// splitting, JSON streams, Lists, and the errors kubectl prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseManifestText, readManifests, splitYamlDocuments } from '../../kubectl/manifests.js';
import { createThreeWayJsonMergePatch, goJson, withLastApplied } from '../../kubectl/apply-patch.js';

test('YAML 1.1 scalars as kubectl reads them; timestamps stay strings', () => {
  const [doc] = parseManifestText('a: yes\nb: off\nc: 0755\nd: 2001-12-14\ne: "on"\ny: 1\nf: 1.0\n');
  assert.deepEqual(doc, { a: true, b: false, c: 493, d: '2001-12-14', e: 'on', true: 1, f: 1 });
});

test('documents split on --- lines; comments-only documents vanish; bad separators fail', () => {
  assert.deepEqual(splitYamlDocuments('---\n# only a comment\n---\na: 1\n--- # trailing comment\nb: 2\n---\n'), ['# only a comment\n', 'a: 1\n', 'b: 2\n']);
  assert.deepEqual(parseManifestText('---\n# c\n---\na: 1\n---\nb: 2\n'), [null, { a: 1 }, { b: 2 }]);
  assert.throws(() => parseManifestText('a: 1\n--- x\n'), /^Error: invalid Yaml document separator: x$/);
});

test('JSON streams: several values, and a truncated one', () => {
  assert.deepEqual(parseManifestText('{"a": 1}\n {"b": "}"}'), [{ a: 1 }, { b: '}' }]);
  assert.throws(() => parseManifestText('{"a": 1'), (err: Error & { docs?: unknown[] }) => err.message === 'unexpected EOF' && err.docs?.length === 0);
});

test('readManifests: Lists flattened, per-file errors, validation, stdin, missing paths', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tskubectl-manifests-'));
  await writeFile(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n- {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: sy}}]}\n');
  await writeFile(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nfoo: [\n');
  await writeFile(join(dir, 'c.yml'), 'metadata: {name: z}\n');
  await writeFile(join(dir, 'skip.txt'), 'ignored');
  const set = await readManifests([dir]);
  assert.deepEqual(set.manifests.map((m) => [m.source, m.obj.kind, m.obj.metadata.name]), [
    [join(dir, 'a.yaml'), 'ConfigMap', 'x'], [join(dir, 'a.yaml'), 'Secret', 'sy'], [join(dir, 'b.yaml'), 'ConfigMap', 'ok'],
  ]);
  assert.deepEqual(set.errors.map((e) => e.message.replace(/yaml: line \d+: .*/, 'yaml: line N: ...')), [
    `error: error parsing ${join(dir, 'b.yaml')}: error converting YAML to JSON: yaml: line N: ...`,
    `error: error validating "${join(dir, 'c.yml')}": error validating data: [apiVersion not set, kind not set]; if you choose to ignore these errors, turn validation off with --validate=false`,
  ]);
  const stdin = await readManifests(['-'], { stdin: Readable.from(['apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n']) });
  assert.equal(stdin.manifests[0]!.source, 'STDIN');
  await assert.rejects(readManifests([join(dir, 'nope.yaml')]), { message: `error: the path "${join(dir, 'nope.yaml')}" does not exist` });
  await rm(dir, { recursive: true, force: true });
});

test('last-applied annotation and the JSON merge patch used for kinds without strategic metadata', () => {
  const { annotated, lastApplied } = withLastApplied({ kind: 'Widget', apiVersion: 'x.io/v1', metadata: { name: 'w', annotations: { keep: 'me' } }, spec: { b: 1, a: [1, 2] } });
  assert.equal(lastApplied, '{"apiVersion":"x.io/v1","kind":"Widget","metadata":{"annotations":{"keep":"me"},"name":"w"},"spec":{"a":[1,2],"b":1}}\n');
  assert.equal(annotated.metadata.annotations?.keep, 'me');
  const patch = createThreeWayJsonMergePatch(
    { spec: { a: 1, b: 2, list: [1] } },
    { spec: { a: 1, list: [2], c: {} } },
    { spec: { a: 5, b: 2, list: [1], other: true } },
  );
  assert.equal(goJson(patch), '{"spec":{"a":1,"b":null,"c":{},"list":[2]}}');
});
