-- The signed context's verification (0030) cost about 2.6 ms per statement: the benchmark's
-- lookup by id ran at 0.07 of its explicit-WHERE baseline, and listings timed out at full scale.
-- Two causes, measured on one connection (bench/results/after-13-16.md, scenario 2d):
--  - as a SQL function, the subquery holding regexp_match was pulled up and the call evaluated
--    once per reference to its result (six), and the body was planned again on every call;
--  - the pattern's counted repetitions ({36}, {64}, …) make Postgres's regex engine slow:
--    about 0.5 ms per match against a few µs for the same pattern with `+` and the lengths
--    checked apart.
-- Same contract, same accepted values: PL/pgSQL (its statements' plans are kept per session),
-- one match, lengths checked explicitly. A value it refuses is still no tenant and no scope.
CREATE OR REPLACE FUNCTION app.verified_context(p_value text, p_purpose text) RETURNS text
  LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  m text[];
  ki bytea;
  ko bytea;
BEGIN
  -- <subject>.<expiry epoch ms>.<key id>.<hex HMAC-SHA256>, subject a UUID or 'platform'
  m := regexp_match(p_value, '^([0-9a-f-]+|platform)\.([0-9]+)\.([0-9a-f]+)\.([0-9a-f]+)$');
  IF m IS NULL
     OR NOT (length(m[1]) = 36 OR m[1] = 'platform')
     OR length(m[2]) > 15 OR length(m[3]) <> 16 OR length(m[4]) <> 64
     OR m[2]::bigint < (extract(epoch FROM now()) * 1000)::bigint THEN
    RETURN NULL;
  END IF;
  SELECT k.k_ipad, k.k_opad INTO ki, ko FROM app.tenant_context_keys k WHERE k.kid = m[3];
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF sha256(ko || sha256(ki || convert_to(p_purpose || '|' || m[1] || '.' || m[2] || '.' || m[3], 'UTF8')))
     = decode(m[4], 'hex') THEN
    RETURN m[1];
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION app.verified_context(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.verified_context(text, text) TO tenancy_app, tenancy_platform;
