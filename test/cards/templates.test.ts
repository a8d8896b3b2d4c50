import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandTemplate } from '../../cards/render.js';
import { CARD_SAMPLES } from '../../cards/samples.js';
import { VERBS } from '../../cards/verbs.js';
import { cardProblems, executeVerbs } from '../helpers/cards.js';

const templates = readdirSync(new URL('../../cards/', import.meta.url)).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

describe('card templates', () => {
  it('every template has sample data', () => {
    expect(templates.filter((t) => !(t in CARD_SAMPLES))).toEqual([]);
  });

  it('every template has its rendered picture in docs/cards (npm run cards:render)', async () => {
    const { existsSync } = await import('node:fs');
    expect(templates.filter((t) => !existsSync(new URL(`../../docs/cards/${t}.png`, import.meta.url)))).toEqual([]);
  });

  it.each(templates)('%s renders schema-valid, fully bound, under the size limit, with known verbs', (name) => {
    const card = expandTemplate(name, CARD_SAMPLES[name]!);
    expect(cardProblems(card)).toEqual([]);
    const known = new Set<string>(Object.values(VERBS));
    expect(executeVerbs(card).filter((v) => !known.has(v))).toEqual([]);
  });

  it('user text in the data is never expanded as a binding', () => {
    const card = expandTemplate('whoami', { ...CARD_SAMPLES.whoami!, displayName: '${objectId} [x](http://evil.example)' });
    expect(JSON.stringify(card)).toContain('${objectId}');
  });
});

describe('card verbs', () => {
  it('every verb in cards/verbs.ts has a handler registered in the bot', async () => {
    const { buildCardActions } = await import('../../bot/commands/index.js');
    const handled = new Set(buildCardActions({} as never).map((s) => s.verb));
    expect(Object.values(VERBS).filter((v) => !handled.has(v))).toEqual([]);
  });
});
