import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  everything, formatLabelSelector, labelKeyErrors, labelValueErrors, nothing, parseLabelSelector,
  selectorFromLabelSelector, selectorFromSet,
} from '../../api/labels.js';
import { badRequestMessage } from '../harness/assert-status.js';

const labels = { app: 'web', tier: 'frontend', env: 'prod', 'example.com/team': 'a' };

describe('parseLabelSelector', () => {
  it('matches each operator', () => {
    const cases: [string, boolean][] = [
      ['app=web', true], ['app==web', true], ['app=api', false],
      ['app!=api', true], ['app!=web', false], ['missing!=x', true],
      ['tier in (frontend,backend)', true], ['tier in (backend)', false], ['missing in (x)', false],
      ['tier notin (backend)', true], ['tier notin (frontend)', false], ['missing notin (x)', true],
      ['app', true], ['missing', false], ['!missing', true], ['!app', false],
      ['example.com/team=a', true],
      ['app=web,tier=frontend', true], ['app=web,tier=backend', false],
      ['', true],
    ];
    for (const [text, expected] of cases) {
      assert.equal(parseLabelSelector(text).matches(labels), expected, text);
    }
  });

  it('tolerates whitespace and keywords as values', () => {
    const sel = parseLabelSelector('  app  =  web ,  tier in ( frontend , backend )  ,!gone');
    assert.ok(sel.matches(labels));
    assert.ok(parseLabelSelector('x in (in,notin)').matches({ x: 'notin' }));
  });

  it('supports empty values', () => {
    assert.ok(parseLabelSelector('app=').matches({ app: '' }));
    assert.ok(parseLabelSelector('app in ()').matches({ app: '' }));
    assert.ok(parseLabelSelector('app in (,a)').matches({ app: '' }));
  });

  it('supports gt and lt for integer values', () => {
    assert.ok(parseLabelSelector('gen>3').matches({ gen: '4' }));
    assert.ok(!parseLabelSelector('gen>3').matches({ gen: '3' }));
    assert.ok(parseLabelSelector('gen<3').matches({ gen: '-1' }));
    assert.ok(!parseLabelSelector('gen<3').matches({ gen: 'x' }));
  });

  it('prints the canonical form, sorted by key with sorted values', () => {
    const sel = parseLabelSelector('tier in (b,a), app=web,!gone, env, x notin (z,y)');
    assert.equal(sel.toString(), 'app=web,env,!gone,tier in (a,b),x notin (y,z)');
    assert.equal(parseLabelSelector(sel.toString()).toString(), sel.toString());
    assert.equal(parseLabelSelector('a==b,c!=d').toString(), 'a==b,c!=d');
  });

  it('exposes requirements, empty() and requiresExactMatch', () => {
    const sel = parseLabelSelector('app=web,tier in (a,b)');
    assert.deepEqual(sel.requirements, [
      { key: 'app', operator: '=', values: ['web'] },
      { key: 'tier', operator: 'in', values: ['a', 'b'] },
    ]);
    assert.equal(sel.empty(), false);
    assert.equal(parseLabelSelector('').empty(), true);
    assert.equal(sel.requiresExactMatch('app'), 'web');
    assert.equal(sel.requiresExactMatch('tier'), undefined);
  });

  it('treats missing labels as no labels', () => {
    assert.ok(parseLabelSelector('!a').matches(undefined));
    assert.ok(!parseLabelSelector('a').matches(null));
  });

  it('rejects bad syntax with the apiserver messages', () => {
    assert.equal(badRequestMessage(() => parseLabelSelector('a in (x')), "unable to parse requirement: found '', expected: ',' or ')'");
    assert.equal(badRequestMessage(() => parseLabelSelector('a=b=c')), "found '=', expected: ',' or 'end of string'");
    assert.equal(badRequestMessage(() => parseLabelSelector('a b')), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(badRequestMessage(() => parseLabelSelector('a,')), "found '', expected: identifier after ','");
    assert.equal(badRequestMessage(() => parseLabelSelector(',a')), "found ',', expected: !, identifier, or 'end of string'");
    assert.equal(badRequestMessage(() => parseLabelSelector('a in x')), "unable to parse requirement: found 'x' expected: '('");
    assert.equal(badRequestMessage(() => parseLabelSelector('!a=b')), "found '=', expected: ',' or 'end of string'");
  });

  it('rejects invalid keys and values', () => {
    assert.match(badRequestMessage(() => parseLabelSelector('a$b=c')),
      /^unable to parse requirement: <nil>: Invalid value: "a\$b": name part must consist of alphanumeric characters/);
    assert.match(badRequestMessage(() => parseLabelSelector('a=b$')),
      /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "b\$": a valid label must be an empty string/);
    assert.match(badRequestMessage(() => parseLabelSelector('gen>x')), /for 'Gt', 'Lt' operators, the value must be an integer/);
    assert.match(badRequestMessage(() => parseLabelSelector(`a=${'v'.repeat(64)}`)), /must be no more than 63 characters/);
  });
});

describe('selectorFromLabelSelector', () => {
  it('undefined or null selects nothing; {} selects everything', () => {
    for (const sel of [selectorFromLabelSelector(undefined), selectorFromLabelSelector(null), nothing()]) {
      assert.equal(sel.matches(labels), false);
      assert.equal(sel.matches({}), false);
      assert.equal(sel.matchesNothing, true);
      assert.equal(sel.empty(), false);
    }
    for (const sel of [selectorFromLabelSelector({}), selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }), everything()]) {
      assert.equal(sel.matches(labels), true);
      assert.equal(sel.matches(undefined), true);
      assert.equal(sel.empty(), true);
    }
  });

  it('ANDs matchLabels and every matchExpressions operator', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['frontend', 'backend'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'example.com/team', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    assert.ok(sel.matches(labels));
    assert.ok(!sel.matches({ ...labels, canary: 'true' }));
    assert.ok(!sel.matches({ ...labels, env: 'dev' }));
    assert.ok(!sel.matches({ ...labels, app: 'api' }));
    assert.equal(sel.toString(), 'app=web,!canary,env notin (dev),example.com/team,tier in (backend,frontend)');
  });

  it('rejects unknown operators and invalid values', () => {
    const bad = { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] } as unknown as Parameters<typeof selectorFromLabelSelector>[0];
    assert.equal(badRequestMessage(() => selectorFromLabelSelector(bad)), '"Gt" is not a valid label selector operator');
    assert.match(badRequestMessage(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })),
      /values set can't be empty/);
  });
});

