import { listPolicies, listWorkloads } from '@reclaim-lab/harness';
import { type Command, Option } from 'commander';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the built-in workloads and the registered policies')
    .addOption(new Option('--format <format>').choices(['table', 'json']).default('table'))
    .action((opts: { format: string }) => {
      const workloads = listWorkloads();
      const policies = listPolicies().map((p) => ({
        name: p.name,
        description: p.description,
        options: p.defaults,
        presets: Object.keys(p.presets ?? {}),
      }));
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify({ workloads, policies }, null, 2)}\n`);
        return;
      }
      const out: string[] = ['Workloads:'];
      const w = Math.max(...workloads.map((x) => x.id.length));
      for (const x of workloads) {
        out.push(`  ${x.id.padEnd(w)}  ${x.description}`);
        if (x.params.length)
          out.push(
            `  ${''.padEnd(w)}  params: ${x.params.map((p) => `${p.name}=${String(p.default)}`).join(', ')}`,
          );
      }
      out.push('', 'Policies:');
      const pw = Math.max(...policies.map((x) => x.name.length));
      for (const p of policies) {
        out.push(`  ${p.name.padEnd(pw)}  ${p.description}`);
        const o = Object.entries(p.options).map(([k, v]) => `${k}=${String(v)}`);
        if (o.length) out.push(`  ${''.padEnd(pw)}  options: ${o.join(', ')}`);
        if (p.presets.length) out.push(`  ${''.padEnd(pw)}  presets: ${p.presets.join(', ')}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
