import { readFileSync } from 'node:fs';
import * as ACData from 'adaptivecards-templating';
import { MAX_CARD_BYTES } from '../services/budgets.js';

/** An Adaptive Card as JSON. */
export type AdaptiveCardJson = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

const templates = new Map<string, object>();

/** Template names are the JSON files in this folder. */
export function loadTemplate(name: string): object {
  let t = templates.get(name);
  if (!t) {
    t = JSON.parse(readFileSync(new URL(`./${name}.json`, import.meta.url), 'utf8')) as object;
    templates.set(name, t);
  }
  return t;
}

/** Binds data into a template. Data values are never re-expanded, so user text like `${x}` stays text. */
export function expandTemplate(name: string, data: object): AdaptiveCardJson {
  const template = new ACData.Template(loadTemplate(name));
  const card = template.expand({ $root: data }) as AdaptiveCardJson;
  const size = Buffer.byteLength(JSON.stringify(card), 'utf8');
  if (size > MAX_CARD_BYTES) throw new CardTooLargeError(name, size);
  return card;
}

export class CardTooLargeError extends Error {
  constructor(readonly template: string, readonly bytes: number) {
    super(`card ${template} is ${bytes} bytes, over the ${MAX_CARD_BYTES}-byte limit`);
  }
}

/**
 * Untrusted text (display names, reasons, group names) shown in a TextBlock must not become markdown
 * links or formatting.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|>~<])/g, '\\$1');
}
