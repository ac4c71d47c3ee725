//! The approval gate's rules: mode, class, remembered prefixes and typed confirmation decide
//! whether a call runs without asking, must be asked, is refused, or must be asked again.
//! The approval rules files come first: forbid > ask > allow > the class defaults, and a
//! forbid holds over the operator's approval and edit.

use std::sync::Arc;

use crate::policy::{self, ApprovalPrefix, Class};
use crate::protocol::{DecisionKind, Mode, RuleScope, Target};
use crate::session::rules::{Action, Hit, Rule, RuleSet};

/// The word an operator must type to run a destructive command.
pub const CONFIRM_WORD: &str = "yes";

/// What the gate does with a freshly proposed call, before anyone is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// Never runs (check mode); the reason goes to the model and the transcript.
    Refuse(String),
    /// Runs without asking; the rule is recorded as the verdict.
    Auto(String),
    /// Wait for the operator.
    Ask,
}

/// What the operator may do about a call that waits, decided here once for every front end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Approving needs the typed word [`CONFIRM_WORD`].
    pub needs_confirm: bool,
    /// Exactly what a prefix approval would remember (None: not offered).
    pub prefix: Option<String>,
    /// The decisions the gate accepts.
    pub decisions: Vec<DecisionKind>,
}

/// What the operator may do about a call of `class` running `command`.
pub fn offer(class: Class, command: &str) -> Offer {
    let needs_confirm = class == Class::Destructive;
    let prefix = if needs_confirm {
        None
    } else {
        policy::approval_prefix(command)
    };
    let mut decisions = vec![DecisionKind::Approve];
    if prefix.is_some() {
        decisions.push(DecisionKind::ApprovePrefix);
    }
    decisions.extend([DecisionKind::Edit, DecisionKind::Reject]);
    Offer {
        needs_confirm,
        prefix,
        decisions,
    }
}

/// What the operator may do about a call of `class` through `tool` on `target`: for an MCP
/// call the prefix is its tool (remembered per tool, never per server); otherwise [`offer`].
pub fn offer_call(class: Class, tool: &str, target: &Target, command: &str) -> Offer {
    if !matches!(target, Target::Mcp { .. }) {
        return offer(class, command);
    }
    let needs_confirm = class == Class::Destructive;
    let prefix = (!needs_confirm).then(|| tool.to_string());
    let mut decisions = vec![DecisionKind::Approve];
    if prefix.is_some() {
        decisions.push(DecisionKind::ApprovePrefix);
    }
    decisions.extend([DecisionKind::Edit, DecisionKind::Reject]);
    Offer {
        needs_confirm,
        prefix,
        decisions,
    }
}

/// What approving a call "for this incident" remembers: an MCP call's tool (with its class),
/// or the command's normalized prefix. None for destructive calls and unprefixable commands.
pub fn remembered_prefix(
    class: Class,
    tool: Option<&str>,
    target: &Target,
    command: &str,
) -> Option<ApprovalPrefix> {
    if class == Class::Destructive {
        return None;
    }
    match target {
        Target::Mcp { .. } => tool.map(|tool| ApprovalPrefix {
            text: tool.to_string(),
            class,
        }),
        _ => policy::approval_prefix_for(command),
    }
}

/// True when the remembered `prefix` covers a call of `class`: for MCP the same tool of no
/// higher class; otherwise the prefix's own rule.
fn prefix_covers(
    prefix: &ApprovalPrefix,
    class: Class,
    tool: Option<&str>,
    target: &Target,
    command: &str,
) -> bool {
    match target {
        Target::Mcp { .. } => tool == Some(prefix.text.as_str()) && class <= prefix.class,
        _ => policy::prefix_covers_typed(prefix, command),
    }
}

/// What the gate does with an operator's approval (plain, prefix or edit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ruling {
    /// Run it. `note` is a warning to show (e.g. no prefix could be remembered).
    Run { note: Option<String> },
    /// Not enough (missing confirmation): warn and ask again.
    AskAgain(String),
    /// Never runs in this mode.
    Refuse(String),
}

