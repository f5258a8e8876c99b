// Decodes request bodies by Content-Type: JSON, YAML and Kubernetes protobuf objects for
// writes (client-go's typed clients, e.g. `kubectl create deployment`, send protobuf), and
// the three patch formats for PATCH. Every failure is a Status a person can act on.
import { parse as parseYaml } from 'yaml';
import { badRequest, unsupportedMediaType } from '../../api/errors.js';
import { decodeKubernetesProtobuf } from '../../api/protobuf/index.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

const mediaType = (contentType: string | undefined): string => (contentType ?? '').split(';')[0].trim().toLowerCase();

/** Parses the body of a create or update: a JSON, YAML or Kubernetes protobuf object. */
export function decodeObject(contentType: string | undefined, body: Buffer | undefined): unknown {
  const mt = mediaType(contentType);
  if (!body || body.length === 0) throw badRequest('the request body is empty: send the object as JSON or YAML');
  if (mt === 'application/json' || mt === '' || mt === '*/*') return parseJson(body);
  if (mt === 'application/yaml' || mt === 'application/x-yaml' || mt === 'text/yaml') return parseYamlBody(body);
  if (mt === 'application/vnd.kubernetes.protobuf') return decodeKubernetesProtobuf(body);
  throw unsupportedMediaType(contentType ?? '');
}

/** Parses the body of a PATCH; returns the media type that picks the patch algorithm. */
export function decodePatch(contentType: string | undefined, body: Buffer | undefined): { type: string; patch: unknown } {
  const mt = mediaType(contentType);
  if (!PATCH_TYPES.includes(mt)) throw unsupportedMediaType(contentType ?? '');
  if (!body || body.length === 0) throw badRequest('the patch body is empty');
  const patch = parseJson(body);
  if (mt === 'application/json-patch+json' ? !Array.isArray(patch) : (patch === null || typeof patch !== 'object' || Array.isArray(patch))) {
    throw badRequest(mt === 'application/json-patch+json'
      ? 'a JSON patch must be a JSON array of operations'
      : 'a merge patch must be a JSON object');
  }
  return { type: mt, patch };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  try {
    return parseYaml(body.toString('utf8'), { maxAliasCount: 100 });
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded as YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}
