/**
 * Small, fast, deterministic hashing for the simulated tenant: sign-in events, ids and sampling
 * must be the same on every run for the same tenant file and clock, so nothing here is random.
 */

/** FNV-1a over a string, 32-bit unsigned. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes integers into one 32-bit unsigned hash (murmur3 finaliser per step). */
export function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h ^= p >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A number in [0, 1) from the mixed parts. */
export function unit(...parts: number[]): number {
  return mix(...parts) / 4294967296;
}

/** A UUID-shaped (v4 layout) id derived from the parts. */
export function hashUuid(...parts: number[]): string {
  const a = mix(...parts, 1);
  const b = mix(...parts, 2);
  const c = mix(...parts, 3);
  const d = mix(...parts, 4);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const h = hex(a) + hex(b) + hex(c) + hex(d);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A UUID-shaped id derived from strings. */
export function hashUuidOf(...parts: string[]): string {
  return hashUuid(...parts.map(hashString));
}
