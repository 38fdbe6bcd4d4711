//! Raw SQL that stays prepared on its connection.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;

/// A raw statement (`diesel::sql_query(..)` with its binds) that diesel-async keeps prepared
/// per connection, keyed by its SQL text. diesel never caches a `sql_query`, whose text could
/// be built at run time and fill the cache, so each use is parsed and planned again: one more
/// round trip (Parse) and, for the outbox insert of every registration, over a quarter of a
/// millisecond of planning. Only for statements whose text is a constant.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(pub Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    // Hidden from diesel's documentation but a method of the trait, and the one place where
    // the connection asks whether it may keep the statement.
    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: the statement cache keys it by its SQL text and bind types.
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}
