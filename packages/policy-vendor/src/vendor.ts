import {
  APP_BACKGROUND,
  APP_CACHED,
  APP_FOREGROUND,
  APP_VISIBLE,
  LRU_ANON,
  LRU_FILE,
} from '@reclaim-lab/hw-model';
import { lruPolicy } from '@reclaim-lab/policy-lru';
import { mglruPolicy } from '@reclaim-lab/policy-mglru';
import {
  DEF_PRIORITY,
  layerPolicy,
  type PolicyCtx,
  type PolicyExtension,
  type PolicyFactory,
  type ReclaimOps,
  type ScanControl,
} from '@reclaim-lab/reclaim';

/**
 * What phone makers add to LRU or MGLRU through Android's vendor hooks in
 * mm/vmscan.c, as one layered policy with a switch per hook:
 *
 * - `stopAtWatermark`: root reclaim ends as soon as the node's free pages
 *   are above its high watermark, not when the batch's goal
 *   (kswapd: the high watermark's worth of pages) is met; a reclaim
 *   invocation then fits a frame budget.
 * - `skipForeground`: root reclaim passes over the foreground app's memcg
 *   while any other lruvec of the node has reclaimable pages.
 * - `ageBackground`: when an app leaves foreground/visible for background
 *   or cached, its lruvec is aged at once: over MGLRU, new generations
 *   until all its pages are in the oldest (`ageLruvec`); over LRU, its
 *   pages are deactivated (MADV_COLD over its mappings, its page cache to
 *   the inactive side).
 * - `priorityScan`: each lruvec is scanned at a priority shifted by its
 *   app's importance: cached 2 steps harder, background 1, foreground 1
 *   step softer (half the scan).
 *
 * Kernel policies are untouched: each hook is a ReclaimOps v2 hook point
 * whose absence is the base's behaviour.
 */
export interface VendorOptions extends Record<string, unknown> {
  base: 'lru' | 'mglru';
  stopAtWatermark: boolean;
  skipForeground: boolean;
  ageBackground: boolean;
  priorityScan: boolean;
}

export const VENDOR_DEFAULTS: VendorOptions = {
  base: 'mglru',
  stopAtWatermark: true,
  skipForeground: true,
  ageBackground: true,
  priorityScan: true,
};

/** Priority shift per importance class (foreground … cached): a larger priority scans less. */
const PRIORITY_SHIFT = [1, 0, -1, -2];

function importanceOf(ctx: PolicyCtx<unknown>, lv = ctx.lruvec): number {
  return ctx.core.importance ? ctx.core.importance(lv.memcg) : -1;
}

/** Stop root reclaim once the node is above its high watermark. */
export function stopAtWatermark(ctx: PolicyCtx<unknown>, sc: ScanControl): boolean {
  if (!sc.rootReclaim) return false;
  const zone = ctx.world.machine.nodes[sc.node].zone;
  return zone.free > zone.high;
}

/** Skip the foreground app's lruvec in root reclaim while another lruvec of the node has reclaimable pages. */
export function skipForeground(ctx: PolicyCtx<unknown>, sc: ScanControl): boolean {
  if (!sc.rootReclaim || importanceOf(ctx) !== APP_FOREGROUND) return false;
  for (const lv of ctx.world.lruvecs) {
    if (lv === ctx.lruvec || lv.node !== ctx.lruvec.node || importanceOf(ctx, lv) === APP_FOREGROUND)
      continue;
    const anon = ctx.core.canReclaimAnon(lv, sc) ? lv.nrPages[LRU_ANON] : 0;
    if (lv.nrPages[LRU_FILE] + anon > 0) return true;
  }
  return false;
}

/** The priority an app's lruvec is scanned at, by its importance. */
export function priorityFor(importance: number, priority: number): number {
  if (importance < APP_FOREGROUND || importance > APP_CACHED) return priority;
  return Math.min(DEF_PRIORITY, Math.max(0, priority + PRIORITY_SHIFT[importance]));
}

export function createVendor(options: Partial<VendorOptions> = {}): ReclaimOps<unknown> {
  const o = { ...VENDOR_DEFAULTS, ...options };
  const base =
    o.base === 'lru' ? lruPolicy.create(lruPolicy.defaults) : mglruPolicy.create(mglruPolicy.defaults);
  const hooks = [
    o.stopAtWatermark && 'wm',
    o.skipForeground && 'fg',
    o.ageBackground && 'bg',
    o.priorityScan && 'prio',
  ].filter(Boolean);
  const ext: PolicyExtension<unknown> = { name: `vendor(${hooks.join(',') || 'none'})` };
  if (o.stopAtWatermark) ext.reclaimDone = (ctx, sc, next) => stopAtWatermark(ctx, sc) || next();
  if (o.skipForeground) ext.protectLruvec = (ctx, sc, next) => skipForeground(ctx, sc) || next();
  if (o.priorityScan) ext.scanPriority = (ctx, _sc, next) => priorityFor(importanceOf(ctx), next());
  if (o.ageBackground)
    ext.classChanged = (_ctx, change, next) =>
      change.from >= APP_FOREGROUND && change.from <= APP_VISIBLE && change.to >= APP_BACKGROUND
        ? 'age'
        : next();
  return layerPolicy(base as ReclaimOps<unknown>, ext);
}

const only = (key: keyof VendorOptions): Partial<VendorOptions> => ({
  stopAtWatermark: false,
  skipForeground: false,
  ageBackground: false,
  priorityScan: false,
  [key]: true,
});

export const vendorPolicy: PolicyFactory<VendorOptions> = {
  name: 'vendor',
  description:
    'Android vendor reclaim hooks layered on lru or mglru (stop at watermark, skip foreground, age background, scan by importance)',
  defaults: VENDOR_DEFAULTS,
  optionDocs: {
    base: 'the policy the hooks are layered on',
    stopAtWatermark: 'end root reclaim once free pages are above the high watermark',
    skipForeground: "pass over the foreground app's memcg while others have reclaimable pages",
    ageBackground:
      "age an app's lruvec when it goes to the background (MGLRU: to its oldest generation; LRU: deactivated)",
    priorityScan: 'scan cached apps harder and the foreground app softer',
  },
  optionSchema: {
    base: { type: 'string', choices: ['lru', 'mglru'] },
    stopAtWatermark: { type: 'boolean' },
    skipForeground: { type: 'boolean' },
    ageBackground: { type: 'boolean' },
    priorityScan: { type: 'boolean' },
  },
  presets: {
    lru: { base: 'lru' },
    'stop-wm': only('stopAtWatermark'),
    'fg-skip': only('skipForeground'),
    'bg-age': only('ageBackground'),
    'prio-scan': only('priorityScan'),
    'lru-stop-wm': { ...only('stopAtWatermark'), base: 'lru' },
    'lru-fg-skip': { ...only('skipForeground'), base: 'lru' },
    'lru-bg-age': { ...only('ageBackground'), base: 'lru' },
    'lru-prio-scan': { ...only('priorityScan'), base: 'lru' },
  },
  create: (o) => createVendor(o),
};
