/**
 * Prints the bot's Microsoft Graph application permissions from services/graph/permissions.ts, for
 * scripts/grant-graph-permissions.sh and for people:
 *
 *   npx tsx scripts/graph-permissions.ts                      # names to grant by default (required + recommended)
 *   npx tsx scripts/graph-permissions.ts --level required     # the minimum
 *   npx tsx scripts/graph-permissions.ts --level optional     # everything
 *   npx tsx scripts/graph-permissions.ts --table              # a Markdown table (docs/permissions.md)
 *   npx tsx scripts/graph-permissions.ts --consent-url <tenant> <client id>
 */
import { fileURLToPath } from 'node:url';
import { adminConsentUrl, FEATURES, GRAPH_PERMISSIONS, permissionsToGrant, type PermissionLevel } from '../services/graph/permissions.js';

export function markdownTable(): string {
  const rows = GRAPH_PERMISSIONS.map((p) => {
    const features = p.features.map((f) => FEATURES[f]).join('; ');
    const note = p.unconfirmed ? `${p.leastPrivilege} **Unconfirmed:** ${p.unconfirmed}` : p.leastPrivilege;
    return `| \`${p.name}\` | ${p.level} | ${features} | ${note} | ${p.withoutIt} |`;
  });
  return ['| permission | level | features | least-privilege note | without it |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function main(argv: string[]): number {
  if (argv[0] === '--table') {
    console.log(markdownTable());
    return 0;
  }
  if (argv[0] === '--consent-url') {
    console.log(adminConsentUrl(argv[1] ?? '', argv[2] ?? ''));
    return 0;
  }
  let level: PermissionLevel = 'recommended';
  if (argv[0] === '--level') {
    const l = argv[1];
    if (l !== 'required' && l !== 'recommended' && l !== 'optional') {
      console.error('--level must be required, recommended or optional');
      return 2;
    }
    level = l;
  } else if (argv.length > 0) {
    console.error('usage: graph-permissions.ts [--level required|recommended|optional] | --table | --consent-url <tenant> <client id>');
    return 2;
  }
  console.log(permissionsToGrant(level).join('\n'));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
