// port-forward's pure rules: kubectl's and client-go's reading of port arguments and
// addresses, a service's ports as its pod's, named ports, UDP refusals, and Go's words
// for what goes wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod, Service } from '../../api/types/core.js';
import {
  checkUdpPortsInPod, checkUdpPortsInService, convertPodNamedPorts, listenerErrorText, parseAddresses, parsePorts, splitPort, translateServicePorts,
} from '../../kubectl/port-forward-ports.js';
import { joinHostPort, splitHostPort } from '../../kubectl/go-net.js';

const pod: Pod = {
  metadata: { name: 'web' },
  spec: { containers: [{ name: 'a', image: 'i', ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] },
};
const svc = (clusterIP?: string): Service => ({
  metadata: { name: 'web-svc' },
  spec: {
    ...(clusterIP ? { clusterIP } : {}),
    ports: [
      { name: 'web', port: 80, targetPort: 'http' },
      { name: 'https', port: 443, targetPort: 8443 },
      { name: 'plain', port: 9000 },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  },
});

test('client-go parses LOCAL:REMOTE, REMOTE and :REMOTE, with its errors', () => {
  assert.deepEqual(parsePorts(['8080', '9000:80', ':5000']), [{ local: 8080, remote: 8080 }, { local: 9000, remote: 80 }, { local: 0, remote: 5000 }]);
  assert.throws(() => parsePorts(['1:2:3']), { message: "invalid port format '1:2:3'" });
  assert.throws(() => parsePorts(['70000']), { message: 'error parsing local port \'70000\': strconv.ParseUint: parsing "70000": value out of range' });
  assert.throws(() => parsePorts(['80:x']), { message: 'error parsing remote port \'x\': strconv.ParseUint: parsing "x": invalid syntax' });
  assert.throws(() => parsePorts(['0']), { message: 'remote port must be > 0' });
  assert.deepEqual(splitPort('1:2:3'), ['1', '1']);
});

test('a pod\'s named ports become numbers; a service port becomes its target port in the pod', () => {
  assert.deepEqual(convertPodNamedPorts(['http', '9000:http', '7000:7001', '8080'], pod), ['8080', '9000:8080', '7000:7001', '8080']);
  assert.throws(() => convertPodNamedPorts(['nope'], pod), { message: "Pod 'web' does not have a named port 'nope'" });
  assert.throws(() => convertPodNamedPorts(['80:'], pod), { message: 'remote port cannot be empty' });
  assert.deepEqual(translateServicePorts(['80', ':80', '8000:443', 'web', 'https', '9000'], svc(), pod), ['80:8080', ':8080', '8000:8443', '80:8080', '443:8443', '9000']);
  assert.deepEqual(translateServicePorts(['80'], svc('None'), pod), ['80']);
  assert.throws(() => translateServicePorts(['81'], svc(), pod), { message: 'Service web-svc does not have a service port 81' });
  assert.throws(() => translateServicePorts(['nope'], svc(), pod), { message: "Service 'web-svc' does not have a named port 'nope'" });
});

test('UDP-only ports are refused', () => {
  assert.throws(() => checkUdpPortsInService(['53'], svc()), { message: 'UDP protocol is not supported for 53' });
  assert.throws(() => checkUdpPortsInService(['dns'], svc()), { message: 'UDP protocol is not supported for dns' });
  assert.throws(() => checkUdpPortsInPod(['5353:53'], pod), { message: 'UDP protocol is not supported for 53' });
  assert.doesNotThrow(() => checkUdpPortsInPod(['8080', 'http'], pod));
});

test('addresses: localhost is both loopbacks (either may fail), IPs must listen, sorted and once each', () => {
  assert.deepEqual(parseAddresses(['localhost']), [
    { address: '127.0.0.1', family: 4, failureMode: 'all' }, { address: '::1', family: 6, failureMode: 'all' },
  ]);
  assert.deepEqual(parseAddresses(['0.0.0.0', 'localhost', '127.0.0.1']).map((a) => `${a.address}/${a.failureMode}`), ['0.0.0.0/any', '127.0.0.1/any', '::1/all']);
  assert.throws(() => parseAddresses(['foo']), { message: 'foo is not a valid IP' });
  assert.equal(listenerErrorText({ address: '::1', family: 6, failureMode: 'all' }, 8080, Object.assign(new Error('x'), { code: 'EADDRINUSE' })),
    'unable to create listener: Error listen tcp6 [::1]:8080: bind: address already in use');
});

test('Go\'s JoinHostPort and SplitHostPort', () => {
  assert.equal(joinHostPort('::1', 80), '[::1]:80');
  assert.deepEqual(splitHostPort('localhost:8001'), { host: 'localhost', port: '8001' });
  assert.deepEqual(splitHostPort('[::1]:8001'), { host: '::1', port: '8001' });
  assert.equal(splitHostPort('localhost'), undefined);
  assert.equal(splitHostPort('::1'), undefined);
  assert.equal(splitHostPort('[::1]'), undefined);
});
