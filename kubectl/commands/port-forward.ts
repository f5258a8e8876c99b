// `tskubectl port-forward (POD | TYPE/NAME) [LOCAL_PORT:]REMOTE_PORT [...]`: kubectl's
// pkg/cmd/portforward. The pod is the one named, or the most active one of a controller
// or service; a service's ports become its target ports in that pod, named ports their
// numbers. Listens on --address (localhost: 127.0.0.1 and ::1) and forwards every
// connection over its own WebSocket until SIGINT or SIGTERM.
import type { Command } from 'commander';
import { once } from 'node:events';
import type { Service } from '../../api/types/core.js';
import { collectList, DEFAULT_POD_RUNNING_TIMEOUT_MS, POD_RUNNING_TIMEOUT_HELP } from '../command-flags.js';
import type { Cli } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { durationFlag } from '../go-duration.js';
import { attachablePod, getNamedObject } from '../pod-for-object.js';
import { podSubresourcePath } from '../pod-exec.js';
import {
  checkUdpPortsInPod, checkUdpPortsInService, convertPodNamedPorts, parseAddresses, parsePorts, translateServicePorts,
} from '../port-forward-ports.js';
import { PortForwarder } from '../port-forwarder.js';

interface PortForwardOptions {
  address: string[];
  podRunningTimeout: number;
}

export function register(program: Command, cli: Cli): void {
  program.command('port-forward')
    .description('Forward one or more local ports to a pod')
    .usage('TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]')
    .argument('[args...]')
    .option('--address <addresses>', 'Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. When localhost is supplied, kubectl will try to bind on both 127.0.0.1 and ::1 and will fail if neither of these addresses are available to bind.', collectList)
    .option('--pod-running-timeout <duration>', POD_RUNNING_TIMEOUT_HELP, durationFlag('pod-running-timeout'), DEFAULT_POD_RUNNING_TIMEOUT_MS)
    .action(async (args: string[], opts: PortForwardOptions) => runPortForward(cli, args, opts));
}

async function runPortForward(cli: Cli, args: string[], opts: PortForwardOptions): Promise<void> {
  if (args.length < 2) throw usageError('port-forward', 'TYPE/NAME and list of ports are required for port-forward');
  const target = await getNamedObject(cli, args[0]!);
  const pod = await attachablePod(cli, target, opts.podRunningTimeout);
  const specs = args.slice(1);
  let ports: string[];
  if (target.ri.group === '' && target.ri.kind === 'Service') {
    checkUdpPortsInService(specs, target.obj as Service);
    ports = translateServicePorts(specs, target.obj as Service, pod);
  } else {
    checkUdpPortsInPod(specs, pod);
    ports = convertPodNamedPorts(specs, pod);
  }
  if (ports.length < 1) throw new CliError('error: at least 1 PORT is required for port-forward');
  if (pod.status?.phase !== 'Running') throw new CliError(`error: unable to forward port because pod is not running. Current status=${pod.status?.phase ?? ''}`);

  const forwarder = new PortForwarder({
    rest: cli.rest(),
    path: await podSubresourcePath(cli, pod, 'portforward'),
    addresses: parseAddresses(opts.address?.length ? opts.address : ['localhost']),
    ports: parsePorts(ports),
    out: cli.out,
    err: cli.err,
  });
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await forwarder.listen();
    if (!stop.signal.aborted) await once(stop.signal, 'abort');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await forwarder.close();
  }
}
