// certificates.k8s.io/v1 CertificateSigningRequests (Kubernetes'
// pkg/apis/certificates/validation/validation.go), and the request helpers of
// pkg/apis/certificates/helpers.go the approver, the signer and the admission plugins
// share: parseCSR, the signature check, and what a kubelet client or serving request
// must look like.
//
// Problems an old object already has are tolerated on update (getValidationOptions):
// an update must not be refused for what it did not change.
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs this polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type {
  CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestStatus, KeyUsage,
} from '../types/certificates.js';
import { LEGACY_UNKNOWN_SIGNER } from '../types/certificates.js';
import {
  child, duplicate, type FieldCause, forbidden, index, invalid, jsonEqual, list, notSupported, Raw, record, required, str, tooLong,
} from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { DNS1123_LABEL_MAX_LENGTH, DNS1123_SUBDOMAIN_MAX_LENGTH, isDNS1123Label, isDNS1123Subdomain } from './names.js';

// ---------------------------------------------------------------- request helpers

/** One PEM block, as Go's pem.Decode returns it. */
export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([^\r\n]*?)-----\r?\n([\s\S]*?)-----END \1-----[ \t]*(?:\r?\n|$)/;

/**
 * pem.Decode: the first well-formed PEM block in data (text before it is skipped) and
 * the text after it; no block when there is none.
 */
export function pemDecode(data: string): { block?: PemBlock; rest: string } {
  let text = data;
  for (;;) {
    const m = PEM_BLOCK.exec(text);
    if (!m) return { rest: data };
    const rest = text.slice((m.index ?? 0) + m[0].length);
    const headers: Record<string, string> = {};
    let body = m[2];
    // Headers ("Proc-Type: 4,ENCRYPTED") come first, ended by a blank line.
    if (/^[^\r\n:]+:/.test(body)) {
      const end = body.search(/\r?\n\r?\n/);
      const head = end < 0 ? body : body.slice(0, end);
      for (const line of head.split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      body = end < 0 ? '' : body.slice(end).trimStart();
    }
    const b64 = body.replace(/\s+/g, '');
    if (/^[A-Za-z0-9+/]*={0,2}$/.test(b64) && b64.length % 4 === 0) {
      return { block: { type: m[1], headers, bytes: Buffer.from(b64, 'base64') }, rest };
    }
    // Go goes on looking after a block it cannot decode.
    text = rest;
  }
}

/** What the approver, the signer and admission read from a PKCS#10 request (Go's x509.CertificateRequest). */
export interface ParsedCSR {
  /** Subject CN (the last one, as Go keeps it). */
  commonName: string;
  /** Subject O, in order. */
  organizations: string[];
  dnsNames: string[];
  emailAddresses: string[];
  ipAddresses: string[];
  uris: string[];
  /** The request's public key, SubjectPublicKeyInfo DER. */
  publicKey: Buffer;
  /** The parsed request (its subject Name goes into the issued certificate as is). */
  request: x509.Pkcs10CertificateRequest;
}

/** The message of every request that is not one PEM CERTIFICATE REQUEST block. */
export const NOT_A_CSR = 'PEM block type must be CERTIFICATE REQUEST';

/**
 * certificates.ParseCSR: the first PEM block of pem must be a CERTIFICATE REQUEST that
 * parses; throws an Error with Go's message otherwise. The signature is not checked here
 * (checkCSRSignature).
 */
export function parseCSR(pem: Buffer | string): ParsedCSR {
  const { block } = pemDecode(typeof pem === 'string' ? pem : pem.toString('latin1'));
  if (!block || block.type !== 'CERTIFICATE REQUEST') throw new Error(NOT_A_CSR);
  try {
    const request = new x509.Pkcs10CertificateRequest(new Uint8Array(block.bytes));
    const name = request.subjectName;
    const cns = name.getField('CN');
    const out: ParsedCSR = {
      commonName: cns[cns.length - 1] ?? '', organizations: name.getField('O'),
      dnsNames: [], emailAddresses: [], ipAddresses: [], uris: [],
      publicKey: Buffer.from(request.publicKey.rawData), request,
    };
    for (const ext of request.extensions) {
      if (!(ext instanceof x509.SubjectAlternativeNameExtension)) continue;
      for (const n of ext.names.items) {
        if (n.type === 'dns') out.dnsNames.push(n.value);
        else if (n.type === 'email') out.emailAddresses.push(n.value);
        else if (n.type === 'ip') out.ipAddresses.push(n.value);
        else if (n.type === 'url') out.uris.push(n.value);
      }
    }
    return out;
  } catch {
    throw new Error('x509: malformed certificate request');
  }
}

/** The digest node:crypto verifies a signature algorithm with (null: none, Ed25519), and how Go names the failure. */
function verifierFor(alg: { name?: string; hash?: { name?: string } | string }): { hash: string | null; what: string } | undefined {
  const hash = typeof alg.hash === 'string' ? alg.hash : alg.hash?.name;
  const digest = hash === 'SHA-256' ? 'sha256' : hash === 'SHA-384' ? 'sha384' : hash === 'SHA-512' ? 'sha512' : undefined;
  switch (alg.name) {
    case 'ECDSA': return digest ? { hash: digest, what: 'ECDSA' } : undefined;
    case 'RSASSA-PKCS1-v1_5': return digest ? { hash: digest, what: 'RSA' } : undefined;
    case 'Ed25519': return { hash: null, what: 'Ed25519' };
    default: return undefined;
  }
}

/** One DER TLV at offset: where its content starts and where it ends. */
function derTLV(der: Uint8Array, offset: number): { content: number; end: number } {
  let len = der[offset + 1];
  let content = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[content + i];
    content += n;
  }
  if (content + len > der.length) throw new Error('asn1: syntax error: data truncated');
  return { content, end: content + len };
}

