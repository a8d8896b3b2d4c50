import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkMigrations,
  checksumOf,
  defineMigration,
  loadMigrations,
  migrate,
  MigrationError,
  openPglite,
  openStore,
  type Migration,
  type SqlDriver,
} from '../../services/store/index.js';
import { FakeClock } from '../../services/system/clock.js';
import { silentLogger } from '../../services/system/logger.js';
import { PostgresTestSchema, describePostgres } from '../helpers/postgres.js';

const logger = silentLogger();

const V1 = defineMigration(1, 'widgets', 'CREATE TABLE widgets (id integer PRIMARY KEY, name text NOT NULL);');
const V2 = defineMigration(2, 'widget-colour', "ALTER TABLE widgets ADD COLUMN colour text NOT NULL DEFAULT 'blue';");
const V3 = defineMigration(3, 'gadgets', 'CREATE TABLE gadgets (id integer PRIMARY KEY);\nCREATE INDEX gadgets_id ON gadgets (id);');

async function versions(driver: SqlDriver): Promise<number[]> {
  const { rows } = await driver.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  return rows.map((r) => r.version);
}

async function errorOf(p: Promise<unknown>): Promise<MigrationError> {
  const err = await p.then(
    () => {
      throw new Error('expected a MigrationError');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MigrationError);
  return err as MigrationError;
}

/** The runner's behaviour on one kind of database; `fresh` gives an empty database each call. */
function describeRunner(name: string, fresh: () => Promise<SqlDriver>): void {
  describe(`migration runner: ${name}`, () => {
    it('applies pending migrations in order, once, stamping applied_at from the clock', async () => {
      const driver = await fresh();
      const clock = new FakeClock(new Date('2026-01-05T09:00:00Z'));
      const first = await migrate(driver, logger, { clock, migrations: [V2, V1] });
      expect(first.applied.map((m) => m.version)).toEqual([1, 2]);
      expect(first.version).toBe(2);
      const { rows } = await driver.query('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version');
      expect(rows).toEqual([
        { version: 1, name: 'widgets', checksum: V1.checksum, applied_at: new Date('2026-01-05T09:00:00Z') },
        { version: 2, name: 'widget-colour', checksum: V2.checksum, applied_at: new Date('2026-01-05T09:00:00Z') },
      ]);
      await driver.query("INSERT INTO widgets (id, name) VALUES (1, 'w')");
      expect((await driver.query('SELECT colour FROM widgets')).rows).toEqual([{ colour: 'blue' }]);

      expect(await migrate(driver, logger, { clock, migrations: [V1, V2] })).toEqual({ applied: [], version: 2 });
      await clock.advance(60_000);
      const third = await migrate(driver, logger, { clock, migrations: [V1, V2, V3] });
      expect(third.applied.map((m) => m.version)).toEqual([3]);
      expect(await versions(driver)).toEqual([1, 2, 3]);
    });

    it('refuses to start when an applied migration was edited', async () => {
      const driver = await fresh();
      await migrate(driver, logger, { migrations: [V1, V2] });
      const edited = defineMigration(2, 'widget-colour', "ALTER TABLE widgets ADD COLUMN colour text NOT NULL DEFAULT 'red';");
      const err = await errorOf(migrate(driver, logger, { migrations: [V1, edited, V3] }));
      expect(err.code).toBe('migration_edited');
      expect(err.message).toContain('migration 0002 was edited after it was applied');
      expect(await versions(driver)).toEqual([1, 2]);
    });

    it('does not count line endings as an edit', async () => {
      const driver = await fresh();
      await migrate(driver, logger, { migrations: [V1, V3] });
      const crlf = defineMigration(3, 'gadgets', V3.sql.replace(/\n/g, '\r\n'));
      expect(crlf.checksum).toBe(V3.checksum);
      expect((await migrate(driver, logger, { migrations: [V1, crlf] })).applied).toEqual([]);
    });

    it('refuses to start when the database has a migration this code does not know', async () => {
      const driver = await fresh();
      await migrate(driver, logger, { migrations: [V1, V2, V3] });
      const err = await errorOf(migrate(driver, logger, { migrations: [V1, V2] }));
      expect(err.code).toBe('database_newer');
      expect(err.message).toContain('database is newer than this bot: upgrade the bot');
      expect(err.message).toContain('0003 (gadgets)');
    });

    it('refuses a new migration numbered below the newest applied one', async () => {
      const driver = await fresh();
      await migrate(driver, logger, { migrations: [V1, V3] });
      const err = await errorOf(migrate(driver, logger, { migrations: [V1, V2, V3] }));
      expect(err.code).toBe('migration_out_of_order');
      expect(err.message).toContain('0002');
    });

    it('rolls a failing migration back whole, records nothing for it, and keeps the earlier ones', async () => {
      const driver = await fresh();
      const broken = defineMigration(2, 'half-done', 'CREATE TABLE half (id integer);\nINSERT INTO no_such_table VALUES (1);');
      const err = await errorOf(migrate(driver, logger, { migrations: [V1, broken, V3] }));
      expect(err.code).toBe('migration_failed');
      expect(err.message).toContain('migration 0002 (half-done) failed');
      expect(await versions(driver)).toEqual([1]);
      const { rows } = await driver.query<{ t: string | null }>("SELECT to_regclass('half')::text AS t");
      expect(rows).toEqual([{ t: null }]);
      const fixed = defineMigration(2, 'half-done', 'CREATE TABLE half (id integer);');
      expect((await migrate(driver, logger, { migrations: [V1, fixed, V3] })).applied.map((m) => m.version)).toEqual([2, 3]);
    });

    it('accepts PL/pgSQL blocks (BEGIN … END) inside a migration', async () => {
      const driver = await fresh();
      const fn = defineMigration(
        1,
        'function',
        `CREATE FUNCTION add_one(n integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  RETURN n + 1;
END;
$$;`,
      );
      await migrate(driver, logger, { migrations: [fn] });
      expect((await driver.query('SELECT add_one(41) AS v')).rows).toEqual([{ v: 42 }]);
    });
  });
}

const drivers: SqlDriver[] = [];
afterAll(async () => {
  await Promise.all(drivers.map((d) => d.close()));
});

describeRunner('pglite (memory)', async () => {
  const driver = await openPglite({ memory: true });
  drivers.push(driver);
  return driver;
});

await describePostgres('migration runner on PostgreSQL', () => {
  const schemas: PostgresTestSchema[] = [];
  afterAll(async () => {
    await Promise.all(schemas.map((s) => s.drop()));
  });
  const freshSchema = async () => {
    const schema = new PostgresTestSchema();
    schemas.push(schema);
    await schema.create();
    return schema;
  };

  describeRunner('postgres', async () => (await freshSchema()).openDriver());

  it('applies each migration exactly once when several replicas migrate at the same moment', async () => {
    const schema = await freshSchema();
    // Not idempotent on purpose: a second application would fail. The sleep widens the window.
    const slow: Migration[] = [
      defineMigration(1, 'first', 'CREATE TABLE first_table (id integer); SELECT pg_sleep(0.2);'),
      defineMigration(2, 'second', 'CREATE TABLE second_table (id integer); SELECT pg_sleep(0.1);'),
      defineMigration(3, 'third', 'ALTER TABLE first_table ADD COLUMN extra text;'),
    ];
    const replicas = Array.from({ length: 4 }, () => schema.openDriver());
    const reports = await Promise.all(replicas.map((d) => migrate(d, logger, { migrations: slow })));
    const appliedVersions = reports.flatMap((r) => r.applied.map((m) => m.version)).sort();
    expect(appliedVersions).toEqual([1, 2, 3]);
    for (const r of reports) expect(r.version).toBe(3);
    expect(await versions(replicas[0]!)).toEqual([1, 2, 3]);
  });

  it('opens stores on several replicas at once over the real migration files', async () => {
    const schema = await freshSchema();
    const stores = await Promise.all(Array.from({ length: 3 }, () => schema.openStore()));
    const files = await loadMigrations();
    expect(await versions(stores[0]!.driver)).toEqual(files.map((m) => m.version));
  });
});

describe('migration files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are found next to the module, whatever the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const migrations = await loadMigrations();
      // Every file in services/store/migrations, in order, whatever the working directory.
      const { readdirSync } = await import('node:fs');
      const files = readdirSync(new URL('../../services/store/migrations/', import.meta.url)).filter((f) => f.endsWith('.sql')).sort();
      expect(migrations.map((m) => `${String(m.version).padStart(4, '0')}-${m.name}.sql`)).toEqual(files);
      expect(migrations.slice(0, 3).map((m) => [m.version, m.name])).toEqual([
        [1, 'conversation-refs'],
        [2, 'leases'],
        [3, 'app-settings'],
      ]);
      expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
      expect(migrations.map((m) => m.name)).toContain('nudges');
      for (const m of migrations) expect(m.checksum).toBe(checksumOf(m.sql));
    } finally {
      process.chdir(cwd);
    }
  });

  const load = async (files: Record<string, string>) => {
    const sub = mkdtempSync(join(dir, 'case-'));
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(sub, name), sql);
    return loadMigrations(pathToFileURL(`${sub}/`));
  };

  it('load in version order and ignore files that are not SQL', async () => {
    const loaded = await load({ '0002-b.sql': 'SELECT 2;', '0001-a.sql': 'SELECT 1;', 'README.md': '# notes' });
    expect(loaded.map((m) => m.name)).toEqual(['a', 'b']);
  });

  it.each([
    ['a badly named file', { '1-short.sql': 'SELECT 1;' }],
    ['an upper-case name', { '0001-Widgets.sql': 'SELECT 1;' }],
    ['two files with one version', { '0001-a.sql': 'SELECT 1;', '0001-b.sql': 'SELECT 1;' }],
    ['BEGIN/COMMIT inside a file', { '0001-a.sql': 'BEGIN;\nCREATE TABLE x (id int);\nCOMMIT;\n' }],
  ])('refuse %s', async (_label, files) => {
    const err = await errorOf(load(files));
    expect(err.code).toBe('migration_invalid');
  });

  it('refuse a version below 1', () => {
    expect(() => checkMigrations([defineMigration(0, 'zero', 'SELECT 1;')])).toThrow(MigrationError);
  });
});

describe('openStore with a bad migration history', () => {
  it('refuses to start and releases the embedded database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'store-badhistory-'));
    try {
      const store = await openStore({ dataDir, logger, migrations: [V1, V2] });
      await store.close();
      const edited = defineMigration(1, 'widgets', 'CREATE TABLE widgets (id bigint PRIMARY KEY);');
      const err = await errorOf(openStore({ dataDir, logger, migrations: [edited, V2] }));
      expect(err.message).toBe('migration 0001 was edited after it was applied; restore the file and put the change in a new migration');
      // The failed open closed the database and freed its lock: a correct bot starts.
      const again = await openStore({ dataDir, logger, migrations: [V1, V2] });
      await again.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
