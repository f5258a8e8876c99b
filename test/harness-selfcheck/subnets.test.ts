// Test files run two at a time and several make Docker networks (a kubelet's pod network,
// a bridge of their own): Docker refuses a network whose subnet overlaps another's ("Pool
// overlaps with other one on this address space"), so no two files may claim overlapping
// subnets, and each claims a literal one this check can read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCidr } from '../../api/ipv4.js';

type Range = ReturnType<typeof parseCidr>;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * A line that claims a subnet: it starts a kubelet (its `cidr:` is the pod network), makes
 * a Docker network, or names a pod-network or subnet constant.
 */
const CLAIM_LINE = /startKubelet\(|ensureNetwork\(|--subnet|--pod-network-cidr|^(?:export )?const (?:POD_CIDR|CIDR(?:_[A-Z]+)?|SUBNET)\b/;
const CIDR_LITERAL = /'(\d+\.\d+\.\d+\.\d+\/\d+)'/g;
/** A subnet built at run time, which no check can read. */
const COMPUTED = /\b(?:cidr|subnet)\s*:\s*`[^`\n]*\$\{/i;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The claim's address range, or undefined for a value that is no network (a bad-input test's). */
function range(cidr: string): Range | undefined {
  try {
    return parseCidr(cidr);
  } catch {
    return undefined;
  }
}

const overlaps = (a: Range, b: Range): boolean => a.network <= b.last + 1 && b.network <= a.last + 1;

test('no two test files claim overlapping subnets, and every claimed subnet is a literal', () => {
  const claims: Array<{ file: string; cidr: string; range: Range }> = [];
  const computed: string[] = [];
  for (const path of sources(join(root, 'test'))) {
    const file = relative(root, path);
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!CLAIM_LINE.test(line)) continue;
      if (COMPUTED.test(line)) computed.push(`${file}: ${line.trim()}`);
      for (const m of line.matchAll(CIDR_LITERAL)) {
        const r = range(m[1]);
        if (r) claims.push({ file, cidr: m[1], range: r });
      }
    }
  }
  // The compose test brings up docker-compose.yml's network.
  for (const m of readFileSync(join(root, 'docker-compose.yml'), 'utf8').matchAll(/^\s*-\s*subnet:\s*([\d./]+)/gm)) {
    const r = range(m[1]);
    if (r) claims.push({ file: 'docker-compose.yml', cidr: m[1], range: r });
  }
  assert.deepEqual(computed, [], 'a subnet built at run time may overlap another file\'s: claim a literal one');
  assert.ok(claims.length >= 20, `only ${claims.length} claims found: has the pattern gone stale?`);
  const clashes: string[] = [];
  for (let i = 0; i < claims.length; i++) {
    for (let j = i + 1; j < claims.length; j++) {
      const [a, b] = [claims[i], claims[j]];
      if (a.file !== b.file && overlaps(a.range, b.range)) clashes.push(`${a.file} ${a.cidr} and ${b.file} ${b.cidr}`);
    }
  }
  assert.deepEqual(clashes, []);
});
