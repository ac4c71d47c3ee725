//! [`JsonText`]: a value sent as its JSON text for a `text` column. Records and bodies are
//! kept as `text` (migration 10): only this program writes them, every reader parses them,
//! and a `json` column made the server check each one's syntax again at every insert.

use std::error::Error;
use std::fmt::Debug;

use bytes::{BufMut, BytesMut};
use serde::Serialize;
use tokio_postgres::types::{IsNull, ToSql, Type, accepts, to_sql_checked};

/// `T` serialized as JSON, sent as `text` (tokio-postgres' `Json` speaks `json`/`jsonb` only).
#[derive(Debug)]
pub struct JsonText<T>(pub T);

impl<T: Serialize + Debug> ToSql for JsonText<T> {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        serde_json::to_writer(out.writer(), &self.0)?;
        Ok(IsNull::No)
    }

    accepts!(TEXT);
    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_writes_the_json_text_for_text_only() {
        let mut out = BytesMut::new();
        let value = JsonText(serde_json::json!({"a": "b\"c"}));
        assert!(matches!(
            value.to_sql_checked(&Type::TEXT, &mut out),
            Ok(IsNull::No)
        ));
        assert_eq!(&out[..], br#"{"a":"b\"c"}"#);
        assert!(
            value
                .to_sql_checked(&Type::JSON, &mut BytesMut::new())
                .is_err()
        );
    }
}
