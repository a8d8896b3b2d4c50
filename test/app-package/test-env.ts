/** Values for the manifest placeholders in tests (what `atk provision` would write to env/.env.dev). */
export const TEST_ENV: Record<string, string> = {
  TEAMS_APP_ID: '2c1f8a8e-4b0e-4b8e-9a43-1f3f0c6b7d11',
  BOT_ID: '0f8fad5b-d9cb-469f-a165-70867728950e',
  BOT_DOMAIN: 'passkeybot-abc123-app.azurewebsites.net',
  APP_NAME_SUFFIX: ' (test)',
  DEVELOPER_NAME: 'Contoso IT',
  DEVELOPER_WEBSITE_URL: 'https://www.example.com/passkey-rollout',
  PRIVACY_URL: 'https://www.example.com/passkey-rollout/privacy',
  TERMS_OF_USE_URL: 'https://www.example.com/passkey-rollout/terms',
};

export function envFileText(env: Record<string, string>): string {
  return `${Object.entries(env)
    .map(([k, v]) => `${k}=${/^\s|\s$/.test(v) ? JSON.stringify(v) : v}`)
    .join('\n')}\n`;
}
