//! Host and process tools: inspection readers (ps, df, free, lsblk, sar, …) and the tools
//! classified by their own code that read their argv with these grammars (dmesg, sysctl,
//! kill, crontab, date, partitioning, mount, ping, time). Lists from `--help` and man pages.

use super::{Entry, global, reader, tool};

pub(super) const ENTRIES: &[Entry] = &[
    reader(
        "uptime",
        "p/pretty s/since c/container r/raw h/help V/version",
    ),
    reader(
        "free",
        "b/bytes k/kibi m/mebi g/gibi /tebi /pebi /kilo /mega /giga /tera /peta h/human /si \
         l/lohi L/line t/total v/committed s/seconds: c/count: w/wide /help V/version",
    ),
    reader(
        "df",
        "a/all B/block-size: h/human-readable H/si i/inodes k l/local /no-sync /output:: \
         P/portability /sync /total t/type: T/print-type x/exclude-type: v /help /version",
    ),
    reader(
        "du",
        "0/null a/all /apparent-size B/block-size: b/bytes c/total D/dereference-args \
         d/max-depth: /files0-from: H h/human-readable /inodes k L/dereference \
         l/count-links m P/no-dereference S/separate-dirs /si s/summarize t/threshold: \
         /time:: /time-style: X/exclude-from: /exclude: x/one-file-system /help /version",
    ),
    reader(
        "lsblk",
        "A/noempty D/discard d/nodeps E/dedup: e/exclude: f/fs I/include: J/json l/list \
         M/merge m/perms n/noheadings o/output: O/output-all P/pairs p/paths r/raw S/scsi \
         N/nvme v/virtio s/inverse t/topology T/tree:: w/width: x/sort: y/shell z/zoned \
         /sysroot: b/bytes a/all i/ascii Q/filter: /highlight: /ct: /ct-filter: \
         H/list-columns /properties-by: h/help V/version",
    ),
    reader(
        "findmnt",
        "s/fstab m/mtab k/kernel:: p/poll:: w/timeout: A/all a/ascii b/bytes \
         C/nocanonicalize c/canonicalize D/df d/direction: e/evaluate F/tab-file: \
         f/first-only i/invert J/json l/list N/task: n/noheadings O/options: o/output: \
         /output-all P/pairs R/submounts r/raw S/source: T/target: M/mountpoint: t/types: \
         U/uniq u/notruncate v/nofsroot y/shell x/verify /verbose /real /pseudo /shadowed \
         /list-columns h/help V/version",
    ),
    reader(
        "vmstat",
        "a/active f/forks m/slabs n/one-header s/stats d/disk D/disk-sum p/partition: \
         S/unit: w/wide t/timestamp y/no-first h/help V/version",
    ),
    reader(
        "iostat",
        "c d h k m N p:: s t V x y z g: H o: j: f: /dec: /human /pretty /compact /debuginfo",
    ),
    reader("mpstat", "A n T u I: N: o: P: /dec: H V h"),
    reader(
        "sar",
        "A B b C D d F:: H h I: i: j: m: n: o::! P: p q:: r:: S s:: e:: f:: t u:: V v W w x y \
         z /dec: /help /human /pretty /sadc",
    ),
    reader("nproc", "/all /ignore: /help /version"),
    reader(
        "uname",
        "a/all s/kernel-name n/nodename r/kernel-release v/kernel-version m/machine \
         p/processor i/hardware-platform o/operating-system /help /version",
    ),
    reader(
        "id",
        "a Z/context g/group G/groups n/name r/real u/user z/zero /help /version",
    ),
    reader("whoami, groups, hostid, arch, logname", "/help /version"),
    reader("tty", "s/silent|quiet /help /version"),
    reader(
        "locale",
        "a/all-locales m/charmaps c/category-name k/keyword-name v/verbose ?/help /usage \
         V/version",
    ),
    reader("getconf", "a v: /help /version"),
    reader(
        "getent",
        "A/no-addrconfig i/no-idn s/service: ?/help /usage V/version",
    ),
    reader(
        "lsof",
        "? a A: b c: C d: D:: e: E F:: g:: h H i:: K:: k: l L:: m: M n N o:: O P p: Q R r:: \
         s:: S:: T:: t u: U v V w W x:: X z:: Z::",
    ),
    reader(
        "w",
        "h/no-header u/no-current s/short f/from o/old-style i/ip-addr p/pids n/no-truncat \
         /help V/version",
    ),
    reader(
        "who",
        "a/all b/boot d/dead H/heading /ips l/login /lookup m p/process q/count r/runlevel \
         s/short t/time T/mesg|message|writable w u/users /help /version",
    ),
    reader(
        "last, lastb",
        "# a/hostlast d/dns f/file: F/fulltimes i/ip n/limit: R/nohostname s/since: t/until: \
         p/present: w/fullnames x/system T/tab-separated /time-format: h/help V/version",
    ),
    reader(
        "lastlog",
        "b/before: C/clear! h/help R/root: S/set! t/time: u/user:",
    ),
    reader(
        "ps",
        "A a C: c d e f F g: G: H j l L M m N o: O: p: P q: s: t: T u: U: V w y Z D: \
         /cols|columns|width: /cumulative /deselect /forest /format: /group: /Group: \
         /headers /help:: /info /lines|rows: /no-headers|no-heading /pid: /ppid: \
         /quick-pid: /sid: /signames /sort: /tty: /user: /User: /version /context",
    ),
    reader(
        "pstree",
        "a/arguments A/ascii c/compact-not C/color: g/show-pgids G/vt100 h/highlight-all \
         H/highlight-pid: l/long n/numeric-sort N/ns-sort: p/show-pids s/show-parents \
         S/ns-changes t/thread-names T/hide-threads u/uid-changes U/unicode V/version \
         Z/security-context",
    ),
    reader(
        "pgrep",
        "d/delimiter: l/list-name a/list-full v/inverse w/lightweight c/count f/full \
         g/pgroup: G/group: i/ignore-case n/newest o/oldest O/older: P/parent: s/session: \
         t/terminal: u/euid: U/uid: x/exact F/pidfile: L/logpidfile r/runstates: \
         A/ignore-ancestors /cgroup: /ns: /nslist: /env: h/help V/version",
    ),
    reader("pidof", "s c q w x o: n z S: h V"),
    reader(
        "lscpu",
        "a/all b/online B/bytes C/caches:: c/offline J/json e/extended:: p/parse:: \
         s/sysroot: x/hex y/physical r/raw /output-all h/help V/version",
    ),
    reader(
        "lsmem",
        "J/json P/pairs a/all b/bytes n/noheadings o/output: /output-all r/raw S/split: \
         s/sysroot: /summary:: h/help V/version",
    ),
    reader("lsmod", ""),
    reader(
        "lspci",
        "m t v k x n b D P s: d: i: p: M A: O: H: F: q Q G /version /help",
    ),
    reader("lsusb", "v/verbose s: d: D: t/tree V/version h/help"),
    reader(
        "lsns",
        "J/json l/list n/noheadings o/output: /output-all p/task: r/raw u/notruncate \
         W/nowrap t/type: T/tree:: P/persistent Q/filter: H/list-columns h/help V/version",
    ),
    reader(
        "lslocks",
        "b/bytes J/json i/noinaccessible n/noheadings o/output: /output-all p/pid: r/raw \
         u/notruncate H/list-columns h/help V/version",
    ),
    reader(
        "blkid",
        "c/cache-file:> d/no-encoding g/garbage-collect! o/output: k/list-filesystems \
         s/match-tag: t/match-token: l/list-one L/label: U/uuid: p/probe i/info H/hint: \
         S/size: O/offset: u/usages: n/match-types: D/no-part-details h/help V/version",
    ),
    reader(
        "dmesg",
        "C/clear! c/read-clear! D/console-off! E/console-on! F/file: f/facility: H/human \
         J/json k/kernel L/color:: l/level: n/console-level:! P/nopager p/force-prefix r/raw \
         /noescape S/syslog s/buffer-size: u/userspace w/follow W/follow-new x/decode \
         d/show-delta e/reltime T/ctime t/notime /time-format: /since: /until: h/help \
         V/version",
    ),
    // printf is a shell builtin: options stop at the format; `-v` assigns a variable, and
    // bash evaluates an array subscript in its name (`printf -v 'a[$(cmd)]'`).
    global("printf", "v:!"),
    tool(
        "sysctl",
        "a/all A X /deprecated /dry-run b/binary e/ignore N/names n/values p/load::! f::! \
         /system! r/pattern: q/quiet w/write! o x d h/help V/version",
    ),
    tool(
        "date",
        "d/date: /debug f/file: I/iso-8601:: /resolution R/rfc-email /rfc-3339: \
         r/reference: s/set:! u/utc|universal /help /version",
    ),
    tool(
        "hostname",
        "a/alias A/all-fqdns b/boot! d/domain f/fqdn|long F/file:! i/ip-address \
         I/all-ip-addresses s/short y/yp|nis n/node h/help V/version v/verbose",
    ),
    tool("crontab", "u: l r i e s n: c x: V T: /help"),
    tool(
        "killall",
        "e/exact I/ignore-case g/process-group i/interactive l/list n/ns: o/older-than: \
         q/quiet r/regexp s/signal: u/user: v/verbose V/version w/wait y/younger-than: \
         Z/context: h/help",
    ),
    tool(
        "pkill",
        "d/delimiter: v/inverse w/lightweight c/count f/full g/pgroup: G/group: \
         i/ignore-case n/newest o/oldest O/older: P/parent: s/session: t/terminal: u/euid: \
         U/uid: x/exact F/pidfile: L/logpidfile r/runstates: A/ignore-ancestors /cgroup: \
         /ns: /nslist: /env: /signal: e/echo H/require-handler q/queue: h/help V/version",
    ),
    tool(
        "top",
        "b/batch-mode c/cmdline-toggle d/delay: E/scale-summary-mem: e/scale-task-mem: \
         H/threads-show h/help i/idle-toggle n/iterations: O/list-fields o/sort-override: \
         p/pid: S/accum-time-toggle s/secure-mode U/filter-any-user: u/filter-only-euser: \
         V/version w/width:: 1/single-cpu-toggle",
    ),
    tool("mount", "l/show-labels t/types: h/help V/version"),
    tool(
        "swapon",
        "/show:: s/summary /bytes /noheadings /raw h/help V/version",
    ),
    tool(
        "ping, ping6",
        "c: f! i: I: l:! m: M: p: Q: s: S: t: T: w: W: B 4 6 a A b D d L n O q r R U v V h \
         e: F: N: C",
    ),
    tool(
        "parted",
        "h/help l/list m/machine s/script f/fix! a/align: v/version",
    ),
    tool(
        "fdisk",
        "b/sector-size: B/protect-boot c/compatibility:: L/color:: l/list x/list-details \
         n/noauto-pt o/output: t/type: u/units:: s/getsz w/wipe:! W/wipe-partitions:! \
         C/cylinders: H/heads: S/sectors: /lock:: h/help V/version",
    ),
    tool(
        "sfdisk",
        "l/list d/dump s/show-size J/json F/list-free g/show-geometry V/verify \
         T/list-types X/label:! Y/label-nested:! A/activate! B/backup! b/backup-file:! \
         c/change-id|id! /part-attrs! /part-label! /part-type! /part-uuid! /disk-id! N:! \
         a/append! n/no-act f/force! u/unit: o/output: q/quiet r/reorder! /delete! \
         /move-data::! /move-use-fsync! /no-reread /no-tell-kernel /color:: /lock:: \
         w/wipe:! W/wipe-partitions:! O/backup-pt-sectors:! /relocate:! h/help v/version",
    ),
    // `time` runs a command: GNU time's options (the wrapper code unwraps the rest).
    global(
        "time",
        "a/append! f/format: o/output:> p/portability q/quiet v/verbose V/version /help",
    ),
];
