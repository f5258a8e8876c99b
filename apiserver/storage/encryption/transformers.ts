// Value transformers for encryption at rest, byte-compatible with kube-apiserver's
// (staging/src/k8s.io/apiserver/pkg/storage/value): what one writes, the other reads.
//
// Stored layout, per provider (the prefixes are added by prefixTransformers):
//   aesgcm:    k8s:enc:aesgcm:v1:<key name>:    nonce(12) | ciphertext | GCM tag(16)
//              additional authenticated data = the etcd key (etcd3 store.go's
//              authenticatedDataString), so a value copied under another key fails.
//   aescbc:    k8s:enc:aescbc:v1:<key name>:    IV(16) | AES-CBC(plaintext | PKCS#7 padding)
//   secretbox: k8s:enc:secretbox:v1:<key name>: nonce(24) | Poly1305 tag(16) | XSalsa20 ciphertext
//   identity:  the plaintext, no prefix.
// As in Kubernetes, only aesgcm binds the value to its etcd key; aescbc and secretbox
// ignore the key argument.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa';

/**
 * Transformer turns an object's serialized bytes into what is stored in etcd and back.
 * The storage layer calls toStorage before every write and fromStorage after every
 * read, passing the object's etcd key ("/registry/secrets/default/db").
 * fromStorage's stale is true when the value was read with anything but the write
 * provider and key (an old key, or plaintext while encryption is on): the caller
 * should rewrite the object so it is stored the current way. Both throw an Error
 * when the value cannot be transformed (wrong key, tampered data, unknown prefix);
 * the error never contains key material or plaintext.
 */
export interface Transformer {
  toStorage(data: Uint8Array, key: string): Uint8Array;
  fromStorage(data: Uint8Array, key: string): { data: Uint8Array; stale: boolean };
}

/** A transformer and the prefix its stored values begin with (empty for identity). */
export interface PrefixTransformer {
  prefix: Uint8Array;
  transformer: Transformer;
}

/** The provider prefixes of Kubernetes' encryptionconfig/config.go. */
export const PREFIX = {
  aesgcm: 'k8s:enc:aesgcm:v1:',
  aescbc: 'k8s:enc:aescbc:v1:',
  secretbox: 'k8s:enc:secretbox:v1:',
} as const;

/** What every encrypted value begins with; the identity transformer refuses to read it. */
export const ENCRYPTED_PREFIX = 'k8s:enc:';

const tooShort = (): Error => new Error('the stored data was shorter than the required size');

const GCM_NONCE = 12;
const GCM_TAG = 16;
const AES_BLOCK = 16;
const SECRETBOX_NONCE = 24;
const SECRETBOX_OVERHEAD = 16;

function aesBits(key: Uint8Array): 128 | 192 | 256 {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    // Go's aes.KeySizeError; validation rejects these before a transformer is built.
    throw new Error(`crypto/aes: invalid key size ${key.length}`);
  }
  return key.length === 16 ? 128 : key.length === 24 ? 192 : 256;
}

/** AES-GCM with a random 96-bit nonce and the etcd key as authenticated data (aes.go's gcm). */
export function aesGCMTransformer(secret: Uint8Array): Transformer {
  const algorithm: CipherGCMTypes = `aes-${aesBits(secret)}-gcm`;
  const aesKey = Buffer.from(secret);
  return {
    toStorage(data, key) {
      const nonce = randomBytes(GCM_NONCE);
      const cipher = createCipheriv(algorithm, aesKey, nonce, { authTagLength: GCM_TAG });
      cipher.setAAD(Buffer.from(key));
      const body = Buffer.concat([cipher.update(data), cipher.final()]);
      return Buffer.concat([nonce, body, cipher.getAuthTag()]);
    },
    fromStorage(data, key) {
      if (data.length < GCM_NONCE) throw tooShort();
      // Go's aead.Open answers a value too short to hold a tag like any other failure.
      if (data.length < GCM_NONCE + GCM_TAG) throw new Error('cipher: message authentication failed');
      const nonce = data.subarray(0, GCM_NONCE);
      const body = data.subarray(GCM_NONCE, data.length - GCM_TAG);
      const tag = data.subarray(data.length - GCM_TAG);
      try {
        const decipher = createDecipheriv(algorithm, aesKey, nonce, { authTagLength: GCM_TAG });
        decipher.setAAD(Buffer.from(key));
        decipher.setAuthTag(tag);
        return { data: Buffer.concat([decipher.update(body), decipher.final()]), stale: false };
      } catch {
        throw new Error('cipher: message authentication failed');
      }
    },
  };
}

/**
 * AES-CBC with a random IV and PKCS#7 padding (aes.go's cbc). Not authenticated: a
 * wrong key or tampered value is caught only when the padding comes out invalid.
 */
