CREATE OR REPLACE FUNCTION barrier_statuses(barriers jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg((e.b->>'barrier') || '=' || coalesce(e.b->>'status', '') ORDER BY e.i), '{}')
      FROM jsonb_array_elements(barriers) WITH ORDINALITY AS e(b, i)
$$;
