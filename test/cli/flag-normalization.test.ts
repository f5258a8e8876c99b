// kubectl's flag syntax (pflag) that commander reads otherwise: kubectl/boolean-flags.ts
// rewrites it before commander parses, kubectl/global-flags.ts takes the global flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { normalizeBooleanFlags } from '../../kubectl/boolean-flags.js';
import { extractGlobalFlags } from '../../kubectl/global-flags.js';

function program(): Command {
  const p = new Command('tskubectl');
  p.command('patch').option('-p, --patch <patch>').option('--type <type>').option('--local');
  p.command('delete').option('-w, --wait', 'wait', true).option('--no-wait').option('-x').option('-v <level>');
  return p;
}

test('-p=value is the shorthand with "value", as pflag reads it', () => {
  const p = program();
  assert.deepEqual(normalizeBooleanFlags(p, ['patch', 'deploy', 'x', '--type=json', "-p=[{\"op\":\"remove\",\"path\":\"/a=b\"}]"]),
    ['patch', 'deploy', 'x', '--type=json', '--patch=[{"op":"remove","path":"/a=b"}]']);
  // pflag reads `-p=` as the value "=", as commander does.
  assert.deepEqual(normalizeBooleanFlags(p, ['patch', '-p=']), ['patch', '-p=']);
  assert.deepEqual(normalizeBooleanFlags(p, ['patch', '-p==x']), ['patch', '--patch==x']);
  // A shorthand with no long name keeps its short form.
  assert.deepEqual(normalizeBooleanFlags(p, ['delete', '-v=3']), ['delete', '-v', '3']);
  // Other forms are commander's already: -pvalue, -p value; after -- nothing changes.
  assert.deepEqual(normalizeBooleanFlags(p, ['patch', '-pX', '-p', 'Y', '--', '-p=Z']), ['patch', '-pX', '-p', 'Y', '--', '-p=Z']);
});

test('a boolean shorthand takes =true and =false', () => {
  const p = program();
  assert.deepEqual(normalizeBooleanFlags(p, ['delete', 'po', 'a', '-w=false']), ['delete', 'po', 'a', '--no-wait']);
  assert.deepEqual(normalizeBooleanFlags(p, ['delete', 'po', 'a', '-w=true']), ['delete', 'po', 'a', '-w']);
  assert.deepEqual(normalizeBooleanFlags(p, ['delete', '-x=false', '-x=TRUE']), ['delete', '-x']);
  // Not a boolean word: left for commander to refuse.
  assert.deepEqual(normalizeBooleanFlags(p, ['delete', '-x=maybe']), ['delete', '-x=maybe']);
});

test('global -n=ns and -nns are the namespace "ns"', () => {
  assert.equal(extractGlobalFlags(['get', 'pods', '-n=kube-system']).flags.namespace, 'kube-system');
  assert.equal(extractGlobalFlags(['-nkube-system', 'get', 'pods']).flags.namespace, 'kube-system');
  assert.equal(extractGlobalFlags(['-s=http://127.0.0.1:1', 'get']).flags.server, 'http://127.0.0.1:1');
  assert.equal(extractGlobalFlags(['get', '-n=']).flags.namespace, '=');
});

test('a long boolean takes ParseBool\'s words, a flag named --no-x included', () => {
  const p = new Command('tskubectl');
  p.command('get').option('--no-headers').option('-w, --watch').option('--show-labels');
  const n = (...args: string[]) => normalizeBooleanFlags(p, ['get', ...args]).slice(1);
  assert.deepEqual(n('--no-headers=true', '--watch=1', '--show-labels=T'), ['--no-headers', '--watch', '--show-labels']);
  assert.deepEqual(n('--no-headers=false', '--watch=0', '--show-labels=F'), []);
  // Not a ParseBool word: left for commander to refuse.
  assert.deepEqual(n('--watch=yes'), ['--watch=yes']);
});
