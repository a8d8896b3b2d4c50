import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DOCUMENTED_BUDGETS, type BudgetTable } from '../../../../services/budgets.js';
import type { Clock, Random } from '../../../../services/ports/clock.js';
import { FakeClock } from '../../../../services/system/clock.js';
import { ChannelEmulator, type ChannelEmulatorOptions } from '../../../../services/sim/channel/index.js';

export const APP_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-000000000001';
export const TENANT = '11111111-1111-4111-8111-111111111111';

export function aad(n: number): string {
  return `aaaaaaaa-aaaa-4aaa-8aaa-${n.toString(16).padStart(12, '0')}`;
}

export async function startEmulator(
  o: Partial<ChannelEmulatorOptions> & { clock?: Clock; budgets?: BudgetTable; random?: Random } = {},
): Promise<{ emu: ChannelEmulator; clock: FakeClock }> {
  const clock = (o.clock as FakeClock | undefined) ?? new FakeClock();
  const emu = await ChannelEmulator.start({ botAppId: APP_ID, tenantId: TENANT, budgets: DOCUMENTED_BUDGETS, ...o, clock });
  return { emu, clock };
}

export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Calls the emulator's connector the way a bot's HTTP client would (path given already encoded). */
export async function call(emu: ChannelEmulator, method: string, path: string, body?: unknown, raw?: string): Promise<Answer> {
  const res = await fetch(new URL(path.replace(/^\//, ''), emu.serviceUrl), {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json', authorization: 'Bearer anything' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export function activitiesPath(conversationId: string, activityId?: string): string {
  const base = `/v3/conversations/${encodeURIComponent(conversationId)}/activities`;
  return activityId === undefined ? base : `${base}/${encodeURIComponent(activityId)}`;
}

export function textMessage(text: string): Record<string, unknown> {
  return { type: 'message', text };
}

/** A stand-in bot that records exactly what the emulator posts and answers as told. */
export interface RecordingBot {
  url: string;
  requests: { headers: http.IncomingHttpHeaders; body: unknown; raw: string }[];
  answer: (body: unknown) => { status: number; body?: unknown };
  close(): Promise<void>;
}

export async function startRecordingBot(): Promise<RecordingBot> {
  const bot: RecordingBot = {
    url: '',
    requests: [],
    answer: () => ({ status: 200 }),
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // hostile tests post non-JSON
      }
      bot.requests.push({ headers: req.headers, body, raw });
      const out = bot.answer(body);
      const text = out.body === undefined ? '' : JSON.stringify(out.body);
      res.writeHead(out.status, text ? { 'content-type': 'application/json' } : {});
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  bot.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  bot.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return bot;
}
