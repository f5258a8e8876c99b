// Services (core's ValidateService, ValidateServiceUpdate and the clusterIPs /
// ipFamilies rules that go with them).
import type { Service, ServicePort, ServiceSpec } from '../types/core.js';
import { validatePortNumOrName } from './container.js';
import {
  child, duplicate, type FieldCause, forbidden, index, invalid, jsonEqual, list, notSupported, Raw, record,
  required, str,
} from './field.js';
import { checkDuplicate, validateLabels, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidCIDR, isValidIP, isValidPortNum, nameIsDNS1035Label, parseIP } from './names.js';
import { externallyAccessible, needsHealthCheck } from '../helpers/service.js';

const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

const specOf = (svc: Service): ServiceSpec => record<unknown>(svc.spec) as ServiceSpec;
const isHeadless = (spec: ServiceSpec): boolean => list(spec.clusterIPs).length === 1 && list(spec.clusterIPs)[0] === 'None';

/** How Go prints the (protocol, port) key of a duplicated service port. */
function portKey(p: ServicePort): Raw {
  return new Raw(`core.ServicePort{Name:"", Protocol:${JSON.stringify(str(p?.protocol))}, AppProtocol:(*string)(nil), Port:${p?.port ?? 0}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`);
}

function validateServicePort(sp: ServicePort, requireName: boolean, names: Set<string>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const name = str(sp?.name);
  if (requireName && !name) {
    errs.push(required(child(path, 'name')));
  } else if (name) {
    errs.push(...isDNS1123Label(name).map((msg) => invalid(child(path, 'name'), name, msg)));
    errs.push(...checkDuplicate(names, name, child(path, 'name')));
  }
  const port = typeof sp?.port === 'number' ? sp.port : 0;
  errs.push(...isValidPortNum(port).map((msg) => invalid(child(path, 'port'), port, msg)));
  const protocol = str(sp?.protocol);
  if (!protocol) errs.push(required(child(path, 'protocol')));
  else if (!PORT_PROTOCOLS.includes(protocol)) errs.push(notSupported(child(path, 'protocol'), protocol, PORT_PROTOCOLS));
  errs.push(...validatePortNumOrName(sp?.targetPort, child(path, 'targetPort')));
  if (sp?.appProtocol !== undefined) errs.push(...validateQualifiedName(str(sp.appProtocol), child(path, 'appProtocol')));
  return errs;
}

/**
 * Non-special IPs only (Kubernetes' ValidateNonSpecialIP): no unspecified, loopback or
 * link-local addresses. allowLoopback lifts the loopback rule (see endpoints.ts).
 */