/** The signed part of a PKCS#10 request: the DER of its CertificationRequestInfo, the request's first element. */
function signedPart(raw: ArrayBuffer): Buffer {
  const der = new Uint8Array(raw);
  const outer = derTLV(der, 0);
  return Buffer.from(der.subarray(outer.content, derTLV(der, outer.content).end));
}

/** x509.CertificateRequest.CheckSignature: throws Go's message when the self-signature does not verify. */
export function checkCSRSignature(csr: ParsedCSR): void {
  let alg: ReturnType<typeof verifierFor>;
  try {
    alg = verifierFor(csr.request.signatureAlgorithm as { name?: string; hash?: { name?: string } });
  } catch {
    alg = undefined;
  }
  if (!alg) throw new Error('x509: cannot verify signature: algorithm unimplemented');
  let ok = false;
  try {
    const key = createPublicKey({ key: csr.publicKey, format: 'der', type: 'spki' });
    ok = verify(alg.hash, signedPart(csr.request.rawData), key, Buffer.from(csr.request.signature));
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(alg.what === 'RSA' ? 'crypto/rsa: verification error' : `x509: ${alg.what} verification failure`);
}

/** The request bytes of a CSR object (spec.request is base64 in JSON). */
export const requestBytes = (csr: Pick<CertificateSigningRequest, 'spec'>): Buffer => Buffer.from(str(record<unknown>(csr.spec).request), 'base64');

const NODES_GROUP = 'system:nodes';
const NODE_PREFIX = 'system:node:';

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
};
const sortedList = (s: readonly string[]): string => `[${[...new Set(s)].sort().join(' ')}]`;

const KUBELET_CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];
const KUBELET_CLIENT_USAGES_NO_RSA = ['digital signature', 'client auth'];
const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
const KUBELET_SERVING_USAGES_NO_RSA = ['digital signature', 'server auth'];

/**
 * ValidateKubeletClientCSR: a kubelet's client certificate request has O exactly
 * [system:nodes], CN system:node:<name>, no subject alternative names, and the usages
 * digital signature + client auth (+ key encipherment). Answers why not, or undefined.
 */
