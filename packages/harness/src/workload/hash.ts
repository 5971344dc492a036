/** 32-bit mixing for seeds and keys (murmur3's finaliser); deterministic on every machine. */
export function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Combines a seed with a salt into a new 32-bit seed. */
export function combineSeed(seed: number, salt: number): number {
  return mix32((mix32(seed) ^ Math.imul((salt >>> 0) + 1, 0x9e3779b1)) >>> 0);
}

/** FNV-1a over a string: turns a stable identity (file name, range) into a salt. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