/// Per-session gate state: the mode, the auto-approve option and remembered prefixes.
/// A prefix is remembered for the target it was approved on: approving `systemctl restart`
/// locally never covers the same command on an ssh host.
#[derive(Debug, Clone)]
pub struct Gate {
    mode: Mode,
    auto_read_only: bool,
    /// Each remembered prefix keeps the class of the command it was approved on, so it never
    /// covers a later command of a higher class.
    prefixes: Vec<(Target, ApprovalPrefix)>,
    /// The approval rules in force.
    rules: Arc<RuleSet>,
}

/// The refusal a forbid rule gives, to the model and the operator alike.
pub fn forbidden(hit: &Hit) -> String {
    if hit.reason.trim().is_empty() {
        format!("forbidden by {}", hit.label)
    } else {
        format!("forbidden by {}: {}", hit.label, hit.reason.trim())
    }
}

impl Gate {
    /// A gate with no remembered prefixes.
    pub fn new(mode: Mode, auto_read_only: bool) -> Gate {
        Gate {
            mode,
            auto_read_only,
            prefixes: Vec::new(),
            rules: Arc::new(RuleSet::default()),
        }
    }

    /// This gate with the approval rules `rules` in force.
    pub fn with_rules(mut self, rules: Arc<RuleSet>) -> Gate {
        self.rules = rules;
        self
    }

    /// The winning rule for a call, if any rule matches.
    fn rule_for(&self, tool: Option<&str>, target: &Target, command: &str) -> Option<Hit> {
        self.rules.evaluate(tool, target, command).winner
    }

    /// Prefixes approved for the rest of this incident, with the target each covers.
    pub fn prefixes(&self) -> &[(Target, ApprovalPrefix)] {
        &self.prefixes
    }

    /// Remember `prefix` on `target` again (a resumed session, from its log).
    pub fn restore_prefix(&mut self, target: Target, prefix: ApprovalPrefix) {
        let entry = (target, prefix);
        if !self.prefixes.contains(&entry) {
            self.prefixes.push(entry);
        }
    }

    /// Forget the remembered `prefix` on `target`; false when it was not remembered.
    pub fn forget_prefix(&mut self, target: &Target, prefix: &str) -> bool {
        let before = self.prefixes.len();
        self.prefixes
            .retain(|(t, p)| !(t == target && p.text == prefix));
        self.prefixes.len() != before
    }

    fn mode_refusal(&self, class: Class) -> Option<String> {
        (self.mode == Mode::Check && class != Class::ReadOnly).then(|| {
            format!(
                "refused: the session is in check mode (diagnose only) and this command is \
                 classified `{}`; only read-only commands may run. Propose a read-only command, \
                 or hand back to the operator with your recommendation.",
                class.as_str()
            )
        })
    }

    /// Decide what happens to a new proposal of `class` running `command` on `target`, by an
    /// unknown tool (rules scoped to tools: only forbid and ask ones apply).
    pub fn screen(&self, class: Class, target: &Target, command: &str) -> Screen {
        self.screen_call(class, None, target, command)
    }

    /// Decide what happens to a new proposal of `class` running `command` through `tool` on
    /// `target`: forbid rules refuse, then the mode, then ask rules ask, allow rules run it.
    pub fn screen_call(
        &self,
        class: Class,
        tool: Option<&str>,
        target: &Target,
        command: &str,
    ) -> Screen {
        let rule = self.rule_for(tool, target, command);
        if let Some(hit) = rule.as_ref().filter(|h| h.action == Action::Forbid) {
            return Screen::Refuse(forbidden(hit));
        }
        if let Some(reason) = self.mode_refusal(class) {
            return Screen::Refuse(reason);
        }
        match rule {
            Some(hit) if hit.action == Action::Ask => return Screen::Ask,
            Some(hit) if hit.action == Action::Allow && class != Class::Destructive => {
                return Screen::Auto(hit.label);
            }
            _ => {}
        }
        if class == Class::ReadOnly && self.auto_read_only {
            return Screen::Auto("auto-approve read-only".into());
        }
        if class != Class::Destructive
            && let Some((_, prefix)) = self
                .prefixes
                .iter()
                .find(|(t, p)| t == target && prefix_covers(p, class, tool, target, command))
        {
            return Screen::Auto(format!("approved prefix `{}` on {target}", prefix.text));
        }
        Screen::Ask
    }

