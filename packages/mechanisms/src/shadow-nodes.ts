import type { Machine, SimFile, SwapSpace } from '@reclaim-lab/hw-model';
import { type Counters, VM } from './counters.js';

/** Slots per page-cache tree node (`XA_CHUNK_SIZE`). */
export const SHADOW_NODE_SLOTS = 64;

/** One file's nodes: resident pages and shadows in each, and its place on a shadow-node list. */
interface FileNodes {
  pages: Uint16Array;
  shadows: Uint16Array;
  /** memcg id + 1 of the list the node is on, 0 when on none. */
  listed: Int32Array;
  /** Bumped at each listing, so a stale queue entry is recognised. */
  stamp: Int32Array;
}

/** The swap address space's place in a queue entry's file field. */
const SWAP_SPACE = -1;

/** A memcg's shadow-node list, oldest first: a ring of (file or SWAP_SPACE, node, stamp). */
class NodeQueue {
  ring = new Int32Array(3 * 64);
  head = 0;
  len = 0;
  /** Nodes listed (live entries). */
  count = 0;
  /** The last computed limit, in nodes; recomputed when `count` passes it. */
  max = 0;

  push(file: number, node: number, stamp: number): void {
    const cap = this.ring.length / 3;
    if (this.len === cap) {
      const grown = new Int32Array(this.ring.length * 2);
      for (let i = 0; i < this.len; i++) {
        const j = ((this.head + i) % cap) * 3;
        grown.set(this.ring.subarray(j, j + 3), i * 3);
      }
      this.ring = grown;
      this.head = 0;
    }
    const at = ((this.head + this.len) % (this.ring.length / 3)) * 3;
    this.ring[at] = file;
    this.ring[at + 1] = node;
    this.ring[at + 2] = stamp;
    this.len++;
  }
}

/**
 * Models the workingset shadow-node shrinker (`workingset_update_node`,
 * `count_shadow_nodes`, `shadow_lru_isolate`). Page-cache shadows live in
 * tree nodes of 64 slots; a node holding shadows and no page goes on its
 * memcg's list, and when a memcg has more such nodes than its LRU pages / 8
 * (`max_nodes`) the oldest are dropped with their shadows
 * (`workingset_nodereclaim`): refaults of pages evicted that long ago are
 * not recognised. The swap address space's nodes (swap-cache folios and the shadows of
 * anon and shmem folios reclaimed from it) share the memcg's list, as they
 * share the kernel's `shadow_nodes` list_lru. The kernel trims from its slab
 * shrinker during reclaim; here the list is trimmed at once, and per memcg
 * over all NUMA nodes.
 */
export class ShadowNodes {
  private readonly files: (FileNodes | undefined)[] = [];
  private swapNodes: FileNodes | undefined;
  private readonly queues: (NodeQueue | undefined)[] = [];

  constructor(
    private readonly machine: Machine,
    private readonly counters: Counters,
  ) {}

  private nodesOf(file: SimFile): FileNodes {
    let n = this.files[file.id];
    if (n === undefined) {
      n = emptyNodes(file.pages);
      this.files[file.id] = n;
    }
    return n;
  }

  private swapNodesOf(swap: SwapSpace): FileNodes {
    this.swapNodes ??= emptyNodes(swap.slots);
    return this.swapNodes;
  }

  /** A page went into `file`'s cache at `index`, replacing a shadow if `hadShadow`. */
  pageAdded(file: SimFile, index: number, hadShadow: boolean): void {
    this.added(this.nodesOf(file), index, hadShadow);
  }

  /** A page of `file`, charged to `memcg`, left the cache at `index`, leaving a shadow if `shadow`. */
  pageRemoved(file: SimFile, index: number, shadow: boolean, memcg: number): void {
    this.removed(file.id, this.nodesOf(file), index, shadow, memcg);
  }

  /** A folio went into the swap cache at `slot`, replacing a shadow if `hadShadow`. */
  swapAdded(swap: SwapSpace, slot: number, hadShadow: boolean): void {
    this.added(this.swapNodesOf(swap), slot, hadShadow);
  }

  /** A folio charged to `memcg` left the swap cache at `slot`, leaving a shadow if `shadow`. */
  swapRemoved(swap: SwapSpace, slot: number, shadow: boolean, memcg: number): void {
    this.removed(SWAP_SPACE, this.swapNodesOf(swap), slot, shadow, memcg);
  }

  /**
   * A freed swap slot's shadow went with it (`clear_shadow_from_swap_cache`):
   * a node left with neither folios nor shadows leaves the list.
   */
  swapShadowCleared(swap: SwapSpace, slot: number): void {
    const n = this.swapNodesOf(swap);
    const node = (slot / SHADOW_NODE_SLOTS) | 0;
    n.shadows[node]--;
    if (n.shadows[node] === 0 && n.listed[node] !== 0) this.unlist(n, node);
  }

