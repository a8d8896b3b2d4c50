import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../services/ports/store.js';
import { loadMigrations, openStore } from '../../services/store/index.js';
import { silentLogger } from '../../services/system/logger.js';
import { describeStoreContract } from './store-contract.js';

const dataDir = mkdtempSync(join(tmpdir(), 'store-pglite-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describeStoreContract('pglite (data dir)', () => openStore({ dataDir, logger: silentLogger() }));

describe('embedded store in memory', () => {
  it('opens migrated, keeps each instance separate, and writes no files', async () => {
    const cwdBefore = readdirSync(process.cwd()).sort();
    const a = await openStore({ memory: true, logger: silentLogger() });
    const b = await openStore({ memory: true, logger: silentLogger() });
    try {
      expect(a.kind).toBe('pglite');
      await a.settings.set('only-in-a', true);
      expect(await a.settings.get('only-in-a')).toBe(true);
      expect(await b.settings.get('only-in-a')).toBeUndefined();
      expect((await b.driver.query('SELECT count(*) AS n FROM schema_migrations')).rows[0]!.n).toBe((await loadMigrations()).length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(readdirSync(process.cwd()).sort()).toEqual(cwdBefore);
  });

  it('refuses a PostgreSQL schema option', async () => {
    await expect(openStore({ memory: true, schema: 'x', logger: silentLogger() })).rejects.toThrow('PostgreSQL');
  });

  it('needs a data directory when neither memory nor a database URL is given', async () => {
    await expect(openStore({ logger: silentLogger() })).rejects.toThrow('DATA_DIR');
  });
});

describe('embedded store concurrency (one connection)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ memory: true, logger: silentLogger() });
    await store.driver.exec('CREATE TABLE events (seq serial PRIMARY KEY, who text NOT NULL)');
  });
  afterAll(() => store.close());

  it('runs concurrent transactions one after another, never interleaved', async () => {
    const write = (who: string) =>
      store.driver.transaction(async (tx) => {
        for (let i = 0; i < 5; i++) {
          await tx.query('INSERT INTO events (who) VALUES ($1)', [who]);
          await new Promise((r) => setTimeout(r, 1));
        }
      });
    await Promise.all(['a', 'b', 'c'].map(write));
    const { rows } = await store.driver.query<{ who: string }>('SELECT who FROM events ORDER BY seq');
    const order = rows.map((r) => r.who).join('');
    expect(order).toHaveLength(15);
    expect(order).toMatch(/^(a{5}|b{5}|c{5})+$/);
  });

  it('makes a plain query wait until the running transaction has finished', async () => {
    const log: string[] = [];
    let started!: () => void;
    const inside = new Promise<void>((r) => (started = r));
    const tx = store.driver.transaction(async (t) => {
      await t.query("INSERT INTO events (who) VALUES ('tx')");
      started();
      await new Promise((r) => setTimeout(r, 30));
      log.push('tx body done');
    });
    await inside;
    const plain = store.driver.query("SELECT count(*) AS n FROM events WHERE who = 'tx'").then((r) => {
      log.push('plain query answered');
      return r.rows[0]!.n;
    });
    await tx;
    expect(await plain).toBe(1);
    expect(log).toEqual(['tx body done', 'plain query answered']);
  });
});