export function kubeletClientCSRProblem(csr: ParsedCSR, usages: readonly KeyUsage[]): string | undefined {
  if (csr.organizations.length !== 1 || csr.organizations[0] !== NODES_GROUP) return 'subject organization is not system:nodes';
  if (csr.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (csr.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (csr.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (csr.uris.length) return 'URI subjectAltNames are not allowed';
  if (!csr.commonName.startsWith(NODE_PREFIX)) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, KUBELET_CLIENT_USAGES) && !sameSet(usages, KUBELET_CLIENT_USAGES_NO_RSA)) {
    return `usages did not match ${sortedList(KUBELET_CLIENT_USAGES)}`;
  }
  return undefined;
}

/**
 * ValidateKubeletServingCSR: O exactly [system:nodes], a DNS or IP subject alternative
 * name, no email or URI ones, the usages digital signature + server auth (+ key
 * encipherment), CN system:node:<name>. Answers why not, or undefined.
 */
export function kubeletServingCSRProblem(csr: ParsedCSR, usages: readonly KeyUsage[]): string | undefined {
  if (csr.organizations.length !== 1 || csr.organizations[0] !== NODES_GROUP) return 'subject organization is not system:nodes';
  if (!csr.dnsNames.length && !csr.ipAddresses.length) return 'DNS or IP subjectAltName is required';
  if (csr.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (csr.uris.length) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, KUBELET_SERVING_USAGES) && !sameSet(usages, KUBELET_SERVING_USAGES_NO_RSA)) {
    return `usages did not match ${sortedList(KUBELET_SERVING_USAGES)}`;
  }
  if (!csr.commonName.startsWith(NODE_PREFIX)) return 'subject common name does not begin with system:node:';
  return undefined;
}

/** The Approved and Denied conditions of a request (certificates.GetCertApprovalCondition). */
export function approvalOf(status: CertificateSigningRequestStatus | undefined): { approved: boolean; denied: boolean } {
  let approved = false;
  let denied = false;
  for (const c of list<CertificateSigningRequestCondition>(status?.conditions)) {
    if (c.type === 'Approved') approved = true;
    if (c.type === 'Denied') denied = true;
  }
  return { approved, denied };
}

/** certificates.HasTrueCondition. */
export const hasTrueCondition = (csr: Pick<CertificateSigningRequest, 'status'>, type: string): boolean =>
  list<CertificateSigningRequestCondition>(csr.status?.conditions).some((c) => c.type === type && (c.status === 'True' || !c.status));

/** certificates.IsCertificateRequestApproved: approved and not denied. */
export function isApproved(csr: Pick<CertificateSigningRequest, 'status'>): boolean {
  const { approved, denied } = approvalOf(csr.status);
  return approved && !denied;
}

// ---------------------------------------------------------------- validation

/** Every key usage the API accepts (allValidUsages), in the sorted order messages list them. */
export const KEY_USAGES: readonly string[] = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment',
  'decipher only', 'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel',
  'ipsec user', 'key agreement', 'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime',
  'server auth', 'signing', 'timestamping',
];

const TRUE_ONLY = new Set(['Approved', 'Denied', 'Failed']);
const ALL_STATUS = ['False', 'True', 'Unknown'];

interface Options {
  /** Approved and Denied may change (the /approval subresource). */
  allowSettingApprovalConditions?: boolean;
  /** status.certificate may be set (the /status subresource). */
  allowSettingCertificate?: boolean;
  // Problems tolerated because the stored object already has them.
  allowBothApprovedAndDenied?: boolean;
  allowLegacySignerName?: boolean;
  allowDuplicateConditionTypes?: boolean;
  allowEmptyConditionType?: boolean;
  allowArbitraryCertificate?: boolean;
  allowDuplicateUsages?: boolean;
  allowUnknownUsages?: boolean;
}

const conditionsOf = (csr: CertificateSigningRequest | undefined): CertificateSigningRequestCondition[] =>
  list<CertificateSigningRequestCondition>(record<unknown>(csr?.status).conditions).map((c) => record<unknown>(c) as unknown as CertificateSigningRequestCondition);
const usagesOf = (csr: CertificateSigningRequest): string[] => list<string>(record<unknown>(csr.spec).usages);
const certificateOf = (csr: CertificateSigningRequest | undefined): string => str(record<unknown>(csr?.status).certificate);

/** Go's %#v of a []byte, how a bad spec.request is shown. */
function goBytes(b: Buffer | undefined): Raw {
  if (!b) return new Raw('[]byte(nil)');
  return new Raw(`[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`);
}

