/**
 * Batch engines for a sweep that outgrows one machine. Sweeps already shard
 * (`--shard i/n`, a deterministic slice of the cells) and merge; these
 * write the job that runs the n shards as one array on a cluster and the
 * merge after them.
 *
 * - Slurm: one sbatch script. Run with `bash`, it submits itself as an
 *   array of n tasks and a merge job that waits for all of them
 *   (`--dependency=afterok`); as array task k (SLURM_ARRAY_TASK_ID, 1..n) it
 *   runs shard k/n. Every task writes into one directory on a shared
 *   filesystem; cells are written atomically, so tasks never clash.
 * - Kubernetes: an Indexed Job (index JOB_COMPLETION_INDEX, 0..n-1, runs
 *   shard index+1/n) with the sweep file in a ConfigMap and the cells on a
 *   shared volume, and a second Job that merges them, applied once the first
 *   completes (`kubectl wait`), as Kubernetes has no job dependencies.
 */
import { stringify } from 'yaml';
import { SweepError } from './axes.js';

export interface EmitOptions {
  /** The sweep's name (a job name is made from it). */
  name: string;
  /** How many shards, one array task or Job index each. */
  shards: number;
  /** The command that runs reclaim-lab on the nodes, as shell words. */
  command: string[];
  /** The sweep file as the nodes see it (Slurm); its text (Kubernetes, put in a ConfigMap). */
  specPath: string;
  specText?: string;
  /** The cells directory, shared by every task. */
  out: string;
  /** Worker processes per task (and CPUs asked for). */
  workers: number;
  /** Slurm: the directory the tasks run in; partition and time limit, if any. */
  cwd?: string;
  partition?: string;
  time?: string;
  /** Kubernetes: the image holding reclaim-lab, and the PersistentVolumeClaim for the cells. */
  image?: string;
  claim?: string;
}

/** A shell word, quoted only when it needs to be. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A Slurm or Kubernetes job name: lower-case letters, digits and dashes. */
export function jobName(name: string): string {
  const base = `reclaim-lab-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-');
  return base.slice(0, 52).replace(/-$/, '');
}

function checkShards(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new SweepError(`--shards: expected an integer 1..10000, got ${n}`);
}

/** The sbatch script: submits itself and the merge when run with bash, runs one shard as an array task. */
export function emitSlurm(o: EmitOptions): string {
  checkShards(o.shards);
  const name = jobName(o.name);
  const cmd = o.command.map(shellQuote).join(' ');
  const out = shellQuote(o.out);
  const directives = [
    `#SBATCH --job-name=${name}`,
    `#SBATCH --array=1-${o.shards}`,
    `#SBATCH --cpus-per-task=${Math.max(1, o.workers)}`,
    `#SBATCH --output=${o.out}/slurm-%A_%a.log`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
  ];
  return `#!/bin/bash
# reclaim-lab sweep ${o.name}: ${o.shards} shards as a Slurm job array, then a merge.
# Submit with:  bash THIS_FILE   (submits the array and a merge that waits for it)
# or by hand:   jid=$(sbatch --parsable THIS_FILE) && sbatch --dependency=afterok:$jid --wrap "${cmd.replace(/"/g, '\\"')} merge ${out}"
${directives.join('\n')}
set -euo pipefail
cd ${shellQuote(o.cwd ?? '.')}
mkdir -p ${out}
if [ -z "\${SLURM_ARRAY_TASK_ID:-}" ]; then
  jid=$(sbatch --parsable "$0")
  jid=\${jid%%;*}
  mid=$(sbatch --parsable --job-name=${name}-merge --dependency=afterok:"$jid" \\
    --output=${out}/slurm-merge-%j.log --chdir=${shellQuote(o.cwd ?? '.')} \\
    --wrap=${shellQuote(`${cmd} merge ${out} --format json > ${out}/merge.json`)})
  echo "submitted array $jid (${o.shards} shards) and merge $mid"
  exit 0
fi
exec ${cmd} sweep ${shellQuote(o.specPath)} --out ${out} --shard "$SLURM_ARRAY_TASK_ID/${o.shards}" --workers ${o.workers}
`;
}

const SPEC_MOUNT = '/etc/reclaim-lab';
const CELLS_MOUNT = '/cells';

/** The Indexed Job and the ConfigMap holding the sweep file, as one multi-document YAML. */
export function emitK8s(o: EmitOptions): string {
  checkShards(o.shards);
  const name = jobName(o.name);
  const spec = `${SPEC_MOUNT}/sweep.yaml`;
  // JOB_COMPLETION_INDEX is 0-based; shards are 1-based.
  const shell = `exec ${o.command.map(shellQuote).join(' ')} sweep ${spec} --out ${CELLS_MOUNT} --shard "$((JOB_COMPLETION_INDEX + 1))/${o.shards}" --workers ${o.workers}`;
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-spec`, labels: { app: 'reclaim-lab', sweep: name } },
    data: { 'sweep.yaml': o.specText ?? '' },
  };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { app: 'reclaim-lab', sweep: name } },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      backoffLimitPerIndex: 2,
      template: {
        metadata: { labels: { app: 'reclaim-lab', sweep: name } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'shard',
              image: o.image ?? 'node:20-bookworm-slim',
              command: ['sh', '-c', shell],
              resources: { requests: { cpu: String(Math.max(1, o.workers)) } },
              volumeMounts: [
                { name: 'spec', mountPath: SPEC_MOUNT, readOnly: true },
                { name: 'cells', mountPath: CELLS_MOUNT },
              ],
            },
          ],
          volumes: [
            { name: 'spec', configMap: { name: `${name}-spec` } },
            { name: 'cells', persistentVolumeClaim: { claimName: o.claim ?? `${name}-cells` } },
          ],
        },
      },
    },
  };
  return `# reclaim-lab sweep ${o.name}: ${o.shards} shards as an Indexed Job; cells on the claim ${o.claim ?? `${name}-cells`} (ReadWriteMany).
# kubectl apply -f THIS_FILE && kubectl wait --for=condition=complete job/${name} --timeout=-1s
# then the merge: reclaim-lab sweep ... --emit k8s-merge | kubectl apply -f -
${stringify(configMap)}---
${stringify(job)}`;
}

/** The follow-up Job that merges the cells into the reports, beside them on the claim. */
export function emitK8sMerge(o: EmitOptions): string {
  const name = jobName(o.name);
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${name}-merge`, labels: { app: 'reclaim-lab', sweep: name } },
    spec: {
      backoffLimit: 2,
      template: {
        metadata: { labels: { app: 'reclaim-lab', sweep: name } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'merge',
              image: o.image ?? 'node:20-bookworm-slim',
              command: [...o.command, 'merge', CELLS_MOUNT],
              volumeMounts: [{ name: 'cells', mountPath: CELLS_MOUNT }],
            },
          ],
          volumes: [{ name: 'cells', persistentVolumeClaim: { claimName: o.claim ?? `${name}-cells` } }],
        },
      },
    },
  };
  return `# Apply when job/${name} has completed; the reports land beside the cells.\n${stringify(job)}`;
}
