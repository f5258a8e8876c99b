// --encryption-provider-config: loads and validates an EncryptionConfiguration
// (apiserver.config.k8s.io/v1) and builds the transformer of each resource, as
// kube-apiserver's encryptionconfig/config.go and
// apis/apiserver/validation/validation_encryption.go do, with their messages.
//
//   apiVersion: apiserver.config.k8s.io/v1
//   kind: EncryptionConfiguration
//   resources:
//   - resources: [secrets]          # "secrets" (core), "deployments.apps", "*.apps", "*.", "*.*"
//     providers:                    # the first writes; each is tried, in order, on reads
//     - secretbox: {keys: [{name: key1, secret: <base64 of 32 random bytes>}]}
//     - identity: {}                # still read values written before encryption was on
//
// Which entry applies to a resource: the one naming it exactly, else "*.<group>",
// else "*.*"; a resource no entry names is stored as plaintext. A resource named in
// several entries gets the providers of all of them, in file order, and a rule
// placed after a wildcard that already covers it is refused (it would be masked).
import { readFile } from 'node:fs/promises';
import { parse as parseYAML } from 'yaml';
import { goQuote } from '../../../api/errors.js';
import {
  aesCBCTransformer,
  aesGCMTransformer,
  identityTransformer,
  PREFIX,
  prefixTransformers,
  secretboxTransformer,
  type PrefixTransformer,
  type Transformer,
} from './transformers.js';

export const ENCRYPTION_API_VERSION = 'apiserver.config.k8s.io/v1';
export const ENCRYPTION_KIND = 'EncryptionConfiguration';

/** The v1 API types (types_encryption.go), with their JSON field names. */
export interface EncryptionConfiguration {
  apiVersion: string;
  kind: string;
  resources: ResourceConfiguration[];
}

export interface ResourceConfiguration {
  /** "secrets", "deployments.apps", "*.apps", "*." (all of core), "*.*". */
  resources: string[];
  /** Exactly one provider per element; the first one writes. */
  providers: ProviderConfiguration[];
}

export interface ProviderConfiguration {
  aesgcm?: AESConfiguration;
  aescbc?: AESConfiguration;
  secretbox?: SecretboxConfiguration;
  identity?: IdentityConfiguration;
  /** Parsed so it can be refused by name: tskube has no KMS plugin client. */
  kms?: Record<string, unknown>;
}

export interface AESConfiguration { keys: Key[] }
export interface SecretboxConfiguration { keys: Key[] }
export type IdentityConfiguration = Record<string, never>;

export interface Key {
  name: string;
  /** base64 (standard encoding, padded) of the raw key bytes. */
  secret: string;
}

/**
 * What the apiserver's storage asks for each resource it stores. transformerFor
 * returns the same Transformer for the same resource every time; group is "" for
 * the core group ("secrets", "") and the API group otherwise ("deployments", "apps").
 */
export interface ResourceTransformers {
  transformerFor(resource: string, group: string): Transformer;
}

/**
 * Reads, validates and builds file. Throws an Error whose message says what is
 * wrong (and never contains a key): the apiserver refuses to start with it.
 */
export async function loadEncryptionConfig(file: string): Promise<ResourceTransformers> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`error while parsing file: error while loading file: error reading encryption provider configuration file ${goQuote(file)}: ${why}`);
  }
  return parseEncryptionConfig(data, file);
}

/** loadEncryptionConfig on bytes already read; file names the source in messages. */
export function parseEncryptionConfig(data: string | Uint8Array, file: string): ResourceTransformers {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  if (text.length === 0) {
    throw new Error(`error while parsing file: error while loading file: encryption provider configuration file ${goQuote(file)} is empty`);
  }
  let config: EncryptionConfiguration;
  try {
    config = decodeEncryptionConfiguration(text);
  } catch (err) {
    throw new Error(`error while parsing file: error decoding encryption provider configuration file ${goQuote(file)}: ${(err as Error).message}`);
  }
  const errs = validateEncryptionConfiguration(config);
  if (errs.length > 0) throw new Error(`error while parsing file: ${aggregate(errs)}`);
  try {
    return buildResourceTransformers(config);
  } catch (err) {
    throw new Error(`error while building transformers: ${(err as Error).message}`);
  }
}

// ---- decoding ----

/**
 * Parses YAML or JSON into the v1 types, checking apiVersion, kind and the type of
 * each field it knows (unknown fields are ignored, as Kubernetes' non-strict decoder
 * does). A null provider ("identity:" with nothing after it) counts as absent, as a
 * nil pointer does in Go.
 */
