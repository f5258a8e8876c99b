// The exec/attach WebSocket channel protocols: negotiation, binary and base64 framing,
// v5's close signal, resize messages, and the error channel's exit statuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHANNEL_PROTOCOLS, CLOSE, closeFrame, decodeFrame, encodeFrame, exitCodeOf, exitStatus, negotiateChannelProtocol, parseResize, STDIN, STDOUT,
} from '../../api/streaming.js';

const byName = (n: string) => CHANNEL_PROTOCOLS.find((p) => p.name === n)!;

test('negotiation takes the client\'s first protocol the server speaks, skipping the token carrier', () => {
  assert.equal(negotiateChannelProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io'])?.name, 'v5.channel.k8s.io');
  assert.equal(negotiateChannelProtocol(['base64url.bearer.authorization.k8s.io.dG9r', 'v4.base64.channel.k8s.io'])?.name, 'v4.base64.channel.k8s.io');
  assert.equal(negotiateChannelProtocol([' v2.channel.k8s.io ', 'channel.k8s.io'])?.version, 2);
  assert.equal(negotiateChannelProtocol(['SPDY/3.1', 'v9.channel.k8s.io']), undefined);
  assert.equal(negotiateChannelProtocol([]), undefined);
});

test('binary and base64 frames round-trip; malformed ones are refused', () => {
  const bin = byName('v4.channel.k8s.io');
  const frame = encodeFrame(bin, STDOUT, Buffer.from('hello'));
  assert.deepEqual(frame, Buffer.from([1, ...Buffer.from('hello')]));
  assert.deepEqual(decodeFrame(bin, frame as Buffer), { channel: 1, payload: Buffer.from('hello') });
  const b64 = byName('base64.channel.k8s.io');
  assert.equal(encodeFrame(b64, STDOUT, Buffer.from('hi')), '1aGk=');
  assert.deepEqual(decodeFrame(b64, '0aGk='), { channel: STDIN, payload: Buffer.from('hi') });
  assert.throws(() => decodeFrame(bin, Buffer.alloc(0)), /empty message/);
  assert.throws(() => decodeFrame(b64, 'xAAA'), /bad channel/);
});

test('v5\'s close signal names the channel closed', () => {
  const v5 = byName('v5.channel.k8s.io');
  assert.deepEqual(closeFrame(v5, STDIN), Buffer.from([CLOSE, STDIN]));
  assert.deepEqual(decodeFrame(v5, closeFrame(v5, STDIN) as Buffer), { channel: CLOSE, payload: Buffer.from([0]) });
});

test('resize messages: width and height, anything else ignored', () => {
  assert.deepEqual(parseResize(Buffer.from('{"Width":120,"Height":40}')), { Width: 120, Height: 40 });
  assert.equal(parseResize(Buffer.from('{"Width":-1,"Height":40}')), undefined);
  assert.equal(parseResize(Buffer.from('nope')), undefined);
});

test('the error channel: a Status for v4+, as the kubelet marshals it; text before', () => {
  const v4 = byName('v4.channel.k8s.io');
  assert.equal(exitStatus(v4, ['true'], 0)?.toString(), '{"metadata":{},"status":"Success"}');
  assert.equal(exitStatus(v4, ['sh', '-c', 'exit 3'], 3)?.toString(),
    '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}');
  assert.equal(exitCodeOf(exitStatus(v4, ['sh', '-c', 'exit 3'], 3)!), 3);
  assert.equal(exitCodeOf(exitStatus(v4, ['true'], 0)!), 0);
  assert.equal(exitCodeOf(Buffer.from('{"status":"Failure","reason":"InternalError"}')), undefined);
  const v2 = byName('v2.channel.k8s.io');
  assert.equal(exitStatus(v2, ['true'], 0), undefined);
  assert.equal(exitStatus(v2, ['false'], 1)?.toString(), 'command terminated with non-zero exit code: error executing command [false], exit code 1');
});
