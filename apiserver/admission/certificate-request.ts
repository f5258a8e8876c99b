// Admission for CertificateSigningRequests:
// - CertificateRequestUser (no plugin in Kubernetes: the CSR strategy's PrepareForCreate
//   reads the user from the request context, which our strategies do not see): on
//   create, spec.username, uid, groups and extra are the requesting user's, whatever
//   the client sent. Never disabled.
// - CertificateApproval (plugin/pkg/admission/certificates/approval): an update of
//   /approval needs the "approve" verb on signers (group certificates.k8s.io) named the
//   request's signerName, or "<domain>/*".
// - CertificateSigning (plugin/pkg/admission/certificates/signing): an update of /status
//   that changes the certificate or the conditions needs "sign" on it likewise.
// - CertificateSubjectRestriction (plugin/pkg/admission/certificates/subjectrestriction):
//   no request for kubernetes.io/kube-apiserver-client may name O=system:masters.
import { forbiddenObject, type StatusError } from '../../api/errors.js';
import type { CertificateSigningRequest } from '../../api/types/certificates.js';
import { KUBE_APISERVER_CLIENT_SIGNER } from '../../api/types/certificates.js';
import { jsonEqual } from '../../api/validation/field.js';
import { parseCSR, requestBytes } from '../../api/validation/certificatesigningrequest.js';
import type { User } from '../authn/user.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { AdmissionAttributes, AdmissionPlugin } from './chain.js';

const GROUP = 'certificates.k8s.io';
const PLURAL = 'certificatesigningrequests';

const isCSR = (a: AdmissionAttributes): boolean => a.resource.group === GROUP && a.resource.plural === PLURAL;

/** admission.NewForbidden: named by the resource and the object. */
const deny = (a: AdmissionAttributes, why: string): StatusError => forbiddenObject({ group: GROUP, resource: PLURAL }, a.name, why);

/**
 * certificates.IsAuthorizedForSignerName: verb on signers/<signerName>, else on
 * signers/<domain>/* (one grant for every signer of a domain).
 */
export function authorizedForSignerName(authorizer: Authorizer, user: User, verb: string, signerName: string): boolean {
  const allowed = (name: string): boolean => authorizer.authorize({
    user, verb, resourceRequest: true, path: '', apiGroup: GROUP, apiVersion: '*', resource: 'signers', name,
  }).decision === 'allow';
  return allowed(signerName) || allowed(`${signerName.split('/')[0]}/*`);
}

/** Sets who asked on every request created; undefined user (the apiserver itself): nobody. */
export const certificateRequestUser: AdmissionPlugin = {
  name: 'CertificateRequestUser',
  admit(a) {
    if (!isCSR(a) || a.operation !== 'CREATE' || a.subresource || !a.object) return;
    const csr = a.object as CertificateSigningRequest;
    if (!csr.spec || typeof csr.spec !== 'object') return;
    delete csr.spec.username;
    delete csr.spec.uid;
    delete csr.spec.groups;
    delete csr.spec.extra;
    const u = a.user;
    if (!u) return;
    csr.spec.username = u.name;
    if (u.uid) csr.spec.uid = u.uid;
    if (u.groups.length) csr.spec.groups = [...u.groups];
    if (u.extra && Object.keys(u.extra).length) csr.spec.extra = structuredClone(u.extra);
  },
};

/** CertificateApproval: approving or denying needs "approve" on the signer. */
export function certificateApproval(authorizer: Authorizer): AdmissionPlugin {
  return {
    name: 'CertificateApproval',
    validate(a) {
      if (!isCSR(a) || a.subresource !== 'approval' || a.operation !== 'UPDATE' || !a.user) return;
      // The stored request's signer: the update may not change it anyway.
      const signerName = (a.oldObject as CertificateSigningRequest | undefined)?.spec?.signerName ?? '';
      if (!authorizedForSignerName(authorizer, a.user, 'approve', signerName)) {
        throw deny(a, `user not permitted to approve requests with signerName ${JSON.stringify(signerName)}`);
      }
    },
  };
}

/** CertificateSigning: issuing a certificate (or failing a request) needs "sign" on the signer. */
export function certificateSigning(authorizer: Authorizer): AdmissionPlugin {
  return {
    name: 'CertificateSigning',
    validate(a) {
      if (!isCSR(a) || a.subresource !== 'status' || a.operation !== 'UPDATE' || !a.user) return;
      const old = a.oldObject as CertificateSigningRequest | undefined;
      const csr = a.object as CertificateSigningRequest | undefined;
      if ((old?.status?.certificate ?? '') === (csr?.status?.certificate ?? '')
        && jsonEqual(old?.status?.conditions ?? [], csr?.status?.conditions ?? [])) return;
      const signerName = old?.spec?.signerName ?? '';
      if (!authorizedForSignerName(authorizer, a.user, 'sign', signerName)) {
        throw deny(a, `user not permitted to sign requests with signerName ${JSON.stringify(signerName)}`);
      }
    },
  };
}

/** CertificateSubjectRestriction: the API server's client signer never issues system:masters. */
export const certificateSubjectRestriction: AdmissionPlugin = {
  name: 'CertificateSubjectRestriction',
  validate(a) {
    if (!isCSR(a) || a.operation !== 'CREATE' || a.subresource || !a.object) return;
    const csr = a.object as CertificateSigningRequest;
    if (csr.spec?.signerName !== KUBE_APISERVER_CLIENT_SIGNER) return;
    // Validation has run: the request parses.
    if (parseCSR(requestBytes(csr)).organizations.includes('system:masters')) {
      throw deny(a, `use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
    }
  },
};
