/**
 * Sweeps beyond one machine. Slurm end to end: a controller and one node on
 * localhost (munge for authentication), the emitted sbatch script submits a
 * two-task array and a merge that waits for it; the cells and every report
 * must equal, byte for byte, those of the same sweep run locally. Kubernetes:
 * the manifests' structure, and that index i of the Indexed Job runs shard
 * i+1 of n — exactly its cells, all of them once over the indices.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSweepFile, shardCells } from '@reclaim-lab/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ensureSystemPackages } from '../../../tools/system-deps.mjs';
import { cli, ROOT } from './cli-helpers.js';

const MAIN = resolve(ROOT, 'apps/harness/src/main.ts');
const TSX = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');
/** How a node runs the CLI from this checkout's sources. */
const DEV_COMMAND = `${process.execPath} ${TSX} --conditions=@reclaim-lab/source ${MAIN}`;

const dir = mkdtempSync(join(tmpdir(), 'reclaim-lab-batch-'));
const spec = join(dir, 'tiny.yaml');
writeFileSync(
  spec,
  'name: tiny\nmachine: { memory: 32MiB, swapDevice: zram }\nworkload: zipf-anon\npolicy: [lru, mglru, fifo]\nseed: 1\nseeds: 1\n',
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under a directory, by relative path, with its bytes. */
function files(root: string, only: (name: string) => boolean): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else if (only(e.name)) out.set(r, readFileSync(join(d, e.name)));
    }
  };
  walk(root, '');
  return out;
}
const results = (name: string) => /^(report\.|sweep\.json$|[0-9a-f]{16}\.json$)/.test(name);

let local: Map<string, Buffer>;
beforeAll(() => {
  const r = cli(['sweep', spec, '--out', join(dir, 'local'), '--workers', '0', '--format', 'json']);
  expect(r.status, r.stderr).toBe(0);
  local = files(join(dir, 'local'), results);
});

