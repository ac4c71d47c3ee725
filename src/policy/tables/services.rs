//! Service, cluster and package managers with subcommands: the global options before the
//! subcommand (so an option's value is never read as the subcommand) and the options of
//! their read-only forms. systemctl, journalctl, the systemd `*ctl` family, kubectl,
//! docker/podman, crictl, helm, terraform, apt, dpkg, rpm, service.

use super::super::grammar::Style;
use super::{Entry, global, reader, styled, tool};

pub(super) const ENTRIES: &[Entry] = &[
    // systemctl's options may come before or after the verb (getopt_long permutes).
    tool(
        "systemctl",
        "t/type: /state: p/property: P: a/all r/recursive /reverse /after /before \
         /with-dependencies l/full /value /show-types /job-mode: T/show-transaction \
         i/ignore-inhibitors! /kill-whom: /kill-value: s/signal: /what: H/host: \
         M/machine: /user /system /global /no-block /no-wall /no-reload /no-legend \
         /no-pager /no-ask-password /runtime /firmware-setup! /boot-loader-menu:! \
         /boot-loader-entry:! /reboot-argument:! /plain q/quiet f/force /root: /image: \
         /image-policy: /preset-mode: n/lines: o/output: /timestamp: /check-inhibitors: \
         /mkdir /marked /read-only /dry-run /legend: /now /failed /message: /wait \
         /drop-in: /when: h/help /version",
    ),
    reader(
        "journalctl",
        "/system /user M/machine: m/merge D/directory: i/file: /root: /image: \
         /image-policy: /namespace: S/since: U/until: c/cursor: /after-cursor: \
         /cursor-file:! b/boot:: u/unit: /user-unit: t/identifier: T/exclude-identifier: \
         p/priority: /facility: g/grep: /case-sensitive:: k/dmesg o/output: \
         /output-fields: n/lines:: r/reverse /show-cursor /utc x/catalog /no-hostname \
         /no-full l/full a/all f/follow /no-tail q/quiet /no-pager e/pager-end \
         /interval: /verify-key: /force h/help /version N/fields F/field: /list-boots \
         /list-invocations I /invocation: /disk-usage /vacuum-size:! /vacuum-files:! \
         /vacuum-time:! /verify /sync! /relinquish-var! /smart-relinquish-var! /flush! \
         /rotate! /header /list-catalog /dump-catalog /update-catalog! /setup-keys! \
         /new-id128 /list-namespaces /synchronize-on-exit:",
    ),
    // timedatectl, hostnamectl, loginctl, networkctl, resolvectl, localectl, busctl.
    global(
        "systemd-ctl",
        "H/host: M/machine: p/property: P: a/all l/full /value /no-pager /no-ask-password \
         /no-legend /legend: /json: /static /transient /pretty /monitor /adjust-system-clock! \
         /user /system /lines: n: o/output: /no-convert /stats /help h /version i \
         /interface: /type: /cache /zone /trust-anchor /validate",
    ),
    // kubectl's global flags (pflag): exact long names, short clusters; the rest of the
    // command line belongs to the subcommand (containers.rs).
    global(
        "kubectl",
        "/as: /as-group: /as-uid: /cache-dir: /certificate-authority: \
         /client-certificate: /client-key: /cluster: /context: /disable-compression \
         /insecure-skip-tls-verify /kubeconfig: /log-flush-frequency: \
         /match-server-version n/namespace: /password: /profile:! /profile-output:> \
         /request-timeout: s/server: /tls-server-name: /token: /user: /username: v/v: \
         /vmodule: /warnings-as-errors /log-dir:! /log-file:! /alsologtostderr \
         /logtostderr /one-output /skip-headers /skip-log-headers /stderrthreshold: \
         /log-backtrace-at: /log-file-max-size: /add-dir-header h/help",
    ),
    global(
        "docker, nerdctl",
        "/config: c/context: D/debug H/host: l/log-level: /tls /tlscacert: /tlscert: \
         /tlskey: /tlsverify v/version h/help /namespace: n: /address: a: /snapshotter: \
         /cni-path: /cni-netconfpath: /data-root: /cgroup-manager: /insecure-registry \
         /hosts-dir: /experimental",
    ),
    global(
        "podman",
        "/cgroup-manager: /conmon: c/connection: /events-backend: /hooks-dir: /identity: \
         /imagestore: /log-level: /module: /network-cmd-path: /network-config-dir: /out: \
         /noout r/remote /root: /runroot: /runtime: /runtime-flag: /ssh: \
         /storage-driver: /storage-opt: /syslog /tmpdir: /transient-store /url: \
         /volumepath: h/help v/version",
    ),
    global(
        "crictl",
        "r/runtime-endpoint: i/image-endpoint: c/config: t/timeout: D/debug \
         /enable-tracing /tracing-endpoint: /tracing-sampling-rate-per-million: h/help \
         v/version",
    ),
    global(
        "helm",
        "/burst-limit: /debug /kube-apiserver: /kube-as-group: /kube-as-user: \
         /kube-ca-file: /kube-context: /kube-insecure-skip-tls-verify \
         /kube-tls-server-name: /kube-token: /kubeconfig: n/namespace: /qps: \
         /registry-config: /repository-cache: /repository-config: h/help",
    ),
    // Go's flag package: one or two dashes, exact names, `-name=value` or `-name value`.
    styled(
        global("terraform, tofu", "/chdir: /help /version /v"),
        Style::Exact,
    ),
    // Options of terraform's read-only subcommands and of plan/apply/destroy.
    styled(
        tool(
            "terraform-sub",
            "/json /no-color /state: /raw /module-depth: /var: /var-file: /target: \
             /replace: /refresh:: /refresh-only /lock:: /lock-timeout: /input:: \
             /compact-warnings /parallelism: /detailed-exitcode /out:> /destroy \
             /auto-approve /backup:> /state-out:> /test-directory: /plan: /type: \
             /draw-cycles /generate-config-out:> /concise",
        ),
        Style::Exact,
    ),
    tool(
        "apt, apt-cache, apt-get",
        "o/option:! c/config-file:! q/quiet:: h/help v/version y/yes /assume-yes s/simulate \
         /dry-run /just-print /recon /no-act a/all-versions /installed /upgradable \
         /manual-installed i/important n/names-only f/full /recurse /no-pre-depends \
         /no-depends /no-recommends /no-suggests /no-conflicts /no-breaks /no-replaces \
         /no-enhances /implicit /no-all-names /no-all-versions g/generate /no-generate \
         p/pkg-cache:! /src-cache:! t/target-release: /default-release: /color /no-color \
         /with-source: /full-text",
    ),
    tool(
        "dpkg, dpkg-query",
        "l/list L/listfiles s/status S/search p/print-avail /get-selections \
         /print-architecture /print-foreign-architectures W/show c/contents I/info \
         /field f/showformat: /compare-versions C/audit V/verify /verify-format: \
         /control-list /control-show /control-path /load-avail /no-pager /admindir: \
         /root: /instdir: /help /version /license ? \
         i/install! r/remove! P/purge! /unpack! /configure! /triggers-only! \
         /set-selections! /clear-selections! /update-avail! /merge-avail! /clear-avail! \
         /forget-old-unavail! /add-architecture! /remove-architecture! b/build! \
         x/extract! X/vextract! R/recursive! e/control! /fsys-tarfile! a/pending! \
         /force-help D/debug:: /force:! /refuse:! /no-force:! /ignore-depends:! \
         /no-act /dry-run /simulate /abort-after: /log:!",
    ),
    // rpm in query or verify mode (popt; `-i` is `--info` there).
    tool(
        "rpm",
        "q/query V/verify a/all f/file g/group p/package l/list i/info c/configfiles \
         d/docfiles L/licensefiles s/state R/requires P/provides /changelog /changes \
         /conflicts /obsoletes /recommends /suggests /supplements /enhances /scripts \
         /triggers|triggerscripts /whatprovides /whatrequires /whatrecommends \
         /whatsuggests /whatconflicts /whatobsoletes /qf|queryformat: /last /dump \
         /filesbypkg /fileclass /filecolor /fileprovide /filerequire /filecaps /xml \
         /nodigest /nosignature /nofiles /nodeps /noscripts /nomd5 /nolinkto /nouser \
         /nogroup /nomtime /nomode /nordev /nosize /nocaps /noconfig /nofiledigest \
         /dbpath: /root:! /pipe:! E/eval:! /rcfile:! /macros:! D/define:! /undefine: \
         v/verbose /quiet /help /version /querytags /showrc",
    ),
];
