// The TCP handle layer of the userspace proxier: this Node.js offers the handles, and
// libuv's errors read as net's.
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { describe, it } from 'node:test';
import { checkTcpHandles, uvError, UV_EOF } from '../../kube-proxy/userspace/tcp-handle.js';

describe('userspace TCP handles', () => {
  it('are offered by this Node.js', () => {
    assert.doesNotThrow(() => checkTcpHandles());
  });

  it('word libuv errors as net does', () => {
    const refused = uvError(-constants.errno.ECONNREFUSED, 'connect', '10.0.0.1', 80);
    assert.equal(refused.message, 'connect ECONNREFUSED 10.0.0.1:80');
    assert.equal(refused.code, 'ECONNREFUSED');
    assert.equal(refused.syscall, 'connect');
    assert.equal(uvError(-constants.errno.EADDRINUSE, 'listen', '10.0.0.1', 80).message, 'listen EADDRINUSE: address already in use 10.0.0.1:80');
    const reset = uvError(-constants.errno.ECONNRESET, 'read');
    assert.equal(reset.message, 'read ECONNRESET');
    assert.equal('address' in reset, false);
    assert.equal(uvError(UV_EOF, 'read').code, 'EOF');
    assert.equal(uvError(-999_999, 'read').code, 'UV-999999');
  });
});
