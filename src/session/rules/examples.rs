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
