import type { BudgetKey } from './budgets.js';

/**
 * Which documented Graph budget a request counts against, and what it costs there.
 *
 * Shared by the bot's pacer and the simulated tenant so both count the same way; the mapping
 * itself comes from learn `graph/throttling-limits` (see graph-facts.md §10).
 * `path` is the path after the version segment, e.g. `/users/{id}/authentication/fido2Methods`.
 */
export interface GraphCost {
  budget: BudgetKey;
  /** Units charged against the budget (resource units for `graph.identity`, else 1). */
  units: number;
}

export function costOfGraphRequest(method: string, pathWithQuery: string): GraphCost {
  const [rawPath = '', query = ''] = pathWithQuery.split('?', 2);
  const path = stripVersion(rawPath).toLowerCase();
  const verb = method.toUpperCase();

  if (path.startsWith('/reports/') || path.startsWith('/auditlogs/')) return { budget: 'graph.reports', units: 1 };
  // Every per-user authentication-method call is charged to the reports budget (throttling-limits:
  // "authenticationMethod" is listed under identity and access reports).
  if (/^\/(users\/[^/]+|me)\/authentication(\/|$)/.test(path)) return { budget: 'graph.reports', units: 1 };
  if (path.startsWith('/identity/conditionalaccess/')) return { budget: 'graph.conditionalAccess', units: 1 };
  if (/^\/(users\/[^/]+|me)\/teamwork\/installedapps/.test(path)) {
    return verb === 'POST' ? { budget: 'graph.teamsInstall', units: 1 } : { budget: 'graph.teamsRead', units: 1 };
  }
  if (path.startsWith('/appcatalogs/')) return { budget: 'graph.teamsRead', units: 1 };
  // Chat messages are a Teams read (throttling-limits: Teams "other GET" calls, per app per tenant).
  if (/^\/((users\/[^/]+|me)\/)?chats(\/|$)/.test(path)) return { budget: 'graph.teamsRead', units: 1 };
  return { budget: 'graph.identity', units: identityResourceUnits(path, query) };
}

/** Resource-unit cost in the identity & access bucket (throttling-limits cost table). */
function identityResourceUnits(path: string, query: string): number {
  let cost = 1;
  if (/\/transitivemembers(\/|$)/.test(path)) cost = 5;
  else if (/\/members(\/|$)/.test(path) && !path.includes('/$ref')) cost = 3;
  else if (/\/transitivememberof(\/|$)|\/memberof(\/|$)/.test(path)) cost = 3;
  const q = decodeURIComponentSafe(query).toLowerCase();
  if (q.includes('$select=')) cost -= 1;
  if (q.includes('$expand=')) cost += 1;
  return Math.max(1, cost);
}

function stripVersion(path: string): string {
  const m = /^\/(v1\.0|beta)(\/.*)?$/i.exec(path);
  return m ? (m[2] ?? '/') : path;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
