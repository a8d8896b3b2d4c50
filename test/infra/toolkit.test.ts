import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../services/config/load-config.js';
import { permissionsToGrant } from '../../services/graph/permissions.js';
import { parseCommand } from '../../services/commands/parse-command.js';
import { parseEnvFile, placeholdersIn } from '../../scripts/package-app.js';
import { parseBicep } from './bicep-lite.js';

/**
 * The Microsoft 365 Agents Toolkit project files, checked offline: they parse, use actions the
 * toolkit has, refer to files that exist, and every ${{VAR}} they (and the manifest and the Bicep
 * parameters) use is defined by an env template, written by an earlier action, or a Bicep output.
 * What cannot be checked here: that the toolkit (atk) accepts the files and that the actions work
 * against Azure and the Teams Developer Portal.
 */
const root = new URL('../../', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(root, p), 'utf8');

interface Step {
  uses: string;
  name?: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}
interface ToolkitFile {
  version: string;
  environmentFolderPath?: string;
  provision?: Step[];
  deploy?: Step[];
  publish?: Step[];
}

const project = parse(read('m365agents.yml')) as ToolkitFile;
const local = parse(read('m365agents.local.yml')) as ToolkitFile;
const devEnv = parseEnvFile(read('env/.env.dev'));
const devSecrets = parseEnvFile(read('env/.env.dev.user.example'));
const localEnv = parseEnvFile(read('env/.env.local'));
const bicepOutputs = [...parseBicep(read('infra/main.bicep')).outputs.keys()];

// Actions of the toolkit's v1.x project schema that these files may use.
const KNOWN_ACTIONS = new Set([
  'teamsApp/create',
  'teamsApp/validateManifest',
  'teamsApp/zipAppPackage',
  'teamsApp/validateAppPackage',
  'teamsApp/update',
  'teamsApp/publishAppPackage',
  'teamsApp/extendToM365',
  'arm/deploy',
  'botAadApp/create',
  'aadApp/create',
  'aadApp/update',
  'botFramework/create',
  'cli/runNpmCommand',
  'cli/runNpxCommand',
  'file/createOrUpdateEnvironmentFile',
  'file/createOrUpdateJsonFile',
  'azureAppService/zipDeploy',
  'azureContainerApps/deploy',
  'script',
  'devTool/install',
]);

/** Every ${{NAME}} in a value tree. */
function placeholdersOf(value: unknown): string[] {
  return placeholdersIn(JSON.stringify(value ?? null));
}

/** Walks the steps in order, checking each ${{NAME}} is known by the time the step runs. */
function unknownVariables(steps: Step[], known: Set<string>): string[] {
  const problems: string[] = [];
  for (const step of steps) {
    for (const name of placeholdersOf(step.with)) if (!known.has(name)) problems.push(`${step.uses}: ${name}`);
    for (const written of Object.values(step.writeToEnvironmentFile ?? {})) known.add(written);
    if (step.uses === 'arm/deploy') for (const o of bicepOutputs) known.add(o);
  }
  return problems;
}

