-- Fewer verifications of the signed context per statement. Each `(SELECT app.current_tenant_id())`
-- in a plan is an init-plan of its own, and each one that runs verifies the MAC (about 10 µs);
-- policies add theirs to every table reference. One listing call (app.list_visible_resources)
-- verified 57 times, counted with track_functions = 'pl' in pg_stat_xact_user_functions: its
-- Postgres CPU per request went from 1,121 to 1,809 µs with the signed context (bench results
-- before-13-scenario-1-cpu.md and after-perf-harness.md). With this migration: 27. Same rows
-- visible to every caller, before and after:
--
--  - resources_tenant_read repeated resources_owner_access's test (`tenant_id = current tenant`);
--    permissive policies are OR-ed, so own rows stay visible through resources_owner_access
--    (FOR ALL, which covers SELECT), and the read policy keeps only what it adds: global and
--    selective rows of active owners. Every other tenant's row no longer runs one more init-plan.
--  - resource_shares_tenant_read likewise: the owner sees its share rows through
--    resource_shares_owner_access; the read policy adds the rows naming the caller as grantee.
--  - app.shared_with_current_tenant, which the read policy calls per selective row of another
--    tenant, no longer verifies the context itself: resource_shares's policies already show the
--    caller only the share rows it owns or is named in, so for another tenant's resource a
--    visible share row is one naming the caller. For the caller's own resource it answers
--    whether the resource is shared at all, which changes nothing: the owner reads it anyway
--    (resources_owner_access), and reads its own share rows anyway. With no valid context it
--    sees no share row and answers false, as before. SECURITY INVOKER, as in 0021.
ALTER POLICY resources_tenant_read ON resources
  USING (
    (sharing_mode = 'global' AND owner_active AND (SELECT app.current_tenant_id()) IS NOT NULL)
    OR (sharing_mode = 'selective' AND owner_active AND (SELECT app.shared_with_current_tenant(tenant_id, id)))
  );

ALTER POLICY resource_shares_tenant_read ON resource_shares
  USING (grantee_tenant_id = (SELECT app.current_tenant_id()));

CREATE OR REPLACE FUNCTION app.shared_with_current_tenant(p_owner uuid, p_resource uuid) RETURNS boolean
  LANGUAGE plpgsql STABLE SECURITY INVOKER PARALLEL SAFE
AS $$
BEGIN
  -- the share rows this reads are the caller's by resource_shares's policies (see above)
  RETURN EXISTS (
    SELECT 1 FROM public.resource_shares s
     WHERE s.tenant_id = p_owner AND s.resource_id = p_resource);
END
$$;
REVOKE EXECUTE ON FUNCTION app.shared_with_current_tenant(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.shared_with_current_tenant(uuid, uuid) TO tenancy_app;
