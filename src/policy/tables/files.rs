//! File tools classified by their own code (rm, mv, cp, install, ln, rsync, tee, chmod,
//! chown, chgrp, setfacl): their grammars tell options from the operands that name the
//! files they destroy or overwrite.

use super::{Entry, tool};

pub(super) const ENTRIES: &[Entry] = &[
    tool(
        "rm",
        "f/force i I /interactive:: /one-file-system /no-preserve-root /preserve-root:: \
         r/recursive R d/dir v/verbose /help /version",
    ),
    tool(
        "mv",
        "/backup:: b f/force i/interactive n/no-clobber /exchange /no-copy \
         /strip-trailing-slashes S/suffix: t/target-directory: T/no-target-directory \
         u/update:: v/verbose Z/context /debug /help /version",
    ),
    tool(
        "cp",
        "a/archive /attributes-only /backup:: b /copy-contents d f/force i/interactive H \
         l/link L/dereference n/no-clobber P/no-dereference p /preserve:: /no-preserve: \
         /parents R/recursive r /reflink:: /remove-destination /sparse: \
         /strip-trailing-slashes s/symbolic-link S/suffix: t/target-directory: \
         T/no-target-directory u/update:: v/verbose x/one-file-system Z /context:: /debug \
         /keep-directory-symlink /help /version",
    ),
    tool(
        "install",
        "/backup:: b c C/compare d/directory D g/group: m/mode: o/owner: p/preserve-timestamps \
         s/strip /strip-program: S/suffix: t/target-directory: T/no-target-directory \
         v/verbose /preserve-context Z /context:: /debug /help /version",
    ),
    tool(
        "ln",
        "/backup:: b d/directory F f/force i/interactive L/logical n/no-dereference \
         P/physical r/relative s/symbolic S/suffix: t/target-directory: \
         T/no-target-directory v/verbose /help /version",
    ),
    tool(
        "rsync",
        "v/verbose q/quiet c/checksum a/archive r/recursive R/relative b/backup u/update \
         l/links L/copy-links k/copy-dirlinks K/keep-dirlinks H/hard-links p/perms \
         E/executability A/acls X/xattrs o/owner g/group D t/times O/omit-dir-times \
         J/omit-link-times U/atimes N/crtimes S/sparse n/dry-run W/whole-file \
         x/one-file-system C/cvs-exclude y/fuzzy z/compress P h/human-readable \
         i/itemize-changes m/prune-empty-dirs s/secluded-args d/dirs 8/8-bit-output \
         0/from0 4/ipv4 6/ipv6 e/rsh: /rsync-path: /exclude: /include: /exclude-from: \
         /include-from: /files-from: f/filter: F /log-file: /log-file-format: \
         /password-file: /port: /bwlimit: /timeout: /contimeout: /partial-dir: \
         T/temp-dir: /compare-dest: /copy-dest: /link-dest: B/block-size: /backup-dir: \
         /suffix: /chmod: /chown: /usermap: /groupmap: /max-size: /min-size: \
         /max-delete: /modify-window: /out-format: /outbuf: /iconv: /checksum-choice: \
         /compress-choice: /compress-level: /skip-compress: /sockopts: /info: /debug: \
         /stop-after: /stop-at: M/remote-option: /delete /delete-before /delete-during \
         /delete-delay /delete-after /delete-excluded /remove-source-files /partial \
         /progress /stats /mkpath /inplace /append /existing /ignore-existing \
         /size-only /no-implied-dirs /numeric-ids /force /list-only /help /version",
    ),
    tool(
        "tee",
        "a/append i/ignore-interrupts p /output-error:: /help /version",
    ),
    tool(
        "chmod",
        "c/changes f/silent|quiet v/verbose /no-preserve-root /preserve-root \
         /reference: R/recursive /help /version",
    ),
    tool(
        "chown, chgrp",
        "c/changes f/silent|quiet v/verbose /dereference h/no-dereference /from: \
         /no-preserve-root /preserve-root /reference: R/recursive H L P /help /version",
    ),
    tool(
        "setfacl",
        "m/modify: M/modify-file: x/remove: X/remove-file: b/remove-all k/remove-default \
         /set: /set-file: /mask n/no-mask d/default R/recursive L/logical P/physical \
         /restore: /test v/version h/help",
    ),
];
