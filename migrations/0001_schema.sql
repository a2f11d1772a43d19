-- The runtime roles (tenancy_app, tenancy_platform) are created by setup before migrations run
-- (src/database/roles.ts). Only the owner creates objects; nothing is executable by PUBLIC unless
-- granted by name.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tenancy_app, tenancy_platform;

CREATE SCHEMA IF NOT EXISTS app;
REVOKE ALL ON SCHEMA app FROM PUBLIC;
GRANT USAGE ON SCHEMA app TO tenancy_app, tenancy_platform;

-- Functions the owner creates from now on are not executable by PUBLIC by default.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA app REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
