import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** `npm run serve` with a broken environment: one clear start-up error naming every bad setting. */
describe('start-up with bad configuration', () => {
  it('exits with code 2 and lists every problem by variable name', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bot/main.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: 'eighty', BOT_ID: 'x', GRAPH_BASE_URL: 'http://graph.example' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Configuration is invalid/);
    for (const name of ['PORT', 'BOT_ID', 'TENANT_ID', 'GRAPH_BASE_URL']) expect(r.stderr).toContain(name);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
});
