import type { Machine, SimFile } from '@reclaim-lab/hw-model';
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

/** A memcg's shadow-node list, oldest first: a ring of (file, node, stamp). */
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
 * not recognised. The kernel trims from its slab shrinker during reclaim;
 * here the list is trimmed at once, and per memcg over all NUMA nodes.
 * Swap-cache shadows are not limited.
 */
export class ShadowNodes {
  private readonly files: (FileNodes | undefined)[] = [];
  private readonly queues: (NodeQueue | undefined)[] = [];

  constructor(
    private readonly machine: Machine,
    private readonly counters: Counters,
  ) {}

  private nodesOf(file: SimFile): FileNodes {
    let n = this.files[file.id];
    if (n === undefined) {
      const count = Math.ceil(file.pages / SHADOW_NODE_SLOTS);
      n = {
        pages: new Uint16Array(count),
        shadows: new Uint16Array(count),
        listed: new Int32Array(count),
        stamp: new Int32Array(count),
      };
      this.files[file.id] = n;
    }
    return n;
  }

  /** A page went into `file`'s cache at `index`, replacing a shadow if `hadShadow`. */
  pageAdded(file: SimFile, index: number, hadShadow: boolean): void {
    const n = this.nodesOf(file);
    const node = (index / SHADOW_NODE_SLOTS) | 0;
    n.pages[node]++;
    if (hadShadow) n.shadows[node]--;
    if (n.listed[node] !== 0) this.unlist(n, node);
  }

  /** A page of `file`, charged to `memcg`, left the cache at `index`, leaving a shadow if `shadow`. */
  pageRemoved(file: SimFile, index: number, shadow: boolean, memcg: number): void {
    const n = this.nodesOf(file);
    const node = (index / SHADOW_NODE_SLOTS) | 0;
    n.pages[node]--;
    if (shadow) n.shadows[node]++;
    if (n.pages[node] === 0 && n.shadows[node] > 0 && n.listed[node] === 0) this.list(file, n, node, memcg);
  }

  private unlist(n: FileNodes, node: number): void {
    const q = this.queues[n.listed[node] - 1] as NodeQueue;
    q.count--;
    n.listed[node] = 0;
  }

  private list(file: SimFile, n: FileNodes, node: number, memcg: number): void {
    const q = (this.queues[memcg] ??= new NodeQueue());
    n.listed[node] = memcg + 1;
    n.stamp[node]++;
    q.push(file.id, node, n.stamp[node]);
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
      const fileId = q.ring[at];
      const node = q.ring[at + 1];
      const stamp = q.ring[at + 2];
      q.head = (q.head + 1) % cap;
      q.len--;
      const n = this.files[fileId] as FileNodes;
      if (n.listed[node] === 0 || n.stamp[node] !== stamp) continue;
      const file = this.machine.files[fileId];
      const end = Math.min(file.pages, (node + 1) * SHADOW_NODE_SLOTS);
      for (let i = node * SHADOW_NODE_SLOTS; i < end; i++) {
        if (file.shadow[i] !== 0) {
          file.shadow[i] = 0;
          file.nrShadows--;
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