  /**
   * The node counts against the trees they describe: each node's pages and
   * shadows as the page caches and the swap map hold them, and on a list
   * exactly when it holds shadows and no page. A description of the first
   * difference, or null.
   */
  check(): string | null {
    const m = this.machine;
    for (const file of m.files) {
      const n = this.files[file.id];
      const bad = n && mismatch(n, file.pages, file.cache, 0, file.shadow);
      if (bad) return `file ${file.name} ${bad}`;
    }
    const swap = m.swap;
    const n = this.swapNodes;
    if (swap && n) {
      // The swap cache holds a folio where `frame` is a pfn; an empty slot's is -1.
      const bad = mismatch(n, Math.min(swap.slots, swap.shadow.length), swap.frame, -1, swap.shadow);
      if (bad) return `swap space ${bad}`;
    }
    return null;
  }

  /** A page took slot `index` of a tree whose nodes are `n`: its node holds a page, so is on no list. */
  private added(n: FileNodes, index: number, hadShadow: boolean): void {
    const node = (index / SHADOW_NODE_SLOTS) | 0;
    n.pages[node]++;
    if (hadShadow) n.shadows[node]--;
    if (n.listed[node] !== 0) this.unlist(n, node);
  }

  private removed(space: number, n: FileNodes, index: number, shadow: boolean, memcg: number): void {
    const node = (index / SHADOW_NODE_SLOTS) | 0;
    n.pages[node]--;
    if (shadow) n.shadows[node]++;
    if (n.pages[node] === 0 && n.shadows[node] > 0 && n.listed[node] === 0) this.list(space, n, node, memcg);
  }

  private unlist(n: FileNodes, node: number): void {
    const q = this.queues[n.listed[node] - 1] as NodeQueue;
    q.count--;
    n.listed[node] = 0;
  }

  private list(space: number, n: FileNodes, node: number, memcg: number): void {
    const q = (this.queues[memcg] ??= new NodeQueue());
    n.listed[node] = memcg + 1;
    n.stamp[node]++;
    q.push(space, node, n.stamp[node]);
    q.count++;
    if (q.count > q.max) {
      q.max = this.maxNodes(memcg);
      while (q.count > q.max) this.reclaimOldest(q);
    }
  }

  /**
   * `count_shadow_nodes`' limit: the memcg's pages / 8 (the kernel counts
   * its LRU pages on one node; memory.current, over all nodes, here).
   */
  private maxNodes(memcg: number): number {
    return Math.floor(this.machine.memcgs[memcg].usage / 8);
  }

  /** `shadow_lru_isolate` for the oldest live node of `q`: drop its shadows. */
  private reclaimOldest(q: NodeQueue): void {
    const cap = q.ring.length / 3;
    while (q.len > 0) {
      const at = q.head * 3;
      const space = q.ring[at];
      const node = q.ring[at + 1];
      const stamp = q.ring[at + 2];
      q.head = (q.head + 1) % cap;
      q.len--;
      const n = (space === SWAP_SPACE ? this.swapNodes : this.files[space]) as FileNodes;
      if (n.listed[node] === 0 || n.stamp[node] !== stamp) continue;
      if (space === SWAP_SPACE) {
        const swap = this.machine.swap as SwapSpace;
        // Slots past the map's length were never handed out: no shadow there.
        const end = Math.min(swap.shadow.length, (node + 1) * SHADOW_NODE_SLOTS);
        for (let i = node * SHADOW_NODE_SLOTS; i < end; i++) swap.shadow[i] = 0;
      } else {
        const file = this.machine.files[space];
        const end = Math.min(file.pages, (node + 1) * SHADOW_NODE_SLOTS);
        for (let i = node * SHADOW_NODE_SLOTS; i < end; i++) {
          if (file.shadow[i] !== 0) {
            file.shadow[i] = 0;
            file.nrShadows--;
          }
        }
      }
      n.shadows[node] = 0;
      this.unlist(n, node);
      this.counters.v[VM.workingset_nodereclaim]++;
      return;
    }
    q.count = 0;
  }
}

function emptyNodes(slots: number): FileNodes {
  const count = Math.ceil(slots / SHADOW_NODE_SLOTS);
  return {
    pages: new Uint16Array(count),
    shadows: new Uint16Array(count),
    listed: new Int32Array(count),
    stamp: new Int32Array(count),
  };
}

/**
 * The first node whose counts differ from the slots it covers, described, or
 * null. Slot `i` holds a page when `held[i] !== empty` and a shadow when
 * `shadow[i] !== 0`; slots from `slots` on hold neither. Plain loops over the
 * typed arrays: checking mode runs this after every reclaim pass.
 */
function mismatch(
  n: FileNodes,
  slots: number,
  held: Int32Array,
  empty: number,
  shadow: Float64Array,
): string | null {
  for (let node = 0; node < n.pages.length; node++) {
    let pages = 0;
    let shadows = 0;
    const end = Math.min(slots, (node + 1) * SHADOW_NODE_SLOTS);
    for (let i = node * SHADOW_NODE_SLOTS; i < end; i++) {
      if (held[i] !== empty) pages++;
      if (shadow[i] !== 0) shadows++;
    }
    if (pages !== n.pages[node] || shadows !== n.shadows[node])
      return `node ${node}: counts ${n.pages[node]} pages and ${n.shadows[node]} shadows, holds ${pages} and ${shadows}`;
    if ((n.listed[node] !== 0) !== (pages === 0 && shadows > 0))
      return `node ${node}: ${n.listed[node] !== 0 ? 'listed' : 'not listed'} with ${pages} pages and ${shadows} shadows`;
  }
  return null;
}
