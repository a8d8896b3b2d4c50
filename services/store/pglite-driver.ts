/**
 * The embedded driver: PostgreSQL compiled to WebAssembly (PGlite), running inside this process,
 * with the same SQL as production PostgreSQL and no server to install.
 *
 * Concurrency: PGlite is one connection. Its own transaction lock makes a transaction exclusive —
 * plain queries from elsewhere wait until it commits or rolls back. A query on the driver from
 * inside `transaction(fn)` would wait for itself forever, so it is refused (`SqlReentrancyError`):
 * inside `fn`, use `tx`.
 *
 * Durability (measured by test/store/pglite-crash.test.ts): PGlite starts PostgreSQL with `-F`
 * (fsync off) and its Node file system has no fsync at all, but every WAL write is a synchronous
 * write(2) before COMMIT returns. A committed transaction therefore survives the process being
 * killed (kill -9, crash, OOM): the data is in the kernel's page cache and PostgreSQL's WAL replay
 * restores it on the next open. It does NOT survive the machine losing power or the kernel
 * crashing; deployments that need that run on PostgreSQL (DATABASE_URL).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { Logger } from '../ports/logger.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import {
  DEFAULT_RETRY_POLICY,
  TransactionScope,
  guardedExecutor,
  retryTransaction,
  type SqlDriver,
  type SqlExecutor,
  type SqlResult,
  type TransactionOptions,
} from './sql.js';
import { SHARED_PARSERS } from './sql-types.js';

export type PgliteOpenOptions =
  | { dataDir: string; memory?: false; logger?: Logger }
  | { memory: true; logger?: Logger };

/** The PostgreSQL cluster lives in `<dataDir>/db`, next to the lock file `<dataDir>/db.lock`. */
export const PGLITE_SUBDIR = 'db';

export async function openPglite(opts: PgliteOpenOptions): Promise<PgliteDriver> {
  const base: PGliteOptions = { parsers: { ...SHARED_PARSERS } };
  if (opts.memory) {
    return new PgliteDriver(await PGlite.create({ ...base, loadDataDir: await pristineCluster() }), undefined);
  }
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const lock = acquireDataDirLock(dataDir);
  if (lock.tookOverFrom !== undefined) {
    opts.logger?.warn(
      { dataDir, deadPid: lock.tookOverFrom },
      'embedded database was not closed cleanly by a previous process; recovering',
    );
  }
  try {
    const pg = await PGlite.create({ ...base, dataDir: join(dataDir, PGLITE_SUBDIR) });
    return new PgliteDriver(pg, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * initdb takes seconds; an in-memory database is cloned from one freshly initialised cluster
 * image per process instead (well under a second), which is what makes `memory: true` fast.
 */
let pristine: Promise<Blob> | undefined;
function pristineCluster(): Promise<Blob> {
  pristine ??= (async () => {
    const pg = await PGlite.create();
    try {
      return await pg.dumpDataDir('none');
    } finally {
      await pg.close();
    }
  })();
  pristine.catch(() => {
    pristine = undefined;
  });
  return pristine;
}

export class PgliteDriver implements SqlDriver {
  readonly kind = 'pglite' as const;
  private readonly scope = new TransactionScope();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pg: PGlite,
    private readonly lock: DataDirLock | undefined,
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlResult<R>> {
    this.scope.assertOutside('query');
    return runQuery<R>(this.pg, sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.scope.assertOutside('exec');
    await this.pg.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    this.scope.assertOutside('transaction');
    return retryTransaction(
      () =>
        this.pg.transaction(async (raw) => {
          if (opts.isolation === 'serializable') await raw.exec('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE');
          const guarded = guardedExecutor({
            query: <Row>(sql: string, params?: unknown[]) => runQuery<Row>(raw, sql, params),
            exec: async (sql: string) => {
              await raw.exec(sql);
            },
          });
          try {
            return await this.scope.run(() => fn(guarded.tx));
          } finally {
            guarded.finish();
          }
        }),
      DEFAULT_RETRY_POLICY,
    );
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.pg.close();
      } finally {
        this.lock?.release();
      }
    })();
    return this.closing;
  }
}

interface PgliteQueryable {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
}

async function runQuery<R>(pg: PgliteQueryable, sql: string, params?: unknown[]): Promise<SqlResult<R>> {
  const result = await pg.query<R>(sql, params);
  // PGlite reports affectedRows only for DML; pg's rowCount also counts the rows a SELECT returns.
  return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
}
