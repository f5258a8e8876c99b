// The exec/attach client against a WebSocket server of the test's own: the query and
// credentials it sends, stdin and v5's close signal for it (none with v4), stdout,
// stderr and terminal sizes, how the error channel ends the session (success, an exit
// code, the server's message), refused upgrades in kubectl's words; and the pure rules
// around it (the TTY decision, exec's operands).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it, test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT } from '../../api/streaming.js';
import { RestClient } from '../../client/rest-client.js';
import { splitExecArgs } from '../../kubectl/commands/exec.js';
import { formatError } from '../../kubectl/errors.js';
import { ExitCodeError, streamRemoteCommand, type TerminalSizes } from '../../kubectl/remote-command.js';
import { TTY_UNAVAILABLE, ttyDecision } from '../../kubectl/terminal.js';

/** What the server does with one session: the protocol it picks and what it sends. */
interface Script {
  protocol?: string;
  refuse?: { code: number; body: string; contentType: string };
  serve?: (ws: WebSocket, received: { channel: number; payload: string }[]) => void;
}

describe('streamRemoteCommand against a channel-protocol server', () => {
  let server: Server;
  let rest: RestClient;
  let script: Script = {};
  const requests: { url: string; authorization?: string; protocols?: string }[] = [];
  const received: { channel: number; payload: string }[] = [];

  before(async () => {
    const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => script.protocol ?? [...offered][0] ?? false });
    server = createServer();
    server.on('upgrade', (req, socket, head) => {
      requests.push({ url: req.url ?? '', authorization: req.headers.authorization, protocols: String(req.headers['sec-websocket-protocol']) });
      if (script.refuse) {
        const { code, body, contentType } = script.refuse;
        socket.end(`HTTP/1.1 ${code} Bad Request\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        received.length = 0;
        ws.on('message', (data: Buffer) => received.push({ channel: data[0]!, payload: data.subarray(1).toString() }));
        script.serve?.(ws, received);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    rest = new RestClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, namespace: 'default', token: 'sekret' });
  });
  after(async () => {
    await rest.destroy();
    server.close();
  });

  const frame = (channel: number, text: string): Buffer => Buffer.concat([Buffer.of(channel), Buffer.from(text)]);
  const collect = (): { stream: PassThrough; text: () => string } => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d: Buffer) => { text += d.toString(); });
    return { stream, text: () => text };
  };
  /** Waits until the client has sent what `done` looks for. */
  const until = async (done: () => boolean): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out; received ${JSON.stringify(received)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('v5: sends the query, the token, stdin then its close signal and terminal sizes; delivers stdout and stderr', async () => {
    let resize: (size: { Width: number; Height: number }) => void = () => undefined;
    const sizes: TerminalSizes = { initial: () => [{ Width: 80, Height: 24 }], onChange: (l) => { resize = l; return () => undefined; } };
    script = {
      serve: (ws, got) => {
        void (async () => {
          await until(() => got.some((f) => f.channel === CLOSE));
          resize({ Width: 100, Height: 30 });
          await until(() => got.filter((f) => f.channel === RESIZE).length === 2);
          ws.send(frame(STDOUT, `you said: ${got.filter((f) => f.channel === STDIN).map((f) => f.payload).join('')}`));
          ws.send(frame(STDERR, 'a warning'));
          ws.send(frame(ERROR, '{"metadata":{},"status":"Success"}'));
          ws.close(1000);
        })();
      },
    };
    const out = collect();
    const err = collect();
    await streamRemoteCommand(rest, '/api/v1/namespaces/default/pods/p/exec', {
      container: 'main', command: ['sh', '-c', 'cat'], stdin: true, stdout: true, stderr: true, tty: false,
    }, { stdin: Readable.from([Buffer.from('hello '), Buffer.from('there')]), stdout: out.stream, stderr: err.stream, sizes });
    assert.equal(out.text(), 'you said: hello there');
    assert.equal(err.text(), 'a warning');
    const last = requests[requests.length - 1]!;
    assert.equal(last.url, '/api/v1/namespaces/default/pods/p/exec?stdin=true&stdout=true&stderr=true&container=main&command=sh&command=-c&command=cat');
    assert.equal(last.authorization, 'Bearer sekret');
    assert.equal(last.protocols, 'v5.channel.k8s.io,v4.channel.k8s.io');
    assert.deepEqual(received.filter((f) => f.channel === RESIZE).map((f) => JSON.parse(f.payload)), [{ Width: 80, Height: 24 }, { Width: 100, Height: 30 }]);
    assert.deepEqual(received.find((f) => f.channel === CLOSE), { channel: CLOSE, payload: '\u0000' });
  });

  it('v4: no close signal for stdin; NonZeroExitCode is the exit code', async () => {
    script = {
      protocol: 'v4.channel.k8s.io',
      serve: (ws, got) => {
        void (async () => {
          await until(() => got.some((f) => f.channel === STDIN));
          await new Promise((r) => setTimeout(r, 100));
          ws.send(frame(ERROR, JSON.stringify({
            metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: error executing command [false], exit code 7',
            reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] },
          })));
          ws.close(1000);
        })();
      },
    };
    const err = await streamRemoteCommand(rest, '/x', { container: 'c', command: ['false'], stdin: true, stdout: true, stderr: true, tty: false },
      { stdin: Readable.from([Buffer.from('input')]), stdout: collect().stream, stderr: collect().stream }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ExitCodeError);
    assert.equal(err.exitCode, 7);
    assert.equal(formatError(err), 'command terminated with exit code 7');
    assert.equal(received.some((f) => f.channel === CLOSE), false);
  });

  it('a Failure Status on the error channel is the server\'s message; a refused upgrade is the server\'s Status or text', async () => {
    script = {
      serve: (ws) => {
        ws.send(frame(ERROR, '{"metadata":{},"status":"Failure","message":"container not running (\\"main\\")"}'));
        ws.close(1000);
      },
    };
    const run = (): Promise<void> => streamRemoteCommand(rest, '/x', { container: 'main', stdin: false, stdout: true, stderr: true, tty: false }, { stdout: collect().stream, stderr: collect().stream });
    await assert.rejects(run(), { message: 'container not running ("main")' });

    script = { refuse: { code: 400, contentType: 'application/json', body: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"container nope is not valid for pod p","reason":"BadRequest","code":400}' } };
    let err = await run().then(() => undefined, (e: unknown) => e);
    assert.equal(formatError(err), 'Error from server (BadRequest): container nope is not valid for pod p');
    script = { refuse: { code: 400, contentType: 'text/plain', body: 'container not found ("main")\n' } };
    err = await run().then(() => undefined, (e: unknown) => e);
    assert.equal(formatError(err), 'error: unable to upgrade connection: container not found ("main")');
  });
});

test('kubectl\'s TTY decision: raw only with -i, -t and a terminal; a warning when stdin is no terminal', () => {
  assert.deepEqual(ttyDecision({ stdin: true, tty: true, quiet: false, stdinIsTerminal: true }), { raw: true });
  assert.deepEqual(ttyDecision({ stdin: true, tty: true, quiet: false, stdinIsTerminal: false }), { raw: false, warning: TTY_UNAVAILABLE });
  assert.deepEqual(ttyDecision({ stdin: true, tty: true, quiet: true, stdinIsTerminal: false }), { raw: false });
  assert.deepEqual(ttyDecision({ stdin: false, tty: true, quiet: false, stdinIsTerminal: false }), { raw: false });
});

test('exec\'s operands: the pod, and the command after -- (or, deprecated, after the pod)', () => {
  assert.deepEqual(splitExecArgs(['web', 'ls', '-l'], 1), { resource: 'web', command: ['ls', '-l'], deprecated: false });
  assert.deepEqual(splitExecArgs(['web', 'ls'], -1), { resource: 'web', command: ['ls'], deprecated: true });
  assert.deepEqual(splitExecArgs(['ls'], 0), { resource: undefined, command: ['ls'], deprecated: false });
  assert.deepEqual(splitExecArgs(['web'], -1), { resource: 'web', command: [], deprecated: false });
});
