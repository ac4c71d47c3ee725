//! Text and file readers (cat, grep, sort, head, ls, jq, …) and the text tools classified by
//! their own code (sed, awk, find): option lists from the tools' `--help` and man pages.
//! `!` marks an option that writes or runs something, `>` one that writes the file it names.

use super::{Entry, reader, tool};

pub(super) const ENTRIES: &[Entry] = &[
    // ripgrep: `--pre` and `--hostname-bin` run programs; `-z` runs decompressors it ships.
    reader(
        "rg",
        "e/regexp: f/file: A/after-context: B/before-context: C/context: /binary \
         /block-buffered /byte-offset b /case-sensitive s /color: /colors: /column c/count \
         /count-matches /crlf /debug /dfa-size-limit: E/encoding: /engine: /field-context-separator: \
         /field-match-separator: /files /files-with-matches l /files-without-match F/fixed-strings \
         L/follow /generate: g/glob: /glob-case-insensitive h/help /heading /no-heading \
         /hidden . /iglob: i/ignore-case /ignore-file: /ignore-file-case-insensitive \
         /include-zero /invert-match v /json /line-buffered n/line-number N/no-line-number \
         x/line-regexp M/max-columns: /max-columns-preview m/max-count: d/max-depth: \
         /max-filesize: /mmap /multiline U /multiline-dotall /no-config /no-ignore \
         /no-ignore-dot /no-ignore-exclude /no-ignore-files /no-ignore-global \
         /no-ignore-messages /no-ignore-parent /no-ignore-vcs /no-messages /no-unicode \
         0/null /null-data /one-file-system o/only-matching /passthru /path-separator: \
         P/pcre2 /pcre2-version /pre:! /pre-glob: p/pretty q/quiet /regex-size-limit: \
         r/replace: z/search-zip S/smart-case /sort: /sortr: /stats /stop-on-nonmatch \
         a/text j/threads: /trim t/type: T/type-not: /type-add: /type-clear: /type-list \
         u/unrestricted V/version /vimgrep H/with-filename I/no-filename w/word-regexp \
         /hostname-bin:! /hyperlink-format: /no-pcre2-unicode /auto-hybrid-regex \
         /no-require-git /no-column /no-byte-offset /no-crlf /no-hidden /no-follow \
         /no-multiline /no-pre /no-search-zip /no-text /no-context-separator",
    ),
    reader(
        "base64, base32, basenc",
        "d/decode i/ignore-garbage w/wrap: /base64 /base64url /base32 /base32hex /base16 \
         /base2msbf /base2lsbf /z85 /help /version",
    ),
    reader(
        "numfmt",
        "d/delimiter: /field: /format: /from: /from-unit: /grouping /header:: /invalid: \
         /padding: /round: /suffix: /to: /to-unit: z/zero-terminated /debug /help /version",
    ),
    reader(
        "ls",
        "a/all A/almost-all /author b/escape /block-size: B/ignore-backups c C /color:: \
         d/directory D/dired f F /classify:: /file-type /format: /full-time g \
         /group-directories-first G/no-group h/human-readable /si H/dereference-command-line \
         /dereference-command-line-symlink-to-dir /hide: /hyperlink:: /indicator-style: i/inode \
         I/ignore: k/kibibytes l L/dereference m n/numeric-uid-gid N/literal o p \
         q/hide-control-chars /show-control-chars Q/quote-name /quoting-style: r/reverse \
         R/recursive s/size S /sort: /time: /time-style: t T/tabsize: u U v w/width: x X \
         Z/context /zero 1 /help /version",
    ),
    reader(
        "cat",
        "A/show-all b/number-nonblank e E/show-ends n/number s/squeeze-blank t T/show-tabs u \
         v/show-nonprinting /help /version",
    ),
    reader("tac", "b/before r/regex s/separator: /help /version"),
    reader(
        "nl",
        "b/body-numbering: d/section-delimiter: f/footer-numbering: h/header-numbering: \
         i/line-increment: l/join-blank-lines: n/number-format: p/no-renumber \
         s/number-separator: v/starting-line-number: w/number-width: /help /version",
    ),
    reader(
        "head",
        "# c/bytes: n/lines: q/quiet|silent v/verbose z/zero-terminated /help /version",
    ),
    reader(
        "tail",
        "# c/bytes: f /follow:: F n/lines: /max-unchanged-stats: /pid: q/quiet|silent /retry \
         s/sleep-interval: v/verbose z/zero-terminated /debug /help /version",
    ),
    reader(
        "wc",
        "c/bytes m/chars l/lines /files0-from: L/max-line-length w/words /total: /debug /help \
         /version",
    ),
    reader(
        "cut",
        "b/bytes: c/characters: d/delimiter: f/fields: n /complement s/only-delimited \
         /output-delimiter: z/zero-terminated M /help /version",
    ),
    reader(
        "stat",
        "L/dereference f/file-system /cached: c/format: /printf: t/terse /help /version",
    ),
    reader(
        "file",
        "b/brief C/compile! c/checking-printout d E e/exclude: /exclude-quiet: F/separator: \
         f/files-from: h/no-dereference i/mime /mime-type /mime-encoding k/keep-going \
         l/list L/dereference m/magic-file: N/no-pad n/no-buffer 0/print0 p/preserve-date! \
         P/parameter: r/raw s/special-files S/no-sandbox z/uncompress Z/uncompress-noreport \
         /apple /extension /help v/version",
    ),
    reader(
        "grep, egrep, fgrep, zgrep, zegrep, zfgrep",
        "# E/extended-regexp F/fixed-strings G/basic-regexp P/perl-regexp e/regexp: f/file: \
         i/ignore-case y /no-ignore-case w/word-regexp x/line-regexp z/null-data \
         s/no-messages v/invert-match V/version /help m/max-count: b/byte-offset \
         n/line-number /line-buffered H/with-filename h/no-filename /label: o/only-matching \
         q/quiet|silent /binary-files: a/text I d/directories: D/devices: r/recursive \
         R/dereference-recursive /include: /exclude: /exclude-from: /exclude-dir: \
         L/files-without-match l/files-with-matches c/count T/initial-tab Z/null \
         B/before-context: A/after-context: C/context: /group-separator: \
         /no-group-separator /color|colour:: U/binary",
    ),
    reader(
        "zcat, gzcat",
        "f/force h/help l/list L/license q/quiet r/recursive S/suffix: t/test v/verbose \
         V/version",
    ),
    reader(
        "bzcat",
        "s/small q/quiet v/verbose h/help V/version L/license",
    ),
    reader(
        "xzcat, lzcat",
        "T/threads: q/quiet v/verbose Q/no-warn F/format: M/memlimit: /memlimit-decompress: \
         /single-stream /no-sparse /robot h/help H/long-help V/version",
    ),
    reader(
        "md5sum, sha1sum, sha224sum, sha256sum, sha384sum, sha512sum, b2sum",
        "b/binary c/check /tag t/text z/zero /ignore-missing /quiet /status /strict w/warn \
         l/length: /help /version",
    ),
    reader(
        "cksum",
        "a/algorithm: /base64 c/check l/length: /raw /tag /untagged z/zero /ignore-missing \
         /quiet /status /strict w/warn /debug /help /version",
    ),
    reader(
        "column",
        "t/table n/table-name: O/table-order: N/table-columns: l/table-columns-limit: \
         E/table-noextreme: d/table-noheadings e/table-header-repeat H/table-hide: \
         R/table-right: T/table-truncate: W/table-wrap: L/keep-empty-lines J/json \
         r/tree: i/tree-id: p/tree-parent: c/output-width: o/output-separator: \
         s/separator: x/fillrows h/help V/version",
    ),
    reader(
        "jq",
        "c/compact-output n/null-input e/exit-status s/slurp r/raw-output j/join-output \
         a/ascii-output S/sort-keys C/color-output M/monochrome-output /tab /indent: \
         /unbuffered /stream /stream-errors /seq f/from-file: L: /arg: /argjson: /slurpfile: \
         /rawfile: /args /jsonargs /raw-input|raw-in R /raw-output0 h/help \
         V/version /build-configuration",
    ),
    reader(
        "strings",
        "a/all d/data f/print-file-name n/bytes: t/radix: w/include-all-whitespace o \
         T/target: e/encoding: U/unicode: s/output-separator: h/help v/version V",
    ),
    reader(
        "od",
        "A/address-radix: /endian: j/skip-bytes: N/read-bytes: S/strings:: t/format: \
         v/output-duplicates w/width:: /traditional a b c d f i l o s x /help /version",
    ),
    reader(
        "hexdump, hd",
        "b/one-byte-octal X/one-byte-hex c/one-byte-char C/canonical d/two-bytes-decimal \
         o/two-bytes-octal x/two-bytes-hex L/color:: e/format: f/format-file: n/length: \
         s/skip: v/no-squeezing h/help V/version",
    ),
    reader(
        "tr",
        "c C/complement d/delete s/squeeze-repeats t/truncate-set1 /help /version",
    ),
    reader(
        "comm",
        "1 2 3 /check-order /nocheck-order /output-delimiter: /total z/zero-terminated /help \
         /version",
    ),
    reader(
        "diff",
        "/normal q/brief s/report-identical-files c C/context:: u U/unified:: e/ed n/rcs \
         y/side-by-side W/width: /left-column /suppress-common-lines p/show-c-function \
         F/show-function-line: /label: t/expand-tabs T/initial-tab /tabsize: \
         /suppress-blank-empty l/paginate r/recursive /no-dereference N/new-file \
         /unidirectional-new-file /ignore-file-name-case /no-ignore-file-name-case \
         x/exclude: X/exclude-from: S/starting-file: /from-file: /to-file: i/ignore-case \
         E/ignore-tab-expansion Z/ignore-trailing-space b/ignore-space-change \
         w/ignore-all-space B/ignore-blank-lines I/ignore-matching-lines: a/text \
         /strip-trailing-cr D/ifdef: /GTYPE-group-format: /line-format: /LTYPE-line-format: \
         d/minimal /horizon-lines: /speed-large-files /color:: /palette: /help v/version",
    ),
    reader(
        "zdiff",
        "/normal q/brief s/report-identical-files c C/context:: u U/unified:: e/ed n/rcs \
         y/side-by-side i/ignore-case b/ignore-space-change w/ignore-all-space \
         B/ignore-blank-lines a/text /help /version",
    ),
    reader(
        "cmp",
        "b/print-bytes i/ignore-initial: l/verbose n/bytes: s/quiet|silent /help v/version",
    ),
    reader(
        "tree",
        "a d l f x L: R P: I: /gitignore /ignore-case /matchdirs /metafirst /prune /info \
         /infofile: /noreport /charset: /filelimit: /timefmt: o:> q N Q p u g s h /si /du D \
         /from-file F /inodes /device v t c U r /dirsfirst /filesfirst /sort: i A S n C X J \
         H: T: /nolinks /hintro: /houtro: /fromfile /fflinks /version /help",
    ),
    reader("seq", "f/format: s/separator: w/equal-width /help /version"),
    reader(
        "numfmt",
        "/debug d/delimiter: /field: /format: /from: /from-unit: /grouping /header:: \
         /invalid: /padding: /round: /suffix: /to: /to-unit: z/zero-terminated /help /version",
    ),
    reader("fold", "b/bytes s/spaces w/width: /help /version"),
    reader("rev", "0/zero h/help V/version"),
    reader(
        "paste",
        "d/delimiters: s/serial z/zero-terminated /help /version",
    ),
    reader(
        "join",
        "a: e: i/ignore-case j: o: t: v: 1: 2: /check-order /nocheck-order /header \
         z/zero-terminated /help /version",
    ),
    reader("expand", "i/initial t/tabs: /help /version"),
    reader("unexpand", "a/all /first-only t/tabs: /help /version"),
    reader("basename", "a/multiple s/suffix: z/zero /help /version"),
    reader("dirname", "z/zero /help /version"),
    reader(
        "realpath",
        "e/canonicalize-existing m/canonicalize-missing L/logical P/physical q/quiet \
         /relative-to: /relative-base: s/strip|no-symlinks z/zero /help /version",
    ),
    reader(
        "readlink",
        "f/canonicalize e/canonicalize-existing m/canonicalize-missing n/no-newline \
         q/quiet s/silent v/verbose z/zero /help /version",
    ),
    reader("pwd", "L/logical P/physical /help /version"),
    reader(
        "which",
        "a s /all /skip-alias /skip-functions /read-alias /read-functions /show-dot \
         /show-tilde /tty-only /version /help",
    ),
    reader("whereis", "b B: m M: s S: u f l g h/help V/version"),
    reader("printenv", "0/null /help /version"),
    reader("sleep", "/help /version"),
    reader("true, false", ""),
    tool(
        "uniq",
        "c/count d/repeated D /all-repeated:: f/skip-fields: /group:: i/ignore-case \
         s/skip-chars: u/unique z/zero-terminated w/check-chars: /help /version",
    ),
    reader(
        "sort",
        "b/ignore-leading-blanks d/dictionary-order f/ignore-case g/general-numeric-sort \
         i/ignore-nonprinting M/month-sort h/human-numeric-sort n/numeric-sort R/random-sort \
         /random-source: r/reverse /sort: V/version-sort /batch-size: c C /check:: \
         /compress-program:! /debug /files0-from: k/key: m/merge o/output:> s/stable \
         S/buffer-size: t/field-separator: T/temporary-directory:! /parallel: u/unique \
         z/zero-terminated /help /version",
    ),
    tool(
        "sed",
        "n/quiet|silent /debug e/expression: f/file:! /follow-symlinks i/in-place::! \
         l/line-length: /posix E/regexp-extended r s/separate /sandbox u/unbuffered \
         z/null-data /help /version",
    ),
    tool(
        "gawk, awk",
        "f/file:! F/field-separator: v/assign: b/characters-as-bytes c/traditional \
         C/copyright d/dump-variables::! D/debug::! e/source: E/exec:! g/gen-pot h/help \
         i/include:! I/trace l/load:! L/lint:: M/bignum N/use-lc-numeric n/non-decimal-data \
         o/pretty-print::! O/optimize p/profile::! P/posix r/re-interval s/no-optimize \
         S/sandbox t/lint-old V/version /csv k",
    ),
    tool("mawk, nawk", "f:! F: v: W:! /version /help"),
];
