// `tskubectl proxy [--port=PORT] [--www=static-dir] [--www-prefix=prefix] [--api-prefix=prefix]`:
// kubectl's pkg/cmd/proxy. Serves the apiserver's API on a local port (or a unix
// socket) with the kubeconfig's credentials, behind kubectl's request filter, until
// SIGINT or SIGTERM; says where with "Starting to serve on 127.0.0.1:8001".
import type { Command } from 'commander';
import { once } from 'node:events';
import { statSync, unlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  ApiProxy, DEFAULT_HOST_ACCEPT_RE, DEFAULT_METHOD_REJECT_RE, DEFAULT_PATH_ACCEPT_RE, DEFAULT_PATH_REJECT_RE, makeRegexpArray,
} from '../api-proxy.js';
import { intFlag } from '../command-flags.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { joinHostPort, listenErrorText } from '../go-net.js';
import { durationFlag } from '../go-duration.js';

interface ProxyOptions {
  www: string;
  wwwPrefix: string;
  apiPrefix: string;
  acceptPaths: string;
  rejectPaths: string;
  acceptHosts: string;
  rejectMethods: string;
  port: number;
  address: string;
  disableFilter: boolean;
  unixSocket: string;
  keepalive: number;
  appendServerPath: boolean;
}

const DEFAULT_PORT = 8001;

export function register(program: Command, cli: Cli): void {
  program.command('proxy')
    .description('Run a proxy to the Kubernetes API server')
    .usage('[--port=PORT] [--www=static-dir] [--www-prefix=prefix] [--api-prefix=prefix] [options]')
    .option('--accept-hosts <regexps>', 'Regular expression for hosts that the proxy should accept.', DEFAULT_HOST_ACCEPT_RE)
    .option('--accept-paths <regexps>', 'Regular expression for paths that the proxy should accept.', DEFAULT_PATH_ACCEPT_RE)
    .option('--address <ip>', 'The IP address on which to serve on.', '127.0.0.1')
    .option('--api-prefix <prefix>', 'Prefix to serve the proxied API under.', '/')
    .option('--append-server-path', 'If true, enables automatic path appending of the kube context server path to each request.', false)
    .option('--disable-filter', 'If true, disable request filtering in the proxy. This is dangerous, and can leave you vulnerable to XSRF attacks, when used with an accessible port.', false)
    .option('--keepalive <duration>', 'keepalive specifies the keep-alive period for an active network connection. Set to 0 to disable keepalive.', durationFlag('keepalive'), 0)
    .option('-p, --port <port>', 'The port on which to run the proxy. Set to 0 to pick a random port.', intFlag('port'), DEFAULT_PORT)
    .option('--reject-methods <regexps>', "Regular expression for HTTP methods that the proxy should reject (example --reject-methods='POST,PUT,PATCH'). ", DEFAULT_METHOD_REJECT_RE)
    .option('--reject-paths <regexps>', 'Regular expression for paths that the proxy should reject. Paths specified here will be rejected even accepted by --accept-paths.', DEFAULT_PATH_REJECT_RE)
    .option('-u, --unix-socket <path>', 'Unix socket on which to run the proxy.', '')
    .option('-w, --www <dir>', 'Also serve static files from the given directory under the specified prefix.', '')
    .option('-P, --www-prefix <prefix>', 'Prefix to serve static files under, if static file directory is specified.', '/static/')
    .action(async (opts: ProxyOptions) => runProxy(cli, opts));
}

async function runProxy(cli: Cli, opts: ProxyOptions): Promise<void> {
  const withSlash = (p: string): string => (p.endsWith('/') ? p : `${p}/`);
  const apiPrefix = withSlash(opts.apiPrefix);
  const staticPrefix = withSlash(opts.wwwPrefix);
  if (opts.disableFilter && !opts.unixSocket) cli.warn('Request filter disabled, your proxy is vulnerable to XSRF attacks, please be cautious');
  let filter;
  try {
    filter = opts.disableFilter ? undefined : {
      acceptPaths: makeRegexpArray(opts.acceptPaths), rejectPaths: makeRegexpArray(opts.rejectPaths),
      acceptHosts: makeRegexpArray(opts.acceptHosts), rejectMethods: makeRegexpArray(opts.rejectMethods),
    };
  } catch (err) {
    throw new CliError(`error: ${(err as Error).message}`);
  }
  if (opts.port !== DEFAULT_PORT && opts.unixSocket) throw new CliError('error: cannot set --unix-socket and --port at the same time');
  if (opts.www) {
    try {
      if (!statSync(opts.www).isDirectory()) cli.warn(`Static file directory ${opts.www} is not a directory`);
    } catch (err) {
      cli.warn(`Failed to stat static file directory ${opts.www}: ${(err as Error).message}`);
    }
  }

  const proxy = new ApiProxy({
    rest: cli.rest(), apiPrefix, filter, staticDir: opts.www || undefined, staticPrefix, keepAliveMs: opts.keepalive,
    appendServerPath: opts.appendServerPath, log: (line) => cli.warn(line),
  });
  const server = proxy.server;
  await new Promise<void>((resolve, reject) => {
    const network = opts.unixSocket ? 'unix' : 'tcp';
    const where = opts.unixSocket || joinHostPort(opts.address.replace(/^\[|\]$/g, ''), opts.port);
    server.once('error', (err) => reject(new CliError(`error: ${listenErrorText(network, where, err)}`)));
    if (opts.unixSocket) {
      // A stale socket is replaced; the new one is for this user only, as kubectl makes it.
      try {
        if (statSync(opts.unixSocket).isSocket()) unlinkSync(opts.unixSocket);
      } catch { /* no such file */ }
      const mask = process.umask(0o077);
      server.listen(opts.unixSocket, () => {
        process.umask(mask);
        resolve();
      });
    } else {
      server.listen({ host: opts.address.replace(/^\[|\]$/g, ''), port: opts.port }, resolve);
    }
  });
  const address = server.address() as AddressInfo | string;
  cli.print(`Starting to serve on ${typeof address === 'string' ? address : joinHostPort(address.address, address.port)}`);

  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await once(stop.signal, 'abort');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