export function decodeEncryptionConfiguration(text: string): EncryptionConfiguration {
  let raw: unknown;
  try {
    raw = parseYAML(text);
  } catch (err) {
    // The yaml library quotes the offending source line, which may hold a key: keep
    // only its first line ("... at line 3, column 5").
    throw new Error(((err as Error).message.split('\n')[0] ?? '').replace(/:$/, ''));
  }
  const top = mapping(raw, '');
  if (top.kind === undefined || top.kind === null || top.kind === '') {
    throw new Error(`Object 'Kind' is missing: expected kind: ${ENCRYPTION_KIND} and apiVersion: ${ENCRYPTION_API_VERSION}`);
  }
  const kind = str(top.kind, 'kind');
  const apiVersion = top.apiVersion === undefined || top.apiVersion === null ? '' : str(top.apiVersion, 'apiVersion');
  if (kind !== ENCRYPTION_KIND || apiVersion !== ENCRYPTION_API_VERSION) {
    throw new Error(`no kind ${goQuote(kind)} is registered for version ${goQuote(apiVersion)}: expected kind: ${ENCRYPTION_KIND} and apiVersion: ${ENCRYPTION_API_VERSION}`);
  }
  const resources = list(top.resources, 'resources').map((item, i): ResourceConfiguration => {
    const path = `resources[${i}]`;
    const rc = mapping(item, path);
    return {
      resources: list(rc.resources, `${path}.resources`).map((r, j) => str(r, `${path}.resources[${j}]`)),
      providers: list(rc.providers, `${path}.providers`).map((p, j) => decodeProvider(p, `${path}.providers[${j}]`)),
    };
  });
  return { apiVersion, kind, resources };
}

/** The field names a decoded provider element held, for validateSingleProvider's message. */
const fieldsSeen = Symbol('fieldsSeen');

function decodeProvider(raw: unknown, path: string): ProviderConfiguration {
  const p = mapping(raw, path);
  const out: ProviderConfiguration = {};
  for (const name of ['aesgcm', 'aescbc', 'secretbox'] as const) {
    if (p[name] === undefined || p[name] === null) continue;
    const c = mapping(p[name], `${path}.${name}`);
    out[name] = {
      keys: list(c.keys, `${path}.${name}.keys`).map((k, i) => {
        const kp = `${path}.${name}.keys[${i}]`;
        const key = mapping(k, kp);
        return { name: optionalStr(key.name, `${kp}.name`), secret: optionalStr(key.secret, `${kp}.secret`) };
      }),
    };
  }
  if (p.identity !== undefined && p.identity !== null) {
    mapping(p.identity, `${path}.identity`);
    out.identity = {};
  }
  if (p.kms !== undefined && p.kms !== null) out.kms = mapping(p.kms, `${path}.kms`);
  Object.defineProperty(out, fieldsSeen, { value: Object.keys(p), enumerable: false });
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

function mapping(v: unknown, path: string): Record<string, unknown> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  throw new Error(`${path || 'the document'}: expected a mapping, got ${describe(v)}`);
}

function list(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  throw new Error(`${path}: expected a list, got ${describe(v)}`);
}

function str(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  throw new Error(`${path}: expected a string, got ${describe(v)}`);
}

function optionalStr(v: unknown, path: string): string {
  return v === undefined || v === null ? '' : str(v, path);
}

// ---- validation ----

const AES_KEY_SIZES = [16, 24, 32];
const SECRETBOX_KEY_SIZES = [32];

/** ParseGroupResource: "deployments.apps" is group apps, resource deployments; "secrets" is the core group's. */
export function parseGroupResource(s: string): { group: string; resource: string } {
  const i = s.indexOf('.');
  return i >= 0 ? { group: s.slice(i + 1), resource: s.slice(0, i) } : { group: '', resource: s };
}

