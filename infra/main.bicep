// Checkup on Azure, in one resource group: the Function App (.NET isolated worker) on Flex Consumption, its storage
// (staging container, image queues, deployment container) reached by managed identity, PostgreSQL Flexible
// Server with Microsoft Entra authentication only, Key Vault for the remaining secrets, Log Analytics + Application Insights, and the operators' alerts.
// Build and lint with infra/bicep.sh; deploy as README.md ("Deploy to Azure") says: `azd up` (azure.yaml at the root), or
// `az deployment group create` with main.bicepparam. Both read the parameters from main.bicepparam.
//
// Resource-group scope, for both paths: azd deploys such a template into AZURE_RESOURCE_GROUP (it asks for the group,
// or creates it, on the first `azd up`, and `azd pipeline config` copies it to the pipeline's variables).

targetScope = 'resourceGroup'

@description('Name of the azd environment (AZURE_ENV_NAME): tags every resource azd-env-name, so azd finds what it deployed.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Prefix of every resource name (lowercase letters, digits, hyphens; starts with a letter). A hash of the resource group keeps globally unique names unique.')
@minLength(3)
@maxLength(11)
param namePrefix string = 'checkup'

param location string = resourceGroup().location

@description('Origins of the frontend allowed by CORS, e.g. https://checkup.example.com. The app answers CORS itself (see appSettings).')
param frontendOrigins array

@description('Upper bound of Flex Consumption instances. Each instance keeps up to postgresPoolSize connections open.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@description('Memory of one instance in MB (Flex Consumption sizes).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('PostgreSQL compute size. Standard_B2s allows about 400 connections: maximumInstanceCount x postgresPoolSize must stay below it.')
param postgresSkuName string = 'Standard_B2s'

@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresSkuTier string = 'Burstable'

@allowed(['16', '17'])
param postgresVersion string = '16'

@description('Connections one instance keeps at most (Npgsql Maximum Pool Size).')
@minValue(2)
param postgresPoolSize int = 20

@description('Object id of the Microsoft Entra user, group or service principal that administers PostgreSQL (runs the migrations and the one-time grant in infra/sql/grant-app-role.sql). Nothing signs in with a password.')
param postgresEntraAdminObjectId string

@description('Name of that principal as PostgreSQL sees it: a user principal name, a group name, or a service principal name.')
param postgresEntraAdminName string

@allowed(['User', 'Group', 'ServicePrincipal'])
param postgresEntraAdminType string = 'User'

@secure()
@description('cloudinary://<api_key>:<api_secret>@<cloud_name>, stored in Key Vault. Empty keeps the secret Key Vault already holds, so a deployment (the pipeline\'s) needs no secret; the first deployment must give it.')
param cloudinaryUrl string = ''

@description('OpenID Connect issuer whose discovery document signs the tokens; leave empty to use authSigningKey instead.')
param authAuthority string = ''

@description('Audience (aud) of the tokens for this API.')
param authAudience string

@description('Issuer (iss) of HS256 tokens; only with authSigningKey.')
param authIssuer string = ''

@secure()
@description('HS256 shared secret (at least 32 bytes) when authAuthority is empty, ignored otherwise. Stored in Key Vault; empty keeps the one Key Vault already holds.')
param authSigningKey string = ''

@description('Value of the role claim that grants /api/admin.')
param authAdminRole string = 'admin'

@description('Mail address that receives the alerts; empty: the alerts only show in the portal.')
param alertEmail string = ''

@description('Days Log Analytics keeps the logs.')
@minValue(30)
param logRetentionDays int = 30

var suffix = uniqueString(resourceGroup().id)
// azd's conventions: azd-env-name on what the environment owns, azd-service-name on the resource a service of azure.yaml
// deploys to (the Function App is the service `api`).
var tags = { 'azd-env-name': environmentName }
var names = {
  plan: '${namePrefix}-plan-${suffix}'
  functionApp: '${namePrefix}-func-${suffix}'
  storage: take('${replace(toLower(namePrefix), '-', '')}${suffix}', 24) // letters and digits only
  postgres: '${namePrefix}-pg-${suffix}'
  keyVault: take('${namePrefix}-kv-${suffix}', 24)
  workspace: '${namePrefix}-logs-${suffix}'
  insights: '${namePrefix}-ai-${suffix}'
  actionGroup: '${namePrefix}-ops-${suffix}'
}

// What the app and its triggers expect (Checkup.Core StorageOptions defaults; ProcessImage reads %Storage:UploadQueue%).
var stagingContainerName = 'image-staging'
var uploadQueueName = 'image-uploads'
var poisonQueueName = 'image-uploads-poison' // the host's own naming: <queue>-poison
var deploymentContainerName = 'app-package'
var databaseName = 'checkup'
var usesSigningKey = empty(authAuthority)
var cloudinarySecretName = 'cloudinary-url'
var signingKeySecretName = 'auth-signing-key'

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

// ---------- monitoring ----------

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: names.workspace
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: logRetentionDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: names.insights
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
  }
}

