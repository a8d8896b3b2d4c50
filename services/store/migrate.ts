/**
 * Forward-only schema migrations: `migrations/NNNN-name.sql`, applied in order, each in its own
 * transaction, recorded in `schema_migrations`. There is no "down": a mistake is fixed by a new
 * migration. An applied file must never change (its checksum is checked at every start).
 *
 * Migration files: plain SQL, any number of statements, no BEGIN/COMMIT (the runner owns the
 * transaction), nothing that cannot run in a transaction (e.g. CREATE INDEX CONCURRENTLY), no
 * `now()` defaults that matter (time comes from the caller's clock).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { SystemClock } from '../system/clock.js';
import type { SqlDriver, SqlExecutor } from './sql.js';

/** Found relative to this module, so the bot can start from any working directory. */
export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** sha256 of the SQL with line endings normalised (a checkout with CRLF is not an edit). */
  checksum: string;
}

export type MigrationErrorCode =
  | 'migration_edited'
  | 'database_newer'
  | 'migration_out_of_order'
  | 'migration_invalid'
  | 'migration_failed';

export class MigrationError extends Error {
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrateOptions {
  /** For `applied_at` (default: the system clock). */
  clock?: Clock;
  /** The migrations to apply (default: the files in MIGRATIONS_DIR). */
  migrations?: readonly Migration[];
}

export interface MigrationReport {
  /** The migrations this call applied (empty when the database was up to date). */
  applied: Migration[];
  /** The highest applied version afterwards (0 for none). */
  version: number;
}

const FILE_NAME = /^(\d{4})-([a-z0-9][a-z0-9-]*)\.sql$/;
// Whole-line BEGIN/COMMIT statements; PL/pgSQL blocks (`BEGIN` … `END;`) do not match.
const TRANSACTION_CONTROL =
  /^[ \t]*(?:BEGIN|START[ \t]+TRANSACTION)(?:[ \t]+[A-Z ,]+)?[ \t]*;|^[ \t]*(?:COMMIT|ROLLBACK)(?:[ \t]+(?:TRANSACTION|WORK))?[ \t]*;/im;

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export function defineMigration(version: number, name: string, sql: string): Migration {
  return { version, name, sql, checksum: checksumOf(sql) };
}

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError('migration_invalid', `migration file ${file} is not named NNNN-lower-case-name.sql`);
    }
    const sql = await readFile(new URL(file, dir), 'utf8');
    migrations.push(defineMigration(Number(match[1]), match[2]!, sql));
  }
  return checkMigrations(migrations);
}

/** Sorted by version; refuses duplicate versions and transaction control inside a file. */
export function checkMigrations(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version < 1) {
      throw new MigrationError('migration_invalid', `migration version ${m.version} is not a positive integer`);
    }
    if (i > 0 && sorted[i - 1]!.version === m.version) {
      throw new MigrationError('migration_invalid', `two migrations have version ${label(m.version)}`);
    }
    if (TRANSACTION_CONTROL.test(m.sql)) {
      throw new MigrationError(
        'migration_invalid',
        `migration ${label(m.version)} (${m.name}) contains BEGIN/COMMIT; the runner wraps each migration in a transaction`,
      );
    }
  });
  return sorted;
}

/**
 * Applies the pending migrations. Replicas starting together on PostgreSQL are serialised by a
 * transaction-scoped advisory lock (per schema) taken before the applied list is read, so each
 * migration is applied exactly once; a replica that finds it already applied moves on.
 */
export async function migrate(driver: SqlDriver, logger: Logger, options: MigrateOptions = {}): Promise<MigrationReport> {
  const known = checkMigrations(options.migrations ?? (await loadMigrations()));
  const clock = options.clock ?? new SystemClock();
  const applied: Migration[] = [];
  for (;;) {
    const step = await driver.transaction(async (tx) => {
      await lockMigrations(tx);
      const rows = await readApplied(tx);
      const next = nextPending(known, rows);
      if (!next) return { done: true as const, version: rows.at(-1)?.version ?? 0 };
      try {
        await tx.exec(next.sql);
      } catch (err) {
        throw new MigrationError(
          'migration_failed',
          `migration ${label(next.version)} (${next.name}) failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)',
        [next.version, next.name, next.checksum, clock.now()],
      );
      return { done: false as const, migration: next };
    });
    if (step.done) return { applied, version: step.version };
    applied.push(step.migration);
    logger.info({ version: step.migration.version, name: step.migration.name }, 'migration applied');
  }
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

async function lockMigrations(tx: SqlExecutor): Promise<void> {
  await tx.query(
    "SELECT pg_advisory_xact_lock(hashtext('schema_migrations'), hashtext(coalesce(current_schema(), '')))",
  );
}

async function readApplied(tx: SqlExecutor): Promise<AppliedRow[]> {
  const { rows } = await tx.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!rows[0]?.present) {
    await tx.exec(`CREATE TABLE schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL
    )`);
    return [];
  }
  return (
    await tx.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
  ).rows;
}

function nextPending(known: readonly Migration[], applied: readonly AppliedRow[]): Migration | undefined {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  const unknown = applied.filter((row) => !byVersion.has(row.version));
  if (unknown.length > 0) {
    throw new MigrationError(
      'database_newer',
      `database is newer than this bot: upgrade the bot (the database has migration ${unknown
        .map((r) => `${label(r.version)} (${r.name})`)
        .join(', ')}, which this bot does not know)`,
    );
  }
  for (const row of applied) {
    if (byVersion.get(row.version)!.checksum !== row.checksum) {
      throw new MigrationError(
        'migration_edited',
        `migration ${label(row.version)} was edited after it was applied; restore the file and put the change in a new migration`,
      );
    }
  }
  const done = new Set(applied.map((r) => r.version));
  const newest = applied.at(-1)?.version ?? 0;
  const pending = known.filter((m) => !done.has(m.version));
  const late = pending.find((m) => m.version < newest);
  if (late) {
    throw new MigrationError(
      'migration_out_of_order',
      `migration ${label(late.version)} (${late.name}) is older than the newest applied migration ${label(newest)}; give it a higher number`,
    );
  }
  return pending[0];
}

function label(version: number): string {
  return String(version).padStart(4, '0');
}
