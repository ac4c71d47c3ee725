//! Host paths whose loss is destructive: whole-disk/partition device nodes and system trees.

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
        "/dev/disk/",
        "/dev/sr",
        "/dev/nbd",
        "/dev/rbd",
        "/dev/zd",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Paths whose loss breaks the host: `/` itself and the system trees.
pub(crate) fn is_system_path(path: &str) -> bool {
    const ROOTS: &[&str] = &[
        "/etc", "/boot", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/usr", "/var/lib", "/root",
        "/proc", "/sys",
    ];
    let trimmed = path.trim_end_matches(['/', '*']);
    if trimmed.is_empty() && path.starts_with('/') {
        return true;
    }
    ROOTS
        .iter()
        .any(|root| trimmed == *root || trimmed.starts_with(&format!("{root}/")))
}
