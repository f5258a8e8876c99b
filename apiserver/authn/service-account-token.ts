// Service-account tokens, as kube-apiserver issues and checks them: JWTs signed with
// --service-account-signing-key-file (generated into --cert-dir when absent, as kubeadm's
// sa.key), naming the issuer (--service-account-issuer), the audiences, an expiry, the
// service account and the object the token is bound to (a pod, a secret or a node).
// A token is valid only while its service account, and the object it is bound to, still
// exist with the same uids (Kubernetes' bound service account token validation).
import { createHash, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, exportPKCS8, exportSPKI, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { KubeObject } from '../../api/types/meta.js';
import { serviceAccountUser, type User } from './user.js';

/** The private claims Kubernetes puts under "kubernetes.io". */
export interface KubernetesClaims {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
  warnafter?: number;
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaims;
}

/** What a token may be bound to, looked up by the validator. */
export interface BoundObjectGetter {
  serviceAccount(namespace: string, name: string): Promise<KubeObject | undefined>;
  pod(namespace: string, name: string): Promise<KubeObject | undefined>;
  secret(namespace: string, name: string): Promise<KubeObject | undefined>;
  node(name: string): Promise<KubeObject | undefined>;
}

export interface IssueRequest {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

/** A token that is ours but not valid: the request is refused (401), with why in the log. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

export interface SigningKeyFiles {
  /** PEM private key (EC or RSA). */
  signingKeyFile: string;
  /** PEM public keys that verify tokens (the signing key's is always one). */
  publicKeyFiles?: string[];
}

/** kid as Kubernetes derives it: the unpadded base64url SHA-256 of the DER public key. */
function keyId(pub: KeyObject): string {
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url');
}

function algorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new Error(`service account signing key: unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (use an RSA or ECDSA P-256/P-384/P-521 key)`);
}

/** Writes an ECDSA P-256 key pair (sa.key, sa.pub) when the signing key file is missing. */
export async function ensureSigningKey(file: string): Promise<void> {
  if (existsSync(file)) return;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  await writeFile(file, await exportPKCS8(privateKey), { mode: 0o600 });
  await writeFile(file.replace(/\.key$/, '') + '.pub', await exportSPKI(publicKey));
}

export class ServiceAccountTokens {
  private readonly verifyKeys = new Map<string, { key: KeyObject; alg: string }>();
  private readonly signKid: string;
  private readonly signAlg: string;

  private constructor(
    private readonly signingKey: KeyObject,
    publicKeys: KeyObject[],
    /** The issuer written into tokens (the first) and accepted (all). */
    readonly issuers: string[],
    /** Audiences a token must name one of to authenticate to this apiserver (--api-audiences). */
    readonly apiAudiences: string[],
    private readonly getter: BoundObjectGetter,
    private readonly now: () => number,
  ) {
    const signPub = createPublicKey(signingKey);
    this.signAlg = algorithmOf(signingKey);
    this.signKid = keyId(signPub);
    for (const pub of [signPub, ...publicKeys]) this.verifyKeys.set(keyId(pub), { key: pub, alg: algorithmOf(pub) });
  }

  static async load(files: SigningKeyFiles, issuers: string[], apiAudiences: string[], getter: BoundObjectGetter, now = Date.now): Promise<ServiceAccountTokens> {
    const signingKey = createPrivateKey(await readFile(files.signingKeyFile, 'utf8'));
    const publics = await Promise.all((files.publicKeyFiles ?? []).map(async (f) => createPublicKey(await readFile(f, 'utf8'))));
    return new ServiceAccountTokens(signingKey, publics, issuers, apiAudiences, getter, now);
  }

