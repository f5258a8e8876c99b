// discovery.k8s.io/v1 EndpointSlices (discovery's ValidateEndpointSliceCreate and
// ValidateEndpointSliceUpdate), with Kubernetes' limits: 1000 endpoints, 100
// addresses per endpoint, 20000 ports, 16 topology labels, 8 zone hints.
import type { Endpoint, EndpointHints, EndpointPort, EndpointSlice, ForZone } from '../types/discovery.js';
import {
  child, duplicate, type FieldCause, index, invalid, list, notSupported, record, required, str, tooMany,
} from './field.js';
import { validateImmutable, validateLabels, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './meta.js';
import {
  isDNS1123Label, isDNS1123Subdomain, isValidIPv4Address, isValidIPv6Address, isValidLabelValue, nameIsDNSSubdomain,
} from './names.js';
import { validateNonSpecialIP } from './service.js';

export const MAX_ENDPOINTS = 1000;
export const MAX_ADDRESSES = 100;
export const MAX_PORTS = 20000;
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ZONE_HINTS = 8;
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** IsFullyQualifiedDomainName: a DNS subdomain of at least two labels, a trailing dot allowed. */
function validateFQDN(value: string, path: string): FieldCause[] {
  if (value.length === 0) return [required(path)];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const errs = isDNS1123Subdomain(name);
  if (errs.length) return [invalid(path, name, errs.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const labelErrs = isDNS1123Label(label);
    if (labelErrs.length) return [invalid(path, label, labelErrs.join(','))];
  }
  return [];
}

function validateAddress(address: string, addressType: string, path: string): FieldCause[] {
  // Deliberate deviation, as for Endpoints (see endpoints.ts): loopback addresses are
  // allowed, because this apiserver advertises 127.0.0.1 by default and writes the
  // `kubernetes` EndpointSlice through the registry.
  switch (addressType) {
    case 'IPv4': return [...isValidIPv4Address(address).map((msg) => invalid(path, address, msg)), ...validateNonSpecialIP(address, path, true)];
    case 'IPv6': return [...isValidIPv6Address(address).map((msg) => invalid(path, address, msg)), ...validateNonSpecialIP(address, path, true)];
    case 'FQDN': return validateFQDN(address, path);
    default: return []; // an unknown type is reported once, on addressType
  }
}

function validateHints(hints: EndpointHints, path: string): FieldCause[] {
  const zonesPath = child(path, 'forZones');
  const zones = list<ForZone>(hints.forZones);
  if (zones.length > MAX_ZONE_HINTS) return [tooMany(zonesPath, zones.length, MAX_ZONE_HINTS)];
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  zones.forEach((zone, i) => {
    const namePath = child(index(zonesPath, i), 'name');
    const name = str(record<unknown>(zone).name);
    if (seen.has(name)) errs.push(duplicate(namePath, name));
    else seen.add(name);
    for (const msg of isValidLabelValue(name)) errs.push(invalid(namePath, name, msg));
  });
  return errs;
}

function validateEndpoints(endpoints: unknown, addressType: string): FieldCause[] {
  const eps = list<Endpoint>(endpoints);
  if (eps.length > MAX_ENDPOINTS) return [tooMany('endpoints', eps.length, MAX_ENDPOINTS)];
  const errs: FieldCause[] = [];
  eps.forEach((raw, i) => {
    const ep = record<unknown>(raw) as unknown as Endpoint;
    const p = index('endpoints', i);
    const addressesPath = child(p, 'addresses');
    const addresses = list<unknown>(ep.addresses);
    if (addresses.length === 0) errs.push(required(addressesPath, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(addressesPath, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => errs.push(...validateAddress(str(a), addressType, index(addressesPath, j))));
    if (ep.nodeName !== undefined && ep.nodeName !== null) {
      for (const msg of nameIsDNSSubdomain(str(ep.nodeName), false)) errs.push(invalid(child(p, 'nodeName'), ep.nodeName, msg));
    }
    const topologyPath = child(p, 'deprecatedTopology');
    const topology = record<unknown>(ep.deprecatedTopology);
    if (Object.keys(topology).length > MAX_TOPOLOGY_LABELS) errs.push(tooMany(topologyPath, Object.keys(topology).length, MAX_TOPOLOGY_LABELS));
    errs.push(...validateLabels(topology, topologyPath));
    if (ep.hostname !== undefined && ep.hostname !== null) {
      for (const msg of isDNS1123Label(str(ep.hostname))) errs.push(invalid(child(p, 'hostname'), ep.hostname, msg));
    }
    if (ep.hints !== undefined && ep.hints !== null) errs.push(...validateHints(record<unknown>(ep.hints) as EndpointHints, child(p, 'hints')));
  });
  return errs;
}

function validatePorts(ports: unknown): FieldCause[] {
  const all = list<EndpointPort>(ports);
  if (all.length > MAX_PORTS) return [tooMany('ports', all.length, MAX_PORTS)];
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  all.forEach((raw, i) => {
    const port = record<unknown>(raw) as EndpointPort;
    const p = index('ports', i);
    const name = str(port.name);
    if (name.length > 0) errs.push(...isDNS1123Label(name).map((msg) => invalid(child(p, 'name'), name, msg)));
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    if (port.protocol === undefined || port.protocol === null) errs.push(required(child(p, 'protocol')));
    else if (!PORT_PROTOCOLS.includes(str(port.protocol))) errs.push(notSupported(child(p, 'protocol'), port.protocol, PORT_PROTOCOLS));
    if (port.appProtocol !== undefined && port.appProtocol !== null) errs.push(...validateQualifiedName(str(port.appProtocol), child(p, 'appProtocol')));
  });
  return errs;
}

function validateEndpointSlice(slice: EndpointSlice): FieldCause[] {
  const addressType = str(slice.addressType);
  const errs = validateObjectMeta(slice.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  if (!addressType) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(notSupported('addressType', addressType, ADDRESS_TYPES));
  return [...errs, ...validateEndpoints(slice.endpoints, addressType), ...validatePorts(slice.ports)];
}

/** An EndpointSlice being created: name, address type, endpoints and ports within Kubernetes' limits. */
export function validateEndpointSliceCreate(slice: EndpointSlice): FieldCause[] {
  return validateEndpointSlice(slice);
}

/** An EndpointSlice being updated: the create rules, the metadata update rules, and an unchanged addressType. */
export function validateEndpointSliceUpdate(slice: EndpointSlice, old: EndpointSlice): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(slice.metadata, old.metadata),
    ...validateEndpointSlice(slice),
    ...validateImmutable(slice.addressType, old.addressType, 'addressType'),
  ];
}
