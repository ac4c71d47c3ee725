//! Whether the model's final text asks the operator something (the incident state "question
//! for you" rather than "done"): its last paragraph of prose ends with a question mark.
//! Fenced code blocks are not prose (a `?` in a script or a log excerpt asks nothing), a
//! code block or a rule after the question does not hide it, and emphasis or closing quotes
//! around the mark are looked through.

/// True when the last non-empty paragraph of `lines` outside fenced code blocks ends with a
/// question mark (`?` or `？`), ignoring trailing emphasis, code spans, brackets and quotes.
/// An unclosed fence runs to the end of the text, as in CommonMark.
pub fn ends_with_question<'a>(lines: impl IntoIterator<Item = &'a str>) -> bool {
    let mut fence: Option<(char, usize)> = None;
    // The last line of prose seen, and whether a paragraph break came after it.
    let mut last_prose: Option<&str> = None;
    for line in lines {
        let trimmed = line.trim();
        if let Some((ch, len)) = fence {
            if closes_fence(trimmed, ch, len) {
                fence = None;
            }
            continue;
        }
        if let Some(opened) = opens_fence(trimmed) {
            fence = Some(opened);
            continue;
        }
        if trimmed.is_empty() || is_rule(trimmed) {
            continue;
        }
        last_prose = Some(trimmed);
    }
    last_prose.is_some_and(|line| {
        line.trim_end_matches(['*', '_', '`', ')', ']', '"', '\'', '”', '’', '»', ' '])
            .ends_with(['?', '？'])
    })
}

/// Like [`ends_with_question`] over a whole text.
pub fn text_ends_with_question(text: &str) -> bool {
    ends_with_question(text.lines())
}

/// A fence opening (three or more backticks or tildes; a backtick fence's info string has no
/// backtick): its character and length.
fn opens_fence(line: &str) -> Option<(char, usize)> {
    let ch = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = line.chars().take_while(|c| *c == ch).count();
    if len < 3 {
        return None;
    }
    let info = &line[len..];
    if ch == '`' && info.contains('`') {
        return None;
    }
    Some((ch, len))
}

/// A closing fence: at least `len` of `ch` and nothing else.
fn closes_fence(line: &str, ch: char, len: usize) -> bool {
    let run = line.chars().take_while(|c| *c == ch).count();
    run >= len && line.chars().all(|c| c == ch)
}

/// A thematic break (`---`, `***`, `___`, spaces allowed between).
fn is_rule(line: &str) -> bool {
    let marks: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    marks.len() >= 3 && matches!(marks[0], '-' | '*' | '_') && marks.iter().all(|c| *c == marks[0])
}

#[cfg(test)]
mod tests {
    use super::text_ends_with_question;

    /// (text, asks, changed): `changed` rows were answered wrongly by the old check (the last
    /// non-empty line, trimmed of `*_\``, ends with `?`); the others stay as they were.
    const TABLE: &[(&str, bool, bool)] = &[
        // A code block after the question does not hide it.
        (
            "Should I restart it?\n```\ndocker restart web\n```",
            true,
            true,
        ),
        ("Is it up?\n~~~sh\ncurl localhost\n~~~", true, true),
        ("Restart it?\n\n---\n", true, true),
        ("Restart it?\n\n* * *", true, true),
        // A question inside a code block asks nothing.
        (
            "Here is the check:\n```\nif [ -f x ]; then echo ok?\n```",
            false,
            true,
        ),
        ("```\nWhat now?\n```", false, true),
        ("Check this:\n```\nwhy?", false, true),
        ("````\n```\nq?\n```\n````", false, true),
        // Closing quotes and brackets around the mark, a full-width mark.
        ("Shall I run \"systemctl restart nginx?\"", true, true),
        ("Restart web01 (now, or after the backup?)", true, true),
        ("再起動しますか？", true, true),
        // Stays as is.
        ("**Shall I restart web01?**", true, false),
        ("_Restart now?_  ", true, false),
        (
            "Disk is 98% full.\nShould I delete the rotated logs?\n\n",
            true,
            false,
        ),
        ("Options:\n- restart it?\n- roll back?", true, false),
        ("Done. Restarted.", false, false),
        ("Is it down? It was. I restarted it.", false, false),
        (
            "Should I restart?\n```\ndocker restart web\n```\nI restarted it; it is healthy.",
            false,
            false,
        ),
        (
            "What is the disk usage?\n\nI'll check `df -h` next.",
            false,
            false,
        ),
        ("~~~\nwhat?\n~~~", false, false),
        ("", false, false),
    ];

    /// The check before this module, kept to show which rows changed.
    fn old_check(text: &str) -> bool {
        text.lines()
            .rev()
            .map(|l| l.trim().trim_end_matches(['*', '_', '`']))
            .find(|l| !l.is_empty())
            .is_some_and(|l| l.ends_with('?'))
    }

    #[test]
    fn the_last_prose_paragraph_decides() {
        for (text, asks, changed) in TABLE {
            assert_eq!(text_ends_with_question(text), *asks, "{text:?}");
            assert_eq!(old_check(text) != *asks, *changed, "row marking: {text:?}");
        }
    }
}
