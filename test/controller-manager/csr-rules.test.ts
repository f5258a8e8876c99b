// The certificate controllers' decisions, without an apiserver: which requests the
// approver approves after which SubjectAccessReview, and what the signer issues (the
// request's subject, the CA as issuer, the usages asked for, the lifetime) or refuses.
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { SubjectAccessReviewSpec } from '../../api/types/authorization.js';
import type { CertificateSigningRequest } from '../../api/types/certificates.js';
import { createCertificateAuthority } from '../../apiserver/tls.js';
import { FakeClock } from '../../client/clock.js';
import { parseCSR } from '../../api/validation/certificatesigningrequest.js';
import { approve, NotApprovedYet, type CSRApproverClient } from '../../controller-manager/csr-approving/controller.js';
import { CertificateController } from '../../controller-manager/csr-approving/certificate-controller.js';
import { signRequest, type CSRSignerClient } from '../../controller-manager/csr-signing/controller.js';
import {
  certificateLifetime, keyUsagesFromStrings, loadSigningCA, signCertificate, validity, type SigningCA,
} from '../../controller-manager/csr-signing/signer.js';
import { makeCSR } from '../../kubelet/bootstrap.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const HOUR = 3600_000;
const YEAR_MS = 8760 * HOUR;
const ecKey = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

async function request(o: { cn?: string; orgs?: string[]; signer?: string; usages?: string[]; username?: string; groups?: string[]; expirationSeconds?: number } = {}): Promise<CertificateSigningRequest> {
  const pem = await makeCSR(ecKey(), o.cn ?? 'system:node:n1', o.orgs ?? ['system:nodes']);
  return {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
    metadata: { name: 'node-csr-1', uid: 'uid-1', resourceVersion: '7' },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: o.signer ?? 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: o.usages ?? ['digital signature', 'key encipherment', 'client auth'],
      username: o.username ?? 'system:bootstrap:abcdef',
      groups: o.groups ?? ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
      ...(o.expirationSeconds ? { expirationSeconds: o.expirationSeconds } : {}),
    },
    status: {},
  };
}

/** An approver client answering SubjectAccessReviews by subresource, recording everything. */
function fakeApprover(allowed: string[]): CSRApproverClient & { reviews: SubjectAccessReviewSpec[]; approvals: CertificateSigningRequest[] } {
  const reviews: SubjectAccessReviewSpec[] = [];
  const approvals: CertificateSigningRequest[] = [];
  return {
    reviews, approvals,
    subjectAccessReview: async (spec) => { reviews.push(spec); return allowed.includes(spec.resourceAttributes?.subresource ?? ''); },
    updateApproval: async (csr) => { approvals.push(structuredClone(csr)); },
  };
}

describe('approver', () => {
  test('a new node\'s client request is approved once a review allows nodeclient', async () => {
    const client = fakeApprover(['nodeclient']);
    assert.equal(await approve(await request(), client), 'approved');
    // Not its own name: selfnodeclient is not asked.
    assert.deepEqual(client.reviews, [{
      user: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
      resourceAttributes: { group: 'certificates.k8s.io', version: '*', resource: 'certificatesigningrequests', subresource: 'nodeclient', verb: 'create' },
    }]);
    assert.deepEqual(client.approvals[0].status?.conditions, [{
      type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
    }]);
  });

  test('a renewal (CN is the requester) asks selfnodeclient first', async () => {
    const client = fakeApprover(['selfnodeclient']);
    const csr = await request({ username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] });
    assert.equal(await approve(csr, client), 'approved');
    assert.deepEqual(client.reviews.map((r) => r.resourceAttributes?.subresource), ['selfnodeclient']);
    assert.equal(client.approvals[0].status?.conditions?.[0].message, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
  });

  test('recognized but not allowed: retried later, nothing written', async () => {
    const client = fakeApprover([]);
    const csr = await request({ username: 'system:node:n1' });
    await assert.rejects(approve(csr, client), (err: unknown) => err instanceof NotApprovedYet
      && err.message === 'recognized csr "node-csr-1" as [selfnodeclient nodeclient] but subject access review was not approved');
    assert.equal(client.approvals.length, 0);
  });

  test('anything but a valid node client request, or one decided, is left alone', async () => {
    const cases = [
      await request({ signer: 'kubernetes.io/kube-apiserver-client' }),
      await request({ orgs: ['system:nodes', 'system:masters'] }),
      await request({ cn: 'alice' }),
      await request({ usages: ['client auth'] }),
      await request({ usages: ['digital signature', 'client auth', 'server auth'] }),
    ];
    const decided = await request();
    decided.status = { conditions: [{ type: 'Denied', status: 'True' }] };
    cases.push(decided);
    for (const csr of cases) {
      const client = fakeApprover(['nodeclient', 'selfnodeclient']);
      assert.equal(await approve(csr, client), 'ignored');
      assert.equal(client.reviews.length + client.approvals.length, 0);
    }
  });
});

