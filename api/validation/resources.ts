// Container resource requirements (core's validateResourceRequirements): resource
// names, quantity values, requests <= limits, extended resources and hugepages.
import type { ResourceRequirements } from '../types/core.js';
import { canonicalQuantity, compareQuantities, ERR_FORMAT_WRONG, milliValue } from '../quantity.js';
import {
  child, type FieldCause, forbidden, index, invalid, IS_NEGATIVE, key, list, notFound, Raw, record, required, str,
} from './field.js';
import { isQualifiedName } from './names.js';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers',
  'resourcequotas', 'secrets', 'persistentvolumeclaims', 'configmaps', 'requests.storage', 'storage',
  'services.nodeports', 'services.loadbalancers',
]);

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const isNative = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');

/** An extended resource ("example.com/gpu"): not native, and "requests.<name>" is a qualified name. */
export function isExtendedResourceName(name: string): boolean {
  if (isNative(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** Kubernetes lets native resources other than hugepages be overcommitted (requests below limits). */
export const isOvercommitAllowed = (name: string): boolean => isNative(name) && !isHugePages(name);

/** A container resource name: cpu, memory, ephemeral-storage, hugepages-*, or a fully qualified extended resource. */
export function validateContainerResourceName(name: string, path: string): FieldCause[] {
  const errs = isQualifiedName(name).map((msg) => invalid(path, name, msg));
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name)) errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) errs.push(invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNative(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** A quantity as its string form, or undefined when it is neither a string nor a number. */
function quantityText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Checks one resource quantity: returns its canonical text (what Kubernetes prints,
 * "1.5" -> "1500m") when it parses, and the causes (bad format, negative, fractional
 * for extended resources, which count whole devices).
 */
export function validateQuantityValue(name: string, value: unknown, path: string): { canonical?: string; errs: FieldCause[] } {
  const text = quantityText(value);
  if (text === undefined) return { errs: [invalid(path, value, ERR_FORMAT_WRONG)] };
  let canonical: string;
  try {
    canonical = canonicalQuantity(text);
  } catch (err) {
    return { errs: [invalid(path, text, (err as Error).message)] };
  }
  const errs: FieldCause[] = [];
  if (compareQuantities(text, '0') < 0) errs.push(invalid(path, canonical, IS_NEGATIVE));
  if (isExtendedResourceName(name) && milliValue(text) % 1000 !== 0) errs.push(invalid(path, new Raw(canonical), 'must be an integer'));
  return { canonical, errs };
}

/**
 * resources.limits and resources.requests of one container: valid names and
 * quantities, each request no more than its limit (equal for extended resources
 * and hugepages, whose limit is then required), hugepages only with cpu or memory.
 */
export function validateResourceRequirements(req: ResourceRequirements | undefined, path: string): FieldCause[] {
  const r = record<unknown>(req) as ResourceRequirements;
  const errs: FieldCause[] = [];
  const limPath = child(path, 'limits');
  const reqPath = child(path, 'requests');
  const limits = record<unknown>(r.limits);
  const requests = record<unknown>(r.requests);
  const limitValues = new Map<string, string>();
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, q] of Object.entries(limits)) {
    const p = key(limPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const res = validateQuantityValue(name, q, p);
    errs.push(...res.errs);
    if (res.canonical !== undefined) limitValues.set(name, res.canonical);
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = key(reqPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const res = validateQuantityValue(name, q, p);
    errs.push(...res.errs);
    const limit = limitValues.get(name);
    if (name in limits) {
      if (res.canonical !== undefined && limit !== undefined) {
        const cmp = compareQuantities(res.canonical, limit);
        if (cmp !== 0 && !isOvercommitAllowed(name)) {
          errs.push(invalid(reqPath, res.canonical, `must be equal to ${name} limit of ${limit}`));
        } else if (cmp > 0) {
          errs.push(invalid(reqPath, res.canonical, `must be less than or equal to ${name} limit of ${limit}`));
        }
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  if (hugePages && !cpuOrMemory) errs.push(forbidden(path, 'HugePages require cpu or memory'));
  // Pods here never declare spec.resourceClaims, so any named claim is unknown.
  list<{ name?: string }>(r.claims).forEach((c, i) => {
    const p = index(child(path, 'claims'), i);
    const name = str(c?.name);
    errs.push(name ? notFound(p, name, 'must be one of the names in pod.spec.resourceClaims which is empty') : required(p));
  });
  return errs;
}