/** validateCertificate: empty, or only CERTIFICATE blocks without headers that parse; the error message otherwise. */
function certificateProblem(pem: Buffer): string | undefined {
  if (pem.length === 0) return undefined;
  let text = pem.toString('latin1');
  let blocks = 0;
  for (;;) {
    const { block, rest } = pemDecode(text);
    if (!block) break;
    if (block.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(block.type)}`;
    if (Object.keys(block.headers).length) return 'no PEM block headers are permitted';
    blocks++;
    try {
      new X509Certificate(block.bytes);
    } catch (err) {
      return `x509: malformed certificate: ${(err as Error).message}`;
    }
    text = rest;
  }
  return blocks === 0 ? 'must contain at least one CERTIFICATE PEM block' : undefined;
}

/**
 * ValidateSignerName: "<domain>/<path>", the domain DNS labels with at least one dot
 * (at most 253 characters), the path DNS subdomains joined by dots (at most 317).
 */
export function validateSignerName(path: string, signerName: string): FieldCause[] {
  if (!signerName) return [required(path)];
  const segments = signerName.split('/');
  if (segments.length !== 2) return [invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const errs: FieldCause[] = [];
  const [domain, rest] = segments;
  if (domain.length > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(tooLong(path, DNS1123_SUBDOMAIN_MAX_LENGTH));
  const labels = domain.split('.');
  for (const lbl of labels) {
    const msgs = isDNS1123Label(lbl);
    if (msgs.length) {
      for (const msg of msgs) errs.push(invalid(path, domain, `validating label ${JSON.stringify(lbl)}: ${msg}`));
      break;
    }
  }
  if (labels.length < 2) errs.push(invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  for (const lbl of rest.split('.')) {
    const msgs = isDNS1123Subdomain(lbl);
    if (msgs.length) {
      for (const msg of msgs) errs.push(invalid(path, rest, `validating component ${JSON.stringify(lbl)}: ${msg}`));
      break;
    }
  }
  const maxPath = DNS1123_SUBDOMAIN_MAX_LENGTH + DNS1123_LABEL_MAX_LENGTH + 1;
  if (rest.length > maxPath) errs.push(tooLong(path, maxPath));
  return errs;
}

function validateConditions(csr: CertificateSigningRequest, o: Options): FieldCause[] {
  const errs: FieldCause[] = [];
  const path = 'status.conditions';
  const seen = new Set<string>();
  let hasApproved = false;
  let hasDenied = false;
  conditionsOf(csr).forEach((c, i) => {
    const type = str(c.type);
    const status = str(c.status);
    if (!o.allowEmptyConditionType && !type) errs.push(required(child(index(path, i), 'type')));
    const allowed = TRUE_ONLY.has(type) ? ['True'] : ALL_STATUS;
    if (!status) errs.push(required(child(index(path, i), 'status')));
    else if (!allowed.includes(status)) errs.push(notSupported(child(index(path, i), 'status'), status, allowed));
    if (!o.allowBothApprovedAndDenied) {
      if (type === 'Approved') {
        hasApproved = true;
        if (hasDenied) errs.push(invalid(child(index(path, i), 'type'), type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (type === 'Denied') {
        hasDenied = true;
        if (hasApproved) errs.push(invalid(child(index(path, i), 'type'), type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!o.allowDuplicateConditionTypes) {
      if (seen.has(type)) errs.push(duplicate(child(index(path, i), 'type'), type));
      seen.add(type);
    }
  });
  return errs;
}

function validateCSR(csr: CertificateSigningRequest, o: Options): FieldCause[] {
  const errs = validateObjectMeta(csr.metadata, { namespaced: false, nameFn: () => [] });
  const spec = record<unknown>(csr.spec);
  const request = typeof spec.request === 'string' ? Buffer.from(spec.request, 'base64') : undefined;
  try {
    checkCSRSignature(parseCSR(request ?? Buffer.alloc(0)));
  } catch (err) {
    errs.push(invalid('spec.request', goBytes(request), (err as Error).message));
  }
  const usages = usagesOf(csr);
  if (usages.length === 0) errs.push(required('spec.usages'));
  if (!o.allowUnknownUsages) {
    usages.forEach((u, i) => { if (!KEY_USAGES.includes(u)) errs.push(notSupported(index('spec.usages', i), u, KEY_USAGES)); });
  }
  if (!o.allowDuplicateUsages) {
    const seen = new Set<string>();
    usages.forEach((u, i) => {
      if (seen.has(u)) errs.push(duplicate(index('spec.usages', i), u));
      seen.add(u);
    });
  }
  const signerName = str(spec.signerName);
  if (!o.allowLegacySignerName && signerName === LEGACY_UNKNOWN_SIGNER) {
    errs.push(invalid('spec.signerName', signerName, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName('spec.signerName', signerName));
  }
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr, o));
  if (!o.allowArbitraryCertificate) {
    const problem = certificateProblem(Buffer.from(certificateOf(csr), 'base64'));
    if (problem) errs.push(invalid('status.certificate', '<certificate data>', problem));
  }
  return errs;
}

/** getValidationOptions: what the stored object already gets wrong is tolerated. */
function optionsFor(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined): Options {
  if (!old) return {};
  const oldConditions = conditionsOf(old);
  const types = oldConditions.map((c) => str(c.type));
  const oldUsages = usagesOf(old);
  const oldCert = certificateOf(old);
  return {
    allowBothApprovedAndDenied: types.includes('Approved') && types.includes('Denied'),
    allowLegacySignerName: str(record<unknown>(old.spec).signerName) === LEGACY_UNKNOWN_SIGNER,
    allowDuplicateConditionTypes: new Set(types).size !== types.length,
    allowEmptyConditionType: types.includes(''),
    allowArbitraryCertificate: oldCert !== '' && oldCert === certificateOf(csr) && certificateProblem(Buffer.from(oldCert, 'base64')) !== undefined,
    allowDuplicateUsages: new Set(oldUsages).size !== oldUsages.length,
    allowUnknownUsages: oldUsages.some((u) => !KEY_USAGES.includes(u)),
  };
}

const conditionsOfType = (csr: CertificateSigningRequest, type: string): CertificateSigningRequestCondition[] =>
  conditionsOf(csr).filter((c) => c.type === type);

function validateCSRUpdateWith(csr: CertificateSigningRequest, old: CertificateSigningRequest, o: Options): FieldCause[] {
  const errs = validateCSR(csr, o);
  for (const t of ['Approved', 'Denied', 'Failed']) {
    if (conditionsOfType(csr, t).length < conditionsOfType(old, t).length) {
      errs.push(forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(t)}`));
    }
  }
  if (!o.allowSettingApprovalConditions) {
    for (const t of ['Approved', 'Denied']) {
      const before = conditionsOfType(old, t);
      const after = conditionsOfType(csr, t);
      if (after.length > before.length) errs.push(forbidden('status.conditions', `updates may not add a condition of type ${JSON.stringify(t)}`));
      else if (after.length === before.length && !jsonEqual(before, after)) {
        errs.push(forbidden('status.conditions', `updates may not modify a condition of type ${JSON.stringify(t)}`));
      }
    }
  }
  const cert = certificateOf(csr);
  const oldCert = certificateOf(old);
  if (cert !== oldCert) {
    if (!o.allowSettingCertificate) errs.push(forbidden('status.certificate', 'updates may not set certificate content'));
    else if (oldCert) errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return [...errs, ...validateObjectMetaUpdate(csr.metadata, old.metadata)];
}

/** A request being created. */
export function validateCSRCreate(csr: CertificateSigningRequest): FieldCause[] {
  return validateCSR(csr, {});
}

/** An update of the main resource: conditions and the certificate may not change. */
export function validateCSRUpdate(csr: CertificateSigningRequest, old: CertificateSigningRequest): FieldCause[] {
  return validateCSRUpdateWith(csr, old, optionsFor(csr, old));
}

/** An update through /status: the certificate may be set once. */
export function validateCSRStatusUpdate(csr: CertificateSigningRequest, old: CertificateSigningRequest): FieldCause[] {
  return validateCSRUpdateWith(csr, old, { ...optionsFor(csr, old), allowSettingCertificate: true });
}

/** An update through /approval: Approved and Denied may be added. */
export function validateCSRApprovalUpdate(csr: CertificateSigningRequest, old: CertificateSigningRequest): FieldCause[] {
  return validateCSRUpdateWith(csr, old, { ...optionsFor(csr, old), allowSettingApprovalConditions: true });
}
