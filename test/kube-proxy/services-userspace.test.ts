// Services end to end through kube-proxy's userspace proxier (the shared body: service-suite.ts).
import { serviceSuite } from './service-suite.js';
import { holdHostLock } from '../harness/host-lock.js';

// Changes what the whole host shares: never beside another such file (test/harness/host-lock.ts).
await holdHostLock();

serviceSuite('userspace');
