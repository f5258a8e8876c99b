// Endpoints (core's ValidateEndpoints and validateEndpointSubsets).
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset } from '../types/core.js';
import { child, type FieldCause, index, invalid, list, notSupported, record, required, str } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './meta.js';
import { isDNS1123Label, isValidIP, isValidPortNum, nameIsDNSSubdomain } from './names.js';
import { validateNonSpecialIP } from './service.js';

const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateAddress(addr: EndpointAddress, path: string): FieldCause[] {
  const a = record<unknown>(addr) as unknown as EndpointAddress;
  const ip = str(a.ip);
  const errs = isValidIP(ip).map((msg) => invalid(child(path, 'ip'), ip, msg));
  if (str(a.hostname)) errs.push(...isDNS1123Label(str(a.hostname)).map((msg) => invalid(child(path, 'hostname'), a.hostname, msg)));
  if (a.nodeName !== undefined && a.nodeName !== null) {
    errs.push(...nameIsDNSSubdomain(str(a.nodeName), false).map((msg) => invalid(child(path, 'nodeName'), a.nodeName, msg)));
  }
  // Deliberate deviation: Kubernetes rejects loopback endpoint IPs, but this cluster's
  // apiserver advertises 127.0.0.1 by default and writes the `kubernetes` service's
  // endpoints through the registry, so loopback addresses are allowed here.
  errs.push(...validateNonSpecialIP(ip, child(path, 'ip'), true));
  return errs;
}

function validatePort(port: EndpointPort, requireName: boolean, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const name = str(port?.name);
  if (requireName && !name) errs.push(required(child(path, 'name')));
  else if (name) errs.push(...isDNS1123Label(name).map((msg) => invalid(child(path, 'name'), name, msg)));
  const n = typeof port?.port === 'number' ? port.port : 0;
  errs.push(...isValidPortNum(n).map((msg) => invalid(child(path, 'port'), n, msg)));
  const protocol = str(port?.protocol);
  if (!protocol) errs.push(required(child(path, 'protocol')));
  else if (!PORT_PROTOCOLS.includes(protocol)) errs.push(notSupported(child(path, 'protocol'), protocol, PORT_PROTOCOLS));
  if (port?.appProtocol !== undefined) errs.push(...validateQualifiedName(str(port.appProtocol), child(path, 'appProtocol')));
  return errs;
}

function validateSubsets(ep: Endpoints): FieldCause[] {
  const errs: FieldCause[] = [];
  list<EndpointSubset>(ep.subsets).forEach((ss, i) => {
    const p = index('subsets', i);
    const addrs = list<EndpointAddress>(ss?.addresses);
    const notReady = list<EndpointAddress>(ss?.notReadyAddresses);
    if (addrs.length === 0 && notReady.length === 0) errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    addrs.forEach((a, j) => errs.push(...validateAddress(a, index(child(p, 'addresses'), j))));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, index(child(p, 'notReadyAddresses'), j))));
    const ports = list<EndpointPort>(ss?.ports);
    ports.forEach((port, j) => errs.push(...validatePort(port, ports.length > 1, index(child(p, 'ports'), j))));
  });
  return errs;
}

/** Endpoints being created: DNS-subdomain name, addresses (valid, non-special IPs) and ports. */
export function validateEndpointsCreate(ep: Endpoints): FieldCause[] {
  return [...validateObjectMeta(ep.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateSubsets(ep)];
}

/** Endpoints being updated: metadata update rules, then the create rules. */
export function validateEndpointsUpdate(ep: Endpoints, old: Endpoints): FieldCause[] {
  return [...validateObjectMetaUpdate(ep.metadata, old.metadata), ...validateEndpointsCreate(ep)];
}
