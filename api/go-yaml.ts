// YAML exactly as sigs.k8s.io/yaml writes it (JSON to a Go map, then go-yaml): keys
// sorted, lists not indented under their key, YAML 1.1 quoting ("yes", timestamps).
// Shared by the CLI's -o yaml and the apiserver's application/yaml answers.
import { stringify } from 'yaml';
import { sortKeys } from './go-json.js';

export function goYaml(value: unknown): string {
  return stringify(sortKeys(value), { lineWidth: 0, aliasDuplicateObjects: false, indentSeq: false, version: '1.1' });
}
