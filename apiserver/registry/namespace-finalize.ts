// PUT namespaces/<name>/finalize: the namespace controller's way to clear
// spec.finalizers once the namespace is empty (Kubernetes' FinalizeREST). The update
// goes through guaranteedUpdate; a resourceVersion in the body is a precondition.
import type { KubeObject } from '../../api/types/meta.js';
import type { GenericRegistry } from './generic.js';
import type { Subresource, SubresourceRequest, SubresourceResult } from './subresource.js';

interface NamespaceBody extends KubeObject { spec?: { finalizers?: string[] } }

export function finalizeSubresource(namespaces: GenericRegistry): Subresource {
  return {
    methods: ['PUT'],
    async serve(req: SubresourceRequest): Promise<SubresourceResult> {
      const obj = req.object(namespaces.ri) as NamespaceBody;
      const out = await namespaces.guaranteedUpdate(undefined, req.name, (cur) => {
        (cur as NamespaceBody).spec = { ...((cur as NamespaceBody).spec ?? {}), finalizers: obj?.spec?.finalizers ?? [] };
        return cur;
      }, { subresource: 'finalize', precondition: obj?.metadata?.resourceVersion || undefined, dryRun: req.dryRun, user: req.user, warnings: req.warnings, manager: req.manager });
      return { code: 200, body: out };
    },
  };
}
