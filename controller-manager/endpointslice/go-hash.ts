// The endpoint objects Kubernetes sorts by the hash of their go-spew dump, read as their
// Go types (../go-types.ts) and printed by the one printer (../go-spew.ts): Endpoints
// subsets and their ports by md5 (pkg/api/v1/endpoints SortSubsets through pkg/util/hash
// DeepHashObject), EndpointSlice ports by FNV-128a (k8s.io/endpointslice/util
// NewPortMapKey's portsInOrder). Absent lists are nil slices, [] an empty one.
import type { EndpointPort, EndpointSubset } from '../../api/types/core.js';
import type { EndpointPort as SlicePort } from '../../api/types/discovery.js';
import { dumpForHash } from '../go-spew.js';

/** The dump of a core/v1 EndpointPort value. */
export const dumpEndpointPort = (p: EndpointPort): string => dumpForHash('v1.EndpointPort', p);

/** The dump of a core/v1 EndpointSubset value. */
export const dumpEndpointSubset = (ss: EndpointSubset): string => dumpForHash('v1.EndpointSubset', ss);

/** The dump of a discovery/v1 EndpointPort value (every field a pointer). */
export const dumpSlicePort = (p: SlicePort): string => dumpForHash('discovery/v1.EndpointPort', p);
