/**
 * A swap device's slot map. A slot is owned by one anon page (mm, vpn) from
 * add_to_swap until the page is swapped in and its slot dropped, or its owner
 * exits. `frame[slot]` is the swap-cache folio while there is one.
 */
export class SwapSpace {
  readonly slots: number;
  readonly device: number;
  readonly ownerMm: Int32Array;
  readonly ownerVpn: Int32Array;
  readonly frame: Int32Array;
  /** Workingset shadow stored in the swap cache slot when the folio was reclaimed. */
  readonly shadow: Float64Array;
  /** memcg charged for the slot. */
  readonly memcg: Uint16Array;
  private readonly freeStack: Int32Array;
  private freeTop: number;
  used = 0;

  constructor(slots: number, device: number) {
    this.slots = slots;
    this.device = device;
    this.ownerMm = new Int32Array(slots).fill(-1);
    this.ownerVpn = new Int32Array(slots);
    this.frame = new Int32Array(slots).fill(-1);
    this.shadow = new Float64Array(slots);
    this.memcg = new Uint16Array(slots);
    this.freeStack = new Int32Array(slots);
    // Lowest slot first, as the kernel's cluster allocator tends to hand out.
    for (let i = 0; i < slots; i++) this.freeStack[i] = slots - 1 - i;
    this.freeTop = slots;
  }

  get free(): number {
    return this.freeTop;
  }

  /** `vm_swap_full`: more than half the slots used. */
  isFull(): boolean {
    return this.used * 2 > this.slots;
  }

  alloc(mm: number, vpn: number, memcg: number): number {
    if (this.freeTop === 0) return -1;
    const slot = this.freeStack[--this.freeTop];
    this.ownerMm[slot] = mm;
    this.ownerVpn[slot] = vpn;
    this.memcg[slot] = memcg;
    this.frame[slot] = -1;
    this.shadow[slot] = 0;
    this.used++;
    return slot;
  }

  release(slot: number): void {
    if (this.ownerMm[slot] < 0) throw new Error(`swap slot ${slot} freed twice`);
    this.ownerMm[slot] = -1;
    this.frame[slot] = -1;
    this.shadow[slot] = 0;
    this.freeStack[this.freeTop++] = slot;
    this.used--;
  }

  isUsed(slot: number): boolean {
    return this.ownerMm[slot] >= 0;
  }
}