export function aesCBCTransformer(secret: Uint8Array): Transformer {
  const algorithm = `aes-${aesBits(secret)}-cbc`;
  const aesKey = Buffer.from(secret);
  return {
    toStorage(data) {
      const iv = randomBytes(AES_BLOCK);
      const padding = AES_BLOCK - (data.length % AES_BLOCK);
      const cipher = createCipheriv(algorithm, aesKey, iv).setAutoPadding(false);
      const padded = Buffer.concat([data, Buffer.alloc(padding, padding)]);
      return Buffer.concat([iv, cipher.update(padded), cipher.final()]);
    },
    fromStorage(data) {
      if (data.length < AES_BLOCK) throw tooShort();
      const iv = data.subarray(0, AES_BLOCK);
      const body = data.subarray(AES_BLOCK);
      if (body.length % AES_BLOCK !== 0) throw new Error('the stored data is not a multiple of the block size');
      const decipher = createDecipheriv(algorithm, aesKey, iv).setAutoPadding(false);
      const result = Buffer.concat([decipher.update(body), decipher.final()]);
      // The padding checks of aes.go, which (unlike OpenSSL's) accept any padding
      // length up to the whole value; an empty body fails here too.
      const padding = result.length > 0 ? result[result.length - 1] : 0;
      if (padding === 0 || padding > result.length) throw new Error('invalid PKCS7 data (empty or not padded)');
      const size = result.length - padding;
      for (let i = size; i < result.length; i++) {
        if (result[i] !== padding) throw new Error('invalid padding on input');
      }
      return { data: result.subarray(0, size), stale: false };
    },
  };
}

/** NaCl secretbox (XSalsa20-Poly1305) with a random 24-byte nonce (secretbox.go). */
export function secretboxTransformer(secret: Uint8Array): Transformer {
  if (secret.length !== 32) throw new Error(`expected key size 32 for secretbox provider, got ${secret.length}`);
  const boxKey = Uint8Array.from(secret);
  return {
    toStorage(data) {
      const nonce = randomBytes(SECRETBOX_NONCE);
      return Buffer.concat([nonce, xsalsa20poly1305(boxKey, nonce).encrypt(data)]);
    },
    fromStorage(data) {
      if (data.length < SECRETBOX_OVERHEAD + SECRETBOX_NONCE) throw tooShort();
      const nonce = data.subarray(0, SECRETBOX_NONCE);
      try {
        const plain = xsalsa20poly1305(boxKey, nonce).decrypt(data.subarray(SECRETBOX_NONCE));
        return { data: Buffer.from(plain.buffer, plain.byteOffset, plain.length), stale: false };
      } catch {
        // secretbox.go's (misleading) message for a failed Open, kept for parity.
        throw new Error('output array was not large enough for encryption');
      }
    },
  };
}

const encryptedPrefix = Buffer.from(ENCRYPTED_PREFIX);

/**
 * Writes plaintext; reads anything but a value that begins with "k8s:enc:"
 * (identity.go's encrypt-check transformer), so a resource that is not encrypted
 * does not hand out ciphertext as if it were an object.
 */
export const identityTransformer: Transformer = {
  toStorage(data) {
    return data;
  },
  fromStorage(data) {
    if (startsWith(data, encryptedPrefix)) throw new Error('identity transformer tried to read encrypted data');
    return { data, stale: false };
  },
};

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/**
 * prefixTransformers (transformer.go's NewPrefixTransformers): writes with the first
 * transformer under its prefix; reads with the first transformer whose prefix the
 * value begins with (the prefix stripped). A value read by any but the first is
 * stale. A matching transformer that fails does not end the search, because two
 * providers of one kind share a prefix while a key is rotated; an empty-prefix
 * (identity) transformer that fails is skipped silently. When nothing reads the
 * value the errors of the matching transformers are thrown, or noMatch when none
 * matched.
 */
export function prefixTransformers(noMatch: string, transformers: PrefixTransformer[]): Transformer {
  if (transformers.length === 0) throw new Error('prefixTransformers needs at least one transformer');
  const first = transformers[0];
  return {
    toStorage(data, key) {
      return Buffer.concat([first.prefix, first.transformer.toStorage(data, key)]);
    },
    fromStorage(data, key) {
      const errors: Error[] = [];
      for (let i = 0; i < transformers.length; i++) {
        const { prefix, transformer } = transformers[i];
        if (!startsWith(data, prefix)) continue;
        let result: { data: Uint8Array; stale: boolean };
        try {
          result = transformer.fromStorage(data.subarray(prefix.length), key);
        } catch (err) {
          if (prefix.length > 0) errors.push(err instanceof Error ? err : new Error(String(err)));
          continue;
        }
        return { data: result.data, stale: result.stale || i !== 0 };
      }
      if (errors.length > 0) throw reduce(errors);
      throw new Error(noMatch);
    },
  };
}

/**
 * apimachinery's errors.Reduce(NewAggregate(errs)): one error stays itself; several
 * become one AggregateError whose message lists the distinct messages, nested
 * aggregates flattened: "[first, second]".
 */
function reduce(errors: Error[]): Error {
  const flat = errors.flatMap((e) => (e instanceof AggregateError ? (e.errors as Error[]) : [e]));
  const messages = [...new Set(flat.map((e) => e.message))];
  if (flat.length === 1) return flat[0];
  return new AggregateError(flat, messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`);
}
