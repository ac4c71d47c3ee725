//! Where a capped output is cut: head and tail limits measured after masking, never inside a
//! redacted span, on a line break when one is near.

use crate::policy::{Redactor, Span};

/// Length of `text[from..to]` once the spans inside it are replaced by markers.
pub(super) fn out_len(spans: &[Span], from: usize, to: usize) -> usize {
    let mut len = to - from;
    for s in spans.iter().filter(|s| s.start >= from && s.end <= to) {
        len = len - (s.end - s.start) + Redactor::marker_len(s.kind);
    }
    len
}

/// The span that contains byte `at` strictly inside it, if any.
fn inside(spans: &[Span], at: usize) -> Option<&Span> {
    spans.iter().find(|s| s.start < at && at < s.end)
}

/// Where the head ends: the longest prefix whose masked length fits `limit`, moved back to
/// a char boundary, out of any span, and to a line break when one is in the last quarter.
pub(super) fn head_cut(text: &str, spans: &[Span], limit: usize) -> usize {
    let mut p = text.len();
    let mut extra: isize = 0;
    // Masked length of text[..x] is x + extra for spans ending at or before x.
    for s in spans {
        let grow = Redactor::marker_len(s.kind) as isize - (s.end - s.start) as isize;
        if (s.start as isize + extra) >= limit as isize {
            break;
        }
        if (s.end as isize + extra + grow) > limit as isize {
            p = p.min(s.start);
            break;
        }
        extra += grow;
    }
    p = p
        .min((limit as isize - extra).max(0) as usize)
        .min(text.len());
    while !text.is_char_boundary(p) {
        p -= 1;
    }
    if let Some(s) = inside(spans, p) {
        p = s.start;
    }
    // Right after a marker is as clean a cut as a line break.
    if spans.iter().any(|s| s.end == p) {
        return p;
    }
    let shown = out_len(spans, 0, p);
    let mut search = p;
    while let Some(nl) = text[..search].rfind('\n') {
        if inside(spans, nl + 1).is_some() {
            search = nl;
            continue;
        }
        if out_len(spans, 0, nl + 1) >= shown * 3 / 4 {
            p = nl + 1;
        }
        break;
    }
    p
}

/// Where the tail starts: the shortest suffix whose masked length fits `limit`, moved to a
/// char boundary, out of any span, and past a line break when one is in the first quarter.
pub(super) fn tail_cut(text: &str, spans: &[Span], limit: usize) -> usize {
    let mut q = 0;
    let mut extra: isize = 0;
    let len = text.len() as isize;
    for s in spans.iter().rev() {
        let grow = Redactor::marker_len(s.kind) as isize - (s.end - s.start) as isize;
        if (len - s.end as isize + extra) >= limit as isize {
            break;
        }
        if (len - s.start as isize + extra + grow) > limit as isize {
            q = q.max(s.end);
            break;
        }
        extra += grow;
    }
    q = q.max((len - (limit as isize - extra)).max(0) as usize);
    q = q.min(text.len());
    while !text.is_char_boundary(q) {
        q += 1;
    }
    if let Some(s) = inside(spans, q) {
        q = s.end;
    }
    if spans.iter().any(|s| s.start == q) {
        return q;
    }
    let shown = out_len(spans, q, text.len());
    let mut search = q;
    while let Some(i) = text[search..].find('\n') {
        let nl = search + i;
        if inside(spans, nl + 1).is_some() {
            search = nl + 1;
            continue;
        }
        if out_len(spans, q, nl) < shown / 4 {
            q = nl + 1;
        }
        break;
    }
    q
}

#[cfg(test)]
mod tests {
    use crate::exec::OutputCap;
    use crate::policy::Redactor;

    const CAP: usize = 16 * 1024;

    fn filler(n: usize) -> String {
        let mut out = String::new();
        let mut i = 0;
        while out.len() < n {
            out.push_str(&format!("line {i}: GET /health 200 3ms\n"));
            i += 1;
        }
        out
    }

