//! A notification URL is a credential (a Slack incoming webhook's path is its secret, a
//! generic webhook may carry a token in its query): [`mask_url`] keeps only the scheme, host
//! and port, and [`scrub`] takes every configured URL out of an error text before it is
//! logged, recorded in `notify.jsonl` or printed.

/// What replaces a URL's user info, path, query and fragment.
const HIDDEN: &str = "/…";

/// `https://hooks.slack.com/…` for `https://hooks.slack.com/services/T0/B0/XXXX`: scheme,
/// host and port only. Text that is no `scheme://` URL is hidden whole.
pub fn mask_url(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return "[notification URL]".to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    if host.is_empty()
        || scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    {
        return "[notification URL]".to_string();
    }
    format!("{scheme}://{host}{HIDDEN}")
}

/// `text` with every URL in `urls` (whole, or the part after its host, as HTTP clients
/// print it normalised or cut) replaced by its masked form.
pub fn scrub(text: &str, urls: &[&str]) -> String {
    let mut out = text.to_string();
    let mut secrets: Vec<(String, String)> = Vec::new();
    for url in urls.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
        let masked = mask_url(url);
        secrets.push((url.to_string(), masked.clone()));
        if let Some((_, rest)) = url.split_once("://") {
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..authority_end];
            if let Some((userinfo, _)) = authority.rsplit_once('@') {
                secrets.push((format!("{userinfo}@"), String::new()));
            }
            let tail = &rest[authority_end..];
            // A bare `/` or nothing is no secret; anything longer is.
            if tail.len() > 1 {
                secrets.push((tail.to_string(), HIDDEN.to_string()));
                let trimmed = tail.trim_end_matches('/');
                if trimmed.len() > 1 && trimmed != tail {
                    secrets.push((trimmed.to_string(), HIDDEN.to_string()));
                }
            }
        }
    }
    // Longest first, so a whole URL is replaced before its own tail.
    secrets.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    for (secret, replacement) in secrets {
        if !secret.is_empty() {
            out = out.replace(&secret, &replacement);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scheme_host_and_port_remain() {
        assert_eq!(
            mask_url("https://hooks.slack.com/services/T0/B0/XXXX"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            mask_url("http://user:pw@relay.internal:8080/hook?token=abc#x"),
            "http://relay.internal:8080/…"
        );
        assert_eq!(mask_url("not a url"), "[notification URL]");
    }

    #[test]
    fn an_error_text_loses_every_form_of_the_url() {
        let url = "https://relay.example/hook/s3cr3t?token=abc";
        let text = format!(
            "error sending request for url ({url}): connection refused; path /hook/s3cr3t?token=abc"
        );
        let out = scrub(&text, &[url]);
        assert!(
            !out.contains("s3cr3t") && !out.contains("token=abc"),
            "{out}"
        );
        assert!(out.contains("https://relay.example/…"), "{out}");
    }
}
