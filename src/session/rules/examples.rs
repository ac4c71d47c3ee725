//! The load-time checks of one rule: its fields, its targets, an allow rule's safety (plain
//! single, non-destructive commands a prefix can describe) and its `match`/`not_match`
//! examples. Each failure is one line: `file:line: rule `name`: example `…`: why`.

use std::collections::BTreeMap;

use super::{Action, RawRule, Rule, RulesError, matching};
use crate::policy::{self, Class};

/// Check `raw` (from `origin`) and turn it into a rule.
pub(super) fn check(
    raw: RawRule,
    origin: String,
    host_tags: &BTreeMap<String, Vec<String>>,
) -> Result<Rule, RulesError> {
    let fail = |what: String| {
        Err(RulesError(crate::text::neutralize_line(&format!(
            "{origin}: rule `{}`: {what}",
            raw.name
        ))))
    };
    if raw.name.trim().is_empty() {
        return fail("the rule needs a `name`".into());
    }
    if let Some(tool) = &raw.tool {
        return check_tool_rule(&raw, tool, origin);
    }
    let prefix = raw.prefix.split_whitespace().collect::<Vec<_>>().join(" ");
    if prefix.is_empty() {
        return fail("the rule needs a non-empty `prefix`".into());
    }
    for target in &raw.targets {
        let known = target == "local"
            || target.starts_with("tag:") && target.len() > 4
            || target.starts_with("docker:")
            || host_tags.contains_key(target);
        if !known {
            return fail(format!(
                "target `{target}` is not `local`, `tag:NAME` or an inventory host"
            ));
        }
    }
    let mut class = Class::ReadOnly;
    if raw.action == Action::Allow {
        if raw.matches.is_empty() {
            return fail(
                "an allow rule needs at least one `match` example (its class caps what it covers)"
                    .into(),
            );
        }
        if policy::classify(&prefix).class == Class::Destructive {
            return fail(format!(
                "prefix `{prefix}` is destructive; an allow rule never covers a destructive command"
            ));
        }
        if policy::approval_prefix_for(&prefix).is_none() {
            return fail(format!(
                "prefix `{prefix}` is not a plain single command a prefix can describe \
                 (chained, substituted, redirected or a command runner); allow refused"
            ));
        }
        for example in &raw.matches {
            let classified = policy::classify(example);
            if classified.class == Class::Destructive {
                return fail(format!(
                    "match example `{example}` is destructive ({}); an allow rule never covers it",
                    classified.reason
                ));
            }
            if policy::approval_prefix_for(example).is_none() {
                return fail(format!(
                    "match example `{example}` is not a plain single command (chained, \
                     substituted, redirected or wrapped); an allow rule never covers it"
                ));
            }
            class = class.max(classified.class);
        }
    }
    let rule = Rule {
        name: raw.name.clone(),
        action: raw.action,
        prefix,
        tool: None,
        class,
        targets: raw.targets.clone(),
        tools: raw.tools.clone(),
        reason: raw.reason.clone(),
        matches: raw.matches.clone(),
        not_match: raw.not_match.clone(),
        origin: origin.clone(),
    };
    for example in &rule.matches {
        if !matching::covers(&rule, example) {
            let why = if rule.action == Action::Allow {
                let own = policy::approval_prefix_for(example)
                    .map(|p| format!(" (its own prefix is `{}`)", p.text))
                    .unwrap_or_default();
                format!(
                    "is not covered by the {} prefix `{}`{own}",
                    rule.class.as_str(),
                    rule.prefix
                )
            } else {
                format!("does not start with `{}`", rule.prefix)
            };
            return fail(format!("match example `{example}` {why}"));
        }
    }
    for example in &rule.not_match {
        if matching::covers(&rule, example) {
            return fail(format!(
                "not_match example `{example}` is matched by the prefix `{}`",
                rule.prefix
            ));
        }
    }
    Ok(rule)
}

/// Check a `tool = "…"` rule: a tool name or `*` glob instead of a prefix, its `match`
/// examples JSON objects of arguments (it matches every call of its tools).
fn check_tool_rule(raw: &RawRule, tool: &str, origin: String) -> Result<Rule, RulesError> {
    let fail = |what: String| {
        Err(RulesError(crate::text::neutralize_line(&format!(
            "{origin}: rule `{}`: {what}",
            raw.name
        ))))
    };
    if !raw.prefix.trim().is_empty() {
        return fail("set either `prefix` or `tool`, not both".into());
    }
    if !raw.tools.is_empty() {
        return fail("a `tool` rule names its tool itself: drop `tools`".into());
    }
    let tool = tool.trim();
    if tool.is_empty()
        || !tool
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*'))
    {
        return fail(format!(
            "tool `{tool}` is not a tool name or `*` glob (letters, digits, `_`, `-`, `*`)"
        ));
    }
    for target in &raw.targets {
        if !(target.starts_with("mcp:") || target == "local" || target.starts_with("docker:")) {
            return fail(format!(
                "target `{target}` of a `tool` rule must be `mcp:SERVER`, `docker:NAME` or `local`"
            ));
        }
    }
    for example in &raw.matches {
        if !matches!(
            serde_json::from_str::<serde_json::Value>(example),
            Ok(serde_json::Value::Object(_))
        ) {
            return fail(format!(
                "match example `{example}` is not a JSON object of arguments"
            ));
        }
    }
    if let Some(example) = raw.not_match.first() {
        return fail(format!(
            "not_match example `{example}`: a `tool` rule matches every call of its tool, so \
             no arguments can escape it"
        ));
    }
    Ok(Rule {
        name: raw.name.clone(),
        action: raw.action,
        prefix: String::new(),
        tool: Some(tool.to_string()),
        class: Class::Change,
        targets: raw.targets.clone(),
        tools: Vec::new(),
        reason: raw.reason.clone(),
        matches: raw.matches.clone(),
        not_match: Vec::new(),
        origin,
    })
}
