/**
 * The one table of service budgets (DESIGN.md "The budgets that bound everything").
 *
 * The bot's pacer, the simulated tenant and the channel emulator all read this table, so a tenant
 * with other limits (or a faster benchmark, through `scale`) changes numbers here, never code.
 */

export type BudgetKey =
  /** Graph identity & access reports: userRegistrationDetails, signIns, every per-user authentication-method call. */
  | 'graph.reports'
  /** Graph identity protection & conditional access: 1 req/s per tenant, shared by all apps, 429 without Retry-After. */
  | 'graph.conditionalAccess'
  /** Graph identity & access (users, groups, members, policies): resource-unit token bucket per app+tenant. */
  | 'graph.identity'
  /** Graph `POST /users/{id}/teamwork/installedApps`. */
  | 'graph.teamsInstall'
  /** Graph Teams reads (`GET …/teamwork/installedApps`, app catalog). */
  | 'graph.teamsRead'
  /** Bot Connector: every send and conversation creation, per app per tenant. */
  | 'connector.global'
  /** Bot Connector: per conversation (thread) send/create limits. */
  | 'connector.conversation';

export interface RateWindow {
  /** How many units fit in the window. */
  limit: number;
  /** Window length in milliseconds (sliding). */
  windowMs: number;
}

export interface Budget {
  key: BudgetKey;
  /** Every window must hold for a request to pass. */
  windows: RateWindow[];
  /** What one unit is: a request, or a Graph resource unit (cost varies per request). */
  unit: 'request' | 'resourceUnit';
  /** Whether the real service sends Retry-After with its 429. */
  retryAfterOn429: boolean;
  /** Where the limit is counted. */
  scope: 'app+tenant' | 'tenant' | 'conversation';
  /** The documentation the number comes from. */
  source: string;
}

export type BudgetTable = Record<BudgetKey, Budget>;

export const DOCUMENTED_BUDGETS: BudgetTable = {
  'graph.reports': {
    key: 'graph.reports',
    windows: [{ limit: 5, windowMs: 10_000 }],
    unit: 'request',
    retryAfterOn429: true,
    scope: 'app+tenant',
    source: 'learn graph/throttling-limits: identity and access reports, 5 requests per 10 seconds per app per tenant',
  },
  'graph.conditionalAccess': {
    key: 'graph.conditionalAccess',
    windows: [{ limit: 1, windowMs: 1_000 }],
    unit: 'request',
    retryAfterOn429: false,
    scope: 'tenant',
    source: 'learn graph/throttling-limits: identity protection and conditional access, 1 request per second per tenant, no Retry-After',
  },
  'graph.identity': {
    key: 'graph.identity',
    windows: [{ limit: 8_000, windowMs: 10_000 }],
    unit: 'resourceUnit',
    retryAfterOn429: true,
    scope: 'app+tenant',
    source: 'learn graph/throttling-limits: identity and access, 8,000 resource units per 10 seconds (large tenant)',
  },
  'graph.teamsInstall': {
    key: 'graph.teamsInstall',
    windows: [{ limit: 30, windowMs: 1_000 }],
    unit: 'request',
    retryAfterOn429: true,
    scope: 'app+tenant',
    source: 'learn graph/throttling-limits: Teams, POST installedApps 30 rps per app per tenant',
  },
  'graph.teamsRead': {
    key: 'graph.teamsRead',
    windows: [{ limit: 60, windowMs: 1_000 }],
    unit: 'request',
    retryAfterOn429: true,
    scope: 'app+tenant',
    source: 'learn graph/throttling-limits: Teams, GET installedApps 60 rps per app per tenant',
  },
  'connector.global': {
    key: 'connector.global',
    windows: [{ limit: 50, windowMs: 1_000 }],
    unit: 'request',
    retryAfterOn429: true,
    scope: 'app+tenant',
    source: 'msteams-docs bots/how-to/rate-limit.md: 50 RPS per app per tenant',
  },
  'connector.conversation': {
    key: 'connector.conversation',
    windows: [
      { limit: 7, windowMs: 1_000 },
      { limit: 8, windowMs: 2_000 },
      { limit: 60, windowMs: 30_000 },
      { limit: 1_800, windowMs: 3_600_000 },
    ],
    unit: 'request',
    retryAfterOn429: true,
    scope: 'conversation',
    source: 'msteams-docs bots/how-to/rate-limit.md: per bot per thread 7/1 s, 8/2 s, 60/30 s, 1,800/h',
  },
};

export const BUDGET_KEYS = Object.keys(DOCUMENTED_BUDGETS) as BudgetKey[];

/**
 * Multiplies every limit by `factor` (windows keep their length), so a benchmark or a fast test runs
 * the same shape of traffic in less time. The bot and the emulators must use the same factor.
 */
export function scaleBudgets(table: BudgetTable, factor: number): BudgetTable {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`budget scale must be a positive number, got ${factor}`);
  const out = {} as BudgetTable;
  for (const key of BUDGET_KEYS) {
    const b = table[key];
    out[key] = {
      ...b,
      windows: b.windows.map((w) => ({ windowMs: w.windowMs, limit: Math.max(1, Math.floor(w.limit * factor)) })),
    };
  }
  return out;
}

/** Bot Connector statuses worth retrying (msteams-docs rate-limit.md). */
export const CONNECTOR_RETRYABLE_STATUSES = [412, 429, 502, 503, 504] as const;
/** Graph statuses worth retrying. */
export const GRAPH_RETRYABLE_STATUSES = [429, 503, 504] as const;

/** Graph page sizes. */
export const GRAPH_PAGE = {
  /** `$top` for members/transitiveMembers (1–999). */
  members: 999,
  /** `$top` asked of the registration details report (not documented; the gateway falls back when refused). */
  registrationDetails: 999,
  /** Sign-in logs: default and maximum 1,000. */
  signIns: 1_000,
  /** `$batch` request count limit. */
  batch: 20,
} as const;

/** Bot message size: the documented ceiling is about 100 KB; cards stay under this. */
export const MAX_CARD_BYTES = 80 * 1024;
