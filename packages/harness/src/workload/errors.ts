/** One problem in a workload spec, located by a path such as `tasks[1].phases[0].pattern.alpha`. */
export interface SpecIssue {
  path: string;
  message: string;
}

/** Thrown for an invalid workload spec, an unknown preset or parameter; lists every problem found. */
export class WorkloadSpecError extends Error {
  readonly issues: readonly SpecIssue[];

  constructor(issues: readonly SpecIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'));
    this.name = 'WorkloadSpecError';
    this.issues = issues;
  }
}

/** `['tasks', 1, 'phases', 0]` → `tasks[1].phases[0]`. */
export function formatPath(keys: readonly (string | number)[]): string {
  let out = '';
  for (const k of keys) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? k : `.${k}`;
  }
  return out;
}

/** A short rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return typeof value;
  }
}
