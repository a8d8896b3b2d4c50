import type { Logger } from '../ports/logger.js';
import { openPglite } from './pglite-driver.js';
import { openPostgres } from './postgres-driver.js';
import type { SqlDriver } from './sql.js';

export interface DriverOptions {
  /** PostgreSQL connection string; when set, the embedded database is not used. */
  databaseUrl?: string;
  /** Where the embedded database keeps its files (`<dataDir>/db`); required without databaseUrl or memory. */
  dataDir?: string;
  /** An embedded database that lives in memory only (unit tests). */
  memory?: boolean;
  /** PostgreSQL only: the schema to work in (tests use a throwaway one). */
  schema?: string;
  logger?: Logger;
}

export async function openDriver(opts: DriverOptions): Promise<SqlDriver> {
  if (opts.databaseUrl) {
    const driver = openPostgres({ connectionString: opts.databaseUrl, schema: opts.schema, logger: opts.logger });
    opts.logger?.info({ store: 'postgres', ...describeUrl(opts.databaseUrl), schema: opts.schema }, 'store: PostgreSQL');
    return driver;
  }
  if (opts.schema !== undefined) throw new Error('the schema option applies to PostgreSQL (DATABASE_URL) only');
  if (opts.memory) {
    opts.logger?.info({ store: 'pglite', memory: true }, 'store: embedded database in memory');
    return openPglite({ memory: true, logger: opts.logger });
  }
  if (!opts.dataDir) throw new Error('the embedded database needs a data directory (DATA_DIR) or set DATABASE_URL');
  const driver = await openPglite({ dataDir: opts.dataDir, logger: opts.logger });
  opts.logger?.info({ store: 'pglite', dataDir: opts.dataDir }, 'store: embedded database');
  return driver;
}

/** Host and database of a connection string, never its password. */
function describeUrl(url: string): { host?: string; database?: string } {
  try {
    const parsed = new URL(url);
    return { host: parsed.host, database: parsed.pathname.replace(/^\//, '') || undefined };
  } catch {
    return {};
  }
}
