-- A resource whose owner tenant is not active (suspended, deleted and awaiting its purge, or
-- still provisioning) is visible to no other tenant, in the database itself: the read policy
-- and app.list_visible_resources say so, so `psql` as tenancy_app with another tenant's id set
-- sees the same as the API. The owner's own rows are unchanged (a tenant that is not active
-- cannot make requests anyway). Reactivating or restoring the tenant shows them again.
--
-- The rule needs the owner's status on every row a reader might see, and tenancy_app can read
-- only its own row of tenants. Rather than a lookup per row (a SECURITY DEFINER function or a
-- side table of inactive ids, which the listing's global and selective branches would have to
-- probe row by row, and which a lookup by id would pay for as an extra sub-plan), the status is
-- carried on the row: resources.owner_active, a copy of tenants.active. Keeping the copy right
-- is left to a foreign key, not to code:
--   tenants.active   = status = 'active' (a stored generated column), unique with id;
--   resources (tenant_id, owner_active) REFERENCES tenants (id, active) ON UPDATE CASCADE
-- so suspending, deleting, reactivating or restoring a tenant rewrites owner_active on its
-- resources in the same statement (the cascade runs as the table owner, whatever role changed
-- the status), and no row can ever disagree with its tenant: an INSERT or UPDATE with the wrong
-- value fails the foreign key (23503), from the app or from psql. It replaces the plain
-- foreign key on tenant_id, ON DELETE CASCADE as before (the purge is unchanged).
-- The reads then cost nothing extra: the lookup by id tests one more column of the row it has
-- already fetched; the listing's global branch reads a partial index of active owners' global
-- rows, and its selective branch tests the column on the rows it joins anyway. The price is on
-- the rare write: a status change rewrites the tenant's resource rows (one indexed UPDATE).

ALTER TABLE tenants ADD COLUMN IF NOT EXISTS active boolean GENERATED ALWAYS AS (status = 'active') STORED;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tenants_id_active_key') THEN
    ALTER TABLE tenants ADD CONSTRAINT tenants_id_active_key UNIQUE (id, active);
  END IF;
END
$$;

ALTER TABLE resources ADD COLUMN IF NOT EXISTS owner_active boolean NOT NULL DEFAULT true;
-- The owner is under FORCE ROW LEVEL SECURITY like everyone, with no policy of its own: lift it
-- for the backfill only, inside this migration's transaction (no other session ever sees it).
ALTER TABLE resources NO FORCE ROW LEVEL SECURITY;
UPDATE resources r SET owner_active = t.active
  FROM tenants t WHERE t.id = r.tenant_id AND r.owner_active IS DISTINCT FROM t.active;
ALTER TABLE resources FORCE ROW LEVEL SECURITY;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'resources_owner_fkey') THEN
    ALTER TABLE resources ADD CONSTRAINT resources_owner_fkey FOREIGN KEY (tenant_id, owner_active)
      REFERENCES tenants (id, active) ON DELETE CASCADE ON UPDATE CASCADE;
  END IF;
END
$$;
ALTER TABLE resources DROP CONSTRAINT IF EXISTS resources_tenant_id_fkey;

ALTER POLICY resources_tenant_read ON resources
  USING (
    tenant_id = (SELECT app.current_tenant_id())
    OR (sharing_mode = 'global' AND owner_active AND (SELECT app.current_tenant_id()) IS NOT NULL)
    OR (sharing_mode = 'selective' AND owner_active AND (SELECT app.shared_with_current_tenant(tenant_id, id)))
  );

-- The indexes keep their names (the plan test and the README refer to them) and gain the column.
-- The owner index carries everything the read policy looks at, owner_active now included, so the
-- own branch stays an index-only scan.
CREATE INDEX IF NOT EXISTS resources_tenant_created_cov_next_idx
  ON resources (tenant_id, created_at DESC, id DESC) INCLUDE (sharing_mode, kind, owner_active);
DROP INDEX IF EXISTS resources_tenant_created_cov_idx;
ALTER INDEX resources_tenant_created_cov_next_idx RENAME TO resources_tenant_created_cov_idx;
-- The global branch: active owners' global rows only; covering too, so the total of the global
-- branch counts index entries instead of reading every global row.
CREATE INDEX IF NOT EXISTS resources_global_created_next_idx
  ON resources (created_at DESC, id DESC) INCLUDE (tenant_id, kind, sharing_mode, owner_active)
  WHERE sharing_mode = 'global' AND owner_active;
