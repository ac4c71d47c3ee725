//! The text tool-call parser over a corpus of model outputs (tests/fixtures/text_calls/): each
//! fixture lists the calls it must yield (`call: FORMAT NAME ARGS`), the rejection lines it must
//! produce (`reject: SUBSTRING`) and optionally `max: N`, then `---` and the model's text.

use std::collections::BTreeMap;
use std::path::Path;

use opsassist::config::HostEntry;
use opsassist::llm::ToolSpec;
use opsassist::llm::text_calls::{self, Recovery};
use opsassist::tools::ToolRegistry;

/// The repository's default tools, with one inventory host (`web-1`).
fn specs() -> Vec<ToolSpec> {
    let registry = ToolRegistry::load_file(Path::new("tools.toml")).expect("tools.toml loads");
    let mut hosts = BTreeMap::new();
    hosts.insert(
        "web-1".to_string(),
        HostEntry {
            destination: "web-1.example".into(),
            port: None,
            tags: Vec::new(),
        },
    );
    registry.specs(&hosts)
}

struct Fixture {
    name: String,
    max: usize,
    calls: Vec<(String, String, serde_json::Value)>,
    rejects: Vec<String>,
    text: String,
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new("tests/fixtures/text_calls");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let raw = std::fs::read_to_string(&path).expect("fixture reads");
        let (head, text) = raw
            .split_once("---\n")
            .or_else(|| raw.split_once("---\r\n"))
            .unwrap_or_else(|| panic!("{}: no --- line", path.display()));
        let mut fixture = Fixture {
            name: path
                .file_name()
                .expect("fixture file name")
                .to_string_lossy()
                .into_owned(),
            max: 4,
            calls: Vec::new(),
            rejects: Vec::new(),
            text: text.to_string(),
        };
        for line in head.lines() {
            if let Some(rest) = line.strip_prefix("call: ") {
                let mut parts = rest.splitn(3, ' ');
                let format = parts.next().expect("call: FORMAT").to_string();
                let name = parts.next().expect("call: FORMAT NAME").to_string();
                let args = serde_json::from_str(parts.next().expect("call: FORMAT NAME ARGS"))
                    .expect("fixture args");
                fixture.calls.push((format, name, args));
            } else if let Some(rest) = line.strip_prefix("reject: ") {
                fixture.rejects.push(rest.to_string());
            } else if let Some(rest) = line.strip_prefix("max: ") {
                fixture.max = rest.parse().expect("max");
            }
        }
        out.push(fixture);
    }
    out
}

fn check(fixture: &Fixture, recovery: &Recovery) -> Result<(), String> {
    let got: Vec<(String, String, serde_json::Value)> = recovery
        .calls
        .iter()
        .map(|c| {
            (
                c.format.as_str().to_string(),
                c.name.clone(),
                serde_json::from_str(&c.arguments).expect("arguments are JSON"),
            )
        })
        .collect();
    if got != fixture.calls {
        return Err(format!("calls: expected {:?}, got {got:?}", fixture.calls));
    }
    if recovery.rejected.len() != fixture.rejects.len() {
        return Err(format!(
            "rejections: expected {:?}, got {:?}",
            fixture.rejects, recovery.rejected
        ));
    }
    for (want, line) in fixture.rejects.iter().zip(&recovery.rejected) {
        if !line.contains(want.as_str()) {
            return Err(format!("rejection {line:?} does not contain {want:?}"));
        }
        if line.contains('\n') {
            return Err(format!("rejection {line:?} is not one line"));
        }
    }
    Ok(())
}

#[test]
fn every_fixture_yields_exactly_its_calls_and_rejections() {
    let specs = specs();
    let fixtures = fixtures();
    assert!(fixtures.len() >= 30, "corpus shrank: {}", fixtures.len());
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let recovery = text_calls::recover(&fixture.text, &specs, fixture.max);
        if let Err(why) = check(fixture, &recovery) {
            failures.push(format!("{}: {why}", fixture.name));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Streamed deltas are joined before parsing: every split point of a call gives the same result
/// as the whole text (a marker or JSON value cut in two is still found once).
#[test]
fn calls_split_across_chunks_are_recovered_once() {
    let specs = specs();
    for fixture in fixtures().iter().filter(|f| !f.calls.is_empty()) {
        let whole = text_calls::recover(&fixture.text, &specs, fixture.max);
        let chars: Vec<(usize, char)> = fixture.text.char_indices().collect();
        for step in [1usize, 3, 7] {
            let mut joined = String::new();
            for chunk in chars.chunks(step) {
                let start = chunk[0].0;
                let end = chunk.last().map(|(i, c)| i + c.len_utf8()).unwrap_or(start);
                joined.push_str(&fixture.text[start..end]);
            }
            assert_eq!(
                text_calls::recover(&joined, &specs, fixture.max),
                whole,
                "{}",
                fixture.name
            );
        }
    }
}

/// Hostile text never panics and never yields more than the cap.
#[test]
fn hostile_text_is_bounded() {
    let specs = specs();
    let many = "<tool_call>{\"name\": \"memory\", \"arguments\": {}}</tool_call>\n".repeat(500);
    let recovery = text_calls::recover(&many, &specs, 4);
    assert_eq!(recovery.calls.len(), 4);
    assert_eq!(recovery.rejected.len(), 1, "{:?}", recovery.rejected);
    for text in [
        "<tool_call>",
        "<tool_call>{",
        "[TOOL_CALLS]",
        "[TOOL_CALLS]x[ARGS]",
        "<|python_tag|>",
        "```json\n{\"name\":",
        "{\"name\": \"\u{202e}evil\", \"arguments\": {}}",
        &"{".repeat(10_000),
        &"[".repeat(10_000),
    ] {
        let recovery = text_calls::recover(text, &specs, 4);
        assert!(recovery.calls.is_empty(), "{text:?}");
        for line in &recovery.rejected {
            assert!(!line.contains('\u{202e}'), "control char echoed: {line:?}");
        }
    }
}

#[test]
fn text_mode_describes_tools_and_returns_results_as_user_messages() {
    use opsassist::llm::{ChatMessage, ToolCall};
    let specs = specs();
    let messages = vec![
        ChatMessage::System {
            content: "You are an SRE.".into(),
        },
        ChatMessage::User {
            content: "alert".into(),
        },
        ChatMessage::Assistant {
            content: "<tool_call>{\"name\": \"memory\", \"arguments\": {}}</tool_call>".into(),
            tool_calls: vec![ToolCall {
                id: "text_call_1".into(),
                name: "memory".into(),
                arguments: "{}".into(),
            }],
        },
        ChatMessage::Tool {
            call_id: "text_call_1".into(),
            content: "Mem: 1G".into(),
        },
        ChatMessage::User {
            content: "also check disk".into(),
        },
    ];
    let wire = text_calls::text_mode_messages(&messages, &specs);
    assert_eq!(wire.len(), 4, "{wire:#?}");
    let ChatMessage::System { content } = &wire[0] else {
        panic!("{wire:#?}")
    };
    assert!(content.contains("<tool_call>") && content.contains("- journal_tail:"));
    let ChatMessage::Assistant { tool_calls, .. } = &wire[2] else {
        panic!("{wire:#?}")
    };
    assert!(tool_calls.is_empty());
    let ChatMessage::User { content } = &wire[3] else {
        panic!("{wire:#?}")
    };
    assert!(
        content.starts_with("<tool_response name=\"memory\">\nMem: 1G\n</tool_response>")
            && content.ends_with("also check disk"),
        "{content}"
    );
}
