-- The listing verifies the signed context once for its own use instead of 8 times. Every
-- `(SELECT app.current_tenant_id())` in the body was an init-plan of its own, and each verified
-- the MAC (about 10 µs; 0036 has the count). The tenant is now read once into a materialized
-- CTE, and the branches, counts and the `owned`/grantees columns take it from there:
-- `(SELECT me.id FROM me)` is still an init-plan, so the index conditions and the plans stay
-- what they were (test/rls/sharing-plan.spec.ts), but it reads one materialized row. The
-- policies on the tables the body reads still verify for themselves: RLS decides every row, as
-- before. Same signature, attributes and grants (CREATE OR REPLACE keeps them); body otherwise
-- that of 0024.
CREATE OR REPLACE FUNCTION app.list_visible_resources(p_scope text, p_kind text, p_limit int, p_offset int)
  RETURNS TABLE (tenant_id uuid, id uuid, kind text, name text, content jsonb, sharing_mode text,
                 created_at timestamptz, updated_at timestamptz, owned boolean, grantees uuid[], total int)
  LANGUAGE sql STABLE SECURITY INVOKER PARALLEL SAFE
  SET search_path = pg_catalog, public, pg_temp
AS $$
  -- the tenant, verified once for the whole call (see above)
  WITH me AS MATERIALIZED (SELECT app.current_tenant_id() AS id),
  page AS (
    SELECT * FROM (
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM (SELECT k.tenant_id, k.id FROM public.resources k
                WHERE $1 IN ('own', 'all') AND k.tenant_id = (SELECT me.id FROM me)
                  AND ($2 IS NULL OR k.kind = $2)
                ORDER BY k.created_at DESC, k.id DESC LIMIT $3 + $4) top
         JOIN public.resources r ON r.tenant_id = top.tenant_id AND r.id = top.id
        ORDER BY r.created_at DESC, r.id DESC)
      UNION ALL
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM public.resources r
        WHERE $1 IN ('shared', 'all') AND r.sharing_mode = 'global' AND r.owner_active
          AND r.tenant_id <> (SELECT me.id FROM me)
          AND ($2 IS NULL OR r.kind = $2)
        ORDER BY r.created_at DESC, r.id DESC LIMIT $3 + $4)
      UNION ALL
      (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
         FROM public.resource_shares s JOIN public.resources r ON r.tenant_id = s.tenant_id AND r.id = s.resource_id
        WHERE $1 IN ('shared', 'all') AND s.grantee_tenant_id = (SELECT me.id FROM me)
          AND r.sharing_mode = 'selective' AND r.owner_active
          AND ($2 IS NULL OR r.kind = $2)
        ORDER BY r.created_at DESC, r.id DESC LIMIT $3 + $4)
    ) v
    ORDER BY v.created_at DESC, v.id DESC LIMIT $3 OFFSET $4
  ), counted AS (
    SELECT ((SELECT count(*) FROM public.resources r
              WHERE $1 IN ('own', 'all') AND r.tenant_id = (SELECT me.id FROM me)
                AND ($2 IS NULL OR r.kind = $2))
          + (SELECT count(*) FROM public.resources r
              WHERE $1 IN ('shared', 'all') AND r.sharing_mode = 'global' AND r.owner_active
                AND r.tenant_id <> (SELECT me.id FROM me)
                AND ($2 IS NULL OR r.kind = $2))
          + (SELECT count(*) FROM public.resource_shares s JOIN public.resources r ON r.tenant_id = s.tenant_id AND r.id = s.resource_id
              WHERE $1 IN ('shared', 'all') AND s.grantee_tenant_id = (SELECT me.id FROM me)
                AND r.sharing_mode = 'selective' AND r.owner_active
                AND ($2 IS NULL OR r.kind = $2)))::int AS n
  )
  -- The grantees only for the owner's own selective rows: RLS shows a grantee its own share row,
  -- and the API must not.
  SELECT p.tenant_id, p.id, p.kind, p.name, p.content, p.sharing_mode, p.created_at, p.updated_at,
         p.tenant_id = (SELECT me.id FROM me),
         CASE WHEN p.tenant_id = (SELECT me.id FROM me) AND p.sharing_mode = 'selective'
              THEN ARRAY(SELECT s.grantee_tenant_id FROM public.resource_shares s
                          WHERE s.tenant_id = p.tenant_id AND s.resource_id = p.id ORDER BY 1)
         END,
         c.n
    FROM counted c LEFT JOIN page p ON true
   ORDER BY p.created_at DESC, p.id DESC
$$;
