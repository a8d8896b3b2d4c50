import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommand, USAGE, type CommandKind } from '../../services/commands/parse-command.js';
import { ACCENT_COLOR } from '../../scripts/make-icons.js';
import { checkTeamsLimits, COMMAND_DESCRIPTION_MAX, COMMAND_TITLE_MAX, fillPlaceholders, placeholdersIn, validateManifest } from '../../scripts/package-app.js';
import { TEST_ENV } from './test-env.js';

const template = readFileSync(new URL('../../appPackage/manifest.json', import.meta.url), 'utf8');
const filled = () => JSON.parse(fillPlaceholders(template, TEST_ENV)) as Record<string, any>;

interface Command {
  title: string;
  description: string;
}

function kindOfUsage(usage: string | null): CommandKind | null {
  return (Object.entries(USAGE).find(([, u]) => u === usage)?.[0] as CommandKind | undefined) ?? null;
}

/** The command kind a command-menu title stands for: it parses, or asks only for its arguments. */
function kindOfTitle(title: string): CommandKind | null {
  const r = parseCommand(title);
  if (r.ok) return r.command.kind;
  return r.error.code === 'missing_argument' ? kindOfUsage(r.error.usage) : null;
}

describe('appPackage/manifest.json', () => {
  it('is on a current schema (v1.19 or newer) whose copy is bundled in @microsoft/app-manifest', () => {
    const m = JSON.parse(template) as { $schema: string; manifestVersion: string };
    const version = /\/teams\/v(\d+)\.(\d+)\//.exec(m.$schema);
    expect(version).not.toBeNull();
    expect(Number(version![1]) * 100 + Number(version![2])).toBeGreaterThanOrEqual(119);
    expect(m.manifestVersion).toBe(`${version![1]}.${version![2]}`);
  });

  it('with test values, validates against its schema offline', async () => {
    expect(await validateManifest(filled())).toEqual([]);
  });

  it('the schema validation can fail (a bot id that is not a GUID, an unknown scope)', async () => {
    const bad = filled();
    bad.bots[0].botId = 'not-a-guid';
    bad.bots[0].scopes = ['personal', 'everywhere'];
    const errors = await validateManifest(bad);
    expect(errors.join('\n')).toMatch(/botId/);
    expect(errors.join('\n')).toMatch(/scopes/);
  });

  it('fills ids and the domain from the env file (the Agents Toolkit placeholders)', () => {
    expect(placeholdersIn(template)).toEqual(expect.arrayContaining(['TEAMS_APP_ID', 'BOT_ID', 'BOT_DOMAIN']));
    const m = filled();
    expect(m.id).toBe(TEST_ENV.TEAMS_APP_ID);
    expect(m.bots[0].botId).toBe(TEST_ENV.BOT_ID);
    expect(m.validDomains).toEqual([TEST_ENV.BOT_DOMAIN]);
    expect(JSON.stringify(m)).not.toContain('${{');
  });

  it('is a bot for personal chats and teams, with files for the CSV export', () => {
    const bot = filled().bots[0];
    expect(bot.scopes).toEqual(expect.arrayContaining(['personal', 'team']));
    expect(bot.supportsFiles).toBe(true);
    expect(bot.isNotificationOnly).toBe(false);
  });

  it('declares webApplicationInfo for the bot identity (TeamsAppInstallation.ReadWriteSelfForUser.All)', () => {
    const m = filled();
    expect(m.webApplicationInfo.id).toBe(TEST_ENV.BOT_ID);
    expect(m.webApplicationInfo.resource).toBe(`api://botid-${TEST_ENV.BOT_ID}`);
  });

  it('uses the accent colour of the icons', () => {
    expect(filled().accentColor).toBe(ACCENT_COLOR);
  });

  it('has one command list per scope the bot has', () => {
    const bot = filled().bots[0];
    const scopes = bot.commandLists.flatMap((l: { scopes: string[] }) => l.scopes);
    expect(new Set(scopes).size).toBe(scopes.length);
    expect([...scopes].sort()).toEqual([...bot.scopes].sort());
  });

  it('keeps within Teams limits: 10 commands per list, titles ≤ 32 and descriptions ≤ 128 characters', () => {
    const m = filled();
    expect(checkTeamsLimits(m)).toEqual([]);
    for (const list of m.bots[0].commandLists as { commands: Command[] }[]) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const c of list.commands) {
        expect(c.title.length, c.title).toBeLessThanOrEqual(COMMAND_TITLE_MAX);
        expect(c.description.length, c.title).toBeLessThanOrEqual(COMMAND_DESCRIPTION_MAX);
      }
    }
    const tooLong = filled();
    tooLong.bots[0].commandLists[0].commands[0].description = 'x'.repeat(COMMAND_DESCRIPTION_MAX + 1);
    expect(checkTeamsLimits(tooLong)).toHaveLength(1);
  });

  it('lists only commands the bot parses, each with an example that parses to the same command', () => {
    for (const list of filled().bots[0].commandLists as { scopes: string[]; commands: Command[] }[]) {
      for (const c of list.commands) {
        const kind = kindOfTitle(c.title);
        expect(kind, `title "${c.title}" (${list.scopes.join(',')}) is not a command`).not.toBeNull();
        const example = /Example: (.+)$/.exec(c.description);
        expect(example, `description of "${c.title}" has no "Example: …"`).not.toBeNull();
        const parsed = parseCommand(example![1]!);
        expect(parsed.ok ? parsed.command.kind : parsed.error, `example of "${c.title}"`).toBe(kind);
      }
    }
  });

  it('offers helpdesk and user commands in personal chat and admin commands in teams', () => {
    const lists = filled().bots[0].commandLists as { scopes: string[]; commands: Command[] }[];
    const kinds = (scope: string) => lists.find((l) => l.scopes.includes(scope))!.commands.map((c) => kindOfTitle(c.title));
    expect(kinds('personal')).toEqual(expect.arrayContaining(['help', 'my_status', 'whoami', 'methods', 'tap', 'exempt']));
    expect(kinds('team')).toEqual(expect.arrayContaining(['help', 'status', 'cohorts', 'advance', 'rollback', 'approvals']));
    expect(kinds('team')).not.toContain('demo_role');
    expect(kinds('personal')).not.toContain('demo_role');
  });

  it('the title check notices a title that is not a command', () => {
    expect(kindOfTitle('launch rockets')).toBeNull();
    expect(kindOfTitle('methods')).toBe('methods');
  });

  it('describes the app in words an IT admin understands, within the schema lengths', () => {
    const m = filled();
    expect(m.name.short.length).toBeLessThanOrEqual(30);
    expect(m.description.short.length).toBeLessThanOrEqual(80);
    expect(m.description.full).toMatch(/Microsoft Entra ID/);
    expect(m.description.full).toMatch(/Conditional Access/);
    expect(m.description.full).toMatch(/Temporary Access Pass/);
  });
});
