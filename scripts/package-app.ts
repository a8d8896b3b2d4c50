/**
 * Builds the Teams app package the way the Microsoft 365 Agents Toolkit does, without the toolkit:
 * reads an env file (and its `.user` companion), fills the `${{NAME}}` placeholders of
 * appPackage/manifest.json, validates the result against the manifest schema bundled in
 * @microsoft/app-manifest (offline) and Teams' command-list limits, and writes
 * appPackage/build/appPackage.<env>.zip with manifest.json and the two icons at the zip root.
 *
 *   npm run package                      # env/.env.dev
 *   npm run package -- --env env/.env.prod
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import appManifest from '@microsoft/app-manifest';
import JSZip from 'jszip';

const { AppManifestUtils } = appManifest;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const APP_PACKAGE_DIR = join(REPO_ROOT, 'appPackage');

/** Placeholders that may be defined as empty (a production name has no suffix). */
export const MAY_BE_EMPTY = new Set(['APP_NAME_SUFFIX']);

/** Teams' documented limits on command lists, stricter than the JSON schema (which allows 128/4000 in newer versions). */
export const COMMAND_TITLE_MAX = 32;
export const COMMAND_DESCRIPTION_MAX = 128;

export class PackageError extends Error {
  constructor(
    readonly code: 'missing_placeholders' | 'schema_invalid' | 'limits_exceeded' | 'missing_file' | 'bad_env_file',
    message: string,
    readonly details: string[] = [],
  ) {
    super(details.length > 0 ? `${message}\n${details.map((d) => `  - ${d}`).join('\n')}` : message);
    this.name = 'PackageError';
  }
}

/** The dotenv subset the toolkit's env files use: `KEY=value`, `# comments`, quoted values, optional `export`. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new PackageError('bad_env_file', `line ${i + 1} is not KEY=value: ${rawLine}`);
    let value = m[2]!;
    const quoted = /^(['"])(.*)\1\s*(?:#.*)?$/.exec(value);
    if (quoted) value = quoted[1] === '"' ? quoted[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"') : quoted[2]!;
    else value = value.replace(/\s+#.*$/, '').trim();
    out[m[1]!] = value;
  }
  return out;
}

/** `env/.env.dev` and, when present, `env/.env.dev.user` (secrets, never committed), the latter winning. */
export function loadEnvFiles(envFile: string): Record<string, string> {
  if (!existsSync(envFile)) throw new PackageError('missing_file', `env file not found: ${envFile}`);
  const env = parseEnvFile(readFileSync(envFile, 'utf8'));
  const user = `${envFile}.user`;
  if (existsSync(user)) Object.assign(env, parseEnvFile(readFileSync(user, 'utf8')));
  return env;
}

/** `.env.dev` → `dev`; any other file name → its base name. */
export function envNameOf(envFile: string): string {
  const b = basename(envFile);
  const m = /^\.env\.(.+)$/.exec(b);
  return m ? m[1]! : b.replace(/^\./, '');
}

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * Replaces every placeholder (values JSON-escaped, since they land inside JSON strings). Fails with
 * the complete list of placeholders that have no value, so one run tells everything that is missing.
 */
export function fillPlaceholders(template: string, env: Record<string, string | undefined>): string {
  const missing = placeholdersIn(template).filter((name) => {
    const v = env[name];
    return v === undefined || (v.trim() === '' && !MAY_BE_EMPTY.has(name));
  });
  if (missing.length > 0) {
    throw new PackageError(
      'missing_placeholders',
      `appPackage/manifest.json needs values for ${missing.length} placeholder${missing.length === 1 ? '' : 's'} (set them in the env file):`,
      missing.map((name) => `${name}`),
    );
  }
  return template.replace(PLACEHOLDER, (_, name: string) => JSON.stringify(env[name] ?? '').slice(1, -1));
}

