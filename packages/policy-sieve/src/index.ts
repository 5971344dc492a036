export { createSieve, type SieveOptions, type SieveState, sievePolicy } from './sieve.js';
