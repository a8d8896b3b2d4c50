#!/usr/bin/env bash
# Grants the bot's Microsoft Graph application permissions (app roles of Microsoft Graph) to its
# service principal: the user-assigned managed identity created by infra/main.bicep, or the service
# principal of an app registration. The list comes from services/graph/permissions.ts.
#
# A managed identity has no consent screen, so this is how its permissions are granted; Bicep cannot
# do it without the Microsoft Graph Bicep extension. Run it as a Global Administrator or Privileged
# Role Administrator, logged in with `az login` to the tenant the bot manages.
#
#   scripts/grant-graph-permissions.sh --env env/.env.dev          # principal from BOT_MANAGED_IDENTITY_PRINCIPAL_ID
#   scripts/grant-graph-permissions.sh --principal-id <object id>  # any service principal
#   options: --level required|recommended|optional (default recommended)
#            --include <Permission.Name>   one more permission (repeatable), e.g. Device.Read.All
#            --dry-run                     show what would be granted, change nothing
#
# Uses only `az rest` (Microsoft Graph REST) and node (to read JSON). Idempotent: permissions already
# granted are skipped.
set -euo pipefail

GRAPH=https://graph.microsoft.com/v1.0
GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

principal_id=""
env_file=""
level="recommended"
dry_run=0
includes=()

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "grant-graph-permissions: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --principal-id) principal_id="${2:-}"; shift 2 ;;
    --env) env_file="${2:-}"; shift 2 ;;
    --level) level="${2:-}"; shift 2 ;;
    --include) includes+=("${2:-}"); shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

if [[ -z "$principal_id" && -n "$env_file" ]]; then
  [[ -f "$env_file" ]] || die "env file not found: $env_file"
  principal_id="$(sed -n 's/^BOT_MANAGED_IDENTITY_PRINCIPAL_ID=//p' "$env_file" | tail -n 1 | tr -d '"'"'"' \r')"
  [[ -n "$principal_id" ]] || die "$env_file has no BOT_MANAGED_IDENTITY_PRINCIPAL_ID (run atk provision first, or pass --principal-id)"
fi
[[ "$principal_id" =~ ^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$ ]] || die "--principal-id must be the service principal's object id (a GUID), got '${principal_id}'"
case "$level" in required|recommended|optional) ;; *) die "--level must be required, recommended or optional" ;; esac

tsx="$root/node_modules/.bin/tsx"
[[ -x "$tsx" ]] || die "run npm install first (needs $tsx)"
mapfile -t wanted < <("$tsx" "$root/scripts/graph-permissions.ts" --level "$level")
for p in "${includes[@]}"; do wanted+=("$p"); done
[[ ${#wanted[@]} -gt 0 ]] || die "no permissions to grant"

# Reads a JSON document on stdin and prints what the JavaScript expression (of `d`) returns, one per line.
json() { node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{const d=JSON.parse(s);const r=('"$1"');for(const x of [].concat(r??[]))console.log(x)})'; }

graph_sp="$(az rest --method GET --url "$GRAPH/servicePrincipals(appId='$GRAPH_APP_ID')?\$select=id,appRoles")"
graph_sp_id="$(printf '%s' "$graph_sp" | json 'd.id')"
[[ -n "$graph_sp_id" ]] || die "could not read the Microsoft Graph service principal"

principal="$(az rest --method GET --url "$GRAPH/servicePrincipals/$principal_id?\$select=id,displayName,appId")" || die "no service principal with object id $principal_id in this tenant"
echo "Granting Microsoft Graph application permissions to $(printf '%s' "$principal" | json 'd.displayName') ($principal_id)"

assigned="$(az rest --method GET --url "$GRAPH/servicePrincipals/$principal_id/appRoleAssignments?\$select=appRoleId,resourceId")"
assigned_ids="$(printf '%s' "$assigned" | json "d.value.filter(a=>a.resourceId==='$graph_sp_id').map(a=>a.appRoleId)")"

failed=0
for name in "${wanted[@]}"; do
  role_id="$(printf '%s' "$graph_sp" | json "(d.appRoles.find(r=>r.value==='$name'&&r.allowedMemberTypes.includes('Application'))||{}).id")"
  if [[ -z "$role_id" ]]; then
    echo "  ! $name: Microsoft Graph has no application permission of that name" >&2
    failed=1
    continue
  fi
  if grep -qx "$role_id" <<<"$assigned_ids"; then
    echo "  = $name (already granted)"
    continue
  fi
  if [[ $dry_run -eq 1 ]]; then
    echo "  + $name (would grant app role $role_id)"
    continue
  fi
  az rest --method POST --url "$GRAPH/servicePrincipals/$principal_id/appRoleAssignments" \
    --headers "Content-Type=application/json" \
    --body "{\"principalId\":\"$principal_id\",\"resourceId\":\"$graph_sp_id\",\"appRoleId\":\"$role_id\"}" >/dev/null
  echo "  + $name"
done

if [[ $dry_run -eq 1 ]]; then echo "Dry run: nothing was changed."; fi
exit $failed