describe('selectorFromSet', () => {
  it('matches exactly the given labels; empty selects everything', () => {
    assert.ok(selectorFromSet({ app: 'web' }).matches(labels));
    assert.ok(!selectorFromSet({ app: 'web', x: 'y' }).matches(labels));
    assert.ok(selectorFromSet({}).matches(labels));
    assert.ok(selectorFromSet(undefined).empty());
  });
});

describe('formatLabelSelector', () => {
  it('prints as kubectl does', () => {
    assert.equal(formatLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }),
      'app=web,tier in (a,b)');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({ matchLabels: { 'bad key': 'x' } }), '<error>');
  });
});

describe('label key and value validation', () => {
  it('accepts valid keys and values', () => {
    assert.deepEqual(labelKeyErrors('app.kubernetes.io/name'), []);
    assert.deepEqual(labelValueErrors(''), []);
    assert.deepEqual(labelValueErrors('my_value-1.0'), []);
  });

  it('explains invalid ones', () => {
    assert.deepEqual(labelKeyErrors('/name'), ['prefix part must be non-empty']);
    assert.match(labelKeyErrors('Example.com/name')[0], /^prefix part a lowercase RFC 1123 subdomain/);
    assert.match(labelKeyErrors('a/b/c')[0], /^a qualified name must consist of/);
    assert.match(labelValueErrors('-x')[0], /^a valid label must be an empty string/);
  });
});
