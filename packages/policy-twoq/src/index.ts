export { createTwoq, type TwoqOptions, type TwoqState, twoqPolicy } from './twoq.js';
