export { JobController, jobControllerDescriptor, NAME } from './controller.js';
