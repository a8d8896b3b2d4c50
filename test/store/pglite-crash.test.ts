/**
 * Crash durability of the embedded database: a writer process is killed with SIGKILL in the middle
 * of committing, and every number it printed (printed only after its commit returned) must be in
 * the database when it is reopened. The nudge outbox's exactly-once promise rests on this.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../services/ports/logger.js';
import { LOCK_FILE_NAME, openStore } from '../../services/store/index.js';
import { silentLogger } from '../../services/system/logger.js';
import { spawnStoreChild } from './support/spawn-child.js';

const dataDir = mkdtempSync(join(tmpdir(), 'store-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function capturingLogger(warnings: Record<string, unknown>[]): Logger {
  const base = silentLogger();
  return {
    ...base,
    warn: ((obj: Record<string, unknown> | string) => {
      if (typeof obj === 'object') warnings.push(obj);
    }) as Logger['warn'],
    child: () => capturingLogger(warnings),
  };
}

describe('embedded store under kill -9', () => {
  // Kill points differ per round so the kill lands at different moments of the commit loop.
  const rounds = [150, 420, 230, 610, 330];

  it(`keeps every committed row across ${rounds.length} SIGKILLs`, { timeout: 180_000 }, async () => {
    let everPrinted = 0;
    for (const [round, killAfter] of rounds.entries()) {
      const child = spawnStoreChild('write', dataDir);
      await child.ready;
      await child.until(() => child.printed.length >= killAfter);
      const exit = await child.kill('SIGKILL');
      expect(exit.signal).toBe('SIGKILL');
      const printed = [...child.printed];
      everPrinted += printed.length;
      // The dead writer's lock is still there; the next open takes it over.
      expect(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8').split('\n')[0]).toBe(String(child.pid));

      const warnings: Record<string, unknown>[] = [];
      const store = await openStore({ dataDir, logger: capturingLogger(warnings) });
      try {
        expect(warnings).toContainEqual(expect.objectContaining({ deadPid: child.pid }));
        const { rows } = await store.driver.query<{ n: number }>('SELECT n FROM crash_rows ORDER BY n');
        const stored = rows.map((r) => r.n);
        const present = new Set(stored);
        const missing = printed.filter((n) => !present.has(n));
        expect(missing, `round ${round}: printed but lost after kill -9`).toEqual([]);
        // Commits happen one after another, so what survived is exactly 1..max with no holes,
        // and each transaction's second write survived with its first.
        expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
        expect(stored.at(-1)).toBeGreaterThanOrEqual(printed.at(-1)!);
        expect(await store.settings.get('crash:last')).toBe(stored.at(-1));
        const check = await store.driver.query<{ ok: boolean }>('SELECT count(*) = count(DISTINCT n) AS ok FROM crash_rows');
        expect(check.rows[0]!.ok).toBe(true);
      } finally {
        await store.close();
      }
    }
    expect(everPrinted).toBeGreaterThanOrEqual(rounds.reduce((a, b) => a + b, 0));
  });
});
