/**
 * The SQL driver port shared by the embedded (PGlite) and PostgreSQL drivers, plus the helpers
 * every repository uses. The interfaces are declared in services/ports/store.ts (ports import
 * nothing) and re-exported here, so store code imports everything SQL from this one module.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IsolationLevel, SqlExecutor, SqlResult } from '../ports/store.js';

export type {
  IsolationLevel,
  SqlDriver,
  SqlExecutor,
  SqlResult,
  StoreKind,
  TransactionOptions,
} from '../ports/store.js';

/** PostgreSQL SQLSTATE codes the store code tells apart (both drivers expose `err.code`). */
export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  undefinedTable: '42P01',
  inFailedTransaction: '25P02',
} as const;

/** The SQLSTATE of a database error from either driver, or undefined for anything else. */
export function sqlErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * A jsonb parameter. `pg` would send a JS array as a PostgreSQL array literal (not JSON), so jsonb
 * values always travel as JSON text; write the placeholder as `$n::jsonb`.
 */
export function jsonParam(value: unknown): string {
  if (value === undefined) throw new TypeError('undefined is not a JSON value');
  return JSON.stringify(value);
}

/** Thrown when the driver is used from inside its own transaction instead of through `tx`. */
export class SqlReentrancyError extends Error {
  readonly code = 'sql_reentrant_call';
  constructor(method: string) {
    super(
      `driver.${method}() was called inside driver.transaction(); use the transaction's executor (tx) instead`,
    );
    this.name = 'SqlReentrancyError';
  }
}

/** Thrown when a transaction's executor is used after the transaction has finished. */
export class TransactionFinishedError extends Error {
  readonly code = 'sql_transaction_finished';
  constructor() {
    super('this transaction has already committed or rolled back; its executor cannot be used');
    this.name = 'TransactionFinishedError';
  }
}

/**
 * COMMIT of a transaction in which a statement failed (and `fn` caught the error) rolls back.
 * PGlite throws for it; PostgreSQL answers "ROLLBACK" quietly — the PostgreSQL driver throws this
 * so both report it the same way (same SQLSTATE).
 */
export class TransactionRolledBackError extends Error {
  readonly code = SQLSTATE.inFailedTransaction;
  constructor() {
    super('Transaction was rolled back instead of committed: a statement inside it failed');
    this.name = 'TransactionRolledBackError';
  }
}

export function beginStatement(isolation: IsolationLevel | undefined): string {
  return isolation === 'serializable' ? 'BEGIN ISOLATION LEVEL SERIALIZABLE' : 'BEGIN ISOLATION LEVEL READ COMMITTED';
}

/** Whether a failed transaction should simply be run again (PostgreSQL asks for it). */
export function isRetryableTransactionError(err: unknown): boolean {
  const code = sqlErrorCode(err);
  return code === SQLSTATE.serializationFailure || code === SQLSTATE.deadlockDetected;
}

export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before attempt n+1 (n ≥ 1); deterministic so tests are repeatable. */
  delayMs(attempt: number): number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  delayMs: (attempt) => Math.min(200, 5 * 2 ** (attempt - 1)),
};

/** Runs one transaction attempt after another while the database reports a retryable failure. */
export async function retryTransaction<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= policy.maxAttempts || !isRetryableTransactionError(err)) throw err;
      await new Promise<void>((resolve) => setTimeout(resolve, policy.delayMs(n)));
    }
  }
}

/**
 * Tracks which async call chains are inside a transaction of one driver, so a call on the driver
 * itself from inside `fn` fails fast instead of deadlocking (PGlite) or escaping the transaction
 * (PostgreSQL). Work `fn` leaves behind after it settles is no longer "inside".
 */
export class TransactionScope {
  private readonly current = new AsyncLocalStorage<{ active: boolean }>();

  assertOutside(method: string): void {
    if (this.current.getStore()?.active) throw new SqlReentrancyError(method);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const marker = { active: true };
    try {
      return await this.current.run(marker, fn);
    } finally {
      marker.active = false;
    }
  }
}

/** A transaction's executor that refuses use once the transaction has finished. */
export function guardedExecutor(inner: SqlExecutor): { tx: SqlExecutor; finish(): void } {
  let finished = false;
  const check = () => {
    if (finished) throw new TransactionFinishedError();
  };
  return {
    tx: {
      async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlResult<R>> {
        check();
        return inner.query<R>(sql, params);
      },
      async exec(sql: string): Promise<void> {
        check();
        return inner.exec(sql);
      },
    },
    finish() {
      finished = true;
    },
  };
}
