import { defaultMachineConfig, OP_READ } from '@reclaim-lab/hw-model';
import { createLru, type LruOptions, type LruState } from '@reclaim-lab/policy-lru';
import { Kernel, type PolicyCtx } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';

export const FILE_PAGES = 300;

/**
 * A kernel with no memory pressure whose root lruvec holds a 300-page file
 * under `lru` with `options`: read twice, it is all on the active file
 * list; read once, all inactive.
 */
export function lruvecWithFile(options: Partial<LruOptions>, passes: 1 | 2) {
  const k = new Kernel({
    machine: defaultMachineConfig(4096),
    policy: createLru(options),
    seed: 3,
    watchdog: { abortOnEject: true },
  });
  k.load({
    files: [{ name: 'data', pages: FILE_PAGES }],
    memcgs: [],
    tasks: [
      {
        name: 'reader',
        regions: [{ kind: 'file-fd', file: 0, pages: FILE_PAGES }],
        source: generated((i) => (i < FILE_PAGES * passes ? [OP_READ, 0, i % FILE_PAGES] : null)),
      },
    ],
  });
  k.run();
  const ctx = k.ctxOf(k.world.lruvec(k.machine.rootMemcg, 0)) as unknown as PolicyCtx<LruState>;
  const ops = k.ctxOf(ctx.lruvec).slot.ops;
  return { k, ctx, ops, sizes: k.lruSizes(ctx.lruvec) };
}
