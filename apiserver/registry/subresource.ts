// Subresources beyond status (scale, binding, log, finalize, and later exec, eviction,
// token requests...): each resource's registry holds its own, as Kubernetes'
// PodStorage holds Pod, Binding, Status and Log, so the HTTP layer only routes to
// them, decodes bodies and encodes answers.

import type { User } from '../authn/user.js';
import type { ProxyTarget } from '../http/proxy-stream.js';

/** One request to a subresource, with its body decoded on demand by the HTTP layer. */
export interface SubresourceRequest {
  method: string;
  namespace?: string;
  name: string;
  /** Query parameters (the last value of each). */
  param(name: string): string | undefined;
  dryRun: boolean;
  /** Who asks (admission, token requests); undefined for the apiserver's own calls. */
  user?: User;
  /** Admission's warnings for the client are added here. */
  warnings?: string[];
  /** The request's field manager (recorded in managedFields), undefined for the apiserver's own calls. */
  manager?: string;
  /** The body as an object of this kind (JSON, YAML or protobuf), shape-checked: 400 when it is not one. */
  object(kind: { group: string; version: string; kind: string }): unknown;
  /** The body of a PATCH: its media type and the parsed patch. */
  patch(): { type: string; patch: unknown };
}

/** What a subresource answers: an object to encode, or a stream to proxy (pods/log). */
export type SubresourceResult =
  | { code: number; body: unknown }
  | { proxy: ProxyTarget };

/**
 * Subresource: registered on a GenericRegistry under its name. The HTTP layer answers
 * 405 for a method not in methods, else calls serve, which resolves with the answer or
 * throws a StatusError.
 */
export interface Subresource {
  methods: readonly string[];
  serve(req: SubresourceRequest): Promise<SubresourceResult>;
}