    /// Decide a call no model proposed, asked for by a standing approval in the config
    /// (`[watch.docker] auto_restart`, named by `approver`): forbid rules and the mode refuse
    /// it as they would a model's; an `ask` rule or a destructive class still needs a person;
    /// an allow rule runs it under its own name; otherwise the standing approval runs it.
    pub fn screen_standing(
        &self,
        class: Class,
        tool: Option<&str>,
        target: &Target,
        command: &str,
        approver: &str,
    ) -> Screen {
        match self.screen_call(class, tool, target, command) {
            Screen::Ask
                if class != Class::Destructive
                    && self
                        .rule_for(tool, target, command)
                        .is_none_or(|hit| hit.action != Action::Ask) =>
            {
                Screen::Auto(approver.to_string())
            }
            other => other,
        }
    }

    /// The scopes `A` may offer for a call: the incident when a prefix is offered, then each
    /// "for good" scope (this host, each of its tags) whose allow rule the core would write
    /// and load. Nothing for destructive or unprefixable calls.
    pub fn scopes(
        &self,
        class: Class,
        tool: &str,
        target: &Target,
        command: &str,
    ) -> Vec<RuleScope> {
        if let Target::Mcp { .. } = target {
            // Remembered per tool for the incident; no "for good" rule is written for MCP.
            return if class == Class::Destructive {
                Vec::new()
            } else {
                vec![RuleScope::Incident]
            };
        }
        if offer(class, command).prefix.is_none() {
            return Vec::new();
        }
        let mut candidates = match target {
            Target::Local => vec![RuleScope::Host {
                host: "local".into(),
            }],
            Target::Ssh { host } => vec![RuleScope::Host { host: host.clone() }],
            Target::Docker { container } => vec![RuleScope::Host {
                host: format!("docker:{container}"),
            }],
            Target::Mcp { .. } => Vec::new(),
        };
        if let Target::Ssh { host } = target {
            let tags = self.rules.host_tags.get(host).cloned().unwrap_or_default();
            candidates.extend(tags.into_iter().map(|tag| RuleScope::Tag { tag }));
        }
        let mut scopes = vec![RuleScope::Incident];
        scopes.extend(
            candidates
                .into_iter()
                .filter(|scope| self.rules.personal_rule_text(scope, tool, command).is_ok()),
        );
        scopes
    }

    /// Rule on an approval "for good" in `scope`: the same checks as a plain approval, then
    /// the allow rule is written to the personal rules file and put in force. `Err` is the
    /// ruling to carry out instead (refused, or asked again when the scope is not offered or
    /// the rule could not be written).
    pub fn approve_for_good(
        &mut self,
        class: Class,
        tool: &str,
        target: &Target,
        command: &str,
        scope: &RuleScope,
    ) -> Result<Rule, Ruling> {
        // A forbid rule or the mode refuses first, whatever was asked for.
        let ruling = self.approve_call(class, Some(tool), target, command, None, false);
        if let Ruling::Refuse(_) = ruling {
            return Err(ruling);
        }
        if *scope == RuleScope::Incident
            || !self.scopes(class, tool, target, command).contains(scope)
        {
            return Err(Ruling::AskAgain(format!(
                "`{}` is not offered for this command: approve it once or for this incident",
                scope.label()
            )));
        }
        if !matches!(ruling, Ruling::Run { .. }) {
            return Err(ruling);
        }
        self.rules
            .add_personal(scope, tool, command)
            .map_err(|e| Ruling::AskAgain(format!("no rule was written: {e}")))
    }

    /// Rule on an approval (or an edit's approval) of `class`/`command`. With `remember`, the
    /// command's normalized prefix is approved for later calls (never for destructive ones).
    pub fn approve(
        &mut self,
        class: Class,
        target: &Target,
        command: &str,
        confirm: Option<&str>,
        remember: bool,
    ) -> Ruling {
        self.approve_call(class, None, target, command, confirm, remember)
    }

