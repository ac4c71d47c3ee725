//! [`RawJson`]: an alert's original payload kept as its JSON text, one allocation, written
//! into records verbatim and parsed into a tree only by the few readers that look inside it
//! (the details view, exports, a resolve's end time). A storm's alerts are parsed, stored,
//! followed and freed without a tree of small allocations each.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// A JSON value as text (compact, as `serde_json` writes it).
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// `value` as compact text.
    pub fn from_value(value: &Value) -> RawJson {
        RawJson::from_serialize(value)
    }

    /// `value` written as compact JSON (not parsed again); `null` if it cannot be written
    /// (a map with keys that are not strings, which no payload has).
    pub(crate) fn from_serialize<T: Serialize + ?Sized>(value: &T) -> RawJson {
        serde_json::value::to_raw_value(value).map_or_else(|_| RawJson::null(), RawJson)
    }

    /// `null`: an alert made by hand, with no payload.
    pub fn null() -> RawJson {
        RawJson::from_serialize(&Value::Null)
    }

    /// The text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The value as a tree (parsed on each call; `null` if it somehow does not parse).
    pub fn value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }
}

impl Default for RawJson {
    fn default() -> RawJson {
        RawJson::null()
    }
}

impl From<Value> for RawJson {
    fn from(value: Value) -> RawJson {
        RawJson::from_value(&value)
    }
}

/// Equal when they hold the same value (text written with other spacing or escapes is the
/// same payload).
impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.text() == other.text() || self.value() == other.value()
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value(), f)
    }
}

/// Written as the JSON value itself, byte for byte.
impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// The name under which `serde_json` hands a value's text to `RawValue` (its deserializer
/// answers this newtype name with a one-entry map: the name, then the text).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Read as the JSON value's text when `serde_json` reads it from text (no tree is built);
/// from anything else (a value buffered for an internally tagged enum, such as a session
/// event's alert) as a tree, then written out.
impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawJson, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, RawOrTree)
    }
}

struct RawOrTree;

impl<'de> Visitor<'de> for RawOrTree {
    type Value = RawJson;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<RawJson, D::Error> {
        Value::deserialize(d).map(|v| RawJson::from_value(&v))
    }

    /// `serde_json`'s answer: the token, then the text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawJson, A::Error> {
        if map.next_key::<String>()?.as_deref() != Some(RAW_VALUE_TOKEN) {
            return Err(de::Error::custom("expected a JSON value's text"));
        }
        let text: String = map.next_value()?;
        RawValue::from_string(text)
            .map(RawJson)
            .map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_is_written_as_the_value_and_read_back_equal() {
        let value = serde_json::json!({"b": [1, "two", {"c": null}], "a": "x\u{1b}y"});
        let raw = RawJson::from_value(&value);
        assert_eq!(raw.value(), value);
        let wrapped = serde_json::json!({"raw": value});
        let text = serde_json::to_string(
            &serde_json::json!({"raw": serde_json::to_value(&raw).expect("value")}),
        )
        .expect("text");
        assert_eq!(text, wrapped.to_string(), "the same bytes as the tree");
        #[derive(Deserialize)]
        struct Holder {
            raw: RawJson,
        }
        let back: Holder = serde_json::from_str(&text).expect("read");
        assert_eq!(back.raw, raw);
        let spaced: Holder =
            serde_json::from_str(r#"{"raw": { "b" : [1,"two",{"c":null}], "a":"x\u001by" }}"#)
                .expect("spaced");
        assert_eq!(spaced.raw, raw, "equal by value, not text");
        assert_ne!(RawJson::null(), raw);
        assert_eq!(RawJson::default().text(), "null");
    }

    /// From text, the value's own text is kept (no tree built and written out again); from
    /// a value buffered by an internally tagged enum, and from a tree, the same value.
    #[test]
    fn it_reads_text_as_is_and_buffered_values_as_trees() {
        #[derive(Deserialize)]
        struct Holder {
            raw: RawJson,
        }
        let text = r#"{"raw": { "a" : [1, 2.5, "x"], "b": {"c": null} }}"#;
        let held: Holder = serde_json::from_str(text).expect("from text");
        assert_eq!(
            held.raw.text(),
            r#"{ "a" : [1, 2.5, "x"], "b": {"c": null} }"#
        );
        let held: Holder = serde_json::from_slice(text.as_bytes()).expect("from bytes");
        assert_eq!(
            held.raw.text(),
            r#"{ "a" : [1, 2.5, "x"], "b": {"c": null} }"#
        );
        let held: Holder = serde_json::from_reader(text.as_bytes()).expect("from a reader");
        assert_eq!(
            held.raw.text(),
            r#"{ "a" : [1, 2.5, "x"], "b": {"c": null} }"#
        );
        let want = serde_json::json!({"a": [1, 2.5, "x"], "b": {"c": null}});
        #[derive(Deserialize)]
        #[serde(tag = "type")]
        enum Tagged {
            One { raw: RawJson },
        }
        let tagged: Tagged = serde_json::from_str(
            r#"{"type": "One", "raw": {"a": [1, 2.5, "x"], "b": {"c": null}}}"#,
        )
        .expect("buffered");
        let Tagged::One { raw } = tagged;
        assert_eq!(raw.value(), want);
        let tree: Holder =
            serde_json::from_value(serde_json::json!({"raw": want.clone()})).expect("from a tree");
        assert_eq!(tree.raw.value(), want);
        for scalar in ["null", "7", "\"s\"", "[]"] {
            let held: Holder =
                serde_json::from_str(&format!(r#"{{"raw": {scalar}}}"#)).expect("scalar");
            assert_eq!(held.raw.text(), scalar);
        }
        assert!(serde_json::from_str::<Holder>(r#"{"raw": }"#).is_err());
    }
}
