// dockerode loads, when it is imported, three packages the kubelet never uses: ssh2 (for
// ssh:// Docker hosts; docker-modem's ssh.js reads `require('ssh2').Client` at load) and
// @grpc/grpc-js + @grpc/proto-loader (BuildKit sessions for image builds; dockerode's
// session.js uses them only inside withSession). Together they cost every node about
// 15 MB of resident memory (ssh2's poly1305 WebAssembly memory alone is 16 MB reserved).
// Importing this module before dockerode makes those requires, from dockerode and
// docker-modem only, return stand-ins that load the real package on first use, so a
// Docker host over ssh:// or a BuildKit build still works, it just pays the memory then.
import Module, { createRequire } from 'node:module';
import { sep } from 'node:path';

type Load = (request: string, parent: { filename?: string } | null | undefined, isMain: boolean) => unknown;
type AnyClass = new (...args: unknown[]) => unknown;

/** The requests answered lazily, and what each caller reads at load time. */
const LAZY: Record<string, (load: () => Record<string, unknown>) => unknown> = {
  ssh2: (load) => ({ Client: deferredClass(() => load().Client as AnyClass) }),
  '@grpc/grpc-js': deferredNamespace,
  '@grpc/proto-loader': deferredNamespace,
};

const CALLERS = [`${sep}node_modules${sep}dockerode${sep}`, `${sep}node_modules${sep}docker-modem${sep}`];

/** A class whose constructor loads the real one and returns an instance of it. */
function deferredClass(real: () => AnyClass): AnyClass {
  return function Deferred(...args: unknown[]) {
    return new (real())(...args);
  } as unknown as AnyClass;
}

/** A module object whose properties load the real module when first read. */
function deferredNamespace(load: () => Record<string, unknown>): unknown {
  return new Proxy({}, {
    get: (_t, prop) => Reflect.get(load(), prop),
    has: (_t, prop) => Reflect.has(load(), prop),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_t, prop) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), prop);
      return d && { ...d, configurable: true };
    },
  });
}

const loader = Module as unknown as { _load: Load };
const original = loader._load;
const requireHere = createRequire(import.meta.url);
/** Which requests were loaded for real (tests check that none is, at import time). */
export const loadedLazily = new Set<string>();

loader._load = function lazyLoad(this: unknown, request, parent, isMain) {
  const make = LAZY[request];
  const from = parent?.filename ?? '';
  if (!make || !CALLERS.some((c) => from.includes(c))) return original.call(this, request, parent, isMain);
  let real: Record<string, unknown> | undefined;
  return make(() => {
    if (!real) {
      real = original.call(this, request, parent, isMain) as Record<string, unknown>;
      loadedLazily.add(request);
    }
    return real;
  });
} as Load;

/** True when `request` is in Node's module cache (loaded for real by anyone). */
export function isLoaded(request: string): boolean {
  try {
    return requireHere.resolve(request) in requireHere.cache;
  } catch {
    return false;
  }
}
