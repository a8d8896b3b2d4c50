import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAppPackage, envNameOf, fillPlaceholders, PackageError, parseEnvFile } from '../../scripts/package-app.js';
import { decodePng } from './png.js';
import { envFileText, TEST_ENV } from './test-env.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'app-package-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npm run package (scripts/package-app.ts)', () => {
  it('writes appPackage.<env>.zip with manifest.json and both icons at the zip root', async () => {
    const dir = tempDir();
    const envFile = join(dir, '.env.staging');
    writeFileSync(envFile, envFileText(TEST_ENV));
    const built = await buildAppPackage({ envFile, outDir: join(dir, 'build') });
    expect(built.envName).toBe('staging');
    expect(built.zipPath).toBe(join(dir, 'build', 'appPackage.staging.zip'));

    const zip = await JSZip.loadAsync(readFileSync(built.zipPath));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
    expect(manifest.id).toBe(TEST_ENV.TEAMS_APP_ID);
    expect(manifest.bots[0].botId).toBe(TEST_ENV.BOT_ID);
    expect(manifest.name.short).toBe('Passkey Rollout (test)');
    expect(JSON.stringify(manifest)).not.toContain('${{');
    for (const icon of ['color.png', 'outline.png']) {
      const inZip = await zip.file(icon)!.async('nodebuffer');
      expect(inZip.equals(readFileSync(join(root, 'appPackage', icon)))).toBe(true);
    }
    expect(decodePng(await zip.file('outline.png')!.async('nodebuffer')).width).toBe(32);
    // The filled manifest is kept beside the zip, as the toolkit does.
    expect(JSON.parse(readFileSync(join(dir, 'build', 'manifest.staging.json'), 'utf8')).id).toBe(TEST_ENV.TEAMS_APP_ID);
  });

  it('is reproducible: the same env gives the same bytes', async () => {
    const dir = tempDir();
    const envFile = join(dir, '.env.dev');
    writeFileSync(envFile, envFileText(TEST_ENV));
    const a = readFileSync((await buildAppPackage({ envFile, outDir: join(dir, 'a') })).zipPath);
    const b = readFileSync((await buildAppPackage({ envFile, outDir: join(dir, 'b') })).zipPath);
    expect(a.equals(b)).toBe(true);
  });

  it('takes secrets and overrides from the .user file next to the env file', async () => {
    const dir = tempDir();
    const envFile = join(dir, '.env.dev');
    writeFileSync(envFile, envFileText({ ...TEST_ENV, BOT_DOMAIN: '' }));
    writeFileSync(`${envFile}.user`, 'BOT_DOMAIN=bot.contoso.example\n');
    const built = await buildAppPackage({ envFile, outDir: join(dir, 'build') });
    expect(built.manifest.validDomains).toEqual(['bot.contoso.example']);
  });

  it('lists every placeholder without a value in one error', async () => {
    const dir = tempDir();
    const envFile = join(dir, '.env.dev');
    const { BOT_ID: _b, BOT_DOMAIN: _d, ...partial } = TEST_ENV;
    writeFileSync(envFile, envFileText({ ...partial, PRIVACY_URL: '' }));
    const error = await buildAppPackage({ envFile, outDir: join(dir, 'build') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageError);
    expect((error as PackageError).code).toBe('missing_placeholders');
    expect((error as PackageError).details.sort()).toEqual(['BOT_DOMAIN', 'BOT_ID', 'PRIVACY_URL']);
    expect((error as Error).message).toMatch(/needs values for 3 placeholders/);
  });

  it('refuses a manifest the schema rejects (a bot id that is not a GUID)', async () => {
    const dir = tempDir();
    const envFile = join(dir, '.env.dev');
    writeFileSync(envFile, envFileText({ ...TEST_ENV, BOT_ID: 'my-bot' }));
    const error = await buildAppPackage({ envFile, outDir: join(dir, 'build') }).catch((e: unknown) => e);
    expect((error as PackageError).code).toBe('schema_invalid');
    expect((error as Error).message).toMatch(/botId/);
  });

  it('as a command: names the missing placeholders and exits 1 (the committed env/.env.dev before provisioning)', async () => {
    const error = (await run(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/package-app.ts'), '--env', join(root, 'env/.env.dev')], { cwd: root }).catch(
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/needs values for/);
    for (const name of ['TEAMS_APP_ID', 'BOT_ID', 'BOT_DOMAIN']) expect(error.stderr).toContain(`- ${name}`);
  });

  it('is the "package" npm script', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.package).toBe('tsx scripts/package-app.ts');
  });
});

describe('env files and placeholders', () => {
  it('parses the dotenv subset the toolkit writes', () => {
    expect(
      parseEnvFile('# comment\n\nA=1\nexport B = two words # note\nC="  spaced "\nD=\'x#y\'\nE=\nF=https://x.example/a#frag\n'),
    ).toEqual({ A: '1', B: 'two words', C: '  spaced ', D: 'x#y', E: '', F: 'https://x.example/a#frag' });
    expect(() => parseEnvFile('not a line')).toThrow(PackageError);
  });

  it('names the environment after the file', () => {
    expect(envNameOf('/x/env/.env.dev')).toBe('dev');
    expect(envNameOf('prod.env')).toBe('prod.env');
  });

  it('escapes values for JSON and lets only the name suffix be empty', () => {
    expect(fillPlaceholders('{"a":"${{A}}","b":"x${{APP_NAME_SUFFIX}}"}', { A: 'say "hi"\\', APP_NAME_SUFFIX: '' })).toBe('{"a":"say \\"hi\\"\\\\","b":"x"}');
    expect(() => fillPlaceholders('"${{A}}"', { A: '  ' })).toThrow(/A/);
  });
});
