// The YAML kubectl kustomize prints: each object with sorted keys, block style,
// unindented sequences, YAML 1.1 quoting of strings that would read as other types;
// documents separated by `---`.
import { toYaml } from '../printers/object.js';
import type { Obj } from './resource.js';

export function renderYaml(objects: Obj[]): string {
  return objects.map((o) => toYaml(o)).join('---\n');
}
