// Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf) to JSON objects.
export { decodeKubernetesProtobuf, PROTOBUF_PREFIX } from './decode.js';
export { MESSAGES, KINDS, type FieldDescriptor } from './descriptors.js';