export function validateNonSpecialIP(ip: string, path: string, allowLoopback = false): FieldCause[] {
  const family = parseIP(ip);
  if (!family) return [invalid(path, ip, 'must be a valid IP address')];
  const errs: FieldCause[] = [];
  const v4 = family === 4 ? ip.split('.').map(Number) : undefined;
  const lower = ip.toLowerCase();
  if ((v4 && v4.every((o) => o === 0)) || (!v4 && /^[0:]+$/.test(lower))) errs.push(invalid(path, ip, `may not be unspecified (${ip})`));
  if (!allowLoopback && ((v4 && v4[0] === 127) || (!v4 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(lower)))) {
    errs.push(invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  }
  if ((v4 && v4[0] === 169 && v4[1] === 254) || (!v4 && /^fe[89ab]/.test(lower))) {
    errs.push(invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if ((v4 && v4[0] === 224 && v4[1] === 0 && v4[2] === 0) || (!v4 && /^ff02:/.test(lower))) {
    errs.push(invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

/** clusterIP / clusterIPs agreement, ipFamilies and ipFamilyPolicy values, dual-stack shape. */
function validateClusterIPsRelatedFields(spec: ServiceSpec): FieldCause[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldCause[] = [];
  const clusterIPs = list<string>(spec.clusterIPs);
  const clusterIP = str(spec.clusterIP);
  if (clusterIP) {
    if (clusterIPs.length === 0) errs.push(required('spec.clusterIPs'));
    else if (clusterIPs[0] !== clusterIP) errs.push(invalid('spec.clusterIPs', clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length !== 0) {
    errs.push(invalid('spec.clusterIPs', clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }
  const families = list<string>(spec.ipFamilies);
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (!IP_FAMILIES.includes(str(f))) errs.push(notSupported(index('spec.ipFamilies', i), f, IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(index('spec.ipFamilies', i), f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null && !IP_FAMILY_POLICIES.includes(str(spec.ipFamilyPolicy))) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let badIPs = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        badIPs = true;
        errs.push(invalid('spec.clusterIPs', clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    const msgs = isValidIP(str(ip));
    if (msgs.length) badIPs = true;
    errs.push(...msgs.map((msg) => invalid(index('spec.clusterIPs', i), ip, msg)));
  });
  if (clusterIPs.length > 2) errs.push(invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'));
  if (badIPs) return errs;
  if (clusterIPs.length > 1 && parseIP(clusterIPs[0]) === parseIP(clusterIPs[1])) {
    errs.push(invalid('spec.clusterIPs', clusterIPs, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec)) {
    clusterIPs.forEach((ip, i) => {
      if (i >= families.length) return;
      if (families[i] === 'IPv4' && parseIP(ip) === 6) errs.push(invalid(index('spec.clusterIPs', i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === 'IPv6' && parseIP(ip) !== 6) errs.push(invalid(index('spec.clusterIPs', i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

function validateSessionAffinity(spec: ServiceSpec): FieldCause[] {
  const errs: FieldCause[] = [];
  const affinity = str(spec.sessionAffinity);
  if (!affinity) errs.push(required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(affinity)) errs.push(notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  const p = 'spec.sessionAffinityConfig';
  if (affinity === 'ClientIP') {
    const why = 'when session affinity type is ClientIP';
    const cfg = spec.sessionAffinityConfig;
    if (!cfg) return [...errs, required(p, why)];
    if (!cfg.clientIP) return [...errs, required(child(p, 'clientIP'), why)];
    const t = cfg.clientIP.timeoutSeconds;
    if (t === undefined || t === null) return [...errs, required(child(p, 'clientIP', 'timeoutSeconds'), why)];
    if (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS) {
      errs.push(invalid(child(p, 'clientIP', 'timeoutSeconds'), t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(forbidden(p, 'must not be set when session affinity is None'));
  }
  return errs;
}

function validateTypeSpecific(spec: ServiceSpec): FieldCause[] {
  const errs: FieldCause[] = [];
  switch (spec.type) {
    case 'LoadBalancer': case 'NodePort':
      if (isHeadless(spec)) errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
      break;
    case 'ExternalName': {
      if (list(spec.clusterIPs).length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (list(spec.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      // A CNAME may end in a dot to mark it fully qualified.
      const cname = str(spec.externalName).replace(/\.$/, '');
      if (cname) errs.push(...isDNS1123Subdomain(cname).map((msg) => invalid('spec.externalName', cname, msg)));
      else errs.push(required('spec.externalName'));
      break;
    }
    default: break;
  }
  return errs;
}

function validateTrafficPolicies(spec: ServiceSpec): FieldCause[] {
  const errs: FieldCause[] = [];
  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) {
    errs.push(required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(etp)) {
    errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  // Kubernetes also requires one when needed: it allocates before it validates; here
  // allocation (apiserver/registry/services.ts) comes after, so an unset one is fine.
  const needsHC = needsHealthCheck({ spec });
  if (!needsHC && spec.healthCheckNodePort) {
    errs.push(invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (needsHC && spec.healthCheckNodePort) {
    errs.push(...isValidPortNum(spec.healthCheckNodePort).map((msg) => invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, msg)));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') errs.push(required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(str(itp))) {
    errs.push(notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== null && spec.trafficDistribution !== 'PreferClose') {
    errs.push(notSupported('spec.trafficDistribution', spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

/**
 * loadBalancerClass: a qualified name, only on a LoadBalancer; with oldSpec (an
 * update), fixed while the service stays a LoadBalancer.
 */
function validateLoadBalancerClass(spec: ServiceSpec, oldSpec?: ServiceSpec): FieldCause[] {
  const errs: FieldCause[] = [];
  const cls = spec.loadBalancerClass ?? null;
  if (oldSpec && oldSpec.type === 'LoadBalancer' && spec.type === 'LoadBalancer' && (oldSpec.loadBalancerClass ?? null) !== cls) {
    errs.push(invalid('spec.loadBalancerClass', cls, 'may not change once set'));
  }
  if (cls === null) return errs;
  if (spec.type === 'LoadBalancer') errs.push(...validateQualifiedName(str(cls), 'spec.loadBalancerClass'));
  else errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  return errs;
}

function validatePorts(spec: ServiceSpec): FieldCause[] {
  const errs: FieldCause[] = [];
  const ports = list<ServicePort>(spec.ports);
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, index('spec.ports', i))));
  return errs;
}

function validatePortUniqueness(spec: ServiceSpec): FieldCause[] {
  const errs: FieldCause[] = [];
  const ports = list<ServicePort>(spec.ports);
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p?.nodePort) errs.push(forbidden(child(index('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p?.nodePort) return;
    const k = `${str(p.protocol)}/${p.nodePort}`;
    if (nodePorts.has(k)) errs.push(duplicate(child(index('spec.ports', i), 'nodePort'), p.nodePort));
    nodePorts.add(k);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const k = `${str(p?.protocol)}/${p?.port}`;
    if (seen.has(k)) errs.push(duplicate(index('spec.ports', i), portKey(p)));
    seen.add(k);
  });
  return errs;
}

/** Everything about a service's spec, on create and on update. */
function validateServiceSpec(spec: ServiceSpec): FieldCause[] {
  const errs: FieldCause[] = [];
  if (list(spec.ports).length === 0 && !isHeadless(spec) && spec.type !== 'ExternalName') errs.push(required('spec.ports'));
  errs.push(...validateTypeSpecific(spec));
  errs.push(...validatePorts(spec));
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateSessionAffinity(spec));
  errs.push(...validateClusterIPsRelatedFields(spec));
  list<string>(spec.externalIPs).forEach((ip, i) => {
    const p = index('spec.externalIPs', i);
    const msgs = isValidIP(str(ip));
    errs.push(...(msgs.length ? msgs.map((msg) => invalid(p, ip, msg)) : validateNonSpecialIP(ip, p)));
  });
  const type = str(spec.type);
  if (!type) errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  errs.push(...validatePortUniqueness(spec));
  const ranges = list<string>(spec.loadBalancerSourceRanges);
  if (ranges.length > 0) {
    // Kubernetes spells this path with a capital L.
    if (spec.type !== 'LoadBalancer') errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => {
      const v = str(r).trim();
      errs.push(...isValidCIDR(v).map((msg) => invalid(index('spec.LoadBalancerSourceRanges', i), v, msg)));
    });
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && spec.type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    // Kubernetes reports this one without the "spec." prefix.
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  errs.push(...validateLoadBalancerClass(spec));
  errs.push(...validateTrafficPolicies(spec));
  return errs;
}

/** A service being created (after defaulting). */
export function validateServiceCreate(svc: Service): FieldCause[] {
  return [
    ...validateObjectMeta(svc.metadata, { namespaced: true, nameFn: nameIsDNS1035Label }),
    ...validateServiceSpec(specOf(svc)),
  ];
}

/**
 * The clusterIPs Kubernetes validates on update: a changed clusterIP with unchanged
 * clusterIPs is taken as a change of clusterIPs[0] (its normalizeClusterIPs).
 */
function normalizeClusterIPs(spec: ServiceSpec, oldSpec: ServiceSpec): ServiceSpec {
  const out = { ...spec };
  const ip = str(spec.clusterIP);
  if (ip && ip !== str(oldSpec.clusterIP) && jsonEqual(spec.clusterIPs, oldSpec.clusterIPs) && list(spec.clusterIPs).length > 0) {
    out.clusterIPs = [ip, ...list<string>(spec.clusterIPs).slice(1)];
  }
  return out;
}

function validateUpgradeDowngradeClusterIPs(spec: ServiceSpec, oldSpec: ServiceSpec): FieldCause[] {
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return [];
  if (isHeadless(spec) && isHeadless(oldSpec)) return [];
  const errs: FieldCause[] = [];
  const next = list<string>(spec.clusterIPs);
  const prev = list<string>(oldSpec.clusterIPs);
  const p0 = 'spec.clusterIPs[0]';
  if (prev.length === next.length) {
    prev.forEach((ip, i) => {
      if (ip !== next[i]) errs.push(invalid(index('spec.clusterIPs', i), next, 'may not change once set'));
    });
  } else if (prev.length > next.length) {
    if (next.length === 0) errs.push(invalid(p0, next, 'primary clusterIP can not be unset'));
    if (prev.length > 0 && next.length > 0 && next[0] !== prev[0]) errs.push(invalid(p0, next, 'may not change once set'));
    if (next.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (prev.length > 0 && next[0] !== prev[0]) {
    errs.push(invalid(p0, next, 'may not change once set'));
  }
  return errs;
}

function validateUpgradeDowngradeIPFamilies(spec: ServiceSpec, oldSpec: ServiceSpec): FieldCause[] {
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return [];
  if (isHeadless(spec) !== isHeadless(oldSpec) || isHeadless(spec)) return [];
  const errs: FieldCause[] = [];
  const next = list<string>(spec.ipFamilies);
  const prev = list<string>(oldSpec.ipFamilies);
  const p0 = 'spec.ipFamilies[0]';
  if (prev.length === next.length) {
    prev.forEach((f, i) => {
      if (f !== next[i]) errs.push(invalid(p0, next, 'may not change once set'));
    });
  } else if (prev.length > next.length) {
    if (list(spec.clusterIPs).length === 0) errs.push(invalid(p0, next, 'primary ipFamily can not be unset'));
    if (next.length > 0 && next[0] !== prev[0]) errs.push(invalid(p0, list(spec.clusterIPs), 'may not change once set'));
    if (next.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (prev.length > 0 && next.length > 0 && next[0] !== prev[0]) {
    errs.push(invalid(p0, list(spec.clusterIPs), 'may not change once set'));
  }
  return errs;
}

/**
 * A service being updated: metadata rules; clusterIPs and ipFamilies may not change
 * once set (secondary ones may be added or released); loadBalancerClass is fixed
 * while the service stays a LoadBalancer, healthCheckNodePort while a health check is
 * needed; then everything validateServiceCreate checks.
 */
export function validateServiceUpdate(svc: Service, old: Service): FieldCause[] {
  const oldSpec = specOf(old);
  const spec = normalizeClusterIPs(specOf(svc), oldSpec);
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  errs.push(...validateUpgradeDowngradeClusterIPs(spec, oldSpec));
  errs.push(...validateUpgradeDowngradeIPFamilies(spec, oldSpec));
  errs.push(...validateLoadBalancerClass(spec, oldSpec));
  if (needsHealthCheck({ spec }) && needsHealthCheck({ spec: oldSpec }) && spec.healthCheckNodePort !== oldSpec.healthCheckNodePort) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  errs.push(...validateObjectMeta(svc.metadata, { namespaced: true, nameFn: nameIsDNS1035Label }));
  errs.push(...validateServiceSpec(spec));
  return errs;
}
