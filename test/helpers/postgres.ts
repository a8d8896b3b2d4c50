/**
 * Real PostgreSQL for tests. Each test file that calls `describePostgres` works in a fresh schema
 * with a random name, dropped when the file ends, so files run side by side on one database.
 *
 * The server is required: when it cannot be reached the tests fail and say how to start it,
 * unless SKIP_POSTGRES_TESTS=1, which turns them into visibly skipped tests.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Store } from '../../services/ports/store.js';
import { openPostgres, openStore, type SqlDriver, type StoreOptions } from '../../services/store/index.js';
import { silentLogger } from '../../services/system/logger.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SKIP = process.env.SKIP_POSTGRES_TESTS === '1';

export function howToStartPostgres(url: string, cause: string): string {
  return [
    `PostgreSQL is not reachable at ${redact(url)} (${cause}).`,
    'Start it with:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    'or point TEST_DATABASE_URL at another server, or set SKIP_POSTGRES_TESTS=1 to skip these tests.',
  ].join('\n');
}

/** `null` when the server answers, else why not. */
export async function probePostgres(url = TEST_DATABASE_URL): Promise<string | null> {
  const driver = openPostgres({ connectionString: url, maxConnections: 1, connectTimeoutMs: 3_000 });
  try {
    await driver.query('SELECT 1');
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await driver.close().catch(() => undefined);
  }
}

/** A throwaway schema on the test server. */
export class PostgresTestSchema {
  readonly name = `test_${randomBytes(6).toString('hex')}`;
  private readonly opened: { close(): Promise<void> }[] = [];

  constructor(readonly url = TEST_DATABASE_URL) {}

  async create(): Promise<void> {
    await this.admin((db) => db.exec(`CREATE SCHEMA ${this.name}`));
  }

  async drop(): Promise<void> {
    await Promise.allSettled(this.opened.map((s) => s.close()));
    await this.admin((db) => db.exec(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`));
  }

  /** A store in this schema (migrated); closed at the end of the file if the test did not. */
  async openStore(opts: Partial<StoreOptions> = {}): Promise<Store> {
    const store = await openStore({ logger: silentLogger(), ...opts, databaseUrl: this.url, schema: this.name });
    this.opened.push(store);
    return store;
  }

  /** A bare driver in this schema (not migrated). */
  openDriver(): SqlDriver {
    const driver = openPostgres({ connectionString: this.url, schema: this.name });
    this.opened.push(driver);
    return driver;
  }

  private async admin(fn: (db: SqlDriver) => Promise<void>): Promise<void> {
    const db = openPostgres({ connectionString: this.url, maxConnections: 1 });
    try {
      await fn(db);
    } finally {
      await db.close();
    }
  }
}

/**
 * Declares a suite that needs PostgreSQL, in its own schema. Call with top-level await:
 * `await describePostgres('…', (pg) => { … })`.
 */
export async function describePostgres(name: string, body: (schema: PostgresTestSchema) => void): Promise<void> {
  const unreachable = await probePostgres();
  if (unreachable !== null) {
    if (SKIP) {
      const note = `${name}: SKIPPED because SKIP_POSTGRES_TESTS=1 and PostgreSQL is not reachable (${unreachable})`;
      process.stderr.write(`\n[postgres] ${note}\n`);
      describe.skip(note, () => {
        it('needs PostgreSQL', () => undefined);
      });
      return;
    }
    describe(name, () => {
      it('needs a reachable PostgreSQL server', () => {
        throw new Error(howToStartPostgres(TEST_DATABASE_URL, unreachable));
      });
    });
    return;
  }
  describe(name, () => {
    const schema = new PostgresTestSchema();
    beforeAll(() => schema.create());
    afterAll(() => schema.drop());
    body(schema);
  });
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid TEST_DATABASE_URL)';
  }
}