    /// [`Gate::approve`] for a call through `tool`: a forbid rule refuses whatever the
    /// operator approved or edited.
    pub fn approve_call(
        &mut self,
        class: Class,
        tool: Option<&str>,
        target: &Target,
        command: &str,
        confirm: Option<&str>,
        remember: bool,
    ) -> Ruling {
        if let Some(hit) = self
            .rule_for(tool, target, command)
            .filter(|h| h.action == Action::Forbid)
        {
            return Ruling::Refuse(forbidden(&hit));
        }
        if let Some(reason) = self.mode_refusal(class) {
            return Ruling::Refuse(reason);
        }
        if class == Class::Destructive {
            if remember {
                return Ruling::AskAgain(
                    "a destructive command cannot be approved by prefix; approve it once, \
                     typing `yes` to confirm"
                        .into(),
                );
            }
            if !confirm.is_some_and(|c| c.trim().eq_ignore_ascii_case(CONFIRM_WORD)) {
                return Ruling::AskAgain(
                    "destructive command: type `yes` to confirm (a bare approval is not enough)"
                        .into(),
                );
            }
        }
        if !remember {
            return Ruling::Run { note: None };
        }
        // Destructive commands returned above, so this is exactly the prefix `offer` showed.
        match remembered_prefix(class, tool, target, command) {
            Some(prefix) => {
                let entry = (target.clone(), prefix);
                if !self.prefixes.contains(&entry) {
                    self.prefixes.push(entry);
                }
                Ruling::Run { note: None }
            }
            None => Ruling::AskAgain(
                "no prefix can be remembered for this command (not offered): approve it once"
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_mode_refuses_everything_but_read_only() {
        let mut gate = Gate::new(Mode::Check, false);
        assert!(matches!(
            gate.screen(Class::Change, &Target::Local, "touch x"),
            Screen::Refuse(_)
        ));
        assert!(matches!(
            gate.screen(Class::Destructive, &Target::Local, "rm -rf /"),
            Screen::Refuse(_)
        ));
        assert_eq!(
            gate.screen(Class::ReadOnly, &Target::Local, "uptime"),
            Screen::Ask
        );
        assert!(matches!(
            gate.approve(Class::Change, &Target::Local, "touch x", Some("yes"), false),
            Ruling::Refuse(_)
        ));
    }

    #[test]
    fn auto_approve_covers_read_only_only() {
        let gate = Gate::new(Mode::Heal, true);
        assert!(matches!(
            gate.screen(Class::ReadOnly, &Target::Local, "uptime"),
            Screen::Auto(_)
        ));
        assert_eq!(
            gate.screen(Class::Change, &Target::Local, "touch x"),
            Screen::Ask
        );
        assert_eq!(
            gate.screen(Class::Destructive, &Target::Local, "rm -rf /"),
            Screen::Ask
        );
    }

    #[test]
    fn destructive_needs_the_typed_word() {
        let mut gate = Gate::new(Mode::Heal, false);
        for confirm in [None, Some("y"), Some("a"), Some("YES please")] {
            assert!(matches!(
                gate.approve(
                    Class::Destructive,
                    &Target::Local,
                    "rm -rf /x",
                    confirm,
                    false
                ),
                Ruling::AskAgain(_)
            ));
        }
        assert_eq!(
            gate.approve(
                Class::Destructive,
                &Target::Local,
                "rm -rf /x",
                Some("yes"),
                false
            ),
            Ruling::Run { note: None }
        );
        assert!(matches!(
            gate.approve(
                Class::Destructive,
                &Target::Local,
                "rm -rf /x",
                Some("yes"),
                true
            ),
            Ruling::AskAgain(_)
        ));
        assert!(gate.prefixes().is_empty());
    }

    #[test]
    fn the_offer_says_what_a_prefix_approval_remembers() {
        let destructive = offer(Class::Destructive, "rm -rf /tmp/x");
        assert!(destructive.needs_confirm);
        assert_eq!(destructive.prefix, None);
        assert!(!destructive.decisions.contains(&DecisionKind::ApprovePrefix));
        let change = offer(Class::Change, "systemctl restart cron");
        assert!(!change.needs_confirm);
        assert_eq!(
            change.prefix,
            policy::approval_prefix("systemctl restart cron")
        );
        assert_eq!(
            change.decisions.contains(&DecisionKind::ApprovePrefix),
            change.prefix.is_some()
        );
        let chained = offer(Class::Change, "uptime; touch /tmp/x");
        assert_eq!(chained.prefix, None);
        assert!(!chained.decisions.contains(&DecisionKind::ApprovePrefix));
    }

    #[test]
    fn a_prefix_approval_remembers_exactly_what_the_offer_said() {
        let mut gate = Gate::new(Mode::Heal, false);
        let command = "systemctl restart cron";
        let offered = offer(Class::Change, command).prefix;
        assert_eq!(
            gate.approve(Class::Change, &Target::Local, command, None, true),
            Ruling::Run { note: None }
        );
        let remembered: Vec<&str> = gate
            .prefixes()
            .iter()
            .map(|(_, p)| p.text.as_str())
            .collect();
        assert_eq!(
            remembered,
            offered.iter().map(String::as_str).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_prefix_approval_without_an_offered_prefix_is_asked_again() {
        let mut gate = Gate::new(Mode::Heal, false);
        assert!(matches!(
            gate.approve(
                Class::Change,
                &Target::Local,
                "uptime; touch /tmp/x",
                None,
                true
            ),
            Ruling::AskAgain(_)
        ));
        assert!(gate.prefixes().is_empty());
    }

    #[test]
    fn a_destructive_approval_takes_yes_in_any_case() {
        let mut gate = Gate::new(Mode::Heal, false);
        for word in ["yes", "YES", " Yes "] {
            assert!(
                matches!(
                    gate.approve(
                        Class::Destructive,
                        &Target::Local,
                        "rm -rf /tmp/x",
                        Some(word),
                        false
                    ),
                    Ruling::Run { .. }
                ),
                "{word:?}"
            );
        }
        assert!(matches!(
            gate.approve(
                Class::Destructive,
                &Target::Local,
                "rm -rf /tmp/x",
                Some("y"),
                false
            ),
            Ruling::AskAgain(_)
        ));
    }

    #[test]
    fn change_needs_no_confirmation() {
        let mut gate = Gate::new(Mode::Heal, false);
        assert_eq!(
            gate.approve(
                Class::Change,
                &Target::Local,
                "systemctl restart nginx",
                None,
                false
            ),
            Ruling::Run { note: None }
        );
    }

    #[test]
    fn a_prefix_covers_only_the_target_it_was_approved_on() {
        let mut gate = Gate::new(Mode::Heal, false);
        let web = Target::Ssh {
            host: "web01".into(),
        };
        assert_eq!(
            gate.approve(Class::Change, &web, "systemctl restart nginx", None, true),
            Ruling::Run { note: None }
        );
        assert!(matches!(
            gate.screen(Class::Change, &web, "systemctl restart nginx"),
            Screen::Auto(rule) if rule.contains("ssh: web01")
        ));
        assert_eq!(
            gate.screen(Class::Change, &Target::Local, "systemctl restart nginx"),
            Screen::Ask
        );
        let db = Target::Ssh {
            host: "db01".into(),
        };
        assert_eq!(
            gate.screen(Class::Change, &db, "systemctl restart nginx"),
            Screen::Ask
        );
        assert_eq!(
            gate.screen(Class::Change, &web, "systemctl restart php-fpm"),
            Screen::Ask,
            "a change prefix is the whole command, never just the verb"
        );
    }

    #[test]
    fn a_read_only_prefix_never_covers_a_change_of_the_same_tool() {
        let mut gate = Gate::new(Mode::Heal, false);
        let command = "ip link show";
        let class = policy::classify(command).class;
        assert_eq!(class, Class::ReadOnly);
        assert_eq!(
            gate.approve(class, &Target::Local, command, None, true),
            Ruling::Run { note: None }
        );
        assert!(matches!(
            gate.screen(Class::ReadOnly, &Target::Local, "ip link show eth0"),
            Screen::Auto(_)
        ));
        for wider in [
            "ip link set eth0 down",
            "ip l s eth0 down",
            "ip link delete eth0",
        ] {
            let class = policy::classify(wider).class;
            assert_eq!(
                gate.screen(class, &Target::Local, wider),
                Screen::Ask,
                "{wider}"
            );
        }
    }
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod decision_tests;
