import { parse, stringify } from 'yaml';
import { WorkloadSpecError } from './errors.js';
import { assertWorkloadInput } from './schema.js';
import type { WorkloadInput, WorkloadSpec } from './spec.js';

/** A spec as YAML, ready to edit and load back with `workloadFromYaml`. */
export function workloadToYaml(spec: WorkloadSpec | WorkloadInput): string {
  return stringify(spec, { lineWidth: 0 });
}

/**
 * Parses YAML into a workload spec. `$param` references stay unresolved (pass
 * values to `compileWorkload`), but the spec is checked now with its declared
 * defaults so that mistakes surface with their paths at load time.
 */
export function workloadFromYaml(text: string): WorkloadInput {
  let input: unknown;
  try {
    input = parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WorkloadSpecError([{ path: '', message: `not valid YAML: ${reason}` }]);
  }
  assertWorkloadInput(input);
  return input;
}
