-- Resources and their sharing: private (owner only), global (every tenant; only a tenant of type
-- 'platform' may publish), selective (one resource_shares row per grantee). The read rule lives in
-- the policies below, so any client connected as tenancy_app sees exactly what its tenant may see.

CREATE TABLE IF NOT EXISTS resources (
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  kind         text NOT NULL,
  name         text NOT NULL,
  content      jsonb NOT NULL DEFAULT '{}'::jsonb,
  sharing_mode text NOT NULL DEFAULT 'private',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT resources_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT resources_kind_format CHECK (kind ~ '^[a-z][a-z0-9_-]{1,39}$'),
  CONSTRAINT resources_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
  CONSTRAINT resources_sharing_mode_valid CHECK (sharing_mode IN ('private', 'global', 'selective'))
);
-- GET /v1/resources/:id looks a row up by id alone (the owner is not known to the reader).
CREATE INDEX IF NOT EXISTS resources_id_idx ON resources (id);
-- The "own" branch of the listing, newest first.
CREATE INDEX IF NOT EXISTS resources_tenant_created_idx ON resources (tenant_id, created_at DESC, id DESC);
-- The "global" branch: few rows, read by every tenant.
CREATE INDEX IF NOT EXISTS resources_global_created_idx ON resources (created_at DESC, id DESC)
  WHERE sharing_mode = 'global';

