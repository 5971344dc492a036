import type { Memcg } from '@reclaim-lab/hw-model';

/**
 * Models `effective_protection()` (mm/page_counter.c): how much of its
 * memory.min or memory.low a memcg keeps, given what its parent keeps and
 * what its siblings claim. The claim is the protected usage, min(usage,
 * setting). When the siblings together claim more than the parent's
 * effective protection, each gets a share in proportion to its claim; with
 * `recursive` (the cgroup2 `memory_recursiveprot` mount option) a parent's
 * unclaimed protection is shared out in proportion to unprotected usage.
 * Pages, truncated as the kernel's integer division does.
 */
export function effectiveProtection(
  usage: number,
  parentUsage: number,
  setting: number,
  parentEffective: number,
  siblingsProtected: number,
  recursive: boolean,
): number {
  const protectedUsage = Math.min(usage, setting);
  if (siblingsProtected > parentEffective)
    return Math.floor((protectedUsage * parentEffective) / siblingsProtected);
  let ep = protectedUsage;
  if (
    recursive &&
    parentEffective > siblingsProtected &&
    parentUsage > siblingsProtected &&
    usage > protectedUsage
  ) {
    ep += Math.floor(
      ((parentEffective - siblingsProtected) * (usage - protectedUsage)) / (parentUsage - siblingsProtected),
    );
  }
  return ep;
}

/**
 * Models `mem_cgroup_calculate_protection()` → `page_counter_calculate_protection()`
 * for reclaim aimed at `target`: the target itself is unprotected, its
 * children keep their own settings, deeper memcgs their effective share of
 * their parent's (computed earlier in the same pre-order walk).
 */
export function calculateProtection(memcg: Memcg, target: Memcg, recursive: boolean): void {
  const p = memcg.parent;
  if (memcg === target || p === null) {
    memcg.emin = 0;
    memcg.elow = 0;
    return;
  }
  if (p === target) {
    memcg.emin = memcg.min;
    memcg.elow = memcg.low;
    return;
  }
  // `children_min_usage` and `children_low_usage`, which the kernel keeps up to date at each charge.
  let childrenMin = 0;
  let childrenLow = 0;
  for (const c of p.children) {
    childrenMin += Math.min(c.usage, c.min);
    childrenLow += Math.min(c.usage, c.low);
  }
  memcg.emin = effectiveProtection(memcg.usage, p.usage, memcg.min, p.emin, childrenMin, recursive);
  memcg.elow = effectiveProtection(memcg.usage, p.usage, memcg.low, p.elow, childrenLow, recursive);
}
