// tskubectl exec and attach end to end: a real control plane, a real kubelet, real
// Docker containers. Output on stdout and stderr, stdin piped (ended by v5's close
// signal), the remote exit code as ours with kubectl's line, -c, TYPE/NAME through a
// service, the default-container notice, kubectl's errors (a container the pod lacks, a
// pod that does not exist, a completed pod), -it without a terminal and on one (tmux:
// raw mode, sizes and resizes, the terminal restored), and attach.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { componentCommand, startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { tskubectlRun, tskubectlStart, type CliResult } from '../harness/tskubectl.js';

const run$ = promisify(execFile);

describe('tskubectl exec and attach', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet);
  const run = (args: string[], input?: string): Promise<CliResult> => tskubectlRun(cp, args, { input, timeoutMs: 60_000 });

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'cli-exec', cidr: '10.241.0.0/16' });
    await api.create('shell', {
      containers: [
        { name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo main > /tmp/who; exec sleep 3600'] },
        { name: 'side', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo side > /tmp/who; exec sleep 3600'] },
      ],
    }, { labels: { app: 'shell' } });
    await api.put('services', { metadata: { name: 'shell-svc' }, spec: { selector: { app: 'shell' }, ports: [{ port: 80 }] } });
    await api.create('echoer', {
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, stdin: true, command: ['sh', '-c', 'while read l; do echo "got $l"; done'] }],
    });
    await api.create('done', { restartPolicy: 'Never', containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['true'] }] });
    // An image no registry has: the container never starts.
    await api.create('waiting', { containers: [{ name: 'main', image: 'tskube.local/no-such-image:1', command: ['true'] }] });
    await api.wait('shell', 'running', (p) => p.status?.phase === 'Running');
    await api.wait('echoer', 'running', (p) => p.status?.phase === 'Running');
    await api.wait('done', 'succeeded', (p) => p.status?.phase === 'Succeeded');
  });
  after(async () => {
    try { await kubelet?.cleanup(); } finally { await cp?.stop(); }
  });

  it('prints the command\'s stdout and stderr, and says which container it defaulted to', async () => {
    let r = await run(['exec', 'shell', '-c', 'main', '--', 'sh', '-c', 'echo out; echo err >&2']);
    assert.deepEqual(r, { code: 0, stdout: 'out\n', stderr: 'err\n' });
    r = await run(['exec', 'shell', '--', 'cat', '/tmp/who']);
    assert.deepEqual(r, { code: 0, stdout: 'main\n', stderr: 'Defaulted container "main" out of: main, side\n' });
  });

  it('-i forwards stdin, and its end reaches the command', async () => {
    const r = await run(['exec', '-i', 'shell', '-c', 'main', '--', 'sh', '-c', 'cat; echo done'], 'line 1\nline 2\n');
    assert.deepEqual(r, { code: 0, stdout: 'line 1\nline 2\ndone\n', stderr: '' });
  });

  it('exits with the command\'s exit code, as kubectl says it', async () => {
    const r = await run(['exec', 'shell', '-c', 'main', '--', 'sh', '-c', 'echo partial; exit 3']);
    assert.deepEqual(r, { code: 3, stdout: 'partial\n', stderr: 'command terminated with exit code 3\n' });
  });

  it('-c runs in the container named, and TYPE/NAME picks a pod a service selects', async () => {
    let r = await run(['exec', 'shell', '-c', 'side', '--', 'cat', '/tmp/who']);
    assert.deepEqual(r, { code: 0, stdout: 'side\n', stderr: '' });
    r = await run(['exec', 'svc/shell-svc', '-c', 'side', '--', 'cat', '/tmp/who']);
    assert.deepEqual(r, { code: 0, stdout: 'side\n', stderr: '' });
  });

  it('a container the pod lacks, a pod that does not exist and a completed pod are refused in kubectl\'s words', async () => {
    let r = await run(['exec', 'shell', '-c', 'nope', '--', 'true']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'Error from server (BadRequest): container nope is not valid for pod shell\n' });
    r = await run(['exec', 'nopod', '--', 'true']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nopod" not found\n' });
    r = await run(['exec', 'done', '--', 'true']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: cannot exec into a container in a completed pod; current phase is Succeeded\n' });
    r = await run(['exec', 'shell']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: you must specify at least one command for the container\n' });
    // A container that has not started: the server's refusal, printed as kubectl prints it (its Status, else its text).
    r = await run(['exec', 'waiting', '--', 'true']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^(Error from server \(\w+\): |error: unable to upgrade connection: ).+\n$/);
  });

  it('-it without a terminal on stdin warns and runs without a TTY', async () => {
    const r = await run(['exec', '-it', 'shell', '-c', 'main', '--', 'sh', '-c', 'if [ -t 0 ]; then echo tty; else echo no-tty; fi']);
    assert.deepEqual(r, { code: 0, stdout: 'no-tty\n', stderr: 'Unable to use a TTY - input is not a terminal or the right kind of file\n' });
  });

  it('-it on a terminal (tmux): raw mode, the terminal\'s size and its changes, the exit code, the terminal restored', async () => {
    const session = `cli-exec-${process.pid}`;
    const cmd = [process.execPath, ...componentCommand('kubectl'), 'exec', '-it', 'shell', '-c', 'main', '--', 'sh'].map((a) => `'${a}'`).join(' ');
    // After the session: the exit code, and whether the terminal is back in canonical (cooked) mode.
    const script = `KUBECONFIG='${cp.kubeconfig}' HOME='${cp.dir}' ${cmd}; echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -qx icanon && echo COOKED; sleep 60`;
    const screen = async (): Promise<string> => (await run$('tmux', ['capture-pane', '-p', '-t', session])).stdout;
    const waitScreen = async (re: RegExp): Promise<string> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const text = await screen();
        if (re.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`the terminal never showed ${re}:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await run$('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '40', script]);
    try {
      await waitScreen(/^\/ #/m);
      await run$('tmux', ['send-keys', '-t', session, 'stty size; tty', 'Enter']);
      await waitScreen(/^40 120\s*\n\/dev\/pts\/\d+/m);
      await run$('tmux', ['resize-window', '-t', session, '-x', '90', '-y', '25']);
      // The resize travels to Docker while the shell may already run the next command:
      // ask again until the new size is what it sees.
      for (let tries = 0; ; tries++) {
        await run$('tmux', ['send-keys', '-t', session, 'stty size', 'Enter']);
        await new Promise((r) => setTimeout(r, 300));
        if (/^25 90\s*$/m.test(await screen())) break;
        if (tries > 60) throw new Error(`the terminal never showed 25 90:\n${await screen()}`);
      }
      await run$('tmux', ['send-keys', '-t', session, 'exit 7', 'Enter']);
      const text = await waitScreen(/^COOKED\s*$/m);
      assert.match(text, /command terminated with exit code 7\s*\nEXIT=7\s*\nCOOKED/);
    } finally {
      await run$('tmux', ['kill-session', '-t', session]).catch(() => undefined);
    }
  });

  it('attach follows a container\'s output, and -i feeds its stdin', async () => {
    await api.create('ticker', {
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'sleep 2; for i in 1 2 3; do echo tick$i; sleep 1; done'] }],
    });
    await api.wait('ticker', 'running', (p) => p.status?.phase === 'Running');
    let r = await run(['attach', 'ticker']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tick3\n$/);
    assert.equal(r.stderr, "If you don't see a command prompt, try pressing enter.\n");

    // stdin stays open until the answer came: the end of stdin ends an attach session.
    const attached = tskubectlStart(cp, ['attach', '-i', '-q', 'echoer'], { openStdin: true });
    try {
      attached.write('hello\n');
      await attached.waitForStdout(/got hello\n/);
      attached.write('again\n');
      await attached.waitForStdout(/got again\n/);
      attached.endInput();
      assert.deepEqual(await attached.exited(), { code: 0, stdout: 'got hello\ngot again\n', stderr: '' });
    } finally {
      await attached.stop();
    }

    r = await run(['attach', 'shell', '-c', 'nope']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: cannot attach to the container: container nope not found in pod shell\n' });
  });
});
