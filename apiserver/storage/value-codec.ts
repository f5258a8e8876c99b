// How object values become etcd bytes and back, in the storage worker: UTF-8 JSON as
// it is, or transformed (encrypted) for the resources --encryption-provider-config
// names. The resource is read from the key (/registry/<plural>/...), as our keys carry it.
import { RESOURCES } from '../../api/registry.js';
import { internalError } from '../../api/errors.js';
import type { ResourceTransformers } from './encryption/config.js';
import type { Transformer } from './encryption/transformers.js';

export interface ValueCodec {
  encode(key: string, value: string): Buffer;
  /**
   * The value, and stale when it was not stored as it would be written now (another
   * key, or plaintext): an update must then write it even when nothing changed, so a
   * rewrite of every secret moves them all to the new key. Throws a 500 StatusError
   * for bytes that cannot be read back (a wrong key, tampering).
   */
  decode(key: string, bytes: Buffer): { value: string; stale: boolean };
}

export const PLAIN_CODEC: ValueCodec = {
  encode: (_key, value) => Buffer.from(value),
  decode: (_key, bytes) => ({ value: bytes.toString(), stale: false }),
};

export function encryptingCodec(transformers: ResourceTransformers): ValueCodec {
  const byPlural = new Map<string, Transformer>();
  const transformerOf = (key: string): Transformer => {
    // /registry/<plural>/... for built-in resources, /registry/<group>/<plural>/... for custom ones.
    const parts = key.split('/');
    const custom = (parts[2] ?? '').includes('.');
    const plural = (custom ? parts[3] : parts[2]) ?? '';
    const cacheKey = custom ? `${parts[2]}/${plural}` : plural;
    let t = byPlural.get(cacheKey);
    if (!t) {
      const group = custom ? parts[2] : RESOURCES.find((r) => r.plural === plural)?.group ?? '';
      byPlural.set(cacheKey, t = transformers.transformerFor(plural, group));
    }
    return t;
  };
  return {
    encode: (key, value) => Buffer.from(transformerOf(key).toStorage(Buffer.from(value), key)),
    decode: (key, bytes) => {
      try {
        const { data, stale } = transformerOf(key).fromStorage(bytes, key);
        return { value: Buffer.from(data).toString(), stale };
      } catch (err) {
        // As kube-apiserver: the object cannot be served; the reason names no secret material.
        throw internalError(`unable to transform key "${key}": ${(err as Error).message}`);
      }
    },
  };
}
