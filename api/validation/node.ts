// Nodes (core's ValidateNode and ValidateNodeUpdate).
import type { Node, NodeAddress, NodeSpec, NodeStatus } from '../types/core.js';
import { child, duplicate, type FieldCause, forbidden, index, invalid, jsonEqual, list, record, str } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isValidCIDR, nameIsDNSSubdomain, parseIP } from './names.js';
import { validateQuantityValue } from './resources.js';
import { validateTaints } from './scheduling.js';

const specOf = (node: Node): NodeSpec => record<unknown>(node.spec) as NodeSpec;
const statusOf = (node: Node): NodeStatus => record<unknown>(node.status) as NodeStatus;

/** spec.podCIDRs, or the single deprecated spec.podCIDR. */
const podCIDRsOf = (spec: NodeSpec): string[] =>
  (list<string>(spec.podCIDRs).length ? list<string>(spec.podCIDRs) : str(spec.podCIDR) ? [str(spec.podCIDR)] : []);

/** status.capacity and status.allocatable hold valid, non-negative quantities. */
function validateNodeResources(node: Node): FieldCause[] {
  const status = statusOf(node);
  const errs: FieldCause[] = [];
  for (const f of ['capacity', 'allocatable'] as const) {
    for (const [name, q] of Object.entries(record<unknown>(status[f]))) {
      errs.push(...validateQuantityValue(name, q, child('status', f, name)).errs);
    }
  }
  return errs;
}

function validatePodCIDRs(spec: NodeSpec): FieldCause[] {
  const cidrs = podCIDRsOf(spec);
  const errs: FieldCause[] = [];
  cidrs.forEach((c, i) => errs.push(...isValidCIDR(str(c)).map((msg) => invalid(index('spec.podCIDRs', i), c, msg))));
  if (cidrs.length > 1) {
    const families = cidrs.map((c) => parseIP(str(c).split('/')[0]));
    if (cidrs.length > 2 || families[0] === families[1]) {
      errs.push(invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
    }
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(index('spec.podCIDRs', i), c));
      seen.add(c);
    });
  }
  return errs;
}

/** A node being created: cluster-scoped DNS-subdomain name, taints, resources, podCIDRs. */
export function validateNodeCreate(node: Node): FieldCause[] {
  return [
    ...validateObjectMeta(node.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain }),
    // Kubernetes reports taint problems under metadata.taints; kept for fidelity.
    ...validateTaints(specOf(node).taints, 'metadata.taints'),
    ...validateNodeResources(node),
    ...validatePodCIDRs(specOf(node)),
  ];
}

/**
 * A node being updated: metadata rules, resources, no duplicate addresses, podCIDRs
 * and providerID may only go from unset to set, valid taints.
 */
export function validateNodeUpdate(node: Node, old: Node): FieldCause[] {
  const spec = specOf(node);
  const oldSpec = specOf(old);
  const errs = validateObjectMetaUpdate(node.metadata, old.metadata);
  errs.push(...validateNodeResources(node));
  const addresses = list<NodeAddress>(statusOf(node).addresses);
  addresses.forEach((a, i) => {
    if (addresses.slice(0, i).some((b) => jsonEqual(a, b))) errs.push(duplicate(index('status.addresses', i), a));
  });
  const oldCIDRs = podCIDRsOf(oldSpec);
  if (oldCIDRs.length > 0) {
    const cidrs = podCIDRsOf(spec);
    const message = 'node updates may not change podCIDR except from "" to valid';
    if (cidrs.length !== oldCIDRs.length) errs.push(forbidden('spec.podCIDRs', message));
    else oldCIDRs.forEach((c, i) => { if (c !== cidrs[i]) errs.push(forbidden('spec.podCIDRs', message)); });
  }
  if (str(oldSpec.providerID) && oldSpec.providerID !== spec.providerID) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  errs.push(...validateTaints(spec.taints, 'metadata.taints'));
  if ((spec.externalID ?? '') !== (oldSpec.externalID ?? '')) errs.push(forbidden('spec.externalID', 'may not be updated'));
  return errs;
}
