import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ERR_FORMAT_WRONG, ERR_SUFFIX, canonicalQuantity, compareQuantities, formatBytes, formatMilliCPU, isValidQuantity,
  milliValue, parseQuantity, parseQuantityExact, quantityValue,
} from '../../api/quantity.js';

describe('parseQuantity', () => {
  it('parses cpu quantities', () => {
    assert.equal(parseQuantity('250m'), 0.25);
    assert.equal(parseQuantity('0.5'), 0.5);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('.5'), 0.5);
    assert.equal(parseQuantity('1.'), 1);
    assert.equal(parseQuantity('100u'), 0.0001);
    assert.equal(parseQuantity('-1.5'), -1.5);
  });

  it('parses memory quantities', () => {
    assert.equal(parseQuantity('64Mi'), 64 * 2 ** 20);
    assert.equal(parseQuantity('1Gi'), 2 ** 30);
    assert.equal(parseQuantity('128974848'), 128974848);
    assert.equal(parseQuantity('129e6'), 129e6);
    assert.equal(parseQuantity('129E6'), 129e6);
    assert.equal(parseQuantity('1e-3'), 0.001);
    assert.equal(parseQuantity('123M'), 123e6);
    assert.equal(parseQuantity('1k'), 1000);
    assert.equal(parseQuantity('1Ki'), 1024);
    assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
    assert.equal(parseQuantity('2E'), 2e18);
  });

  it('rounds up to the nano', () => {
    assert.equal(parseQuantityExact('0.1n').nanos, 1n);
    assert.equal(parseQuantityExact('1e-12').nanos, 1n);
    assert.equal(parseQuantityExact('-0.1n').nanos, -1n);
  });

  it('rejects bad input with the apiserver messages', () => {
    assert.equal(ERR_FORMAT_WRONG, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    for (const bad of ['', 'abc', '1.5.5', ' 1', '1 ', '1Mi3x', '1Gb']) {
      assert.throws(() => parseQuantity(bad), { message: ERR_FORMAT_WRONG }, JSON.stringify(bad));
      assert.equal(isValidQuantity(bad), false);
    }
    for (const bad of ['1K', '1e', '1i', '1m5', '--1']) {
      assert.throws(() => parseQuantity(bad), { message: ERR_SUFFIX }, JSON.stringify(bad));
      assert.equal(isValidQuantity(bad), false);
    }
    assert.equal(isValidQuantity('500m'), true);
  });
});

describe('milliValue and quantityValue', () => {
  it('returns cpu in millis, rounding up', () => {
    assert.equal(milliValue('250m'), 250);
    assert.equal(milliValue('0.5'), 500);
    assert.equal(milliValue('2'), 2000);
    assert.equal(milliValue('0.0001'), 1);
    assert.equal(milliValue('1500u'), 2);
  });

  it('returns bytes, rounding up', () => {
    assert.equal(quantityValue('64Mi'), 67108864);
    assert.equal(quantityValue('1G'), 1e9);
    assert.equal(quantityValue('100m'), 1);
    assert.equal(quantityValue('10Ti'), 10 * 2 ** 40);
  });
});

describe('compareQuantities', () => {
  it('compares exactly across suffixes', () => {
    assert.equal(compareQuantities('1Gi', '1024Mi'), 0);
    assert.equal(compareQuantities('1G', '1Gi'), -1);
    assert.equal(compareQuantities('500m', '0.4'), 1);
    assert.equal(compareQuantities('1000m', '1'), 0);
    assert.equal(compareQuantities(parseQuantityExact('129e6'), '129M'), 0);
  });
});

describe('canonical form', () => {
  it('re-serializes as Kubernetes does', () => {
    const cases: [string, string][] = [
      ['0.5', '500m'], ['1.5', '1500m'], ['1000m', '1'], ['2', '2'], ['0', '0'], ['0.0', '0'],
      ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['1.5Gi', '1536Mi'], ['0.5Gi', '512Mi'], ['512', '512'],
      ['1000000', '1M'], ['1500000', '1500k'], ['129e6', '129e6'], ['1e3', '1e3'], ['100Mi', '100Mi'],
      ['0.5Ki', '512'], ['1.1Ki', '1126400m'], ['-1', '-1'], ['0.1n', '1n'],
    ];
    for (const [input, expected] of cases) assert.equal(canonicalQuantity(input), expected, input);
  });

  it('formats milli-cpu and bytes', () => {
    assert.equal(formatMilliCPU(250), '250m');
    assert.equal(formatMilliCPU(2000), '2');
    assert.equal(formatMilliCPU(1500), '1500m');
    assert.equal(formatBytes(67108864), '64Mi');
    assert.equal(formatBytes(2 ** 30), '1Gi');
    assert.equal(formatBytes(1000), '1k'); // below 1024 Kubernetes falls back to decimal
    assert.equal(formatBytes(1536), '1536');
  });
});
