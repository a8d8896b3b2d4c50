import { createRequire } from 'node:module';
import { MAX_CARD_BYTES } from '../../services/budgets.js';

const require = createRequire(import.meta.url);
// The official Adaptive Cards object model (the browser bundle also parses in Node).
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Teams-only elements the official renderer does not know; allowed when they carry a fallback. */
const TEAMS_ONLY = /^Chart\./;

/** Problems with a card, as the official Adaptive Cards object model sees them (empty when fine). */
export function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  const json = JSON.stringify(card);
  if (json.includes('${')) problems.push('a ${…} binding was left unexpanded');
  if (Buffer.byteLength(json, 'utf8') > MAX_CARD_BYTES) problems.push(`card is ${Buffer.byteLength(json, 'utf8')} bytes, over ${MAX_CARD_BYTES}`);
  const c = card as { type?: string; version?: string };
  if (c.type !== 'AdaptiveCard') problems.push('type is not AdaptiveCard');
  if (c.version !== '1.5') problems.push(`version is ${c.version}, Teams needs 1.5`);
  const ac = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  ac.parse(card as object, ctx);
  for (let i = 0; i < ctx.eventCount; i++) {
    const e = ctx.getEventAt(i);
    const m = /Unknown (?:element|action) type "([^"]+)"/.exec(e.message);
    if (m && TEAMS_ONLY.test(m[1]!)) continue;
    problems.push(`parse: ${e.message}`);
  }
  for (const e of ac.validateProperties().validationEvents) problems.push(`validate: ${e.message}`);
  // Teams renders charts only on clients that support them: every chart needs a fallback.
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (typeof o.type === 'string' && TEAMS_ONLY.test(o.type) && !o.fallback) problems.push(`${o.type} has no fallback`);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return problems;
}

/** Every Action.Execute verb in a card. */
export function executeVerbs(card: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (o.type === 'Action.Execute' && typeof o.verb === 'string') out.push(o.verb);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
}
