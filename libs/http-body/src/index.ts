/** Bounded request-body reading shared by the repository's Node HTTP servers. */
export { drainBody, readBody, type ReadBodyOptions } from './body.js';
