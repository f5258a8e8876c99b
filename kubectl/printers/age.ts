// Ages as kubectl prints them; the one implementation lives in api/duration.ts.
export { age, humanDuration, shortHumanDuration } from '../../api/duration.js';