describe('sweep --emit slurm, on a local Slurm cluster', () => {
  const daemons: ChildProcess[] = [];
  const conf = join(dir, 'slurm', 'slurm.conf');
  const env = { ...process.env, SLURM_CONF: conf };
  let mungePid: number | undefined;
  afterAll(() => {
    for (const d of daemons) d.kill('SIGTERM');
    // munged daemonizes; stop it only if this test started it.
    if (mungePid !== undefined) process.kill(mungePid, 'SIGTERM');
  });

  it('runs a two-task array and the merge, and ends with the bytes of a local run', async () => {
    expect(ensureSystemPackages(['slurm-wlm', 'munge']), 'Slurm and munge').toEqual([]);
    // munge authenticates Slurm's daemons and clients to each other.
    if (spawnSync('munge', ['-n'], { stdio: 'ignore' }).status !== 0) {
      mkdirSync('/run/munge', { recursive: true });
      execFileSync('chown', ['munge:munge', '/run/munge']);
      if (!existsSync('/etc/munge/munge.key')) execFileSync('mungekey', ['--create']);
      const started = spawnSync('runuser', ['-u', 'munge', '--', '/usr/sbin/munged'], { encoding: 'utf8' });
      expect(started.status, `munged: ${started.stderr}`).toBe(0);
      mungePid = Number(readFileSync('/run/munge/munged.pid', 'utf8'));
    }
    const node = hostname().split('.')[0];
    const s = join(dir, 'slurm');
    for (const d of ['state', 'spool']) mkdirSync(join(s, d), { recursive: true });
    // Ports of our own, so a Slurm already on the machine is left alone.
    const port = 17000 + (process.pid % 2000) * 2;
    writeFileSync(
      conf,
      `ClusterName=reclaimlab
SlurmctldHost=${node}
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${port}
SlurmdPort=${port + 1}
AuthType=auth/munge
StateSaveLocation=${s}/state
SlurmdSpoolDir=${s}/spool
SlurmctldPidFile=${s}/slurmctld.pid
SlurmdPidFile=${s}/slurmd.pid
SlurmctldLogFile=${s}/slurmctld.log
SlurmdLogFile=${s}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=${node} CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
`,
    );
    for (const d of ['slurmctld', 'slurmd'])
      daemons.push(spawn(d, ['-D', '-f', conf], { stdio: 'ignore', env }));
    const until = async (what: string, ok: () => boolean, ms: number) => {
      for (const t0 = performance.now(); !ok(); await new Promise((r) => setTimeout(r, 500)))
        if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what} (logs in ${s})`);
    };
    const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { env, encoding: 'utf8' });
    await until('an idle node', () => /idle/.test(sh('sinfo', ['-h', '-o', '%T']).stdout), 60_000);

    const out = join(dir, 'slurm-cells');
    const script = cli([
      'sweep',
      spec,
      '--emit',
      'slurm',
      '--shards',
      '2',
      '--out',
      out,
      '--command',
      DEV_COMMAND,
    ]);
    expect(script.status, script.stderr).toBe(0);
    expect(script.stdout).toMatch(/^#SBATCH --array=1-2$/m);
    writeFileSync(join(dir, 'sweep.sbatch'), script.stdout);
    const submit = sh('bash', [join(dir, 'sweep.sbatch')]);
    expect(submit.status, submit.stderr).toBe(0);
    expect(submit.stdout).toMatch(/submitted array \d+ \(2 shards\) and merge \d+/);
    await until('the array and the merge', () => sh('squeue', ['-h']).stdout.trim() === '', 240_000);

    // Two array tasks ran one shard each, then the merge ran.
    const logs = readdirSync(out).filter((f) => f.startsWith('slurm-'));
    expect(logs.filter((f) => /^slurm-\d+_[12]\.log$/.test(f)).length, logs.join(' ')).toBe(2);
    expect(readFileSync(join(out, logs.find((f) => f.includes('_1.log'))!), 'utf8')).toMatch(/shard 1\/2/);
    expect(JSON.parse(readFileSync(join(out, 'merge.json'), 'utf8')).schema).toBe('reclaim-lab/comparison@1');
    const cluster = files(out, results);
    expect([...cluster.keys()].sort()).toEqual([...local.keys()].sort());
    for (const [name, bytes] of local) expect(cluster.get(name)?.equals(bytes), name).toBe(true);
  }, 420_000);
});

describe('sweep --emit k8s', () => {
  it('writes a ConfigMap with the sweep and an Indexed Job with one shard per index', () => {
    const r = cli([
      'sweep',
      spec,
      '--emit',
      'k8s',
      '--shards',
      '3',
      '--claim',
      'sweeps',
      '--image',
      'reg/rl:1',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    const [configMap, job] = docs;
    expect(configMap.kind).toBe('ConfigMap');
    expect(configMap.data['sweep.yaml']).toBe(readFileSync(spec, 'utf8'));
    expect(job).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'reclaim-lab-tiny' },
      spec: { completionMode: 'Indexed', completions: 3, parallelism: 3 },
    });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].image).toBe('reg/rl:1');
    expect(pod.volumes).toContainEqual({ name: 'cells', persistentVolumeClaim: { claimName: 'sweeps' } });
    expect(pod.volumes).toContainEqual({ name: 'spec', configMap: { name: configMap.metadata.name } });
    const merge = parse(cli(['sweep', spec, '--emit', 'k8s-merge', '--claim', 'sweeps']).stdout);
    expect(merge.kind).toBe('Job');
    expect(merge.spec.template.spec.containers[0].command.slice(-2)).toEqual(['merge', '/cells']);
  }, 300_000);

  it('runs, at index i, exactly shard i+1 of n: every cell once over the indices, as a local run', async () => {
    const n = 2;
    const r = cli(['sweep', spec, '--emit', 'k8s', '--shards', String(n), '--command', DEV_COMMAND]);
    const job = parseAllDocuments(r.stdout)[1].toJS();
    const [shell, flag, command] = job.spec.template.spec.containers[0].command;
    expect([shell, flag]).toEqual(['sh', '-c']);
    // The pod's mounts, here: the sweep file and a shared cells directory.
    const cells = join(dir, 'k8s-cells');
    const script = command.replace('/etc/reclaim-lab/sweep.yaml', spec).replaceAll('/cells', cells);
    const plan = await loadSweepFile(spec);
    const seen: string[] = [];
    for (let index = 0; index < n; index++) {
      const before = new Set(existsSync(join(cells, 'cells')) ? readdirSync(join(cells, 'cells')) : []);
      const run = spawnSync('sh', ['-c', script], {
        env: { ...process.env, JOB_COMPLETION_INDEX: String(index) },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const added = readdirSync(join(cells, 'cells')).filter((f) => !before.has(f));
      const expected = shardCells(plan.cells, { index: index + 1, count: n }).map((c) => `${c.id}.json`);
      expect(added.sort(), `index ${index}`).toEqual(expected.sort());
      seen.push(...added);
    }
    expect(seen.sort()).toEqual(plan.cells.map((c) => `${c.id}.json`).sort());
    for (const [name, bytes] of local)
      if (name.startsWith('cells/')) expect(readFileSync(join(cells, name)).equals(bytes), name).toBe(true);
  }, 300_000);
});
