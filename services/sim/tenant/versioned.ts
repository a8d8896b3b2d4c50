/**
 * A value with its history of versions. Sign-ins are computed for past instants, so policies,
 * strengths and the passkey policy must answer "what did you look like at time t".
 */
export interface Version<T> {
  atMs: number;
  /** null once deleted. */
  value: T | null;
}

export class Versioned<T> {
  private readonly versions: Version<T>[] = [];

  /** `atMs` = -Infinity for values that existed before the simulation started (from the tenant file). */
  constructor(initial: T | null, atMs: number) {
    this.versions.push({ atMs, value: initial === null ? null : structuredClone(initial) });
  }

  current(): T | null {
    return this.versions[this.versions.length - 1]!.value;
  }

  set(value: T | null, atMs: number): void {
    this.versions.push({ atMs, value: value === null ? null : structuredClone(value) });
  }

  /** The version in force at `ms` (the last one set at or before it), or null before the first. */
  at(ms: number): T | null {
    const v = this.versions;
    if (v[v.length - 1]!.atMs <= ms) return v[v.length - 1]!.value;
    let lo = 0;
    let hi = v.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (v[mid]!.atMs <= ms) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found === -1 ? null : v[found]!.value;
  }

  history(): readonly Version<T>[] {
    return this.versions;
  }
}