/** GroupResource's String(), "*." for all of core as the config file spells it. */
function grString(gr: { group: string; resource: string }): string {
  if (gr.group === '' && gr.resource === '*') return '*.';
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

const required = (path: string, detail: string): string => `${path}: Required value: ${detail}`;
const invalid = (path: string, value: string, detail: string): string => `${path}: Invalid value: ${value}: ${detail}`;
const goStrings = (l: string[]): string => `[]string{${l.map(goQuote).join(', ')}}`;

/**
 * ValidateEncryptionConfiguration: every problem, each as a field error in
 * Kubernetes' words ("resources[0].providers[0].aescbc.keys[0].secret: Invalid
 * value: \"REDACTED\": secret is not of the expected length, got 8, expected one
 * of [16 24 32]"). Secrets never appear in them. An empty list means valid.
 */
export function validateEncryptionConfiguration(c: EncryptionConfiguration): string[] {
  const errs: string[] = [];
  if (c.resources.length === 0) return [required('resources', 'at least one resources is required')];
  c.resources.forEach((conf, i) => {
    const r = `resources[${i}].resources`;
    const p = `resources[${i}].providers`;
    if (conf.resources.length === 0) errs.push(required(r, `at least one ${r} is required`));
    errs.push(...validateResourceOverlap(conf.resources, r), ...validateResourceNames(conf.resources, r));
    if (conf.providers.length === 0) errs.push(required(p, `at least one ${p} is required`));
    conf.providers.forEach((provider, j) => {
      const path = `${p}[${j}]`;
      errs.push(...validateSingleProvider(provider, path));
      // The first provider found decides which keys are checked, as Kubernetes'
      // switch does even when validateSingleProvider already complained.
      if (provider.kms) return; // refused when the transformers are built
      if (provider.aesgcm) errs.push(...validateKeys(provider.aesgcm.keys, `${path}.aesgcm.keys`, AES_KEY_SIZES));
      else if (provider.aescbc) errs.push(...validateKeys(provider.aescbc.keys, `${path}.aescbc.keys`, AES_KEY_SIZES));
      else if (provider.secretbox) errs.push(...validateKeys(provider.secretbox.keys, `${path}.secretbox.keys`, SECRETBOX_KEY_SIZES));
    });
  });
  return errs;
}

function validateResourceOverlap(resources: string[], path: string): string[] {
  if (resources.length < 2) return [];
  const grs = resources.map(parseGroupResource);
  let hasOverlap = false;
  let hasDuplicate = false;
  grs.forEach((r1, i) => {
    grs.forEach((r2, j) => {
      if (i === j) return;
      const same = r1.group === r2.group && r1.resource === r2.resource;
      if (same && !hasDuplicate) {
        hasDuplicate = true;
        return;
      }
      if (hasOverlap) return;
      if (r1.group === '*' && r1.resource === '*') {
        hasOverlap = true;
        return;
      }
      if (r1.group !== r2.group) return;
      if (r1.resource === '*' || r2.resource === '*') hasOverlap = true;
    });
  });
  const errs: string[] = [];
  if (hasDuplicate) errs.push(invalid(path, goStrings(resources), 'the same resource cannot be specified multiple times'));
  if (hasOverlap) {
    errs.push(invalid(path, goStrings(resources), "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked"));
  }
  return errs;
}

function validateResourceNames(resources: string[], path: string): string[] {
  const errs: string[] = [];
  resources.forEach((res, j) => {
    const at = `${path}[${j}]`;
    const bad = (detail: string): void => {
      errs.push(invalid(at, goQuote(res), detail));
    };
    if (res.toLowerCase() !== res) return bad('resource name should not contain capital letters');
    if (res === '*') return bad("use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources");
    if (res === 'apiserveripinfo' || res === 'serviceipallocations' || res === 'servicenodeportallocations') {
      return bad('resources which do not have REST API/s cannot be encrypted');
    }
    const gr = parseGroupResource(res);
    if (gr.group === 'events.k8s.io') {
      return bad("'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file");
    }
    if (gr.group === 'extensions') return bad("'extensions' group has been removed and cannot be used for encryption");
    if (gr.group === '*' && gr.resource !== '*') return bad('encrypting the same resource across groups is not supported');
  });
  return errs;
}

function validateSingleProvider(provider: ProviderConfiguration, path: string): string[] {
  const found = (['kms', 'aesgcm', 'aescbc', 'secretbox', 'identity'] as const).filter((k) => provider[k] !== undefined);
  // Go prints the whole ProviderConfiguration struct here; the fields it held say
  // the same to a person without risking a key in the message.
  if (found.length === 0) {
    const seen = (provider as { [fieldsSeen]?: string[] })[fieldsSeen] ?? [];
    return [invalid(path, `{${seen.map(goQuote).join(', ')}}`, 'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity')];
  }
  if (found.length > 1) {
    return [invalid(path, `{${found.map(goQuote).join(', ')}}`, 'more than one provider specified in a single element, should split into different list elements')];
  }
  return [];
}

function validateKeys(keys: Key[], path: string, sizes: number[]): string[] {
  if (keys.length === 0) return [required(path, 'at least one keys is required')];
  const errs: string[] = [];
  const names = new Set<string>();
  keys.forEach((key, i) => {
    const at = `${path}[${i}]`;
    if (key.name === '') errs.push(required(`${at}.name`, 'name is a mandatory field for a key'));
    else if (names.has(key.name)) {
      // Not checked by Kubernetes: two keys of one name in one provider share a
      // prefix, so the second could only ever be tried after the first failed.
      errs.push(`${at}.name: Duplicate value: ${goQuote(key.name)}`);
    }
    names.add(key.name);
    if (key.secret === '') {
      errs.push(required(`${at}.secret`, 'secret is a mandatory field for a key'));
      return;
    }
    const secret = decodeStdBase64(key.secret);
    if (!secret) {
      errs.push(invalid(`${at}.secret`, '"REDACTED"', 'secrets must be base64 encoded'));
      return;
    }
    if (!sizes.includes(secret.length)) {
      errs.push(invalid(`${at}.secret`, '"REDACTED"', `secret is not of the expected length, got ${secret.length}, expected one of [${sizes.join(' ')}]`));
    }
  });
  return errs;
}

/** Go's base64.StdEncoding.DecodeString: padded standard alphabet, CR and LF ignored. */
function decodeStdBase64(s: string): Buffer | undefined {
  const clean = s.replace(/[\r\n]/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  return Buffer.from(clean, 'base64');
}

/** utilerrors.NewAggregate(errs).Error(): one message alone, several as "[a, b]", repeats dropped. */
function aggregate(errs: string[]): string {
  const distinct = [...new Set(errs)];
  return distinct.length === 1 ? distinct[0] : `[${distinct.join(', ')}]`;
}

// ---- building ----

/**
 * Builds the transformers of a valid configuration (validateEncryptionConfiguration
 * returned nothing). Throws when a rule is masked by an earlier wildcard, or when a
 * kms provider is configured.
 */
export function buildResourceTransformers(config: EncryptionConfiguration): ResourceTransformers {
  const chains = new Map<string, PrefixTransformer[]>();
  const id = (group: string, resource: string): string => `${group}/${resource}`;
  config.resources.forEach((rc, i) => {
    const providers = rc.providers.map((p, j) => providerTransformer(p, `resources[${i}].providers[${j}]`));
    for (const res of rc.resources) {
      const gr = parseGroupResource(res);
      for (const wildcard of [{ group: gr.group, resource: '*' }, { group: '*', resource: '*' }]) {
        if (chains.has(id(wildcard.group, wildcard.resource))) {
          throw new Error(`resource ${goQuote(grString(gr))} is masked by earlier rule ${goQuote(grString(wildcard))}`);
        }
      }
      const key = id(gr.group, gr.resource);
      chains.set(key, [...(chains.get(key) ?? []), ...providers]);
    }
  });
  const byResource = new Map<string, Transformer>();
  for (const [key, chain] of chains) byResource.set(key, prefixTransformers('no matching prefix found', chain));
  return {
    transformerFor(resource, group) {
      return byResource.get(id(group, resource)) ?? byResource.get(id(group, '*')) ?? byResource.get(id('*', '*')) ?? identityTransformer;
    },
  };
}

function providerTransformer(p: ProviderConfiguration, path: string): PrefixTransformer {
  const keyed = (keys: Key[], make: (secret: Buffer) => Transformer, noMatch: string, prefix: string): PrefixTransformer => ({
    prefix: Buffer.from(prefix),
    transformer: prefixTransformers(
      noMatch,
      keys.map((k) => ({ prefix: Buffer.from(`${k.name}:`), transformer: make(decodeStdBase64(k.secret) as Buffer) })),
    ),
  });
  if (p.kms) {
    throw new Error(`${path}.kms: kms providers are not supported by tskube (it has no KMS plugin client); use aescbc, aesgcm or secretbox with a local key`);
  }
  if (p.aesgcm) return keyed(p.aesgcm.keys, aesGCMTransformer, 'no matching key was found for the provided AES transformer', PREFIX.aesgcm);
  if (p.aescbc) return keyed(p.aescbc.keys, aesCBCTransformer, 'no matching key was found for the provided AES transformer', PREFIX.aescbc);
  if (p.secretbox) {
    return keyed(p.secretbox.keys, secretboxTransformer, 'no matching key was found for the provided Secretbox transformer', PREFIX.secretbox);
  }
  return { prefix: new Uint8Array(0), transformer: identityTransformer };
}
