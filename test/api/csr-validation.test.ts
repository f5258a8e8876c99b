// CertificateSigningRequest validation (pkg/apis/certificates/validation) and the request
// helpers: a request must be one signed PEM CERTIFICATE REQUEST, the signer name
// "<domain>/<path>", usages known and unique, expirationSeconds at least 600, Approved
// and Denied exclusive and True only; on update conditions and the certificate change
// only through their subresources.
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, test } from 'node:test';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from '../../api/types/certificates.js';
import {
  checkCSRSignature, kubeletClientCSRProblem, kubeletServingCSRProblem, parseCSR, pemDecode, validateSignerName,
} from '../../api/validation/certificatesigningrequest.js';
import { validateCreate, validateUpdate } from '../../api/validation/index.js';
import { createCertificateAuthority } from '../../apiserver/tls.js';
import { makeCSR } from '../../kubelet/bootstrap.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ecKey = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/** A PEM request with subject alternative names, signed with a new ECDSA key. */
async function csrWithSANs(name: string, sans: { type: 'dns' | 'ip' | 'email' | 'url'; value: string }[]): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: alg, extensions: [new x509.SubjectAlternativeNameExtension(sans)] });
  return req.toString('pem');
}

const nodePem = await makeCSR(ecKey(), 'system:node:n1', ['system:nodes']);

function csr(over: Partial<CertificateSigningRequest['spec']> = {}, conditions?: CertificateSigningRequestCondition[], certificate?: string): CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
    metadata: { name: 'node-csr-abc', uid: 'u1', creationTimestamp: '2025-01-01T00:00:00Z', resourceVersion: '5' },
    spec: { request: b64(nodePem), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], ...over },
    status: { ...(conditions ? { conditions } : {}), ...(certificate ? { certificate } : {}) },
  };
}

const messages = (causes: { field?: string; message?: string }[]): string[] => causes.map((c) => `${c.field}: ${c.message}`);
const approved: CertificateSigningRequestCondition = { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'ok', lastUpdateTime: '2025-01-01T00:00:00Z' };
const denied: CertificateSigningRequestCondition = { type: 'Denied', status: 'True', reason: 'No', message: 'no' };

