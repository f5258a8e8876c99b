// A first EncryptionConfiguration for a new cluster, so Secrets are encrypted at rest
// without an operator writing one (kubeadm leaves this to the operator; k3s's
// --secrets-encryption also generates one).
//
// The provider is secretbox (XSalsa20-Poly1305), not aescbc or aesgcm: it is
// authenticated, so a wrong key or altered value is always an error, where aescbc
// may decrypt to garbage and is open to padding-oracle attacks (the Kubernetes docs
// rate it "weak"); and its 192-bit random nonces never realistically repeat, where
// aesgcm's 96-bit random nonces require rotating the key every 200k writes, which
// a generated key that nobody rotates would not get. identity comes last so values
// written before encryption was turned on stay readable (and are rewritten
// encrypted, being stale, on their next update).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ENCRYPTION_API_VERSION, ENCRYPTION_KIND } from './config.js';

/**
 * Writes a configuration encrypting Secrets with a fresh random 32-byte secretbox key
 * named key1 to file, mode 0600, unless file already exists (an existing file is
 * never read or changed: it may hold the only copy of the keys in use). Returns
 * file. Nothing here logs; the key only ever exists in the file.
 */
export async function writeDefaultEncryptionConfig(file: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64');
  const text = `# Written by tskube-apiserver for --encryption-provider-config.
# Encrypts Secrets at rest with secretbox. Keep this file private and back it up:
# without key1, the Secrets stored in etcd cannot be read.
apiVersion: ${ENCRYPTION_API_VERSION}
kind: ${ENCRYPTION_KIND}
resources:
- resources:
  - secrets
  providers:
  - secretbox:
      keys:
      - name: key1
        secret: ${secret}
  - identity: {}
`;
  try {
    // 'wx' creates the file only if it is absent, so two apiservers starting at
    // once cannot overwrite each other's key.
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return file;
}