  /** Signs a token for req; returns it and its expiry (seconds since the epoch). */
  async issue(req: IssueRequest): Promise<{ token: string; exp: number }> {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + req.expirationSeconds;
    const k8s: KubernetesClaims = {
      namespace: req.namespace,
      serviceaccount: req.serviceAccount,
      ...(req.pod ? { pod: req.pod } : {}),
      ...(req.secret ? { secret: req.secret } : {}),
      ...(req.node ? { node: req.node } : {}),
    };
    const token = await new SignJWT({ 'kubernetes.io': k8s } as Record<string, unknown>)
      .setProtectedHeader({ alg: this.signAlg, kid: this.signKid })
      .setIssuer(this.issuers[0])
      .setSubject(`system:serviceaccount:${req.namespace}:${req.serviceAccount.name}`)
      .setAudience(req.audiences)
      .setIssuedAt(iat).setNotBefore(iat).setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.signingKey);
    return { token, exp };
  }

  /**
   * The user a token names, with the audiences it was checked against. undefined when
   * the token is not a service-account token of this issuer (another authenticator
   * may know it); throws InvalidTokenError when it is one but is not valid.
   * audiences: what the token must be meant for (the apiserver's own by default).
   */
  async authenticate(token: string, audiences = this.apiAudiences): Promise<{ user: User; audiences: string[] } | undefined> {
    let unverified: ReturnType<typeof decodeJwt>;
    try {
      decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      return undefined;
    }
    if (typeof unverified.iss !== 'string' || !this.issuers.includes(unverified.iss)) return undefined;
    let claims: TokenClaims;
    try {
      const { payload } = await jwtVerify(token, async (header) => {
        const k = header.kid === undefined ? undefined : this.verifyKeys.get(header.kid);
        if (k) return k.key;
        // A token without a known kid may still be signed by one of the keys (other issuers' tokens omit kid).
        if (this.verifyKeys.size === 1) return [...this.verifyKeys.values()][0].key;
        throw new InvalidTokenError('no public key matches the token\'s key id');
      }, { issuer: this.issuers, currentDate: new Date(this.now()), algorithms: [...new Set([...this.verifyKeys.values()].map((k) => k.alg))] });
      claims = payload as unknown as TokenClaims;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new InvalidTokenError('service account token has expired');
      if (err instanceof InvalidTokenError) throw err;
      throw new InvalidTokenError(`invalid service account token: ${(err as Error).message}`);
    }
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud as unknown as string];
    const matched = audiences.filter((a) => aud.includes(a));
    if (!matched.length) throw new InvalidTokenError('token audiences do not match the apiserver\'s');
    return { user: await this.validateBinding(claims), audiences: matched };
  }

  /** Checks the service account and the bound object still exist with the claimed uids. */
  private async validateBinding(claims: TokenClaims): Promise<User> {
    const k = claims['kubernetes.io'];
    if (!k || typeof k.namespace !== 'string' || typeof k.serviceaccount?.name !== 'string') {
      throw new InvalidTokenError('the token is missing its kubernetes.io claims');
    }
    const ns = k.namespace;
    const sa = await this.getter.serviceAccount(ns, k.serviceaccount.name);
    if (!sa || sa.metadata.deletionTimestamp) throw new InvalidTokenError(`service account ${ns}/${k.serviceaccount.name} has been deleted`);
    if (sa.metadata.uid !== k.serviceaccount.uid) throw new InvalidTokenError(`service account UID (${sa.metadata.uid}) does not match claim (${k.serviceaccount.uid})`);
    const extra: Record<string, string[]> = {};
    const nowS = this.now() / 1000;
    if (k.pod) {
      const pod = await this.getter.pod(ns, k.pod.name);
      if (!pod) throw new InvalidTokenError(`pod ${ns}/${k.pod.name} has been deleted`);
      if (pod.metadata.uid !== k.pod.uid) throw new InvalidTokenError(`pod UID (${pod.metadata.uid}) does not match claim (${k.pod.uid})`);
      const dt = pod.metadata.deletionTimestamp;
      if (dt && Date.parse(dt) / 1000 < nowS) throw new InvalidTokenError(`pod ${ns}/${k.pod.name} is being deleted`);
      extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
    }
    if (k.secret) {
      const secret = await this.getter.secret(ns, k.secret.name);
      if (!secret || secret.metadata.deletionTimestamp) throw new InvalidTokenError(`secret ${ns}/${k.secret.name} has been deleted`);
      if (secret.metadata.uid !== k.secret.uid) throw new InvalidTokenError(`secret UID (${secret.metadata.uid}) does not match claim (${k.secret.uid})`);
    }
    if (k.node) {
      const node = await this.getter.node(k.node.name);
      // A pod-bound token names its node only for information; only a node-bound one needs the node.
      if (!k.pod) {
        if (!node) throw new InvalidTokenError(`node ${k.node.name} has been deleted`);
        if (node.metadata.uid !== k.node.uid) throw new InvalidTokenError(`node UID (${node.metadata.uid}) does not match claim (${k.node.uid})`);
      }
      extra['authentication.kubernetes.io/node-name'] = [k.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
    }
    if (claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
    return serviceAccountUser(ns, k.serviceaccount.name, k.serviceaccount.uid, extra);
  }
}
