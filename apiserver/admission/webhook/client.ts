// The HTTPS calls to admission webhooks, as kube-apiserver's webhook ClientManager makes
// them: POST of the AdmissionReview as JSON, the server verified against the
// configuration's caBundle (the system roots without one) and the host it is called as
// (a Service's `<name>.<namespace>.svc`, even when dialled at its address), `?timeout=Ns`
// telling the webhook its deadline. Failures are CallError with the text Go's net/http
// client gives (`Post "https://...": dial tcp ...: connect: connection refused`).
import { isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Agent, request } from 'undici';
import { settleTls } from '../../http/tls-connect.js';

/** Answers above this size are refused (a webhook cannot make the apiserver hold gigabytes). */
export const MAX_RESPONSE_BYTES = 3 * 1024 * 1024;
/** Keep-alive agents kept at once, one per (caBundle, dial address). */
const MAX_AGENTS = 64;

/** Where a call goes: the URL as Kubernetes shows it, and the address actually dialled when it differs (a Service's endpoint). */
export interface CallTarget {
  url: string;
  dial?: { host: string; port: number };
  /** PEM; undefined: the system roots. */
  ca?: string;
}

export interface CallResult {
  statusCode: number;
  contentType: string;
  body: string;
}

/** A call that did not get an answer: `message` is Go's error text for it. */
export class CallError extends Error {
  constructor(message: string, readonly timedOut = false) {
    super(message);
    this.name = 'CallError';
  }
}

/** The apiserver's connections to webhooks; close() ends them all. */
export class WebhookClient {
  private readonly agents = new Map<string, Agent>();

  /** POSTs body to target within timeoutMs; rejects with CallError only. */
  async post(target: CallTarget, body: string, timeoutMs: number): Promise<CallResult> {
    const url = target.url;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: 'POST', body, signal, dispatcher: this.agent(target),
        headers: { 'content-type': 'application/json', accept: 'application/json, */*' },
      });
    } catch (err) {
      throw new CallError(`Post ${goQuote(url)}: ${goErrorText(err, target, signal.aborted)}`, signal.aborted);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_RESPONSE_BYTES) {
          res.body.destroy();
          throw new CallError(`Post ${goQuote(url)}: response body too large: more than ${MAX_RESPONSE_BYTES} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof CallError) throw err;
      throw new CallError(`Post ${goQuote(url)}: ${goErrorText(err, target, signal.aborted)}`, signal.aborted);
    }
    const contentType = String(res.headers['content-type'] ?? '');
    return { statusCode: res.statusCode, contentType, body: Buffer.concat(chunks).toString('utf8') };
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  }

  private agent(target: CallTarget): Agent {
    const key = `${target.ca ?? ''}\n${target.dial ? `${target.dial.host}:${target.dial.port}` : ''}`;
    let agent = this.agents.get(key);
    if (agent) {
      // Most recently used last, so the oldest is evicted first.
      this.agents.delete(key);
      this.agents.set(key, agent);
      return agent;
    }
    const { ca, dial } = target;
    agent = new Agent({
      keepAliveTimeout: 30_000,
      connect(opts, callback) {
        const host = dial?.host ?? opts.hostname;
        const port = dial?.port ?? (Number(opts.port) || 443);
        // The name checked against the certificate is the one called, not the one dialled.
        const servername = isIP(opts.hostname) ? undefined : opts.hostname;
        let socket: TLSSocket;
        try {
          socket = tlsConnect({ host, port, servername, ca, rejectUnauthorized: true, ALPNProtocols: ['http/1.1'] });
        } catch (err) {
          callback(err as Error, null);
          return;
        }
        settleTls(socket, callback, (err) => { (err as Error & { dialed?: string }).dialed = `${host}:${port}`; });
      },
    });
    this.agents.set(key, agent);
    if (this.agents.size > MAX_AGENTS) {
      const [oldKey, old] = this.agents.entries().next().value as [string, Agent];
      this.agents.delete(oldKey);
      void old.close().catch(() => undefined);
    }
    return agent;
  }
}

/** Go's %q of a string (the URL in `Post "..."`). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE',
]);

/** The error text Go's http client and dialer give for what Node reports. */
function goErrorText(err: unknown, target: CallTarget, timedOut: boolean): string {
  if (timedOut) return 'context deadline exceeded';
  const e = err as NodeJS.ErrnoException & { dialed?: string; reason?: string; cert?: { subjectaltname?: string }; cause?: unknown };
  const cause = e?.cause as (NodeJS.ErrnoException & { dialed?: string }) | undefined;
  const code = e?.code && !String(e.code).startsWith('UND_ERR') ? e.code : cause?.code ?? e?.code;
  const dialed = e?.dialed ?? cause?.dialed ?? dialAddress(target);
  const host = new URL(target.url).hostname.replace(/^\[|\]$/g, '');
  switch (code) {
    case 'ECONNREFUSED': return `dial tcp ${dialed}: connect: connection refused`;
    case 'ECONNRESET': case 'UND_ERR_SOCKET': case 'UND_ERR_CLOSED': return 'EOF';
    case 'ETIMEDOUT': case 'UND_ERR_CONNECT_TIMEOUT': return `dial tcp ${dialed}: i/o timeout`;
    case 'EHOSTUNREACH': return `dial tcp ${dialed}: connect: no route to host`;
    case 'ENETUNREACH': return `dial tcp ${dialed}: connect: network is unreachable`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `dial tcp: lookup ${host}: no such host`;
    case 'CERT_HAS_EXPIRED': case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = (e.cert?.subjectaltname ?? (cause as { cert?: { subjectaltname?: string } } | undefined)?.cert?.subjectaltname ?? '')
        .split(',').map((s) => s.trim().replace(/^(DNS|IP Address):/, '')).filter(Boolean);
      return names.length
        ? `tls: failed to verify certificate: x509: certificate is valid for ${names.join(', ')}, not ${host}`
        : `tls: failed to verify certificate: x509: certificate is not valid for any names, but wanted to match ${host}`;
    }
    default:
      if (code && UNKNOWN_AUTHORITY.has(code)) return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
      return (e?.message || String(err)).replace(/\s+/g, ' ');
  }
}

function dialAddress(target: CallTarget): string {
  if (target.dial) return `${target.dial.host}:${target.dial.port}`;
  const u = new URL(target.url);
  return `${u.hostname}:${u.port || '443'}`;
}
