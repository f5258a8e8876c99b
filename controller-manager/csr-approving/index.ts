// The CSR approving controller as kube-controller-manager registers it (csrapproving,
// service account certificate-controller, no flags).
import type { SubjectAccessReview } from '../../api/types/authorization.js';
import type { CertificateSigningRequest } from '../../api/types/certificates.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import { NAME, newCSRApprovingController, type CSRApproverClient } from './controller.js';

export function restCSRApproverClient(rest: RestClient): CSRApproverClient {
  const reviews = resourceClient<SubjectAccessReview>(rest, 'subjectaccessreviews');
  const csrs = resourceClient<CertificateSigningRequest>(rest, 'certificatesigningrequests');
  return {
    subjectAccessReview: async (spec) => {
      const answer = await reviews.create('', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec });
      return answer.status?.allowed === true;
    },
    updateApproval: async (csr) => {
      await csrs.updateSubresource('', csr.metadata.name ?? '', 'approval', csr);
    },
  };
}

export const csrApprovingDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['csrapproving'],
  serviceAccountName: 'certificate-controller',
  flags: [],
  create(ctx) {
    return newCSRApprovingController({
      csrs: ctx.informers.informer<CertificateSigningRequest>('certificatesigningrequests'),
      client: restCSRApproverClient(ctx.rest),
      clock: ctx.clock,
      log: ctx.log.child({ controller: NAME }),
      metrics: ctx.metrics,
    });
  },
};