/** The manifest schema of the manifest's own version, from the copy bundled in @microsoft/app-manifest. */
export function loadBundledSchema(schemaUrl: string): Record<string, unknown> {
  const m = /\/teams\/(v[0-9.]+|vDevPreview)\/MicrosoftTeams\.schema\.json$/.exec(schemaUrl);
  if (!m) throw new PackageError('schema_invalid', `$schema is not a Teams manifest schema URL: ${schemaUrl}`);
  const pkg = createRequire(import.meta.url).resolve('@microsoft/app-manifest/package.json');
  const file = join(dirname(pkg), 'build', 'json-schemas', 'teams', m[1]!, 'MicrosoftTeams.schema.json');
  if (!existsSync(file)) throw new PackageError('schema_invalid', `manifest schema ${m[1]} is not bundled in @microsoft/app-manifest (no ${file})`);
  // The published schema files contain \a and \v escapes, which JSON does not allow.
  return JSON.parse(readFileSync(file, 'utf8').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b')) as Record<string, unknown>;
}

export async function validateManifest(manifest: Record<string, unknown>): Promise<string[]> {
  const schema = loadBundledSchema(String(manifest.$schema ?? ''));
  return AppManifestUtils.validateAgainstSchema(manifest as never, schema as never);
}

interface CommandList {
  scopes: string[];
  commands: { title: string; description: string }[];
}

/** Limits Teams documents for bot command menus that older schema versions do not enforce. */
export function checkTeamsLimits(manifest: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const bots = (manifest.bots as { commandLists?: CommandList[] }[] | undefined) ?? [];
  for (const bot of bots) {
    for (const list of bot.commandLists ?? []) {
      if (list.commands.length > 10) problems.push(`command list for ${list.scopes.join('/')} has ${list.commands.length} commands (at most 10)`);
      for (const c of list.commands) {
        if (c.title.length > COMMAND_TITLE_MAX) problems.push(`command title "${c.title}" is longer than ${COMMAND_TITLE_MAX} characters`);
        if (c.description.length > COMMAND_DESCRIPTION_MAX) problems.push(`description of "${c.title}" is ${c.description.length} characters (at most ${COMMAND_DESCRIPTION_MAX})`);
      }
    }
  }
  return problems;
}

export interface BuiltPackage {
  envName: string;
  zipPath: string;
  manifest: Record<string, unknown>;
}

// Zip entries carry a timestamp; a fixed one keeps the same input producing the same bytes.
const ZIP_DATE = new Date('2000-01-01T00:00:00Z');

export async function buildAppPackage(o: { envFile: string; appPackageDir?: string; outDir?: string }): Promise<BuiltPackage> {
  const dir = o.appPackageDir ?? APP_PACKAGE_DIR;
  const outDir = o.outDir ?? join(dir, 'build');
  const envName = envNameOf(o.envFile);
  const env = loadEnvFiles(o.envFile);
  const manifestText = fillPlaceholders(readFileSync(join(dir, 'manifest.json'), 'utf8'), env);
  const manifest = JSON.parse(manifestText) as Record<string, unknown>;

  const schemaErrors = await validateManifest(manifest);
  if (schemaErrors.length > 0) throw new PackageError('schema_invalid', 'the filled manifest does not match its schema:', schemaErrors);
  const limits = checkTeamsLimits(manifest);
  if (limits.length > 0) throw new PackageError('limits_exceeded', 'the manifest exceeds Teams limits:', limits);

  const icons = manifest.icons as { color: string; outline: string };
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, { date: ZIP_DATE });
  for (const icon of [icons.color, icons.outline]) {
    const file = join(dir, icon);
    if (!existsSync(file)) throw new PackageError('missing_file', `icon ${icon} named in the manifest is not in ${dir}`);
    zip.file(icon, readFileSync(file), { date: ZIP_DATE });
  }
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, `appPackage.${envName}.zip`);
  writeFileSync(zipPath, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  writeFileSync(join(outDir, `manifest.${envName}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  return { envName, zipPath, manifest };
}

function parseArgs(argv: string[]): { envFile: string } {
  let envFile = join(REPO_ROOT, 'env', '.env.dev');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--env') envFile = resolve(argv[++i] ?? '');
    else if (a.startsWith('--env=')) envFile = resolve(a.slice('--env='.length));
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run package [-- --env env/.env.<name>]');
      process.exit(0);
    } else {
      console.error(`unknown argument: ${a}`);
      process.exit(2);
    }
  }
  return { envFile };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { envFile } = parseArgs(process.argv.slice(2));
  buildAppPackage({ envFile }).then(
    (r) => console.log(`wrote ${r.zipPath.replace(`${REPO_ROOT}/`, '')} (manifest ${String(r.manifest.manifestVersion)}, app ${String(r.manifest.id)})`),
    (e: unknown) => {
      console.error(e instanceof PackageError ? e.message : e);
      process.exit(1);
    },
  );
}