describe('create', () => {
  test('a kubelet client request is valid; any name is', () => {
    assert.deepEqual(validateCreate(csr()), []);
    const odd = csr();
    odd.metadata.name = 'Any:Name/Really';
    assert.deepEqual(validateCreate(odd), []);
  });

  test('the request must be a PEM CERTIFICATE REQUEST with a valid signature', () => {
    const notPem = validateCreate(csr({ request: b64('hello') }));
    assert.equal(notPem.length, 1);
    assert.equal(notPem[0].field, 'spec.request');
    assert.equal(notPem[0].message, 'Invalid value: []byte{0x68, 0x65, 0x6c, 0x6c, 0x6f}: PEM block type must be CERTIFICATE REQUEST');
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.match(messages(validateCreate(csr({ request: b64(key) })))[0], /PEM block type must be CERTIFICATE REQUEST$/);
    // The same request with one byte of its signature changed.
    const der = pemDecode(nodePem).block!.bytes;
    der[der.length - 5] ^= 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    assert.match(messages(validateCreate(csr({ request: b64(tampered) })))[0], /^spec\.request: Invalid value: \[\]byte\{0x2d, .*: x509: ECDSA verification failure$/);
    assert.throws(() => checkCSRSignature(parseCSR(tampered)), /ECDSA verification failure/);
  });

  test('signerName: required, "<domain>/<path>", the legacy one refused', () => {
    assert.deepEqual(messages(validateCreate(csr({ signerName: '' }))), ['spec.signerName: Required value']);
    assert.deepEqual(messages(validateSignerName('s', 'foo')), ["s: Invalid value: \"foo\": must be a fully qualified domain and path of the form 'example.com/signer-name'"]);
    assert.deepEqual(messages(validateSignerName('s', 'example/foo')), ['s: Invalid value: "example": should be a domain with at least two segments separated by dots']);
    assert.match(messages(validateSignerName('s', 'Example.com/foo'))[0], /^s: Invalid value: "Example.com": validating label "Example": a lowercase RFC 1123 label must consist of/);
    assert.match(messages(validateSignerName('s', 'example.com/Foo'))[0], /^s: Invalid value: "Foo": validating component "Foo": a lowercase RFC 1123 subdomain/);
    assert.deepEqual(validateSignerName('s', 'example.com/my-signer.v1'), []);
    assert.deepEqual(messages(validateCreate(csr({ signerName: 'kubernetes.io/legacy-unknown' }))),
      ['spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version']);
  });

  test('usages: at least one, known ones, each once; expirationSeconds at least 600', () => {
    assert.deepEqual(messages(validateCreate(csr({ usages: [] }))), ['spec.usages: Required value']);
    const bad = messages(validateCreate(csr({ usages: ['client auth', 'flying', 'client auth'] })));
    assert.equal(bad.length, 2);
    assert.match(bad[0], /^spec\.usages\[1\]: Unsupported value: "flying": supported values: "any", "cert sign", "client auth", .*"timestamping"$/);
    assert.equal(bad[1], 'spec.usages[2]: Duplicate value: "client auth"');
    assert.deepEqual(messages(validateCreate(csr({ expirationSeconds: 599 }))),
      ['spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)']);
    assert.deepEqual(validateCreate(csr({ expirationSeconds: 600 })), []);
  });

  test('conditions: Approved and Denied exclusive and True only, types once', () => {
    assert.deepEqual(messages(validateCreate(csr({}, [approved, denied]))),
      ['status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive']);
    assert.deepEqual(messages(validateCreate(csr({}, [{ ...approved, status: 'False' }]))),
      ['status.conditions[0].status: Unsupported value: "False": supported values: "True"']);
    assert.deepEqual(messages(validateCreate(csr({}, [approved, approved]))), ['status.conditions[1].type: Duplicate value: "Approved"']);
    assert.deepEqual(messages(validateCreate(csr({}, [{ type: 'Ready', status: '' }]))), ['status.conditions[0].status: Required value']);
    assert.deepEqual(validateCreate(csr({}, [{ type: 'Ready', status: 'Unknown' }])), []);
  });
});

describe('update', () => {
  test('conditions Approved and Denied change only through /approval, never go away', () => {
    const old = csr();
    const next = csr({}, [approved]);
    assert.deepEqual(messages(validateUpdate(next, old)), ['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
    assert.deepEqual(validateUpdate(next, old, { subresource: 'approval' }), []);
    assert.deepEqual(messages(validateUpdate(next, old, { subresource: 'status' })), ['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
    assert.deepEqual(messages(validateUpdate(old, next, { subresource: 'approval' })), ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
    assert.deepEqual(messages(validateUpdate(csr({}, [{ ...approved, message: 'changed' }]), next)),
      ['status.conditions: Forbidden: updates may not modify a condition of type "Approved"']);
    // Denying an approved request: both would be there.
    assert.deepEqual(messages(validateUpdate(csr({}, [approved, denied]), next, { subresource: 'approval' })),
      ['status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive']);
  });

  test('the certificate is set once, only through /status, and must be PEM certificates', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const old = csr({}, [approved]);
    const issued = csr({}, [approved], b64(ca.cert));
    assert.deepEqual(validateUpdate(issued, old, { subresource: 'status' }), []);
    assert.deepEqual(messages(validateUpdate(issued, old)), ['status.certificate: Forbidden: updates may not set certificate content']);
    const other = await createCertificateAuthority('other-ca');
    assert.deepEqual(messages(validateUpdate(csr({}, [approved], b64(other.cert)), issued, { subresource: 'status' })),
      ['status.certificate: Forbidden: updates may not modify existing certificate content']);
    assert.deepEqual(messages(validateUpdate(csr({}, [approved], b64('junk')), old, { subresource: 'status' })),
      ['status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block']);
    assert.deepEqual(messages(validateUpdate(csr({}, [approved], b64(nodePem)), old, { subresource: 'status' })),
      ['status.certificate: Invalid value: "<certificate data>": only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE REQUEST"']);
  });

  test('what the stored object already gets wrong does not block an update', () => {
    const old = csr({ usages: ['client auth', 'client auth'] });
    old.metadata.labels = { a: 'b' };
    const next = structuredClone(old);
    next.metadata.labels = { a: 'c' };
    assert.deepEqual(validateUpdate(next, old), []);
  });
});

describe('request helpers', () => {
  test('parseCSR reads the subject and SANs; kubelet client and serving rules', async () => {
    const p = parseCSR(nodePem);
    assert.deepEqual([p.commonName, p.organizations], ['system:node:n1', ['system:nodes']]);
    assert.equal(kubeletClientCSRProblem(p, ['digital signature', 'client auth']), undefined);
    assert.equal(kubeletClientCSRProblem(p, ['digital signature', 'key encipherment', 'client auth']), undefined);
    assert.equal(kubeletClientCSRProblem(p, ['client auth']), 'usages did not match [client auth digital signature key encipherment]');
    const masters = parseCSR(await makeCSR(ecKey(), 'system:node:n1', ['system:nodes', 'system:masters']));
    assert.equal(kubeletClientCSRProblem(masters, ['digital signature', 'client auth']), 'subject organization is not system:nodes');
    const notNode = parseCSR(await makeCSR(ecKey(), 'alice', ['system:nodes']));
    assert.equal(kubeletClientCSRProblem(notNode, ['digital signature', 'client auth']), 'subject common name does not begin with system:node:');
    const serving = parseCSR(await csrWithSANs('O=system:nodes, CN=system:node:n1', [{ type: 'dns', value: 'n1' }, { type: 'ip', value: '10.0.0.1' }]));
    assert.deepEqual([serving.dnsNames, serving.ipAddresses], [['n1'], ['10.0.0.1']]);
    assert.equal(kubeletClientCSRProblem(serving, ['digital signature', 'client auth']), 'DNS subjectAltNames are not allowed');
    assert.equal(kubeletServingCSRProblem(serving, ['digital signature', 'server auth']), undefined);
    assert.equal(kubeletServingCSRProblem(p, ['digital signature', 'server auth']), 'DNS or IP subjectAltName is required');
  });

  test('pemDecode skips text before the block and reads headers', () => {
    const { block, rest } = pemDecode('junk\n-----BEGIN THING-----\nA: b\n\naGk=\n-----END THING-----\nafter');
    assert.deepEqual([block?.type, block?.headers, block?.bytes.toString(), rest], ['THING', { A: 'b' }, 'hi', 'after']);
    assert.equal(pemDecode('nothing').block, undefined);
  });
});
