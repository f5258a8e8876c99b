// Test identities against a control plane: client certificates signed by its CA (CN
// user, O groups), bearer tokens, and a raw HTTPS request helper that presents them,
// so tests can check what each user may do status by status.
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { issueClientCert } from '../../apiserver/tls.js';
import { writeKubeconfig, type KubeconfigCredential } from '../../apiserver/kubeconfig.js';
import type { ControlPlane } from './apiserver.js';
import type { RawResponse } from './http.js';

export type Credential = KubeconfigCredential | { anonymous: true };

/** A client certificate for user name in groups, signed by the control plane's CA. */
export function certificate(cp: ControlPlane, name: string, groups: string[] = []): Promise<{ cert: string; key: string }> {
  return issueClientCert(join(cp.dir, 'pki'), name, groups);
}

/** A kubeconfig for kubectl with credential; returns a KubectlTarget-like { kubeconfig, dir }. */
export async function kubeconfigFor(cp: ControlPlane, file: string, credential: KubeconfigCredential): Promise<{ kubeconfig: string; dir: string }> {
  const path = join(cp.dir, file);
  await writeKubeconfig(path, cp.secureUrl, join(cp.dir, 'pki'), credential);
  return { kubeconfig: path, dir: cp.dir };
}

export interface As {
  (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  close(): Promise<void>;
}

/** Requests to the secure port as the credential's user. */
export function as(cp: ControlPlane, credential: Credential): As {
  const agent = new Agent({ connect: { ca: cp.ca, ...('cert' in credential ? { cert: credential.cert, key: credential.key } : {}) } });
  const fn = (async (method, path, body, headers = {}) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await request(cp.secureUrl + path, {
      method: method as 'GET', dispatcher: agent, body: payload,
      headers: {
        ...(payload !== undefined ? { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' } : {}),
        ...('token' in credential ? { authorization: `Bearer ${credential.token}` } : {}),
        ...headers,
      },
    });
    const text = await res.body.text();
    let json: unknown;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.statusCode, headers: res.headers, text, json };
  }) as As;
  fn.close = () => agent.close();
  return fn;
}
