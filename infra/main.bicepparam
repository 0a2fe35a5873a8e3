// Parameters of one deployment, for both deploy paths of README.md ("Deploy to Azure"):
//   azd up              azd prefers this file to a main.parameters.json and compiles it with its environment's values
//                       (.azure/<env>/.env: AZURE_ENV_NAME, AZURE_LOCATION, and what `azd env set` adds) on top of the
//                       process environment, so readEnvironmentVariable() below sees both.
//   az deployment group create --parameters infra/main.bicepparam    the same names exported in the shell.
// Secrets come from environment variables so they never sit in the repository, and may be left out after the first
// deployment (empty keeps what Key Vault holds):
//   CHECKUP_CLOUDINARY_URL=cloudinary://...  CHECKUP_AUTH_SIGNING_KEY=... (only when authAuthority is empty)
// The PostgreSQL administrator (Microsoft Entra):
//   CHECKUP_PG_ADMIN_ID="$(az ad signed-in-user show --query id -o tsv)"
//   CHECKUP_PG_ADMIN_NAME="$(az ad signed-in-user show --query userPrincipalName -o tsv)"
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')
param namePrefix = 'checkup'
// Per environment, also from the environment (`azd env set NAME value`, or export), with these defaults.
param frontendOrigins = split(readEnvironmentVariable('CHECKUP_FRONTEND_ORIGINS', 'https://checkup.example.com'), ',') // comma-separated
param authAudience = readEnvironmentVariable('CHECKUP_AUTH_AUDIENCE', 'checkup')
param authIssuer = readEnvironmentVariable('CHECKUP_AUTH_ISSUER', 'checkup')
param authAuthority = readEnvironmentVariable('CHECKUP_AUTH_AUTHORITY', '')
param alertEmail = readEnvironmentVariable('CHECKUP_ALERT_EMAIL', '')

param postgresEntraAdminObjectId = readEnvironmentVariable('CHECKUP_PG_ADMIN_ID')
param postgresEntraAdminName = readEnvironmentVariable('CHECKUP_PG_ADMIN_NAME')
param postgresEntraAdminType = readEnvironmentVariable('CHECKUP_PG_ADMIN_TYPE', 'User') // User, Group or ServicePrincipal
param cloudinaryUrl = readEnvironmentVariable('CHECKUP_CLOUDINARY_URL', '')
param authSigningKey = readEnvironmentVariable('CHECKUP_AUTH_SIGNING_KEY', '')