/** A signer client recording the status writes. */
function fakeSigner(): CSRSignerClient & { writes: CertificateSigningRequest[] } {
  const writes: CertificateSigningRequest[] = [];
  return { writes, updateStatus: async (csr) => { writes.push(structuredClone(csr)); } };
}

const approvedOf = async (o: Parameters<typeof request>[0] = {}): Promise<CertificateSigningRequest> => {
  const csr = await request(o);
  csr.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }] };
  return csr;
};

describe('signer', () => {
  const NOW = Date.parse('2025-06-01T12:00:00Z');
  let ca: SigningCA;
  let caPem: string;

  test('an approved kubelet client request gets a certificate for its subject from the CA', async () => {
    const pair = await createCertificateAuthority('tskube-test-ca');
    caPem = pair.cert;
    ca = await loadSigningCA(pair.cert, pair.key);
    const client = fakeSigner();
    const csr = await approvedOf();
    assert.equal(await signRequest(csr, { ca: async () => ca, certTTLMs: YEAR_MS, client, now: () => Date.now() }), 'signed');
    const pem = Buffer.from(client.writes[0].status?.certificate ?? '', 'base64').toString();
    const cert = new X509Certificate(pem);
    const issuer = new X509Certificate(caPem);
    assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:n1');
    assert.equal(cert.issuer, issuer.subject);
    assert.ok(cert.checkIssued(issuer) && cert.verify(issuer.publicKey));
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    // The request's own key.
    assert.ok(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(parseCSR(Buffer.from(csr.spec.request, 'base64')).publicKey));
    // 8760 h from the backdated notBefore (5 minutes ago).
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), YEAR_MS);
    assert.ok(Math.abs(Date.parse(cert.validFrom) - (Date.now() - 5 * 60_000)) < 5000);
    const parsed = new x509.X509Certificate(pem);
    const ku = parsed.getExtension(x509.KeyUsagesExtension);
    assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    assert.equal(ku?.critical, true);
    assert.equal(parsed.getExtension(x509.SubjectAlternativeNameExtension), null);
    const ski = new x509.X509Certificate(caPem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    assert.equal(parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, ski);
  });

  test('expirationSeconds shortens the certificate, never below 10 minutes nor past the duration flag', async () => {
    assert.equal(certificateLifetime(undefined, YEAR_MS), YEAR_MS);
    assert.equal(certificateLifetime(3600, YEAR_MS), HOUR);
    assert.equal(certificateLifetime(100, YEAR_MS), 10 * 60_000);
    assert.equal(certificateLifetime(10 * 8760 * 3600, YEAR_MS), YEAR_MS);
    // Short ones count from now, longer ones from the backdated notBefore; none outlives the CA.
    assert.deepEqual(validity(NOW, HOUR, NOW + YEAR_MS), { notBefore: new Date(NOW - 5 * 60_000), notAfter: new Date(NOW + HOUR) });
    assert.deepEqual(validity(NOW, 24 * HOUR, NOW + YEAR_MS), { notBefore: new Date(NOW - 5 * 60_000), notAfter: new Date(NOW - 5 * 60_000 + 24 * HOUR) });
    assert.equal(validity(NOW, YEAR_MS, NOW + HOUR).notAfter.getTime(), NOW + HOUR);
    assert.throws(() => validity(NOW, HOUR, NOW - 1), /expired/);
    const client = fakeSigner();
    assert.equal(await signRequest(await approvedOf({ expirationSeconds: 3600 }), { ca: async () => ca, certTTLMs: YEAR_MS, client, now: () => NOW }), 'signed');
    const cert = new X509Certificate(Buffer.from(client.writes[0].status?.certificate ?? '', 'base64'));
    assert.deepEqual([Date.parse(cert.validFrom), Date.parse(cert.validTo)], [NOW - 5 * 60_000, NOW + HOUR]);
  });

  test('usages map to key usages and extended key usages in Go\'s order', () => {
    assert.deepEqual(keyUsagesFromStrings(['client auth', 'server auth', 'digital signature', 's/mime', 'email protection']), {
      keyUsage: x509.KeyUsageFlags.digitalSignature, extKeyUsages: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'],
    });
    assert.throws(() => keyUsagesFromStrings(['flying']), /unrecognized usage values: \["flying"\]/);
  });

  test('a request breaking its signer\'s rules gets Failed; unapproved or foreign ones nothing', async () => {
    const client = fakeSigner();
    const opts = { ca: async () => ca, certTTLMs: YEAR_MS, client, now: () => NOW };
    assert.equal(await signRequest(await approvedOf({ orgs: ['system:masters'] }), opts), 'failed');
    const failed = client.writes[0].status?.conditions?.[1];
    assert.deepEqual([failed?.type, failed?.status, failed?.reason, failed?.message], ['Failed', 'True', 'SignerValidationFailure', 'subject organization is not system:nodes']);
    assert.equal(client.writes[0].status?.certificate, undefined);
    assert.equal(await signRequest(await request(), opts), 'ignored');
    assert.equal(await signRequest(await approvedOf({ signer: 'example.com/other' }), opts), 'ignored');
    const both = await approvedOf();
    both.status?.conditions?.push({ type: 'Denied', status: 'True' });
    assert.equal(await signRequest(both, opts), 'ignored');
    assert.equal(client.writes.length, 1);
    // The API server client signer: client auth needed, nothing but it and the two optional ones.
    assert.equal(await signRequest(await approvedOf({ signer: 'kubernetes.io/kube-apiserver-client', cn: 'alice', orgs: ['devs'], usages: ['client auth'] }), opts), 'signed');
    assert.equal(await signRequest(await approvedOf({ signer: 'kubernetes.io/kube-apiserver-client', cn: 'alice', orgs: [], usages: ['server auth'] }), opts), 'failed');
    assert.equal(client.writes[2].status?.conditions?.at(-1)?.message, 'invalid usage for client certificate: server auth');
  });

  test('an RSA CA signs too', async () => {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
    const caCert = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=rsa-ca', keys, signingAlgorithm: alg, notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + 10 * YEAR_MS),
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
    });
    const keyDer = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey);
    const rsa = await loadSigningCA(caCert.toString('pem'), x509.PemConverter.encode(keyDer, 'PRIVATE KEY'));
    const csr = await approvedOf();
    const pem = await signCertificate(rsa, parseCSR(Buffer.from(csr.spec.request, 'base64')), csr.spec.usages ?? [], HOUR, NOW);
    const cert = new X509Certificate(pem);
    assert.ok(cert.verify(new X509Certificate(caCert.toString('pem')).publicKey));
    assert.equal(cert.issuer, 'CN=rsa-ca');
  });
});

describe('certificate controller loop', () => {
  test('a request that is gone or issued is not handed to the handler', async () => {
    const seen: string[] = [];
    const store = new Map<string, CertificateSigningRequest>();
    const issued = await request();
    issued.metadata.name = 'issued';
    issued.status = { certificate: 'Y2VydA==' };
    store.set('issued', issued);
    const pending = await request();
    pending.metadata.name = 'pending';
    store.set('pending', pending);
    const cc = new CertificateController('test', {
      csrs: { get: (_ns, name) => store.get(name), addEventHandler: () => () => undefined },
      handler: async (csr) => { seen.push(csr.metadata.name ?? ''); csr.metadata.name = 'changed'; },
      workers: 1, clock: new FakeClock(), log: pino({ level: 'silent' }),
    });
    for (const key of ['gone', 'issued', 'pending']) await cc.sync(key);
    assert.deepEqual(seen, ['pending']);
    // The handler got a copy.
    assert.equal(store.get('pending')?.metadata.name, 'pending');
  });
});
