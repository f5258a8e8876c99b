// Services end to end through kube-proxy's userspace proxier (the shared body: service-suite.ts).
import { serviceSuite } from './service-suite.js';

serviceSuite('userspace');
