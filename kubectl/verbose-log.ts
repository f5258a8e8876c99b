// kubectl's -v/--v logging: klog lines on stderr, as client-go's debugging round tripper
// writes them at each level (round_trippers.go): 6 the URL, status and time of each
// request; 7 the request line and headers, then the status; 8 the response headers and
// both bodies (truncated); 9 the bodies whole. Bearer and basic credentials are masked.
import { STATUS_CODES } from 'node:http';
import type { Writable } from 'node:stream';
import type { RequestTrace } from '../client/rest-client.js';

/** A klog header line: `I1207 05:06:41.531512   23723 loader.go:402] message`. */
export function klogLine(where: string, message: string, now = new Date(), pid = process.pid): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const micros = String(now.getMilliseconds() * 1000).padStart(6, '0');
  return `I${p2(now.getMonth() + 1)}${p2(now.getDate())} ${p2(now.getHours())}:${p2(now.getMinutes())}:${p2(now.getSeconds())}.${micros} ${String(pid).padStart(7)} ${where}] ${message}\n`;
}

/** Go's http.CanonicalHeaderKey: user-agent → User-Agent. */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/** client-go's maskValue: the credentials of an Authorization header never reach the log. */
export function maskHeader(name: string, value: string): string {
  if (name.toLowerCase() !== 'authorization') return value;
  const [scheme] = value.split(' ');
  return scheme && scheme !== value ? `${scheme} <masked>` : '<masked>';
}

/** How much of a body -v=8 shows (client-go truncates long bodies below -v=9). */
const BODY_LIMIT = 10_240;

function body(text: string | Buffer | undefined, level: number): string {
  const s = text === undefined ? '' : String(text);
  return JSON.stringify(level >= 9 || s.length <= BODY_LIMIT ? s : `${s.slice(0, BODY_LIMIT)} [truncated ${s.length - BODY_LIMIT} chars]`);
}

/** The RestClient trace that writes kubectl's round-tripper lines for a verbosity of 6 or more. */
export function verboseTrace(level: number, err: Writable): RequestTrace {
  const write = (where: string, message: string): void => { err.write(klogLine(where, message)); };
  const status = (code: number): string => `${code} ${STATUS_CODES[code] ?? ''}`.trimEnd();
  return {
    request({ method, url, headers, body: sent }) {
      if (level < 7) return;
      if (level >= 8) write('helper.go:113', `"Request Body" body=${body(sent, level)}`);
      write('round_trippers.go:470', `${method} ${url}`);
      write('round_trippers.go:476', 'Request Headers:');
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) write('round_trippers.go:480', `    ${canonicalHeader(name)}: ${maskHeader(name, v)}`);
      }
    },
    response({ method, url, statusCode, ms, headers }) {
      if (level < 7) {
        write('round_trippers.go:560', `${method} ${url} ${status(statusCode)} in ${ms} milliseconds`);
        return;
      }
      write('round_trippers.go:581', `Response Status: ${status(statusCode)} in ${ms} milliseconds`);
      if (level < 8) return;
      write('round_trippers.go:584', 'Response Headers:');
      for (const [name, value] of Object.entries(headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) write('round_trippers.go:587', `    ${canonicalHeader(name)}: ${v}`);
      }
    },
    responseBody({ body: text }) {
      if (level >= 8) write('helper.go:113', `"Response Body" body=${body(text, level)}`);
    },
  };
}
