// Passkey Rollout Bot on Azure, deployed into one resource group by `atk provision` (m365agents.yml)
// or `az deployment group create -g <rg> -f infra/main.bicep -p infra/main.parameters.json`.
//
//   user-assigned managed identity ── the bot's only identity: Bot Framework (msaAppType UserAssignedMSI)
//        │                             and Microsoft Graph (GRAPH_AUTH=managed-identity). No client secret.
//   Azure Bot (global, Teams channel) ──▶ https://<web app>/api/messages
//   App Service (Linux, Node 20) running `npm run serve`, settings = the bot's environment
//   PostgreSQL flexible server ── DATABASE_URL kept in Key Vault (the one secret; see docs/operator-guide.md)
//   Key Vault (RBAC) ── the web app reads DATABASE_URL through a Key Vault reference with the identity
//
// Graph application permissions are granted to the identity afterwards with
// scripts/grant-graph-permissions.sh (Bicep cannot assign Graph app roles without the Graph extension).

targetScope = 'resourceGroup'

@description('Azure region for every regional resource (the Azure Bot itself is global).')
param location string = resourceGroup().location

@description('3-8 lowercase letters or digits that make the global names unique. Empty: derived from the resource group id.')
@maxLength(8)
param resourceSuffix string = ''

@description('The Teams app manifest id (TEAMS_APP_ID), for proactive installs.')
param teamsAppId string

@description('Display name of the Azure Bot resource.')
param botDisplayName string = 'Passkey Rollout'

@description('Azure Bot pricing tier. Teams is a standard channel, free on F0.')
@allowed([
  'F0'
  'S1'
])
param botServiceSku string = 'F0'

@description('App Service plan SKU (Linux). B1 or larger: Always On is needed for the scheduler.')
param appServiceSku string = 'B1'

@description('Number of App Service instances. More than one is safe on PostgreSQL: one scheduler lease, chat on all.')
@minValue(1)
@maxValue(10)
param instanceCount int = 1

@description('Comma-separated Entra group ids whose members are bot admins (ADMIN_GROUP_IDS).')
param adminGroupIds string = ''

@description('Comma-separated Entra group ids whose members are helpdesk (HELPDESK_GROUP_IDS).')
param helpdeskGroupIds string = ''

@description('Bot log level (LOG_LEVEL).')
@allowed([
  'trace'
  'debug'
  'info'
  'warn'
  'error'
  'fatal'
  'silent'
])
param logLevel string = 'info'

@description('PostgreSQL administrator login.')
param postgresAdminLogin string = 'passkeybot'

@description('PostgreSQL administrator password; stored only inside the DATABASE_URL Key Vault secret.')
@secure()
@minLength(16)
param postgresAdminPassword string

@description('PostgreSQL major version.')
param postgresVersion string = '16'

@description('PostgreSQL compute SKU.')
param postgresSkuName string = 'Standard_B1ms'

@description('PostgreSQL compute tier of that SKU.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@description('Days of PostgreSQL point-in-time backups (7-35).')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 14

@description('Key Vault purge protection. Recommended for production; it keeps a deleted vault name reserved for the retention period.')
param keyVaultPurgeProtection bool = true

var suffix = empty(resourceSuffix) ? take(uniqueString(resourceGroup().id), 6) : toLower(resourceSuffix)
var baseName = 'passkeybot-${suffix}'
var databaseName = 'passkeybot'
// Built-in role "Key Vault Secrets User": read secret values, nothing else.
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${baseName}-identity'
  location: location
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${baseName}-plan'
  location: location
  kind: 'linux'
  sku: {
    name: appServiceSku
    capacity: instanceCount
  }
  properties: {
    reserved: true
  }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: '${baseName}-pg'
  location: location
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: postgresVersion
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    // Entra authentication would need the bot to fetch a token as the password; the pg driver gets only
    // DATABASE_URL today, so password authentication it is (docs/operator-guide.md "Database").
    authConfig: {
      passwordAuth: 'Enabled'
      activeDirectoryAuth: 'Disabled'
    }
    storage: {
      storageSizeGB: 32
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: postgresBackupRetentionDays
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// "Allow public access from any Azure service": the documented 0.0.0.0 rule. Simple, and the server
// still needs TLS and the password; docs/operator-guide.md explains how to move to VNet integration.
resource allowAzureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('kv-${baseName}', 24)
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'database-url'
  properties: {
    contentType: 'PostgreSQL connection string for the bot (DATABASE_URL)'
    value: 'postgres://${uriComponent(postgresAdminLogin)}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=verify-full'
  }
}

resource identityReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, keyVaultSecretsUserRoleId)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The bot's environment (README "Configuration"): every name here is one loadConfig() reads.
var botSettings = {
  BOT_ID: identity.properties.clientId
  BOT_TENANT_ID: identity.properties.tenantId
  BOT_TYPE: 'UserAssignedMsi'
  TENANT_ID: identity.properties.tenantId
  GRAPH_AUTH: 'managed-identity'
  GRAPH_CLIENT_ID: identity.properties.clientId
  TEAMS_APP_ID: teamsAppId
  DATABASE_URL: '@Microsoft.KeyVault(SecretUri=${databaseUrlSecret.properties.secretUri})'
  HOST: '0.0.0.0'
  PORT: '8080'
  ADMIN_GROUP_IDS: adminGroupIds
  HELPDESK_GROUP_IDS: helpdeskGroupIds
  LOG_LEVEL: logLevel
  SCHEDULER: 'on'
}

// App Service's own settings (not read by the bot).
var platformSettings = {
  // The port App Service forwards to; the bot listens on PORT.
  WEBSITES_PORT: '8080'
  // Install dependencies on Linux during zip deploy (node_modules is not in the zip).
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'true'
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: '${baseName}-app'
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'npm run serve'
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/healthz'
      appSettings: [for setting in items(union(platformSettings, botSettings)): {
        name: setting.key
        value: setting.value
      }]
    }
  }
  dependsOn: [
    identityReadsSecrets
    database
    allowAzureServices
  ]
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${baseName}-bot'
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppId: identity.properties.clientId
    msaAppMSIResourceId: identity.id
    msaAppTenantId: identity.properties.tenantId
    msaAppType: 'UserAssignedMSI'
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

// Written to env/.env.<env> by the toolkit under these names.
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = identity.properties.tenantId
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
output KEY_VAULT_NAME string = keyVault.name
output POSTGRES_SERVER_FQDN string = postgres.properties.fullyQualifiedDomainName
output AZURE_BOT_NAME string = bot.name