// ---------- storage ----------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: names.storage
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    // Everything (host, app, deployment) authenticates with the app's identity, so account keys stay off.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource stagingContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: stagingContainerName
  properties: { publicAccess: 'None' }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource uploadQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: uploadQueueName
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: poisonQueueName
}

// ---------- PostgreSQL ----------

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: names.postgres
  location: location
  tags: tags
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: postgresVersion
    // Microsoft Entra only: the administrator is the principal below, the app signs in as its managed identity with
    // an access token (Database__Authentication=Entra), and no password exists to leak or rotate.
    authConfig: {
      passwordAuth: 'Disabled'
      activeDirectoryAuth: 'Enabled'
      tenantId: subscription().tenantId
    }
    storage: {
      storageSizeGB: 32
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: { mode: 'Disabled' }
    network: { publicNetworkAccess: 'Enabled' }
  }
}

resource postgresEntraAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: postgres
  name: postgresEntraAdminObjectId
  properties: {
    principalType: postgresEntraAdminType
    principalName: postgresEntraAdminName
    tenantId: subscription().tenantId
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

// 0.0.0.0 - 0.0.0.0 is the platform's "allow Azure services" rule: Flex Consumption has no fixed outbound addresses
// without a virtual network.
resource allowAzureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

// ---------- Key Vault ----------

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: names.keyVault
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

// Written only when given: a deployment without them (the pipeline's, which holds no secret) leaves Key Vault's as they
// are. The app settings name the secrets, not these resources, so they hold either way.
resource cloudinarySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(cloudinaryUrl)) {
  parent: vault
  name: cloudinarySecretName
  properties: { value: cloudinaryUrl }
}

resource signingKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (usesSigningKey && !empty(authSigningKey)) {
  parent: vault
  name: signingKeySecretName
  properties: { value: authSigningKey }
}

// ---------- Function App (Flex Consumption, .NET isolated worker) ----------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: names.plan
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: names.functionApp
  location: location
  tags: {
    'azd-env-name': environmentName
    'azd-service-name': 'api' // the service of azure.yaml that `azd deploy` brings here
  }
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // No platform CORS: it would answer preflights itself and cannot expose ETag/Location, and with both the
      // browser sees two Access-Control-Allow-Origin headers. The app's own CORS (Cors__AllowedOrigins) does it.
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer.name}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // Flex takes the language and version here, not from app settings: FUNCTIONS_WORKER_RUNTIME (and
      // FUNCTIONS_EXTENSION_VERSION) must not be set. The package (tools/publish.sh) is self-contained, so the worker
      // starts its own .NET 10 runtime; the version still picks the platform's dotnet-isolated 10.0 stack.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, functionApp.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Applied after the role assignments, so the first start already resolves the Key Vault references and
