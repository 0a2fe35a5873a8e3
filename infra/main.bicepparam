// Parameters of one deployment. Secrets come from environment variables so they never sit in the repository:
//   export CHECKUP_CLOUDINARY_URL=cloudinary://... CHECKUP_AUTH_SIGNING_KEY=...
//   export CHECKUP_PG_ADMIN_ID="$(az ad signed-in-user show --query id -o tsv)"
//   export CHECKUP_PG_ADMIN_NAME="$(az ad signed-in-user show --query userPrincipalName -o tsv)"
// (CHECKUP_AUTH_SIGNING_KEY only when authAuthority is empty). See README.md, "Deploy to Azure".
using 'main.bicep'

param namePrefix = 'checkup'
param frontendOrigins = [
  'https://checkup.example.com'
]
param authAudience = 'checkup'
param authIssuer = 'checkup'
param authAuthority = ''
param alertEmail = ''

param postgresEntraAdminObjectId = readEnvironmentVariable('CHECKUP_PG_ADMIN_ID')
param postgresEntraAdminName = readEnvironmentVariable('CHECKUP_PG_ADMIN_NAME')
param postgresEntraAdminType = 'User'
param cloudinaryUrl = readEnvironmentVariable('CHECKUP_CLOUDINARY_URL')
param authSigningKey = readEnvironmentVariable('CHECKUP_AUTH_SIGNING_KEY', '')
