/**
 * The production driver: a `pg` connection pool on a PostgreSQL server shared by every bot replica.
 */
import pg from 'pg';
import type { Logger } from '../ports/logger.js';
import {
  DEFAULT_RETRY_POLICY,
  TransactionRolledBackError,
  TransactionScope,
  beginStatement,
  guardedExecutor,
  retryTransaction,
  type SqlDriver,
  type SqlExecutor,
  type SqlResult,
  type TransactionOptions,
} from './sql.js';
import { SHARED_PARSERS } from './sql-types.js';

export interface PostgresOpenOptions {
  connectionString: string;
  /**
   * Runs every connection with `search_path` set to this schema (which must exist), so a test can
   * work in a throwaway schema. A plain lower-case identifier.
   */
  schema?: string;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** How long to wait for a new connection before failing (default 10 s). */
  connectTimeoutMs?: number;
  logger?: Logger;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function openPostgres(opts: PostgresOpenOptions): PostgresDriver {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new Error(`schema must be a plain lower-case identifier, got ${JSON.stringify(opts.schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.maxConnections ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    // A startup parameter rather than a SET after connecting: no connection is ever handed out
    // with the default search_path.
    options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        (format ?? 'text') === 'text' && SHARED_PARSERS[oid]
          ? SHARED_PARSERS[oid]
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client whose server connection drops emits 'error' on the pool; unhandled, it would
  // crash the process. The pool replaces the client; the next query reports any real outage.
  pool.on('error', (err) => {
    opts.logger?.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'idle PostgreSQL connection failed');
  });
  return new PostgresDriver(pool);
}

export class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  private readonly scope = new TransactionScope();
  private closing: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlResult<R>> {
    this.scope.assertOutside('query');
    return toResult<R>(await this.pool.query(sql, params));
  }

  async exec(sql: string): Promise<void> {
    this.scope.assertOutside('exec');
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    this.scope.assertOutside('transaction');
    return retryTransaction(() => this.attempt(fn, opts), DEFAULT_RETRY_POLICY);
  }

  private async attempt<T>(fn: (tx: SqlExecutor) => Promise<T>, opts: TransactionOptions): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const guarded = guardedExecutor({
      query: async <Row>(sql: string, params?: unknown[]) => toResult<Row>(await client.query(sql, params)),
      exec: async (sql: string) => {
        await client.query(sql);
      },
    });
    try {
      await client.query(beginStatement(opts.isolation));
      const result = await this.scope.run(() => fn(guarded.tx));
      guarded.finish();
      const commit = await client.query('COMMIT');
      if (commit.command === 'ROLLBACK') throw new TransactionRolledBackError();
      return result;
    } catch (err) {
      guarded.finish();
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is unusable (e.g. the server went away): destroy it, keep the first error.
        broken = rollbackErr as Error;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

function toResult<R>(result: pg.QueryResult): SqlResult<R> {
  return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
}
