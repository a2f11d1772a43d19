-- Platform admins manage what tenants share (GET/PUT/DELETE /v1/admin/resources…), never a
-- tenant's private data: in platform scope the platform role sees, changes and deletes only
-- resources that are not private, and only their share rows. Until now its FOR ALL policy
-- (0020) admitted every row; the RESTRICTIVE policies below narrow it whatever permissive policy
-- is added later, as the tenant role's owner-only policies do. Without the signed platform
-- scope the role sees nothing, as before.
--
-- What the platform may still do with a shared resource, in the database itself:
--   - read it and its share rows;
--   - take it down to private or narrow it: UPDATE may write only sharing_mode and updated_at
--     (column privilege), never to 'global' (WITH CHECK), and never on a private row (USING);
--   - delete it (its share rows go by ON DELETE CASCADE);
--   - delete share rows of a shared resource (narrowing); never update one.
-- INSERT is unchanged (fixtures, the bench seed); the service never inserts a resource as the
-- platform, and refuses every widening (private → shared, adding grantees) before writing.
--
-- A takedown writes sharing_mode = 'private', a row the platform may not read. Postgres checks
-- the new row of an UPDATE against the SELECT policies whenever the statement reads the table
-- (a WHERE clause does), so `UPDATE … SET sharing_mode = 'private' WHERE id = …` fails the read
-- policy. The service therefore updates through a cursor (`UPDATE … WHERE CURRENT OF`), which
-- reads nothing: the cursor's SELECT … FOR UPDATE finds the row under the read policy, the
-- UPDATE policies check the old and the new row (src/modules/sharing/admin-resources.repository.ts).
--
-- The purge deletes a tenant's shared rows as the platform; its private rows (which the
-- platform cannot see) go with the tenant row by resources_owner_fkey ON DELETE CASCADE, as the
-- append-only audit trail already does.

DROP POLICY IF EXISTS resources_platform_read ON resources;
CREATE POLICY resources_platform_read ON resources AS RESTRICTIVE FOR SELECT TO tenancy_platform
  USING ((SELECT app.is_platform()) AND sharing_mode <> 'private');
DROP POLICY IF EXISTS resources_platform_update ON resources;
CREATE POLICY resources_platform_update ON resources AS RESTRICTIVE FOR UPDATE TO tenancy_platform
  USING ((SELECT app.is_platform()) AND sharing_mode <> 'private')
  WITH CHECK ((SELECT app.is_platform()) AND sharing_mode <> 'global');
DROP POLICY IF EXISTS resources_platform_delete ON resources;
CREATE POLICY resources_platform_delete ON resources AS RESTRICTIVE FOR DELETE TO tenancy_platform
  USING ((SELECT app.is_platform()) AND sharing_mode <> 'private');
-- The sharing only: name, content and owner stay the tenant's.
REVOKE UPDATE ON resources FROM tenancy_platform;
GRANT UPDATE (sharing_mode, updated_at) ON resources TO tenancy_platform;

-- A share row is the platform's to see or delete while its resource is: the EXISTS reads
-- resources under the platform's policies above (which never refer back here, so no recursion).
DROP POLICY IF EXISTS resource_shares_platform_read ON resource_shares;
CREATE POLICY resource_shares_platform_read ON resource_shares AS RESTRICTIVE FOR SELECT TO tenancy_platform
  USING ((SELECT app.is_platform()) AND EXISTS (
    SELECT 1 FROM resources r
     WHERE r.tenant_id = resource_shares.tenant_id AND r.id = resource_shares.resource_id
       AND r.sharing_mode <> 'private'));
DROP POLICY IF EXISTS resource_shares_platform_delete ON resource_shares;
CREATE POLICY resource_shares_platform_delete ON resource_shares AS RESTRICTIVE FOR DELETE TO tenancy_platform
  USING ((SELECT app.is_platform()) AND EXISTS (
    SELECT 1 FROM resources r
     WHERE r.tenant_id = resource_shares.tenant_id AND r.id = resource_shares.resource_id
       AND r.sharing_mode <> 'private'));
-- Moving a share to another grantee would widen it.
REVOKE UPDATE ON resource_shares FROM tenancy_platform;