DROP INDEX IF EXISTS resources_global_created_idx;
ALTER INDEX resources_global_created_next_idx RENAME TO resources_global_created_idx;

-- The listing: other tenants' global and selective rows of active owners only. The same test is
-- in the read policy; here it lets the global branch use the partial index. Names are
-- schema-qualified and pg_temp is last (0023).
CREATE OR REPLACE FUNCTION app.list_visible_resources(p_scope text, p_kind text, p_limit int, p_offset int)
  RETURNS TABLE (tenant_id uuid, id uuid, kind text, name text, content jsonb, sharing_mode text,
                 created_at timestamptz, updated_at timestamptz, owned boolean, grantees uuid[], total int)
  LANGUAGE sql STABLE SECURITY INVOKER PARALLEL SAFE
  SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH page AS (
    SELECT * FROM (
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM (SELECT k.tenant_id, k.id FROM public.resources k
                WHERE $1 IN ('own', 'all') AND k.tenant_id = (SELECT app.current_tenant_id())
                  AND ($2 IS NULL OR k.kind = $2)
                ORDER BY k.created_at DESC, k.id DESC LIMIT $3 + $4) top
         JOIN public.resources r ON r.tenant_id = top.tenant_id AND r.id = top.id
        ORDER BY r.created_at DESC, r.id DESC)
      UNION ALL
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM public.resources r
        WHERE $1 IN ('shared', 'all') AND r.sharing_mode = 'global' AND r.owner_active
          AND r.tenant_id <> (SELECT app.current_tenant_id())
          AND ($2 IS NULL OR r.kind = $2)
        ORDER BY r.created_at DESC, r.id DESC LIMIT $3 + $4)
      UNION ALL
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM public.resource_shares s JOIN public.resources r ON r.tenant_id = s.tenant_id AND r.id = s.resource_id
        WHERE $1 IN ('shared', 'all') AND s.grantee_tenant_id = (SELECT app.current_tenant_id())
          AND r.sharing_mode = 'selective' AND r.owner_active
          AND ($2 IS NULL OR r.kind = $2)
        ORDER BY r.created_at DESC, r.id DESC LIMIT $3 + $4)
    ) v
    ORDER BY v.created_at DESC, v.id DESC LIMIT $3 OFFSET $4
  ), counted AS (
    SELECT ((SELECT count(*) FROM public.resources r
              WHERE $1 IN ('own', 'all') AND r.tenant_id = (SELECT app.current_tenant_id())
                AND ($2 IS NULL OR r.kind = $2))
          + (SELECT count(*) FROM public.resources r
              WHERE $1 IN ('shared', 'all') AND r.sharing_mode = 'global' AND r.owner_active
                AND r.tenant_id <> (SELECT app.current_tenant_id())
                AND ($2 IS NULL OR r.kind = $2))
          + (SELECT count(*) FROM public.resource_shares s JOIN public.resources r ON r.tenant_id = s.tenant_id AND r.id = s.resource_id
              WHERE $1 IN ('shared', 'all') AND s.grantee_tenant_id = (SELECT app.current_tenant_id())
                AND r.sharing_mode = 'selective' AND r.owner_active
                AND ($2 IS NULL OR r.kind = $2)))::int AS n
  )
  -- The grantees only for the owner's own selective rows: RLS shows a grantee its own share row,
  -- and the API must not.
  SELECT p.tenant_id, p.id, p.kind, p.name, p.content, p.sharing_mode, p.created_at, p.updated_at,
         p.tenant_id = (SELECT app.current_tenant_id()),
         CASE WHEN p.tenant_id = (SELECT app.current_tenant_id()) AND p.sharing_mode = 'selective'
              THEN ARRAY(SELECT s.grantee_tenant_id FROM public.resource_shares s
                          WHERE s.tenant_id = p.tenant_id AND s.resource_id = p.id ORDER BY 1)
         END,
         c.n
    FROM counted c LEFT JOIN page p ON true
   ORDER BY p.created_at DESC, p.id DESC
$$;
