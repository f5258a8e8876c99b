// The one go-spew printer (controller-manager/go-spew.ts) on the endpoint types, against
// real Go: each row's dump, md5 and FNV-128a were printed by a Go program (go1.19) that
// decodes the row's value with encoding/json into the k8s.io/api v0.32.0 struct
// (core/v1 EndpointSubset, EndpointAddress, EndpointPort, ObjectReference; discovery/v1
// EndpointPort), prints it with go-spew at the commit Kubernetes pins (d8f796af) under
// k8s.io/utils/dump.ForHash's settings, and hashes that as pkg/util/hash DeepHashObject
// does (md5: SortSubsets; FNV-128a: NewPortMapKey). encoding/json keeps [] as an empty
// slice and absent or null as nil, as the printer reads JSON by default.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EndpointSubset } from '../../api/types/core.js';
import { dumpEndpointPort, dumpEndpointSubset, dumpSlicePort } from '../../controller-manager/endpointslice/go-hash.js';
import { dumpForHash, fnv128aHex, md5Hex, sortByHash } from '../../controller-manager/go-spew.js';

interface Row {
  name: string;
  /** The go-types.ts key of the value's Go type. */
  type: string;
  value: unknown;
  dump: string;
  md5: string;
  fnv128a: string;
}

const GO: Row[] = [
  {
    name: 'port: name, port, protocol; appProtocol unset',
    type: 'v1.EndpointPort',
    value: { name: 'http', port: 80, protocol: 'TCP' },
    dump: '(v1.EndpointPort){Name:(string)http Port:(int32)80 Protocol:(v1.Protocol)TCP AppProtocol:(*string)<nil>}',
    md5: 'a0afc9289a5b862f31961966cd661a6e',
    fnv128a: '754b003f50f133a539c60d18cfb30a55',
  },
  {
    name: 'port: appProtocol set',
    type: 'v1.EndpointPort',
    value: { name: 'grpc', port: 8443, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
    dump: '(v1.EndpointPort){Name:(string)grpc Port:(int32)8443 Protocol:(v1.Protocol)TCP AppProtocol:(*string)kubernetes.io/h2c}',
    md5: '38aea84416ac3634e81e90fddfd7265f',
    fnv128a: '2d96971e40b83c99870daaa5ab258483',
  },
  {
    name: 'port: appProtocol set to empty',
    type: 'v1.EndpointPort',
    value: { port: 53, protocol: 'UDP', appProtocol: '' },
    dump: '(v1.EndpointPort){Name:(string) Port:(int32)53 Protocol:(v1.Protocol)UDP AppProtocol:(*string)}',
    md5: '5b1cf7e2ea85493a6aeaa4d3010381fe',
    fnv128a: 'e563f12b29a9cb9b0d96d66b91846b9e',
  },
  {
    name: 'port: only a number',
    type: 'v1.EndpointPort',
    value: { port: 65535 },
    dump: '(v1.EndpointPort){Name:(string) Port:(int32)65535 Protocol:(v1.Protocol) AppProtocol:(*string)<nil>}',
    md5: 'c21b76348fccf513503ce2154c7c8385',
    fnv128a: 'aabafa8f40d187b6adcb0b5aa2c7dc1a',
  },
  {
    name: 'subset: all nil',
    type: 'v1.EndpointSubset',
    value: {},
    dump: '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)<nil> NotReadyAddresses:([]v1.EndpointAddress)<nil> Ports:([]v1.EndpointPort)<nil>}',
    md5: '7af462de8fae9265093e3aedf9a1389f',
    fnv128a: '5ae23ef3811b585a8fa9bd9f2392e5f3',
  },
  {
    name: 'subset: all empty, not nil',
    type: 'v1.EndpointSubset',
    value: { addresses: [], notReadyAddresses: [], ports: [] },
    dump: '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)[] NotReadyAddresses:([]v1.EndpointAddress)[] Ports:([]v1.EndpointPort)[]}',
    md5: '8e3bb7dcf8cb5986f6a8b652f6ccd6f3',
    fnv128a: 'e1e6ea88a7dd3f876930ade95e874f62',
  },
  {
    name: 'subset: pod address with nodeName and targetRef',
    type: 'v1.EndpointSubset',
    value: { addresses: [{ ip: '10.0.0.1', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: '0d9c1a4e-5b1f-4c55-9d38-2f5a5a0c0001' } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    dump: '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)[{IP:(string)10.0.0.1 Hostname:(string) NodeName:(*string)node-1 TargetRef:(*v1.ObjectReference){Kind:(string)Pod Namespace:(string)default Name:(string)web-1 UID:(types.UID)0d9c1a4e-5b1f-4c55-9d38-2f5a5a0c0001 APIVersion:(string) ResourceVersion:(string) FieldPath:(string)}}] NotReadyAddresses:([]v1.EndpointAddress)<nil> Ports:([]v1.EndpointPort)[{Name:(string)http Port:(int32)8080 Protocol:(v1.Protocol)TCP AppProtocol:(*string)<nil>}]}',
    md5: '543f6796e1463ac5ffc9b8c150d0bc28',
    fnv128a: '3040f62540d21824dce7c27d3cc17d3b',
  },
  {
    name: 'subset: address without nodeName and targetRef, with hostname',
    type: 'v1.EndpointSubset',
    value: { addresses: [{ ip: '192.168.1.7', hostname: 'db-0' }], ports: [{ port: 5432, protocol: 'TCP', appProtocol: 'postgresql' }] },
    dump: '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)[{IP:(string)192.168.1.7 Hostname:(string)db-0 NodeName:(*string)<nil> TargetRef:(*v1.ObjectReference)<nil>}] NotReadyAddresses:([]v1.EndpointAddress)<nil> Ports:([]v1.EndpointPort)[{Name:(string) Port:(int32)5432 Protocol:(v1.Protocol)TCP AppProtocol:(*string)postgresql}]}',
    md5: '0ea41d9548cd5c8be614d3a77ae37f70',
    fnv128a: '9ca24e08c952338d76a0e24547575013',
  },
  {
    name: 'subset: nodeName empty, targetRef empty',
    type: 'v1.EndpointSubset',
    value: { notReadyAddresses: [{ ip: 'fd00::1', nodeName: '', targetRef: {} }] },
    dump: '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)<nil> NotReadyAddresses:([]v1.EndpointAddress)[{IP:(string)fd00::1 Hostname:(string) NodeName:(*string) TargetRef:(*v1.ObjectReference){Kind:(string) Namespace:(string) Name:(string) UID:(types.UID) APIVersion:(string) ResourceVersion:(string) FieldPath:(string)}}] Ports:([]v1.EndpointPort)<nil>}',
    md5: 'b509e1cc969eaced3708346c41c2b548',
    fnv128a: '6c17cd2cf9129c44f34d5e920ed2f327',
  },
  {
    name: 'subset: ready and not ready, every targetRef field, two ports',
    type: 'v1.EndpointSubset',
    value: { addresses: [{ ip: '10.0.0.2', nodeName: 'n2', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'u-a', apiVersion: 'v1', resourceVersion: '42', fieldPath: 'spec.containers{c}' } }, { ip: '10.0.0.3', nodeName: 'n3' }], notReadyAddresses: [{ ip: '10.0.0.4', hostname: 'h4', nodeName: 'n4', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'u-b' } }], ports: [{ name: 'a', port: 1, protocol: 'TCP' }, { name: 'b', port: 2, protocol: 'SCTP', appProtocol: 'x' }] },
    dump: '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)[{IP:(string)10.0.0.2 Hostname:(string) NodeName:(*string)n2 TargetRef:(*v1.ObjectReference){Kind:(string)Pod Namespace:(string)ns Name:(string)a UID:(types.UID)u-a APIVersion:(string)v1 ResourceVersion:(string)42 FieldPath:(string)spec.containers{c}}} {IP:(string)10.0.0.3 Hostname:(string) NodeName:(*string)n3 TargetRef:(*v1.ObjectReference)<nil>}] NotReadyAddresses:([]v1.EndpointAddress)[{IP:(string)10.0.0.4 Hostname:(string)h4 NodeName:(*string)n4 TargetRef:(*v1.ObjectReference){Kind:(string)Pod Namespace:(string)ns Name:(string)b UID:(types.UID)u-b APIVersion:(string) ResourceVersion:(string) FieldPath:(string)}}] Ports:([]v1.EndpointPort)[{Name:(string)a Port:(int32)1 Protocol:(v1.Protocol)TCP AppProtocol:(*string)<nil>} {Name:(string)b Port:(int32)2 Protocol:(v1.Protocol)SCTP AppProtocol:(*string)x}]}',
    md5: '8666dec61454dfa6e74406ffe72a5676',
    fnv128a: '2e0ff3a49b6c3e23e629ec4dc13f3568',
  },
  {
    name: 'subset: addresses only, ports nil, non-ASCII hostname',
    type: 'v1.EndpointSubset',
    value: { addresses: [{ ip: '10.1.2.3', hostname: 'café' }], notReadyAddresses: [] },
    dump: '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)[{IP:(string)10.1.2.3 Hostname:(string)café NodeName:(*string)<nil> TargetRef:(*v1.ObjectReference)<nil>}] NotReadyAddresses:([]v1.EndpointAddress)[] Ports:([]v1.EndpointPort)<nil>}',
    md5: 'a91774f976542c1261a6a39e9fd495f1',
    fnv128a: '8ba6b26d739d4011ab1a1321ebe60189',
  },
  {
    name: 'slice port: every field set',
    type: 'discovery/v1.EndpointPort',
    value: { name: 'http', protocol: 'TCP', port: 80, appProtocol: 'h2c' },
    dump: '(v1.EndpointPort){Name:(*string)http Protocol:(*v1.Protocol)TCP Port:(*int32)80 AppProtocol:(*string)h2c}',
    md5: '453e59265b1ecd57f59f7de309d8d5b6',
    fnv128a: 'eb07b9ef5470399cb9ded94171e44d47',
  },
  {
    name: 'slice port: every field unset',
    type: 'discovery/v1.EndpointPort',
    value: {},
    dump: '(v1.EndpointPort){Name:(*string)<nil> Protocol:(*v1.Protocol)<nil> Port:(*int32)<nil> AppProtocol:(*string)<nil>}',
    md5: 'b69560f5ba6cdbe404f478cc9c5dfcbf',
    fnv128a: 'ad866eb7cd5162a9e20434ebd9deeacd',
  },
  {
    name: 'slice port: empty name, port 0',
    type: 'discovery/v1.EndpointPort',
    value: { name: '', protocol: 'UDP', port: 0 },
    dump: '(v1.EndpointPort){Name:(*string) Protocol:(*v1.Protocol)UDP Port:(*int32)0 AppProtocol:(*string)<nil>}',
    md5: 'c7247868bbce9e7a23b27f6beba39c4d',
    fnv128a: '814d9f30b58c90464ce3364c55ce5617',
  },
  {
    name: 'slice ports: nil',
    type: '[]discovery/v1.EndpointPort',
    value: null,
    dump: '([]v1.EndpointPort)<nil>',
    md5: '83b3584a9d5213c3f9eaf36b5b2e26a2',
    fnv128a: '402f0eb767061158ad8b157d85cc214c',
  },
  {
    name: 'slice ports: empty',
    type: '[]discovery/v1.EndpointPort',
    value: [],
    dump: '([]v1.EndpointPort)[]',
    md5: '017ea1b6f12144f65cebd1b1df5e2dc6',
    fnv128a: 'b823fa277840572f948b7ebdb09f7a1d',
  },
  {
    name: 'slice ports: two',
    type: '[]discovery/v1.EndpointPort',
    value: [{ name: 'a', protocol: 'TCP', port: 1 }, { name: 'b', protocol: 'UDP', port: 2, appProtocol: 'dns' }],
    dump: '([]v1.EndpointPort)[{Name:(*string)a Protocol:(*v1.Protocol)TCP Port:(*int32)1 AppProtocol:(*string)<nil>} {Name:(*string)b Protocol:(*v1.Protocol)UDP Port:(*int32)2 AppProtocol:(*string)dns}]',
    md5: 'c90bc1aa87dc663f9fed278ffa64cf3b',
    fnv128a: 'b0fa20d5a4859c94b4fad9837c5c159d',
  },];

describe('go-spew dump of the endpoint types, as Go prints them', () => {
  for (const row of GO) {
    test(row.name, () => {
      const dump = dumpForHash(row.type, row.value);
      assert.equal(dump, row.dump);
      assert.equal(md5Hex(dump), row.md5);
      assert.equal(fnv128aHex(dump), row.fnv128a);
    });
  }

  test('the endpoint controllers print through the same printer', () => {
    for (const row of GO) {
      const dump = row.type === 'v1.EndpointSubset' ? dumpEndpointSubset(row.value as EndpointSubset)
        : row.type === 'v1.EndpointPort' ? dumpEndpointPort(row.value as Parameters<typeof dumpEndpointPort>[0])
          : row.type === 'discovery/v1.EndpointPort' ? dumpSlicePort(row.value as Parameters<typeof dumpSlicePort>[0])
            : undefined;
      if (dump !== undefined) assert.equal(dump, row.dump, row.name);
    }
  });

  test('SortSubsets order: by md5, as bytes.Compare orders the sums', () => {
    const subsets = GO.filter((r) => r.type === 'v1.EndpointSubset');
    const sorted = sortByHash(subsets.map((r) => r.value as EndpointSubset), (ss) => md5Hex(dumpEndpointSubset(ss)));
    assert.deepEqual(sorted.map(dumpEndpointSubset), [...subsets].sort((a, b) => Buffer.compare(Buffer.from(a.md5, 'hex'), Buffer.from(b.md5, 'hex'))).map((r) => r.dump));
  });

  test('emptyIsNil: a value that came through protobuf has no empty lists or maps', () => {
    const empty = { addresses: [], notReadyAddresses: [], ports: [] };
    assert.equal(dumpForHash('v1.EndpointSubset', empty, { emptyIsNil: true }), GO.find((r) => r.name === 'subset: all nil')?.dump);
    assert.equal(dumpForHash('map[string]string', {}), '(map[string]string)map[]');
    assert.equal(dumpForHash('map[string]string', {}, { emptyIsNil: true }), '(map[string]string)<nil>');
  });
});
