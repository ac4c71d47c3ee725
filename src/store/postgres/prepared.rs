//! The statements the receiver runs at every batch, prepared once per pooled connection
//! (deadpool's statement cache): the server parses and plans each one once, not at every
//! batch. Reads whose best plan depends on their parameters (the follower's `seq > $1`) stay
//! one-shot statements, planned for the values they are sent with.

use deadpool_postgres::ClientWrapper;
use tokio_postgres::Statement;
use tokio_postgres::types::{ToSql, Type};

use super::db;
use crate::store::StoreError;

/// A parameter and the type it is sent as.
pub type Param<'a> = (&'a (dyn ToSql + Sync), Type);

/// `sql` prepared on this connection with the types of `params` (parsed by the server the
/// first time only), and the values to bind.
pub async fn statement<'a>(
    client: &ClientWrapper,
    sql: &str,
    params: &[Param<'a>],
) -> Result<(Statement, Vec<&'a (dyn ToSql + Sync)>), StoreError> {
    let types: Vec<Type> = params.iter().map(|(_, t)| t.clone()).collect();
    let statement = client.prepare_typed_cached(sql, &types).await.map_err(db)?;
    Ok((statement, params.iter().map(|(v, _)| *v).collect()))
}
