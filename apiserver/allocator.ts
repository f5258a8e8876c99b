// ClusterIP and nodePort allocation. Each allocated value is one etcd key created
// with a "version == 0" transaction, so two apiservers or two concurrent requests can
// never hand out the same value; deleting the key frees it.
import { randomInt } from 'node:crypto';
import type { Store } from './storage/etcd-store.js';

export interface Range {
  /** First and last allocatable value (inclusive). */
  first: number;
  last: number;
}

/** Parses "10.96.0.0/12" into the allocatable host addresses (network and broadcast excluded). */
export function parseCidr(cidr: string): Range & { network: number; bits: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}: want a.b.c.d/n`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const ip = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const size = 2 ** (32 - bits);
  const network = ip - (ip % size);
  return { network, bits, first: network + 1, last: network + size - 2 };
}

export function parsePortRange(spec: string): Range {
  const m = /^(\d+)-(\d+)$/.exec(spec);
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > 65535) throw new Error(`invalid port range ${JSON.stringify(spec)}: want FIRST-LAST`);
  return { first: Number(m[1]), last: Number(m[2]) };
}

export const ipToString = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function ipToNumber(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1, 5).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
}

export type AllocateResult = { ok: true; value: number } | { ok: false; reason: 'full' | 'taken' | 'out-of-range' };

/**
 * Allocator hands out values of one range. allocate() picks a free value;
 * allocateSpecific() claims a requested one; release() frees one.
 */
export class Allocator {
  /** Values this process saw taken: a hint to skip, never trusted for correctness. */
  private readonly seenTaken = new Set<number>();

  constructor(private readonly store: Store, private readonly prefix: string, readonly range: Range, private readonly format: (n: number) => string) {}

  async allocate(owner: string): Promise<AllocateResult> {
    const size = this.range.last - this.range.first + 1;
    const start = randomInt(size);
    for (let i = 0; i < size; i++) {
      const value = this.range.first + ((start + i) % size);
      if (this.seenTaken.has(value)) continue;
      if (await this.store.createRaw(this.prefix + this.format(value), owner)) return { ok: true, value };
      this.seenTaken.add(value);
    }
    // The hints may be stale (values released by others): one full pass without them.
    this.seenTaken.clear();
    for (let value = this.range.first; value <= this.range.last; value++) {
      if (await this.store.createRaw(this.prefix + this.format(value), owner)) return { ok: true, value };
    }
    return { ok: false, reason: 'full' };
  }

  async allocateSpecific(value: number, owner: string): Promise<AllocateResult> {
    if (value < this.range.first || value > this.range.last) return { ok: false, reason: 'out-of-range' };
    if (await this.store.createRaw(this.prefix + this.format(value), owner)) return { ok: true, value };
    this.seenTaken.add(value);
    return { ok: false, reason: 'taken' };
  }

  async release(value: number): Promise<void> {
    this.seenTaken.delete(value);
    await this.store.deleteRaw(this.prefix + this.format(value));
  }
}
