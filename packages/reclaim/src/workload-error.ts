/**
 * The error the simulator throws for bad workload input, naming the task
 * and the event.
 */

/** Thrown inside the simulator for bad workload input, naming the task and event. */
export class WorkloadError extends Error {}
