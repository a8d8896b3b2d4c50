import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Repositories, Store, TransactionOptions } from '../ports/store.js';
import { SqlAuditLog } from './audit-log.js';
import { SqlCampaigns, SqlCohorts } from './campaigns.js';
import { SqlConversationRefs } from './conversation-refs.js';
import { SqlCohortMembers, SqlDirectoryUsers, SqlSnapshots, SqlSyncRuns } from './members.js';
import { SqlLeases } from './leases.js';
import { sqlNudgeStore } from './nudges.js';
import { migrate, type Migration } from './migrate.js';
import { openDriver } from './open-driver.js';
import { SqlSettings } from './settings.js';
import { SqlApprovals, SqlDriftAlerts, SqlExemptions, SqlGuardStates, SqlPolicySnapshots } from './staging.js';
import type { SqlDriver, SqlExecutor } from './sql.js';

/**
 * The one place repositories are put together. A new repository is a class taking a SqlExecutor,
 * added to `Repositories` in services/ports/store.ts and here; it then works on the store and
 * inside `store.transaction` alike.
 */
export function bindRepositories(db: SqlExecutor): Repositories {
  return {
    conversations: new SqlConversationRefs(db),
    leases: new SqlLeases(db),
    settings: new SqlSettings(db),
    campaigns: new SqlCampaigns(db),
    cohorts: new SqlCohorts(db),
    members: new SqlCohortMembers(db),
    directoryUsers: new SqlDirectoryUsers(db),
    syncRuns: new SqlSyncRuns(db),
    audit: new SqlAuditLog(db),
    snapshots: new SqlSnapshots(db),
    approvals: new SqlApprovals(db),
    exemptions: new SqlExemptions(db),
    policySnapshots: new SqlPolicySnapshots(db),
    driftAlerts: new SqlDriftAlerts(db),
    guardStates: new SqlGuardStates(db),
    nudges: sqlNudgeStore(db),
  };
}

export interface SqlStore extends Repositories {}
export class SqlStore implements Store {
  constructor(readonly driver: SqlDriver) {
    Object.assign(this, bindRepositories(driver));
  }

  get kind() {
    return this.driver.kind;
  }

  transaction<T>(fn: (repos: Repositories) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    return this.driver.transaction((tx) => fn(bindRepositories(tx)), opts);
  }

  async ping(): Promise<void> {
    await this.driver.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

export interface StoreOptions {
  /** PostgreSQL connection string (DATABASE_URL); without it the embedded database is used. */
  databaseUrl?: string;
  /** The embedded database's directory (DATA_DIR, default ./.data at the composition root). */
  dataDir?: string;
  /** An embedded database in memory only, for unit tests. */
  memory?: boolean;
  /** PostgreSQL only: work in this (existing) schema; tests use a throwaway one. */
  schema?: string;
  logger: Logger;
  /** For migration bookkeeping (default: the system clock). */
  clock?: Clock;
  /** Replaces the migration files (tests of the runner only). */
  migrations?: readonly Migration[];
}

/** Opens the database, applies pending migrations, and returns the store. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const driver = await openDriver(opts);
  try {
    await migrate(driver, opts.logger, { clock: opts.clock, migrations: opts.migrations });
  } catch (err) {
    await driver.close();
    throw err;
  }
  return new SqlStore(driver);
}
