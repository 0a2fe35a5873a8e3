-- One-time: make the Function App's managed identity a PostgreSQL role with only the rights the app needs.
-- Run as the Microsoft Entra administrator (postgresEntraAdminName) after the first deployment and the first
-- migration, with psql (README.md, "Deploy to Azure"):
--
--   export PGHOST=<postgresHost> PGUSER=<postgresEntraAdminName> PGSSLMODE=require
--   export PGPASSWORD="$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)"
--   psql -d postgres -v app_role=<postgresAppRole> -v database=<postgresDatabase> -f infra/sql/grant-app-role.sql
--
-- The role is named after the Function App (the identity's display name); pgaadauth_create_principal maps it to the
-- identity. The app reads and writes the tables; it cannot create, alter or drop anything. Migrations run as the
-- administrator, whose later tables reach the app through the default privileges below.

select * from pgaadauth_create_principal(:'app_role', false, false);

\connect :database

grant connect on database :"database" to :"app_role";
grant usage on schema public to :"app_role";
grant select, insert, update, delete on all tables in schema public to :"app_role";
grant usage, select on all sequences in schema public to :"app_role";
grant execute on all functions in schema public to :"app_role";
alter default privileges in schema public grant select, insert, update, delete on tables to :"app_role";
alter default privileges in schema public grant usage, select on sequences to :"app_role";
alter default privileges in schema public grant execute on functions to :"app_role";
