// discovery.k8s.io/v1 definitions: EndpointSlice, the sliced endpoints of a service.
import { C } from './core.js';
import { METADATA, listKind } from './meta.js';
import {
  API_VERSION, KIND, bool, gvk, int32, kind, listOf, object, ref, str, strMap, strings, type Definitions,
} from './schema.js';

export const D = 'io.k8s.api.discovery.v1.';

export const DISCOVERY_DEFINITIONS: Definitions = {
  [`${D}EndpointConditions`]: object('The current state of an endpoint.', {
    ready: bool('The endpoint can receive traffic, according to whatever manages it. Unset means unknown, read as true. Should not be true for a terminating endpoint unless the service publishes not-ready addresses.'),
    serving: bool('Like ready, but set regardless of whether the endpoint is terminating. Unset means: defer to ready.'),
    terminating: bool('The endpoint is terminating. Unset means unknown, read as false.'),
  }),

  [`${D}ForZone`]: object('A zone that should consume an endpoint.', {
    name: str('The name of the zone.'),
  }, ['name']),

  [`${D}EndpointHints`]: object('How an endpoint should be consumed.', {
    forZones: listOf(`${D}ForZone`, 'The zones this endpoint should be consumed by, for topology aware routing. At most 8.', { listType: 'atomic' }),
  }),

  [`${D}Endpoint`]: object('One backend of a service.', {
    addresses: strings('The addresses of this endpoint, read according to the slice\'s addressType: at least one, at most 100. Consumers may use only the first.', { listType: 'set' }),
    conditions: ref(`${D}EndpointConditions`, 'The current state of the endpoint.'),
    deprecatedTopology: strMap('Topology of the v1beta1 API. Not writable through v1: writes are silently dropped. Use zone and nodeName.'),
    hints: ref(`${D}EndpointHints`, 'How the endpoint should be consumed.'),
    hostname: str('The hostname of this endpoint, for consumers that tell endpoints apart (DNS names). Must be a DNS label (RFC 1123).'),
    nodeName: str('The node hosting this endpoint.'),
    targetRef: ref(`${C}ObjectReference`, 'The object this endpoint stands for (a Pod).'),
    zone: str('The zone this endpoint is in.'),
  }, ['addresses']),

  [`${D}EndpointPort`]: object('A port of the endpoints of a slice.', {
    appProtocol: str('The application protocol of the port, a label-like name: an IANA service name, a kubernetes.io/ prefixed name (kubernetes.io/h2c, kubernetes.io/ws, kubernetes.io/wss) or a domain-prefixed one.'),
    name: str('The name of the port, unique in the slice: the service port\'s name for a slice of a service. Empty or a DNS label. Defaults to "".'),
    port: int32('The port number. Unset means all ports.'),
    protocol: str('The IP protocol: TCP (the default), UDP or SCTP.', { enum: ['SCTP', 'TCP', 'UDP'] }),
  }, undefined, { mapType: 'atomic' }),

  [`${D}EndpointSlice`]: kind(gvk('discovery.k8s.io', 'v1', 'EndpointSlice'), 'A slice of the endpoints of a service. A service may have several; list them by the kubernetes.io/service-name label.', {
    addressType: str('The kind of address every endpoint of the slice carries: IPv4, IPv6 or FQDN. Immutable.', { enum: ['FQDN', 'IPv4', 'IPv6'] }),
    apiVersion: API_VERSION,
    endpoints: listOf(`${D}Endpoint`, 'The endpoints of this slice, at most 1000.', { listType: 'atomic' }),
    kind: KIND,
    metadata: METADATA,
    ports: listOf(`${D}EndpointPort`, 'The ports every endpoint of the slice exposes, each with a unique name. Empty: no ports are defined. A port without a number means all ports.', { listType: 'atomic' }),
  }, ['addressType', 'endpoints']),

  [`${D}EndpointSliceList`]: listKind('discovery.k8s.io', 'v1', 'EndpointSliceList', `${D}EndpointSlice`, 'endpoint slices'),
};
