-- barrier_statuses, which the tallies' insert trigger calls for every registration listing a
-- barrier, was a LANGUAGE sql function with a query in it: PostgreSQL cannot inline such a
-- function, so it parsed and planned its body again in every statement that called it (a
-- twentieth of the database's time in the registration benchmark, bench/README.md). The same
-- result from PL/pgSQL expressions, which are planned once per session: `kind=status` of each
-- barrier listed, in the list's order; `{}` for none.
CREATE OR REPLACE FUNCTION barrier_statuses(barriers jsonb) RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    statuses text[] := '{}';
BEGIN
    FOR i IN 0 .. coalesce(jsonb_array_length(barriers), 0) - 1 LOOP
        statuses := statuses || ((barriers -> i ->> 'barrier') || '=' || coalesce(barriers -> i ->> 'status', ''));
    END LOOP;
    RETURN statuses;
END $$;
