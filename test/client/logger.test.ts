// The components' logger never writes a bearer token, an Authorization header or a
// Secret's contents, wherever they sit in a log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('tokens, Authorization headers, passwords and secret data are redacted', () => {
  const logger = fileURLToPath(new URL('../../client/logger.js', import.meta.url));
  const script = `
    const { componentLogger } = await import(${JSON.stringify(logger)});
    const log = componentLogger('t', 'info');
    log.info({ headers: { authorization: 'Bearer sekrit-1' }, token: 'sekrit-2', status: { token: 'sekrit-3' },
      req: { headers: { authorization: 'Bearer sekrit-4' } }, user: { password: 'sekrit-5' }, secret: { data: { k: 'c2Vrcml0LTY=' } },
      stringData: { k: 'sekrit-7' }, pod: 'ns/name' }, 'a line');
    log.flush();`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const line = JSON.parse(out.trim().split('\n')[0]) as Record<string, unknown>;
  assert.equal(line.msg, 'a line');
  assert.equal(line.pod, 'ns/name', 'other fields stay');
  assert.doesNotMatch(out, /sekrit|c2Vrcml0/);
  assert.equal((line.headers as { authorization: string }).authorization, '[REDACTED]');
});
