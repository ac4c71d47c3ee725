//! Host paths whose loss is destructive: whole-disk/partition device nodes and system trees,
//! checked after lexical normalization (`//`, `/./`, `/../`, trailing `/.`).

/// Lexically normalize an absolute path: collapse repeated slashes, drop `.` components and
/// resolve `..` against the preceding component (`..` at the root stays at the root, as the
/// kernel does). A trailing slash is kept. `~root` is the root account's home. Relative paths
/// are returned unchanged: their base is only known at run time.
pub(crate) fn normalize(path: &str) -> String {
    let expanded;
    let path = match path.strip_prefix("~root") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            expanded = format!("/root{rest}");
            expanded.as_str()
        }
        _ => path,
    };
    if !path.starts_with('/') {
        return path.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(path.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if out.is_empty() || trailing {
        out.push('/');
    }
    out
}

/// Whole-disk and partition device nodes.
pub(crate) fn is_block_device(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "/dev/sd",
        "/dev/hd",
        "/dev/vd",
        "/dev/xvd",
        "/dev/nvme",
        "/dev/mmcblk",
        "/dev/dm-",
        "/dev/md",
        "/dev/loop",
        "/dev/mapper/",
        "/dev/block/",
        "/dev/disk/",
        "/dev/sr",
        "/dev/nbd",
        "/dev/rbd",
        "/dev/zd",
    ];
    let path = normalize(path);
    PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Paths whose loss breaks the host: `/` itself and the system trees.
pub(crate) fn is_system_path(path: &str) -> bool {
    const ROOTS: &[&str] = &[
        "/etc", "/boot", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/usr", "/var/lib", "/root",
        "/proc", "/sys",
    ];
    let path = normalize(path);
    let trimmed = path.trim_end_matches(['/', '*']);
    if trimmed.is_empty() && path.starts_with('/') {
        return true;
    }
    ROOTS
        .iter()
        .any(|root| trimmed == *root || trimmed.starts_with(&format!("{root}/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        for (raw, want) in [
            ("//etc/passwd", "/etc/passwd"),
            ("/tmp/../etc/passwd", "/etc/passwd"),
            ("/./etc/./shadow", "/etc/shadow"),
            ("/.", "/"),
            ("/..", "/"),
            ("/../../etc", "/etc"),
            ("/etc//", "/etc/"),
            ("/etc/..", "/"),
            ("rel/../x", "rel/../x"),
            ("~root/.ssh", "/root/.ssh"),
            ("~rooty/x", "~rooty/x"),
        ] {
            assert_eq!(normalize(raw), want, "{raw}");
        }
        assert!(is_system_path("/tmp/../etc/passwd"));
        assert!(is_system_path("/."));
        assert!(!is_system_path("/etc/../tmp/x"));
        assert!(is_block_device("/dev//sda"));
        assert!(is_block_device("/tmp/../dev/./sda1"));
    }
}