// reaches storage. References without a secret version follow rotation. An empty Auth__Authority or
// Auth__SigningKey counts as unset, so one shape serves both ways of checking tokens.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__credential: 'managedidentity'
    APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
    // No password: the Username is the database role of the app's managed identity (named after the app, see
    // infra/sql/grant-app-role.sql), the password an Entra token the app fetches and refreshes itself.
    ConnectionStrings__Postgres: 'Host=${postgres.properties.fullyQualifiedDomainName};Port=5432;Database=${database.name};Username=${functionApp.name};SSL Mode=Require;Maximum Pool Size=${postgresPoolSize}'
    Database__Authentication: 'Entra'
    Database__MigrateOnStart: 'false' // the app's role cannot change the schema: the Entra administrator migrates
    CLOUDINARY_URL: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${cloudinarySecretName})'
    Auth__Authority: authAuthority
    Auth__Audience: authAudience
    Auth__Issuer: authIssuer
    Auth__SigningKey: usesSigningKey ? '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${signingKeySecretName})' : ''
    Auth__AdminRole: authAdminRole
    Cors__AllowedOrigins: join(frontendOrigins, ',')
    Storage__StagingContainer: stagingContainer.name
    // Also the queue ProcessImage's trigger watches: [QueueTrigger("%Storage:UploadQueue%")] resolves this setting.
    Storage__UploadQueue: uploadQueue.name
  }
  dependsOn: [
    blobOwner
    queueContributor
    secretsUser
    poisonQueue
    cloudinarySecret
    signingKeySecret
  ]
}

// ---------- alerts (queries in infra/queries, explained in docs/operations.md) ----------

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: names.actionGroup
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'checkupops'
    enabled: true
    emailReceivers: empty(alertEmail)
      ? []
      : [
          {
            name: 'operators'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
  }
}

var alerts = [
  {
    name: 'poison-queue'
    displayName: 'Checkup: image messages moved to the poison queue'
    description: 'The Functions host gave up on an image-uploads message after 5 failed deliveries and moved it to image-uploads-poison. The image stays where it was; CleanupImages re-enqueues it, but the failure behind it needs a look.'
    severity: 1
    query: loadTextContent('queries/poison-queue.kql')
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT15M'
  }
  {
    name: 'failed-images'
    displayName: 'Checkup: image uploads failing'
    description: 'Images went to cld-upload-failure or local-upload-failure, or ProcessImage invocations failed, in the last 15 minutes.'
    severity: 2
    query: loadTextContent('queries/failed-images.kql')
    operator: 'GreaterThan'
    threshold: 4
    window: 'PT15M'
  }
  {
    name: 'stuck-images'
    displayName: 'Checkup: images stuck before Cloudinary'
    description: 'CleanupImages found images stuck in uploaded or saved-locally (a lost message or a crashed process) in the last hour.'
    severity: 2
    query: loadTextContent('queries/stuck-images.kql')
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT1H'
  }
  {
    name: 'cleanup-not-running'
    displayName: 'Checkup: CleanupImages has not succeeded for 30 minutes'
    description: 'The timer that retries failed images, recovers stuck ones and deletes staged copies has not completed once in 30 minutes.'
    severity: 2
    query: loadTextContent('queries/cleanup-runs.kql')
    operator: 'LessThan'
    threshold: 1
    window: 'PT30M'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for alert in alerts: {
    name: '${namePrefix}-${alert.name}-${suffix}'
    location: location
    tags: tags
    properties: {
      displayName: alert.displayName
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [workspace.id]
      evaluationFrequency: 'PT5M'
      windowSize: alert.window
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: alert.operator
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      // A new workspace has no AppTraces/AppRequests tables until the first telemetry arrives.
      skipQueryValidation: true
      actions: { actionGroups: [actionGroup.id] }
    }
    dependsOn: [insights]
  }
]

// What azd reads: it saves every output in the environment (.azure/<env>/.env, `azd env get-values`), where hooks and
// the commands of README.md ("Deploy to Azure") find them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output SERVICE_API_NAME string = functionApp.name
output SERVICE_API_URI string = 'https://${functionApp.properties.defaultHostName}'
output functionAppName string = functionApp.name
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}'
output healthUrl string = 'https://${functionApp.properties.defaultHostName}/api/health'
output storageAccountName string = storage.name
output keyVaultName string = vault.name
output postgresHost string = postgres.properties.fullyQualifiedDomainName
output postgresDatabase string = database.name
output postgresAppRole string = functionApp.name
output logAnalyticsWorkspaceId string = workspace.properties.customerId
