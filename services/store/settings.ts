import type { Settings } from '../ports/store.js';
import { jsonParam, type SqlExecutor } from './sql.js';

export class SqlSettings implements Settings {
  constructor(private readonly db: SqlExecutor) {}

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const { rows } = await this.db.query<{ value: T }>('SELECT value FROM app_settings WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO app_settings (key, value) VALUES ($1, $2::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [key, jsonParam(value)],
    );
  }
}
