/**
 * A swap device's slot map. A slot is owned by one anon page (mm, vpn) from
 * add_to_swap until the page is swapped in and its slot dropped, or its owner
 * exits. `frame[slot]` is the swap-cache folio while there is one.
 *
 * The map grows as slots are first handed out, up to `slots`: a machine
 * configured with a large swap device (ideal mode sizes it for any anon
 * replay) pays memory only for the slots it uses. Slots are handed out as
 * the kernel's cluster allocator tends to: a released slot first, else the
 * lowest never-used one.
 */
export class SwapSpace {
  readonly slots: number;
  readonly device: number;
  ownerMm: Int32Array;
  ownerVpn: Int32Array;
  frame: Int32Array;
  /** Workingset shadow stored in the swap cache slot when the folio was reclaimed. */
  shadow: Float64Array;
  /** memcg charged for the slot. */
  memcg: Uint16Array;
  /** 1 when the slot belongs to a shmem page: `ownerMm` is then the file and `ownerVpn` its index. */
  shmem: Uint8Array;
  /** Released slots, reused last-released first. */
  private freeStack: Int32Array;
  private freeTop = 0;
  /** Slots below this have been handed out at least once. */
  private fresh = 0;
  used = 0;

  constructor(slots: number, device: number, initialCapacity = 1 << 16) {
    this.slots = slots;
    this.device = device;
    const cap = Math.min(slots, initialCapacity);
    this.ownerMm = new Int32Array(cap).fill(-1);
    this.ownerVpn = new Int32Array(cap);
    this.frame = new Int32Array(cap).fill(-1);
    this.shadow = new Float64Array(cap);
    this.memcg = new Uint16Array(cap);
    this.shmem = new Uint8Array(cap);
    this.freeStack = new Int32Array(cap);
  }

  get free(): number {
    return this.freeTop + (this.slots - this.fresh);
  }

  /** One past the highest slot ever handed out: every slot in use is below it. */
  get highWater(): number {
    return this.fresh;
  }

  /** `vm_swap_full`: more than half the slots used. */
  isFull(): boolean {
    return this.used * 2 > this.slots;
  }

  /** A free slot for (mm, vpn) — or, with `shmem`, for (file, index) — charged to `memcg`; -1 if full. */
  alloc(mm: number, vpn: number, memcg: number, shmem = false): number {
    let slot: number;
    if (this.freeTop > 0) slot = this.freeStack[--this.freeTop];
    else if (this.fresh < this.slots) {
      slot = this.fresh++;
      if (slot === this.ownerMm.length) this.grow();
    } else return -1;
    this.ownerMm[slot] = mm;
    this.ownerVpn[slot] = vpn;
    this.memcg[slot] = memcg;
    this.shmem[slot] = shmem ? 1 : 0;
    this.frame[slot] = -1;
    this.shadow[slot] = 0;
    this.used++;
    return slot;
  }

  release(slot: number): void {
    if (!this.isUsed(slot)) throw new Error(`swap slot ${slot} freed twice`);
    this.ownerMm[slot] = -1;
    this.frame[slot] = -1;
    this.shadow[slot] = 0;
    this.freeStack[this.freeTop++] = slot;
    this.used--;
  }

  isUsed(slot: number): boolean {
    return slot >= 0 && slot < this.fresh && this.ownerMm[slot] >= 0;
  }

  private grow(): void {
    const cap = Math.min(this.slots, this.ownerMm.length * 2);
    const grown = <T extends Int32Array | Uint16Array | Uint8Array | Float64Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    const n = this.ownerMm.length;
    this.ownerMm = grown(this.ownerMm, (c) => new Int32Array(c).fill(-1));
    this.ownerMm.fill(-1, n);
    this.ownerVpn = grown(this.ownerVpn, (c) => new Int32Array(c));
    this.frame = grown(this.frame, (c) => new Int32Array(c).fill(-1));
    this.frame.fill(-1, n);
    this.shadow = grown(this.shadow, (c) => new Float64Array(c));
    this.memcg = grown(this.memcg, (c) => new Uint16Array(c));
    this.shmem = grown(this.shmem, (c) => new Uint8Array(c));
    this.freeStack = grown(this.freeStack, (c) => new Int32Array(c));
  }
}
