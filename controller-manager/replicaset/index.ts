// The ReplicaSet and ReplicationController controllers, as controllers.ts registers them.
export { replicaSetControllerDescriptor } from './descriptor.js';
export { replicationControllerDescriptor } from './replication-controller.js';
