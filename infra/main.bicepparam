// Parameters of one deployment. Secrets come from environment variables so they never sit in the repository:
//   export CHECKUP_POSTGRES_PASSWORD=... CHECKUP_CLOUDINARY_URL=cloudinary://... CHECKUP_AUTH_SIGNING_KEY=...
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

param postgresAdminPassword = readEnvironmentVariable('CHECKUP_POSTGRES_PASSWORD')
param cloudinaryUrl = readEnvironmentVariable('CHECKUP_CLOUDINARY_URL')
param authSigningKey = readEnvironmentVariable('CHECKUP_AUTH_SIGNING_KEY', '')