-- One row per grantee. tenant_id is the owner (granter); grantee_tenant_id is by definition
-- another tenant, so its foreign key cannot carry tenant_id (catalog-lints.ts allow-lists it).
CREATE TABLE IF NOT EXISTS resource_shares (
  tenant_id         uuid NOT NULL,
  resource_id       uuid NOT NULL,
  grantee_tenant_id uuid NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT resource_shares_pkey PRIMARY KEY (tenant_id, resource_id, grantee_tenant_id),
  CONSTRAINT resource_shares_resource_fkey FOREIGN KEY (tenant_id, resource_id)
    REFERENCES resources (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT resource_shares_grantee_fkey FOREIGN KEY (grantee_tenant_id)
    REFERENCES tenants (id) ON DELETE CASCADE,
  CONSTRAINT resource_shares_not_self CHECK (grantee_tenant_id <> tenant_id)
);
-- The "shared with me" branch and the cascade when a grantee tenant is purged.
CREATE INDEX IF NOT EXISTS resource_shares_grantee_idx
  ON resource_shares (grantee_tenant_id, tenant_id, resource_id);

ALTER TABLE resources ENABLE ROW LEVEL SECURITY;
ALTER TABLE resources FORCE ROW LEVEL SECURITY;

-- Read: own rows, global rows, and selective rows with a share for the current tenant. The
-- EXISTS reads resource_shares under its own policy, which shows a grantee its share rows.
-- Global rows need a tenant set, so a session with no tenant (or a cleared one) sees nothing.
DROP POLICY IF EXISTS resources_tenant_read ON resources;
CREATE POLICY resources_tenant_read ON resources FOR SELECT TO tenancy_app
  USING (
    tenant_id = (SELECT app.current_tenant_id())
    OR (sharing_mode = 'global' AND (SELECT app.current_tenant_id()) IS NOT NULL)
    OR (sharing_mode = 'selective' AND EXISTS (
          SELECT 1 FROM resource_shares s
           WHERE s.tenant_id = resources.tenant_id AND s.resource_id = resources.id
             AND s.grantee_tenant_id = (SELECT app.current_tenant_id())))
  );
-- Writes: the owner only. The permissive policy admits them; the restrictive ones below keep
-- them owner-only whatever permissive policy is added later.
DROP POLICY IF EXISTS resources_owner_access ON resources;
CREATE POLICY resources_owner_access ON resources FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
-- Publishing globally needs a tenant of type 'platform'. tenancy_app sees exactly its own row of
-- tenants, which is the one this check needs.
DROP POLICY IF EXISTS resources_owner_insert ON resources;
CREATE POLICY resources_owner_insert ON resources AS RESTRICTIVE FOR INSERT TO tenancy_app
  WITH CHECK (
    tenant_id = (SELECT app.current_tenant_id())
    AND (sharing_mode <> 'global' OR EXISTS (
          SELECT 1 FROM tenants t WHERE t.id = (SELECT app.current_tenant_id()) AND t.type = 'platform'))
  );
DROP POLICY IF EXISTS resources_owner_update ON resources;
CREATE POLICY resources_owner_update ON resources AS RESTRICTIVE FOR UPDATE TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (
    tenant_id = (SELECT app.current_tenant_id())
    AND (sharing_mode <> 'global' OR EXISTS (
          SELECT 1 FROM tenants t WHERE t.id = (SELECT app.current_tenant_id()) AND t.type = 'platform'))
  );
DROP POLICY IF EXISTS resources_owner_delete ON resources;
CREATE POLICY resources_owner_delete ON resources AS RESTRICTIVE FOR DELETE TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS resources_platform_access ON resources;
CREATE POLICY resources_platform_access ON resources FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON resources FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON resources TO tenancy_app, tenancy_platform;

ALTER TABLE resource_shares ENABLE ROW LEVEL SECURITY;
ALTER TABLE resource_shares FORCE ROW LEVEL SECURITY;

-- The owner sees all share rows of its resources; a grantee sees only the rows naming it (the
-- resources read policy needs them). The API shows the list of grantees to the owner only.
-- No reference back to resources here, so the two policies cannot recurse.
DROP POLICY IF EXISTS resource_shares_tenant_read ON resource_shares;
CREATE POLICY resource_shares_tenant_read ON resource_shares FOR SELECT TO tenancy_app
  USING (
    tenant_id = (SELECT app.current_tenant_id())
    OR grantee_tenant_id = (SELECT app.current_tenant_id())
  );
DROP POLICY IF EXISTS resource_shares_owner_access ON resource_shares;
CREATE POLICY resource_shares_owner_access ON resource_shares FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS resource_shares_owner_insert ON resource_shares;
CREATE POLICY resource_shares_owner_insert ON resource_shares AS RESTRICTIVE FOR INSERT TO tenancy_app
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS resource_shares_owner_update ON resource_shares;
CREATE POLICY resource_shares_owner_update ON resource_shares AS RESTRICTIVE FOR UPDATE TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS resource_shares_owner_delete ON resource_shares;
CREATE POLICY resource_shares_owner_delete ON resource_shares AS RESTRICTIVE FOR DELETE TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS resource_shares_platform_access ON resource_shares;
CREATE POLICY resource_shares_platform_access ON resource_shares FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON resource_shares FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON resource_shares TO tenancy_app, tenancy_platform;

-- The listing of GET /v1/resources: one page ($3 rows from offset $4) of what the current
-- tenant may see, newest first, with the total on every row (one row of NULLs and the total for
-- an empty page). $1 scope: 'own' | 'shared' | 'all'; $2 kind or NULL.
-- Three disjoint branches, each driven by one index and cut at offset + limit: own rows
-- (resources_tenant_created_idx), other tenants' global rows (resources_global_created_idx),
-- selective rows shared with me (resource_shares_grantee_idx). An OR across the read policy
-- cannot use an index; the branches can. Their predicates only pick the index: SECURITY INVOKER
-- keeps every row under the policies above. A plain SQL function so Postgres (18+) caches its
-- plan per connection; the SET clause keeps it from being inlined (which would re-plan it on
-- every call) and pins search_path.
CREATE OR REPLACE FUNCTION app.list_visible_resources(p_scope text, p_kind text, p_limit int, p_offset int)
  RETURNS TABLE (tenant_id uuid, id uuid, kind text, name text, content jsonb, sharing_mode text,
                 created_at timestamptz, updated_at timestamptz, owned boolean, grantees uuid[], total int)
  LANGUAGE sql STABLE SECURITY INVOKER PARALLEL SAFE
  SET search_path = pg_catalog, public
AS $$
  WITH page AS (
    SELECT * FROM (
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM resources r
        WHERE $1 IN ('own', 'all') AND r.tenant_id = (SELECT app.current_tenant_id())
          AND ($2 IS NULL OR r.kind = $2)
        ORDER BY r.created_at DESC, r.id DESC LIMIT $3 + $4)
      UNION ALL
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM resources r
        WHERE $1 IN ('shared', 'all') AND r.sharing_mode = 'global' AND r.tenant_id <> (SELECT app.current_tenant_id())
          AND ($2 IS NULL OR r.kind = $2)
        ORDER BY r.created_at DESC, r.id DESC LIMIT $3 + $4)
      UNION ALL
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM resource_shares s JOIN resources r ON r.tenant_id = s.tenant_id AND r.id = s.resource_id
        WHERE $1 IN ('shared', 'all') AND s.grantee_tenant_id = (SELECT app.current_tenant_id())
          AND r.sharing_mode = 'selective' AND ($2 IS NULL OR r.kind = $2)
        ORDER BY r.created_at DESC, r.id DESC LIMIT $3 + $4)
    ) v
    ORDER BY v.created_at DESC, v.id DESC LIMIT $3 OFFSET $4
  ), counted AS (
    SELECT ((SELECT count(*) FROM resources r
              WHERE $1 IN ('own', 'all') AND r.tenant_id = (SELECT app.current_tenant_id())
                AND ($2 IS NULL OR r.kind = $2))
          + (SELECT count(*) FROM resources r
              WHERE $1 IN ('shared', 'all') AND r.sharing_mode = 'global' AND r.tenant_id <> (SELECT app.current_tenant_id())
                AND ($2 IS NULL OR r.kind = $2))
          + (SELECT count(*) FROM resource_shares s JOIN resources r ON r.tenant_id = s.tenant_id AND r.id = s.resource_id
              WHERE $1 IN ('shared', 'all') AND s.grantee_tenant_id = (SELECT app.current_tenant_id())
                AND r.sharing_mode = 'selective' AND ($2 IS NULL OR r.kind = $2)))::int AS n
  )
  -- The grantees only for the owner's own selective rows: RLS shows a grantee its own share row,
  -- and the API must not.
  SELECT p.tenant_id, p.id, p.kind, p.name, p.content, p.sharing_mode, p.created_at, p.updated_at,
         p.tenant_id = (SELECT app.current_tenant_id()),
         CASE WHEN p.tenant_id = (SELECT app.current_tenant_id()) AND p.sharing_mode = 'selective'
              THEN ARRAY(SELECT s.grantee_tenant_id FROM resource_shares s
                          WHERE s.tenant_id = p.tenant_id AND s.resource_id = p.id ORDER BY 1)
         END,
         c.n
    FROM counted c LEFT JOIN page p ON true
   ORDER BY p.created_at DESC, p.id DESC
$$;
REVOKE EXECUTE ON FUNCTION app.list_visible_resources(text, text, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.list_visible_resources(text, text, int, int) TO tenancy_app;
