//! An MCP tool result as output text: text content as it is, structured content as JSON when
//! there is no text, every other content (images, audio, resources) described, never passed
//! raw. Redaction, the untrusted markers and the cap are applied after, like command output.

use serde_json::Value;

/// The output text of a `tools/call` result (serialised), and whether the server said it
/// failed (`isError`).
pub fn result_text(result: &Value) -> (String, bool) {
    let is_error = result
        .get("isError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut parts: Vec<String> = Vec::new();
    let mut has_text = false;
    for block in result
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = block.get("type").and_then(Value::as_str).unwrap_or("?");
        match kind {
            "text" => {
                has_text = true;
                parts.push(
                    block
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                );
            }
            "resource" => {
                let resource = block.get("resource").unwrap_or(&Value::Null);
                let uri = str_field(resource, "uri");
                match resource.get("text").and_then(Value::as_str) {
                    Some(text) => {
                        has_text = true;
                        parts.push(format!("[resource {uri}]\n{text}"));
                    }
                    None => parts.push(format!(
                        "[binary resource {uri} ({}, {} base64 characters) not shown]",
                        str_field(resource, "mimeType"),
                        resource
                            .get("blob")
                            .and_then(Value::as_str)
                            .map_or(0, str::len)
                    )),
                }
            }
            "resource_link" => parts.push(format!(
                "[resource link {} ({})]",
                str_field(block, "uri"),
                str_field(block, "name")
            )),
            "image" | "audio" => parts.push(format!(
                "[{kind} ({}, {} base64 characters) not shown]",
                str_field(block, "mimeType"),
                block
                    .get("data")
                    .and_then(Value::as_str)
                    .map_or(0, str::len)
            )),
            other => parts.push(format!(
                "[content of type `{}` not shown]",
                crate::text::neutralize_line(other)
            )),
        }
    }
    if !has_text && let Some(structured) = result.get("structuredContent") {
        parts.push(serde_json::to_string_pretty(structured).unwrap_or_default());
    }
    if parts.is_empty() {
        parts.push("[the tool returned no content]".into());
    }
    let mut text = parts.join("\n");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    (text, is_error)
}

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_kept_and_other_content_described() {
        let (text, err) = result_text(&json!({
            "content": [
                {"type": "text", "text": "hello"},
                {"type": "image", "mimeType": "image/png", "data": "AAAA"},
                {"type": "resource", "resource": {"uri": "file:///x", "blob": "QUJD", "mimeType": "application/octet-stream"}}
            ]
        }));
        assert!(!err);
        assert!(text.starts_with("hello\n"));
        assert!(text.contains("[image (image/png, 4 base64 characters) not shown]"));
        assert!(text.contains("[binary resource file:///x"));
        assert!(!text.contains("QUJD"));
        assert!(!text.contains("AAAA"));
    }

    #[test]
    fn errors_and_structured_results() {
        let (text, err) = result_text(&json!({
            "isError": true, "content": [{"type": "text", "text": "denied"}]
        }));
        assert!(err);
        assert_eq!(text, "denied\n");
        let (text, _) = result_text(&json!({"content": [], "structuredContent": {"a": 1}}));
        assert!(text.contains("\"a\": 1"));
        let (text, _) = result_text(&json!({}));
        assert_eq!(text, "[the tool returned no content]\n");
    }
}
