/**
 * Membership with its history: which members a container (a group or a directory role) had at
 * any instant. Members present in the tenant file count from the beginning of time.
 */
export class IntervalIndex {
  /** container → member → flat [from, to, from, to, …] (to = Infinity while still a member). */
  private readonly spans = new Map<string, Map<string, number[]>>();
  /** member → every container it ever belonged to. */
  private readonly everParents = new Map<string, Set<string>>();
  private readonly current = new Map<string, Set<string>>();
  private readonly currentParents = new Map<string, Set<string>>();
  /** Bumped on every change, so derived caches know when to drop. */
  version = 0;

  ensureContainer(c: string): void {
    if (!this.current.has(c)) this.current.set(c, new Set());
  }

  has(c: string, m: string): boolean {
    return this.current.get(c)?.has(m) ?? false;
  }

  add(c: string, m: string, atMs: number): void {
    if (this.has(c, m)) return;
    this.ensureContainer(c);
    this.current.get(c)!.add(m);
    let cp = this.currentParents.get(m);
    if (!cp) this.currentParents.set(m, (cp = new Set()));
    cp.add(c);
    let ep = this.everParents.get(m);
    if (!ep) this.everParents.set(m, (ep = new Set()));
    ep.add(c);
    let byMember = this.spans.get(c);
    if (!byMember) this.spans.set(c, (byMember = new Map()));
    let s = byMember.get(m);
    if (!s) byMember.set(m, (s = []));
    s.push(atMs, Infinity);
    this.version++;
  }

  remove(c: string, m: string, atMs: number): boolean {
    if (!this.has(c, m)) return false;
    this.current.get(c)!.delete(m);
    this.currentParents.get(m)?.delete(c);
    const s = this.spans.get(c)!.get(m)!;
    s[s.length - 1] = atMs;
    this.version++;
    return true;
  }

  members(c: string): ReadonlySet<string> {
    return this.current.get(c) ?? EMPTY;
  }

  parents(m: string): ReadonlySet<string> {
    return this.currentParents.get(m) ?? EMPTY;
  }

  hasAt(c: string, m: string, t: number): boolean {
    const s = this.spans.get(c)?.get(m);
    if (!s) return false;
    for (let i = 0; i < s.length; i += 2) {
      if (s[i]! <= t && t < s[i + 1]!) return true;
    }
    return false;
  }

  parentsAt(m: string, t: number): string[] {
    const ever = this.everParents.get(m);
    if (!ever) return [];
    const out: string[] = [];
    for (const c of ever) if (this.hasAt(c, m, t)) out.push(c);
    return out;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
