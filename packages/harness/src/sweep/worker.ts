import { loadPolicySpecs, scenarioPolicySpecs } from '../policy-loader.js';
import { type CellTask, runCellTask } from './cell.js';

/**
 * The pool's entry point (tinypool calls the default export). It imports only
 * what a run needs, so a worker starts fast; policy modules a task names
 * (`./my-policy.ts`) are loaded here, in the worker, before the run.
 */
export default async function runCell(task: CellTask): Promise<string> {
  await loadPolicySpecs(scenarioPolicySpecs(task.scenario, task.policy));
  return runCellTask(task);
}
