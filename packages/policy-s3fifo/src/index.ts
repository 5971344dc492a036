export {
  createS3Fifo,
  S3FIFO_DEFAULTS,
  type S3FifoOptions,
  type S3FifoState,
  s3fifoPolicy,
} from './s3fifo.js';
