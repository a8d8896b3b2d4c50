import type { ConversationRef, ConversationRefs, ConversationRefSource } from '../ports/store.js';
import type { SqlExecutor } from './sql.js';

interface ConversationRefRow {
  aad_object_id: string;
  tenant_id: string;
  teams_user_id: string;
  conversation_id: string;
  service_url: string;
  bot_id: string;
  source: ConversationRefSource;
  updated_at: Date;
}

const COLUMNS = 'aad_object_id, tenant_id, teams_user_id, conversation_id, service_url, bot_id, source, updated_at';

/** Ids per `= ANY($1)` lookup: keeps one statement's parameter small on a 100k-user cohort. */
const LOOKUP_CHUNK = 5_000;

export class SqlConversationRefs implements ConversationRefs {
  constructor(private readonly db: SqlExecutor) {}

  async get(aadObjectId: string): Promise<ConversationRef | null> {
    const { rows } = await this.db.query<ConversationRefRow>(
      `SELECT ${COLUMNS} FROM conversation_refs WHERE aad_object_id = $1`,
      [aadObjectId],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async upsert(ref: ConversationRef): Promise<void> {
    await this.db.query(
      `INSERT INTO conversation_refs AS c (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (aad_object_id) DO UPDATE SET
         tenant_id = EXCLUDED.tenant_id,
         teams_user_id = EXCLUDED.teams_user_id,
         conversation_id = EXCLUDED.conversation_id,
         service_url = EXCLUDED.service_url,
         bot_id = EXCLUDED.bot_id,
         source = EXCLUDED.source,
         updated_at = EXCLUDED.updated_at
       WHERE c.updated_at <= EXCLUDED.updated_at`,
      [ref.aadObjectId, ref.tenantId, ref.teamsUserId, ref.conversationId, ref.serviceUrl, ref.botId, ref.source, ref.updatedAt],
    );
  }

  async getMany(aadObjectIds: readonly string[]): Promise<Map<string, ConversationRef>> {
    const ids = [...new Set(aadObjectIds)];
    const found = new Map<string, ConversationRef>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const { rows } = await this.db.query<ConversationRefRow>(
        `SELECT ${COLUMNS} FROM conversation_refs WHERE aad_object_id = ANY($1::text[])`,
        [ids.slice(i, i + LOOKUP_CHUNK)],
      );
      for (const row of rows) found.set(row.aad_object_id, fromRow(row));
    }
    return found;
  }
}

function fromRow(row: ConversationRefRow): ConversationRef {
  return {
    aadObjectId: row.aad_object_id,
    tenantId: row.tenant_id,
    teamsUserId: row.teams_user_id,
    conversationId: row.conversation_id,
    serviceUrl: row.service_url,
    botId: row.bot_id,
    source: row.source,
    updatedAt: row.updated_at,
  };
}
