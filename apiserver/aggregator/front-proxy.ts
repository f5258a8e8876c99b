// The apiserver's identity at aggregated API servers (kube-apiserver's
// --proxy-client-cert-file/--proxy-client-key-file and --requestheader-* flags), and the
// kube-system/extension-apiserver-authentication ConfigMap that tells those servers whom
// to trust: the client CA, the front-proxy CA, the names allowed to send X-Remote-*
// headers and the header names, as kube-apiserver's ClusterAuthenticationTrustController
// publishes them. Without the flags, a front-proxy CA and client certificate are kept in
// --cert-dir (front-proxy-ca.crt/.key, made once; the client certificate issued at each
// start), as kubeadm lays them out.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import type { ConfigMap } from '../../api/types/core.js';
import type { GenericRegistry } from '../registry/generic.js';
import { createCertificateAuthority, signCertificate, type KeyPair } from '../tls.js';

export const FRONT_PROXY_CA = 'front-proxy-ca.crt';
export const FRONT_PROXY_CA_KEY = 'front-proxy-ca.key';
export const FRONT_PROXY_CLIENT = 'front-proxy-client';
export const EXTENSION_AUTH_CONFIGMAP = 'extension-apiserver-authentication';

export interface RequestHeaderOptions {
  /** --requestheader-client-ca-file: the CA front-proxy client certificates chain to. */
  clientCAFile?: string;
  /** --requestheader-allowed-names: common names allowed (empty: any the CA signed). */
  allowedNames?: string[];
  usernameHeaders?: string[];
  groupHeaders?: string[];
  extraHeadersPrefix?: string[];
}

export interface FrontProxyOptions {
  certDir: string;
  proxyClientCertFile?: string;
  proxyClientKeyFile?: string;
  requestHeader?: RequestHeaderOptions;
}

export interface FrontProxy {
  /** The client certificate and key presented to aggregated servers; undefined: none. */
  client?: KeyPair;
  /** PEM of the requestheader client CA, published for extension servers. */
  requestHeaderCA?: string;
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeadersPrefix: string[];
}

/** The front-proxy CA in certDir, made when missing (scripts/pki.ts calls it too). */
export async function ensureFrontProxyCA(certDir: string): Promise<KeyPair> {
  const certFile = join(certDir, FRONT_PROXY_CA);
  const keyFile = join(certDir, FRONT_PROXY_CA_KEY);
  if (existsSync(certFile) && existsSync(keyFile)) return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  await mkdir(certDir, { recursive: true, mode: 0o700 });
  const ca = await createCertificateAuthority(`front-proxy-ca@${Math.floor(Date.now() / 1000)}`);
  await writeFile(keyFile, ca.key, { mode: 0o600 });
  await writeFile(certFile, ca.cert);
  return ca;
}

/** The front-proxy client certificate (CN front-proxy-client) signed by ca. */
export function issueFrontProxyClient(ca: KeyPair): Promise<KeyPair> {
  return signCertificate(ca, { commonName: FRONT_PROXY_CLIENT, usages: ['client'] });
}

/** The identity and trust settings from the flags, or generated in certDir. */
export async function loadFrontProxy(o: FrontProxyOptions, log: Logger): Promise<FrontProxy> {
  const rh = o.requestHeader ?? {};
  const headers = {
    usernameHeaders: rh.usernameHeaders?.length ? rh.usernameHeaders : ['X-Remote-User'],
    groupHeaders: rh.groupHeaders?.length ? rh.groupHeaders : ['X-Remote-Group'],
    extraHeadersPrefix: rh.extraHeadersPrefix?.length ? rh.extraHeadersPrefix : ['X-Remote-Extra-'],
  };
  if (o.proxyClientCertFile || o.proxyClientKeyFile) {
    if (!o.proxyClientCertFile || !o.proxyClientKeyFile) throw new Error('--proxy-client-cert-file and --proxy-client-key-file must be given together');
    const [cert, key] = await Promise.all([readFile(o.proxyClientCertFile, 'utf8'), readFile(o.proxyClientKeyFile, 'utf8')]);
    const requestHeaderCA = rh.clientCAFile ? await readFile(rh.clientCAFile, 'utf8') : undefined;
    return { client: { cert, key }, requestHeaderCA, allowedNames: rh.allowedNames ?? [], ...headers };
  }
  try {
    const ca = rh.clientCAFile ? undefined : await ensureFrontProxyCA(o.certDir);
    if (!ca) {
      log.warn('--requestheader-client-ca-file without --proxy-client-cert-file: aggregated servers are reached without a client certificate');
      return { requestHeaderCA: await readFile(rh.clientCAFile!, 'utf8'), allowedNames: rh.allowedNames ?? [], ...headers };
    }
    return { client: await issueFrontProxyClient(ca), requestHeaderCA: ca.cert, allowedNames: rh.allowedNames ?? [FRONT_PROXY_CLIENT], ...headers };
  } catch (err) {
    log.warn({ err, certDir: o.certDir }, 'cannot keep a front-proxy CA in --cert-dir: aggregated servers are reached without a client certificate');
    return { allowedNames: [], ...headers };
  }
}

/** The ConfigMap's data, as kube-apiserver writes it (lists as JSON arrays). */
export function extensionAuthenticationData(clientCA: string, fp: FrontProxy): Record<string, string> {
  const data: Record<string, string> = { 'client-ca-file': clientCA };
  if (fp.requestHeaderCA) {
    data['requestheader-client-ca-file'] = fp.requestHeaderCA;
    data['requestheader-allowed-names'] = JSON.stringify(fp.allowedNames);
    data['requestheader-username-headers'] = JSON.stringify(fp.usernameHeaders);
    data['requestheader-group-headers'] = JSON.stringify(fp.groupHeaders);
    data['requestheader-extra-headers-prefix'] = JSON.stringify(fp.extraHeadersPrefix);
  }
  return data;
}

/** Writes kube-system/extension-apiserver-authentication (created, or set back when it differs). */
export async function publishExtensionAuthentication(configMaps: GenericRegistry, data: Record<string, string>): Promise<void> {
  const want: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: EXTENSION_AUTH_CONFIGMAP, namespace: 'kube-system' }, data };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      let cur: ConfigMap | undefined;
      try { cur = await configMaps.get('kube-system', EXTENSION_AUTH_CONFIGMAP) as ConfigMap; } catch (err) { if (!isNotFound(err)) throw err; }
      if (!cur) await configMaps.create('kube-system', want);
      else if (JSON.stringify(cur.data) !== JSON.stringify(data)) await configMaps.update('kube-system', EXTENSION_AUTH_CONFIGMAP, { ...cur, data });
      return;
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err)) throw err;
    }
  }
}
