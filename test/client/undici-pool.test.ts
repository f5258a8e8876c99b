// client/undici-pool.ts loads undici's Pool from inside the package: it must be
// undici's own Pool, with the request API undici's index gives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import * as undici from 'undici';
import { Pool } from '../../client/undici-pool.js';

test('the Pool is undici\'s own, and requests through it work', async () => {
  assert.equal(Pool, undici.Pool);
  const server = createServer((_req, res) => res.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const pool = new Pool(`http://127.0.0.1:${port}`);
  try {
    const res = await pool.request({ method: 'GET', path: '/' });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'hello');
  } finally {
    await pool.close();
    server.close();
  }
});
