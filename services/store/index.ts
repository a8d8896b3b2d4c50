/** The storage adapter's public surface, for the composition root and the store's tests. */
export { openStore, SqlStore, bindRepositories, type StoreOptions } from './sql-store.js';
export { openDriver, type DriverOptions } from './open-driver.js';
export { openPglite, PgliteDriver, PGLITE_SUBDIR, type PgliteOpenOptions } from './pglite-driver.js';
export { openPostgres, PostgresDriver, type PostgresOpenOptions } from './postgres-driver.js';
export { DataDirInUseError, LOCK_FILE_NAME } from './data-dir-lock.js';
export {
  migrate,
  loadMigrations,
  defineMigration,
  checkMigrations,
  checksumOf,
  MigrationError,
  MIGRATIONS_DIR,
  type Migration,
  type MigrationErrorCode,
  type MigrateOptions,
  type MigrationReport,
} from './migrate.js';
export * from './sql.js';
export { SHARED_PARSERS, parseInt8 } from './sql-types.js';