describe('m365agents.yml (provision and deploy to Azure)', () => {
  it('parses as a toolkit project of schema v1.x with env/ as the environment folder', () => {
    expect(project.version).toMatch(/^v1\.\d+$/);
    expect(read('m365agents.yml')).toMatch(new RegExp(`m365-agents-toolkits/${project.version}/yaml\\.schema\\.json`));
    expect(project.environmentFolderPath).toBe('./env');
    for (const step of [...project.provision!, ...project.deploy!, ...(project.publish ?? [])]) expect(KNOWN_ACTIONS.has(step.uses), step.uses).toBe(true);
  });

  it('provisions in the order the toolkit needs: app id, Azure, then the package built with both', () => {
    const order = project.provision!.map((s) => s.uses);
    const at = (uses: string) => {
      expect(order, uses).toContain(uses);
      return order.indexOf(uses);
    };
    expect(at('teamsApp/create')).toBeLessThan(at('arm/deploy'));
    expect(at('arm/deploy')).toBeLessThan(at('teamsApp/zipAppPackage'));
    expect(at('teamsApp/validateManifest')).toBeLessThan(at('teamsApp/zipAppPackage'));
    expect(at('teamsApp/zipAppPackage')).toBeLessThan(at('teamsApp/update'));
    expect(project.provision!.find((s) => s.uses === 'teamsApp/create')!.writeToEnvironmentFile).toEqual({ teamsAppId: 'TEAMS_APP_ID' });
    // The managed-identity flavour: no app registration, no client secret anywhere.
    expect(order).not.toContain('botAadApp/create');
    expect(read('m365agents.yml')).not.toMatch(/SECRET_BOT_PASSWORD|clientSecret/);
  });

  it('deploys with npm and App Service zip deploy to the web app provision created', () => {
    const uses = project.deploy!.map((s) => s.uses);
    expect(uses).toContain('cli/runNpmCommand');
    const zip = project.deploy!.find((s) => s.uses === 'azureAppService/zipDeploy')!;
    expect(zip.with!.resourceId).toBe('${{BOT_AZURE_APP_SERVICE_RESOURCE_ID}}');
    expect(bicepOutputs).toContain('BOT_AZURE_APP_SERVICE_RESOURCE_ID');
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    for (const step of project.deploy!.filter((s) => s.uses === 'cli/runNpmCommand')) {
      const run = /^run (\S+)/.exec(String(step.with!.args));
      if (run) expect(pkg.scripts[run[1]!], `npm script ${run[1]}`).toBeDefined();
    }
  });

  it('refers only to files that exist', () => {
    const inputs: string[] = [];
    for (const step of [...project.provision!, ...project.publish!]) {
      const w = step.with ?? {};
      if (typeof w.manifestPath === 'string') inputs.push(w.manifestPath);
      for (const t of (w.templates as { path: string; parameters: string }[] | undefined) ?? []) inputs.push(t.path, t.parameters);
    }
    for (const step of project.deploy!) {
      const w = step.with ?? {};
      for (const key of ['ignoreFile', 'artifactFolder', 'workingDirectory']) if (typeof w[key] === 'string') inputs.push(w[key] as string);
    }
    expect(inputs.length).toBeGreaterThanOrEqual(5);
    for (const p of inputs) expect(existsSync(join(root, p)), p).toBe(true);
    // Outputs go to the ignored build folder.
    for (const step of [...project.provision!, ...project.publish!]) {
      const out = step.with?.outputZipPath ?? step.with?.appPackagePath;
      if (typeof out === 'string') expect(out).toMatch(/^\.\/appPackage\/build\//);
    }
  });

  it('uses only variables the env templates define, earlier steps write, or the Bicep outputs', () => {
    const known = new Set([...Object.keys(devEnv), ...Object.keys(devSecrets)]);
    expect(unknownVariables([...project.provision!, ...project.deploy!], known)).toEqual([]);
    // publish runs after provision, so provision's outputs are known by then.
    expect(unknownVariables(project.publish!, known)).toEqual([]);
    expect(project.publish!.map((s) => s.uses)).toContain('teamsApp/publishAppPackage');
    // The check can fail: a variable nobody defines is reported.
    expect(unknownVariables([{ uses: 'cli/runNpmCommand', with: { args: '${{NOBODY_DEFINES_THIS}}' } }], new Set())).toEqual(['cli/runNpmCommand: NOBODY_DEFINES_THIS']);
  });

  it('has a value source for every placeholder of the manifest and the Bicep parameters', () => {
    const written = project.provision!.flatMap((s) => Object.values(s.writeToEnvironmentFile ?? {}));
    const known = new Set([...Object.keys(devEnv), ...Object.keys(devSecrets), ...written, ...bicepOutputs]);
    for (const name of placeholdersIn(read('appPackage/manifest.json'))) expect(known.has(name), `manifest: ${name}`).toBe(true);
    // The parameters are read by arm/deploy, before its own outputs exist.
    const beforeArm = new Set([...Object.keys(devEnv), ...Object.keys(devSecrets), 'TEAMS_APP_ID']);
    for (const name of placeholdersIn(read('infra/main.parameters.json'))) expect(beforeArm.has(name), `parameters: ${name}`).toBe(true);
  });

  it('keeps secrets out of the committed env file', () => {
    expect(Object.keys(devEnv).filter((k) => k.startsWith('SECRET_'))).toEqual([]);
    expect(Object.keys(devSecrets).every((k) => k.startsWith('SECRET_'))).toBe(true);
    expect(Object.values(devSecrets).every((v) => v === '')).toBe(true);
    for (const k of ['DEVELOPER_WEBSITE_URL', 'PRIVACY_URL', 'TERMS_OF_USE_URL']) expect(devEnv[k]).toMatch(/^https:\/\//);
  });
});

describe('m365agents.local.yml (Agents Playground, no Azure)', () => {
  it('parses, installs dependencies and writes the local configuration, without any cloud action', () => {
    expect(local.version).toBe(project.version);
    const uses = [...(local.provision ?? []), ...(local.deploy ?? [])].map((s) => s.uses);
    for (const u of uses) expect(KNOWN_ACTIONS.has(u), u).toBe(true);
    expect(uses).toContain('cli/runNpmCommand');
    expect(uses).toContain('file/createOrUpdateEnvironmentFile');
    expect(uses.filter((u) => /^(arm|teamsApp|botAadApp|aadApp|botFramework|azure)/.test(u))).toEqual([]);
  });

  it('writes only settings the bot or the demo reads, from variables env/.env.local defines', () => {
    const write = local.deploy!.find((s) => s.uses === 'file/createOrUpdateEnvironmentFile')!;
    const envs = write.with!.envs as Record<string, string>;
    const readByBot = new Set([...CONFIG_VARIABLES.map((v) => v.name), 'SIM_TENANT', 'PLAYGROUND', 'PLAYGROUND_PORT', 'BOT_ENDPOINT']);
    expect(Object.keys(envs).filter((k) => !readByBot.has(k))).toEqual([]);
    expect(unknownVariables(local.deploy!, new Set(Object.keys(localEnv)))).toEqual([]);
    expect(readFileSync(join(root, 'scripts/playground.ts'), 'utf8')).toMatch(/PLAYGROUND_PORT|m365agentsplayground|agentsplayground/);
  });
});

describe('repository hygiene for the toolkit files', () => {
  const ignored = (p: string) => {
    try {
      execFileSync('git', ['check-ignore', '--no-index', '-q', p], { cwd: root });
      return true;
    } catch {
      return false;
    }
  };

  it('commits the env templates and keeps *.user secret files, built packages and local config out', () => {
    for (const p of ['env/.env.dev', 'env/.env.local', 'env/.env.dev.user.example', 'm365agents.yml', 'appPackage/manifest.json', 'infra/main.bicep']) expect(ignored(p), p).toBe(false);
    for (const p of ['env/.env.dev.user', 'env/.env.local.user', 'env/.env.prod.user', 'appPackage/build/appPackage.dev.zip', '.localConfigs']) expect(ignored(p), p).toBe(true);
  });

  it('deploys the code the bot runs and leaves tests, docs, local data and node_modules out', () => {
    const patterns = read('.webappignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const p of ['node_modules', 'test', '.data', 'env', 'appPackage/build']) expect(patterns, p).toContain(p);
    for (const p of ['bot', 'services', 'cards', 'package.json', 'package-lock.json', 'tsconfig.json']) expect(patterns, p).not.toContain(p);
  });
});

describe('scripts/grant-graph-permissions.sh (against a fake az that plays Microsoft Graph)', () => {
  const principalId = '5f0a3b7c-1d2e-4f60-8a9b-0c1d2e3f4a5b';
  const graphSpId = 'aaaaaaaa-0000-0000-0000-000000000001';
  const roleId = (name: string) => `r0000000-0000-0000-0000-${String(permissionsToGrant('optional').indexOf(name) + 1).padStart(12, '0')}`;

  /** Runs the script with `az` replaced by a recorder; User.Read.All is already granted. */
  function grant(args: string[]): { status: number; stdout: string; stderr: string; calls: { method: string; url: string; body?: string }[] } {
    const dir = mkdtempSync(join(tmpdir(), 'fake-az-'));
    const log = join(dir, 'calls.jsonl');
    const appRoles = permissionsToGrant('optional').map((value) => ({ id: roleId(value), value, allowedMemberTypes: ['Application'] }));
    appRoles.push({ id: 'd0000000-0000-0000-0000-000000000001', value: 'User.Read', allowedMemberTypes: ['User'] });
    writeFileSync(join(dir, 'graph-sp.json'), JSON.stringify({ id: graphSpId, appRoles }));
    writeFileSync(
      join(dir, 'az'),
      `#!/usr/bin/env node
const fs = require('fs');
const a = process.argv.slice(2);
const get = (k) => a[a.indexOf(k) + 1];
const call = { method: get('--method'), url: get('--url') };
if (a.includes('--body')) call.body = get('--body');
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(call) + '\\n');
if (call.method === 'GET' && call.url.includes("servicePrincipals(appId='00000003-0000-0000-c000-000000000000')")) process.stdout.write(fs.readFileSync(${JSON.stringify(join(dir, 'graph-sp.json'))}, 'utf8'));
else if (call.method === 'GET' && call.url.includes('/appRoleAssignments')) process.stdout.write(JSON.stringify({ value: [{ appRoleId: ${JSON.stringify(roleId('User.Read.All'))}, resourceId: ${JSON.stringify(graphSpId)} }] }));
else if (call.method === 'GET') process.stdout.write(JSON.stringify({ id: ${JSON.stringify(principalId)}, displayName: 'passkeybot-identity' }));
else process.stdout.write('{}');
`,
      { mode: 0o755 },
    );
    const r = spawnSync('bash', [join(root, 'scripts/grant-graph-permissions.sh'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
    rmSync(dir, { recursive: true, force: true });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, calls };
  }

  it('is valid bash', () => {
    execFileSync('bash', ['-n', join(root, 'scripts/grant-graph-permissions.sh')]);
  });

  it('assigns each recommended permission not yet granted as an app role of Microsoft Graph', () => {
    const r = grant(['--principal-id', principalId]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const posts = r.calls.filter((c) => c.method === 'POST');
    const expected = permissionsToGrant('recommended').filter((n) => n !== 'User.Read.All');
    expect(posts.map((p) => JSON.parse(p.body!).appRoleId).sort()).toEqual(expected.map(roleId).sort());
    for (const p of posts) {
      expect(p.url).toBe(`https://graph.microsoft.com/v1.0/servicePrincipals/${principalId}/appRoleAssignments`);
      expect(JSON.parse(p.body!)).toMatchObject({ principalId, resourceId: graphSpId });
    }
    expect(r.stdout).toContain('= User.Read.All (already granted)');
    expect(r.stdout).not.toContain('UserAuthenticationMethod.ReadWrite.All');
  });

  it('grants optional permissions only when asked, and changes nothing on --dry-run', () => {
    const all = grant(['--principal-id', principalId, '--level', 'optional', '--dry-run']);
    expect(all.status).toBe(0);
    expect(all.calls.filter((c) => c.method === 'POST')).toEqual([]);
    expect(all.stdout).toContain('+ UserAuthenticationMethod.ReadWrite.All (would grant');
    expect(all.stdout).toContain('Dry run');
  });

  it('fails clearly for a permission Microsoft Graph does not have and for a bad principal id', () => {
    const unknown = grant(['--principal-id', principalId, '--level', 'required', '--include', 'Nope.Read.All']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Nope\.Read\.All: Microsoft Graph has no application permission/);
    const bad = grant(['--principal-id', 'not-a-guid']);
    expect(bad.status).toBe(2);
    expect(bad.calls).toEqual([]);
  });

  it('reads the principal from the env file provision wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grant-env-'));
    writeFileSync(join(dir, '.env.dev'), `BOT_MANAGED_IDENTITY_PRINCIPAL_ID=${principalId}\n`);
    const r = grant(['--env', join(dir, '.env.dev'), '--level', 'required', '--dry-run']);
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(0);
    expect(r.calls.some((c) => c.url.includes(`/servicePrincipals/${principalId}/appRoleAssignments`))).toBe(true);
  });
});

describe('operator docs stay true to the repository', () => {
  const guide = read('docs/operator-guide.md');
  const permissionsDoc = read('docs/permissions.md');

  it('cover install, a first campaign, roles, limits, backup/restore, replicas, upgrades, delivery errors and logs', () => {
    for (const heading of ['## Install', '## Configure a first campaign', '## Roles', '## Limits', '## Database, backup and restore', '## Running several replicas', '## Upgrading', '## Troubleshooting delivery errors', '## Logs and health']) {
      expect(guide).toContain(heading);
    }
    for (const status of ['403', '404', '429', '412']) expect(guide).toContain(`| ${status}`);
  });

  it('name only files that exist', () => {
    const paths = new Set<string>();
    for (const doc of [guide, permissionsDoc]) {
      for (const m of doc.matchAll(/`((?:scripts|infra|env|appPackage|services|docs)\/[\w./-]+?)`/g)) paths.add(m[1]!);
    }
    expect(paths.size).toBeGreaterThan(5);
    const generated = (p: string) => p.startsWith('appPackage/build/') || p.endsWith('.user') || p === 'env/.env.prod';
    for (const p of paths) if (!generated(p)) expect(existsSync(join(root, p)), p).toBe(true);
  });

  it('quote the start-up errors as the store writes them', () => {
    expect(read('services/store/migrate.ts')).toContain('database is newer than this bot: upgrade the bot (the database has migration');
    expect(guide).toContain('database is newer than this bot: upgrade the bot (the database has migration');
    expect(read('services/store/data-dir-lock.ts')).toContain('run one bot per DATA_DIR or set DATABASE_URL');
    expect(guide).toContain('run one bot per DATA_DIR or set');
    expect(read('services/store/migrate.ts')).toContain('was edited after it was applied; restore the file and put the change in a new migration');
  });

  it('use the chat commands the bot parses', () => {
    const commands = [...guide.matchAll(/^\d+\.\s+`([^`]+)`/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    // `<placeholder>` stands for a value the admin fills in.
    for (const c of commands) expect(parseCommand(c.replace(/<[^>]+>/g, 'breakglass@contoso.com')).ok, c).toBe(true);
  });
});
