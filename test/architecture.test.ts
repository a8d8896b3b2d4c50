import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The ports-and-adapters lines of docs/architecture.md, held by a test. */
const root = new URL('..', import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(root, dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(relative(root, p)));
    else if (p.endsWith('.ts')) out.push(relative(root, p));
  }
  return out;
}

const product = [...filesUnder('bot'), ...filesUnder('services'), ...filesUnder('cards')];
const importsOf = (file: string) => [...readFileSync(join(root, file), 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

const RULES: { pkg: RegExp; allowed: RegExp; why: string }[] = [
  { pkg: /^(@microsoft\/microsoft-graph-client|@azure\/identity)/, allowed: /^services\/graph\//, why: 'only the Graph gateway talks to Graph' },
  { pkg: /^(pg|@electric-sql\/pglite)(\/|$)/, allowed: /^services\/store\//, why: 'only the store imports a database driver' },
  { pkg: /^(botbuilder|botframework-|@microsoft\/teams-ai)/, allowed: /^bot\//, why: 'only bot/ imports botbuilder / teams-ai' },
];

describe('architecture', () => {
  it.each(RULES)('$why', ({ pkg, allowed }) => {
    const offenders = product.filter((f) => !allowed.test(f) && importsOf(f).some((i) => pkg.test(i)));
    expect(offenders).toEqual([]);
  });

  it('services read no clock, randomness or environment inline (injected Clock/Random, config at the entry)', () => {
    const offenders = filesUnder('services')
      .filter((f) => !f.startsWith('services/system/'))
      .filter((f) => /Date\.now\(\)|new Date\(\)|Math\.random\(\)|process\.env/.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('product code has no console.* outside entry points', () => {
    const entries = new Set(['bot/main.ts', 'bot/demo.ts']);
    const offenders = product.filter((f) => !entries.has(f) && /\bconsole\.(log|error|warn|info|debug)\(/.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
