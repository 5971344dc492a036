export { createFifo, FIFO_DEFAULTS, type FifoOptions, type FifoState, fifoPolicy } from './fifo.js';