    fn pem() -> (String, Vec<String>) {
        let body: Vec<String> = (0..40)
            .map(|i| format!("{i:02}Zm9vYmFyYmF6cXV4K2Jhc2U2NC1saW5lLW9mLWEta2V5LWJvZHk{i:02}ab"))
            .collect();
        (
            format!(
                "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
                body.join("\n")
            ),
            body,
        )
    }

    fn render(text: &str, slack: usize) -> String {
        let r = Redactor::new(Vec::new());
        let mut cap = OutputCap::with_slack(CAP, slack);
        for chunk in text.as_bytes().chunks(4096) {
            cap.push(chunk);
        }
        cap.render_with(|t| r.spans(None, t)).0
    }

    fn leaked(out: &str, secret: &str) -> Option<String> {
        secret
            .as_bytes()
            .windows(8)
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .find(|w| out.contains(w.as_str()))
    }

    #[test]
    fn plain_text_renders_the_same_with_slack() {
        for len in [100, CAP, CAP + 1, CAP + 5_000, 3 * CAP, 10 * CAP] {
            let text = filler(len);
            let mut a = OutputCap::new(CAP);
            let mut b = OutputCap::with_slack(CAP, super::super::output::SLACK);
            a.push(text.as_bytes());
            b.push(text.as_bytes());
            assert_eq!(a.render(), b.render(), "{len}");
            assert_eq!(render(&text, 4096), a.render(), "{len}");
        }
    }

    #[test]
    fn key_bodies_across_either_cut_are_masked_even_without_slack() {
        let (key, body) = pem();
        let head_cut = format!("{}{key}{}", filler(7_000), filler(40_000));
        let tail_cut = format!("{}{key}{}", filler(40_000), filler(6_500));
        for slack in [0, 4096, super::super::output::SLACK] {
            for text in [&head_cut, &tail_cut] {
                let out = render(text, slack);
                assert!(out.contains("bytes omitted]"), "{out}");
                assert!(
                    out.contains("[REDACTED:private-key]"),
                    "slack {slack} {}: {out}",
                    text.len()
                );
                for line in &body {
                    assert!(
                        !out.contains(line.as_str()),
                        "slack {slack}: {line} in {out}"
                    );
                }
                assert!(out.len() <= CAP, "{}", out.len());
            }
        }
    }

    #[test]
    fn tokens_straddling_a_cut_never_show_a_piece() {
        let token = "ghp_Zx81kQm2Lp09VvTt6Ww3Yy4Rr5Ss7Uu8Nn1Oo";
        let head = (CAP - 48) / 2;
        for slack in [1024, super::super::output::SLACK] {
            for offset in (head - 60..head + 20).step_by(3) {
                let mut text = "x".repeat(offset - 1);
                text.push(' ');
                text.push_str(token);
                text.push_str(&filler(40_000));
                let out = render(&text, slack);
                assert_eq!(leaked(&out, token), None, "offset {offset}: {out:.300}");
                assert!(!out.contains("[REDACTED:github-tok\n"));
            }
            for back in (head - 60..head + 20).step_by(3) {
                let mut text = filler(40_000);
                text.push_str(token);
                text.push(' ');
                text.push_str(&"y".repeat(back));
                let out = render(&text, slack);
                assert_eq!(leaked(&out, token), None, "back {back}");
            }
        }
    }

    #[test]
    fn memory_stays_bounded_with_slack() {
        let slack = super::super::output::SLACK;
        let mut cap = OutputCap::with_slack(CAP, slack);
        let chunk = vec![b'x'; 65536];
        for _ in 0..200 {
            cap.push(&chunk);
        }
        assert!(
            cap.memory_bytes() <= CAP + 2 * slack,
            "{}",
            cap.memory_bytes()
        );
        let r = Redactor::new(Vec::new());
        assert!(cap.render_with(|t| r.spans(None, t)).0.len() <= CAP);
    }
}
