// What the kubelet reports about its machine (cadvisor's MachineInfo and the kubelet's
// VersionInfo/GoRuntime setters): capacity (cpu, memory, pods, ephemeral-storage) and
// the node's system info. Every capacity entry can be overridden by flags, so tests
// and small machines can pretend to be bigger or smaller than they are.
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { canonicalQuantity, formatQuantity, parseQuantityExact } from '../api/quantity.js';
import type { ResourceList } from '../api/types/core.js';

/** The kubelet's own pod limit (--max-pods default). */
export const DEFAULT_MAX_PODS = 110;

export interface MachineInfo {
  /** cpu, memory, pods, ephemeral-storage (and any override), canonical quantities. */
  capacity: ResourceList;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  /** GOOS: linux, darwin, windows. */
  operatingSystem: string;
  /** GOARCH: amd64, arm64, ... */
  architecture: string;
}

export interface MachineInfoOptions {
  /** The kubelet's --root-dir: ephemeral-storage is the size of its file system (default /). */
  rootDir?: string;
  /** Capacity entries that replace what the machine reports ({ cpu: '4', memory: '8Gi' }). */
  capacity?: ResourceList;
  /** --max-pods (default 110). */
  maxPods?: number;
}

/** Node's process.arch as Go's GOARCH, which Kubernetes labels and nodeInfo use. */
export function goArch(arch: string = process.arch): string {
  switch (arch) {
    case 'x64': return 'amd64';
    case 'ia32': return '386';
    case 'ppc64': return os.endianness() === 'LE' ? 'ppc64le' : 'ppc64';
    default: return arch; // arm64, arm, s390x, riscv64, loong64, mips...
  }
}

/** Node's process.platform as Go's GOOS. */
export function goOS(platform: string = process.platform): string {
  return platform === 'win32' ? 'windows' : platform;
}

/**
 * Reads the machine once (kubelet does at start). Files that are missing or unreadable
 * (product_uuid needs root, containers may lack machine-id) leave their field empty.
 */
export async function readMachineInfo(opts: MachineInfoOptions = {}): Promise<MachineInfo> {
  const capacity: ResourceList = {
    cpu: String(os.cpus().length || 1),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: String(opts.maxPods ?? DEFAULT_MAX_PODS),
  };
  const storage = await fileSystemBytes(opts.rootDir ?? '/');
  if (storage !== undefined) capacity['ephemeral-storage'] = `${Math.floor(storage / 1024)}Ki`;
  Object.assign(capacity, opts.capacity ?? {});
  const [machineID, systemUUID, bootID, osImage] = await Promise.all([
    firstLine('/etc/machine-id', '/var/lib/dbus/machine-id'),
    firstLine('/sys/class/dmi/id/product_uuid').then((s) => s.toLowerCase()),
    firstLine('/proc/sys/kernel/random/boot_id'),
    readOsImage(),
  ]);
  return {
    capacity: canonicalResources(capacity),
    machineID, systemUUID, bootID, osImage,
    kernelVersion: os.release(),
    operatingSystem: goOS(),
    architecture: goArch(),
  };
}

/**
 * allocatable = capacity - reserved (kube-reserved + system-reserved + eviction
 * thresholds, summed by the caller), never below zero; resources not reserved are
 * allocatable whole.
 */
export function allocatableFrom(capacity: ResourceList, reserved: ResourceList = {}): ResourceList {
  const out: ResourceList = {};
  for (const [name, q] of Object.entries(capacity)) {
    const cap = parseQuantityExact(q);
    const r = reserved[name];
    if (r === undefined) {
      out[name] = formatQuantity(cap);
      continue;
    }
    const left = cap.nanos - parseQuantityExact(r).nanos;
    out[name] = formatQuantity({ nanos: left > 0n ? left : 0n, format: cap.format });
  }
  return out;
}

/** Quantities as the apiserver stores them, so a comparison with the stored Node is exact. */
export function canonicalResources(list: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [name, q] of Object.entries(list)) out[name] = canonicalQuantity(q);
  return out;
}

/** Total bytes of the file system holding dir (or its nearest existing parent). */
async function fileSystemBytes(dir: string): Promise<number | undefined> {
  let p = resolve(dir);
  for (;;) {
    try {
      const s = await statfs(p);
      return s.blocks * s.bsize;
    } catch {
      const parent = dirname(p);
      if (parent === p) return undefined;
      p = parent;
    }
  }
}

async function firstLine(...files: string[]): Promise<string> {
  for (const f of files) {
    try {
      const line = (await readFile(f, 'utf8')).split('\n')[0].trim();
      if (line) return line;
    } catch { /* try the next one */ }
  }
  return '';
}

/** PRETTY_NAME of /etc/os-release, as cadvisor reports it; "Unknown" without one. */
async function readOsImage(): Promise<string> {
  for (const f of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const m = /^PRETTY_NAME=(.*)$/m.exec(await readFile(f, 'utf8'));
      if (m) return m[1].trim().replace(/^(["'])(.*)\1$/, '$2');
    } catch { /* try the next one */ }
  }
  return 'Unknown';
}
