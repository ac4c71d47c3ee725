//! The operator name this process acts for, one answer for claims, audit records, the
//! console and `incidents take`: `[team] name`, else `$USER`, else `$LOGNAME`, else the login
//! name of this process's uid, else `uid-N`.

use std::sync::RwLock;

/// `[team] name` of the config in force (set by `Config::load_for`).
static CONFIGURED: RwLock<Option<String>> = RwLock::new(None);

/// Record the configured `[team] name` (None or blank: fall back to the environment).
pub fn set_configured_operator(name: Option<&str>) {
    let name = name
        .map(|n| crate::text::neutralize_line(n.trim()))
        .filter(|n| !n.is_empty());
    match CONFIGURED.write() {
        Ok(mut slot) => *slot = name,
        Err(poisoned) => *poisoned.into_inner() = name,
    }
}

/// `[team] name`, else `$USER`, else `$LOGNAME`, else the login name of this process's uid
/// (root shells, cron and systemd units often have neither variable), else `uid-N`: the
/// operator a console, a claim and an audit record name.
pub fn operator_from_env() -> String {
    let configured = match CONFIGURED.read() {
        Ok(slot) => slot.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    configured
        .into_iter()
        .chain(
            ["USER", "LOGNAME"]
                .iter()
                .filter_map(|v| std::env::var(v).ok())
                .map(|v| crate::text::neutralize_line(v.trim())),
        )
        .find(|v| !v.is_empty())
        .unwrap_or_else(login_name)
}

fn login_name() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) if !user.name.trim().is_empty() => {
            crate::text::neutralize_line(user.name.trim())
        }
        _ => format!("uid-{uid}"),
    }
}
