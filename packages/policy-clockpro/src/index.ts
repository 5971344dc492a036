export {
  CLOCKPRO_DEFAULTS,
  type ClockProOptions,
  type ClockProState,
  clockProPolicy,
  createClockPro,
} from './clockpro.js';
