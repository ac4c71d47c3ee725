//! Network tools: iproute2's `ip` (its own `matches()` abbreviations), curl, wget, openssl,
//! iptables/nft, DNS and socket readers, and the net-tools listing forms (ifconfig, route,
//! arp). Lists from `--help`, the man pages and iproute2's ip.c.

use super::super::grammar::Style;
use super::{Entry, reader, styled, tool};

pub(super) const ENTRIES: &[Entry] = &[
    // ip.c's option loop, in its order: the first name a word abbreviates wins
    // (`-b` is `-batch`, `-f` is `-family`, `-br` is `-brief`).
    styled(
        super::global(
            "ip",
            "/loops: /family: 4 6 0 M B /human /human-readable /iec /stats /statistics \
             /details /resolve /oneline /timestamp /tshort /Version /force /batch:! /brief \
             /json /pretty /rcvbuf: /color|colour:: /help /netns: /Numeric /all /echo",
        ),
        Style::FirstPrefix,
    ),
    tool(
        "curl",
        "/abstract-unix-socket: /alt-svc:! /anyauth a/append! /aws-sigv4: /basic /cacert: \
         /capath: E/cert: /cert-status /cert-type: /ciphers: /compressed /compressed-ssh \
         K/config:! /connect-timeout: /connect-to: C/continue-at: b/cookie: c/cookie-jar:> \
         /create-dirs! /create-file-mode: /crlf /crlfile: /curves: d/data:! /data-ascii:! \
         /data-binary:! /data-raw:! /data-urlencode:! /delegation: /digest q/disable \
         /disable-eprt /disable-epsv /disallow-username-in-url /dns-interface: \
         /dns-ipv4-addr: /dns-ipv6-addr: /dns-servers: /doh-cert-status /doh-insecure \
         /doh-url: D/dump-header:> /egd-file: /engine:! /etag-compare: /etag-save:> \
         /expect100-timeout: f/fail /fail-early /fail-with-body /false-start F/form:! \
         /form-escape /form-string:! /ftp-account: /ftp-alternative-to-user: \
         /ftp-create-dirs! /ftp-method: /ftp-pasv P/ftp-port: /ftp-pret /ftp-skip-pasv-ip \
         /ftp-ssl-ccc /ftp-ssl-ccc-mode: /ftp-ssl-control G/get g/globoff \
         /happy-eyeballs-timeout-ms: /haproxy-protocol /haproxy-clientip: I/head H/header: \
         h/help:: /hostpubmd5: /hostpubsha256: /hsts:! /http0.9 0/http1.0 /http1.1 /http2 \
         /http2-prior-knowledge /http3 /http3-only /ignore-content-length i/include \
         k/insecure /interface: 4/ipv4 6/ipv6 /json:! j/junk-session-cookies \
         /keepalive-time: /key: /key-type: /krb: /libcurl:> /limit-rate: l/list-only \
         /local-port: L/location /location-trusted /login-options: /mail-auth:! \
         /mail-from:! /mail-rcpt:! /mail-rcpt-allowfails! M/manual /max-filesize: \
         /max-redirs: m/max-time: /metalink /negotiate n/netrc /netrc-file: /netrc-optional \
         :/next /no-alpn N/no-buffer /no-clobber /no-keepalive /no-npn /no-progress-meter \
         /no-sessionid /noproxy: /ntlm /ntlm-wb /oauth2-bearer: o/output:> /output-dir:! \
         Z/parallel /parallel-immediate /parallel-max: /pass: /path-as-is /pinnedpubkey: \
         /post301 /post302 /post303 /preproxy: #/progress-bar /proto: /proto-default: \
         /proto-redir: x/proxy: /proxy-anyauth /proxy-basic /proxy-cacert: /proxy-capath: \
         /proxy-cert: /proxy-cert-type: /proxy-ciphers: /proxy-crlfile: /proxy-digest \
         /proxy-header: /proxy-insecure /proxy-key: /proxy-key-type: /proxy-negotiate \
         /proxy-ntlm /proxy-pass: /proxy-pinnedpubkey: /proxy-service-name: \
         /proxy-ssl-allow-beast /proxy-ssl-auto-client-cert /proxy-tls13-ciphers: \
         /proxy-tlsauthtype: /proxy-tlspassword: /proxy-tlsuser: /proxy-tlsv1 \
         U/proxy-user: /proxy1.0: p/proxytunnel /pubkey: Q/quote:! /random-file: r/range: \
         /rate: /raw e/referer: J/remote-header-name! O/remote-name! /remote-name-all! \
         R/remote-time /remove-on-error X/request: /request-target: /resolve: /retry: \
         /retry-all-errors /retry-connrefused /retry-delay: /retry-max-time: \
         /sasl-authzid: /sasl-ir /service-name: S/show-error s/silent /socks4: /socks4a: \
         /socks5: /socks5-basic /socks5-gssapi /socks5-gssapi-nec /socks5-gssapi-service: \
         /socks5-hostname: Y/speed-limit: y/speed-time: /ssl /ssl-allow-beast \
         /ssl-auto-client-cert /ssl-no-revoke /ssl-reqd /ssl-revoke-best-effort 2/sslv2 \
         3/sslv3 /stderr:> /styled-output /suppress-connect-headers /tcp-fastopen \
         /tcp-nodelay t/telnet-option: /tftp-blksize: /tftp-no-options z/time-cond: \
         /tls-max: /tls13-ciphers: /tlsauthtype: /tlspassword: /tlsuser: 1/tlsv1 /tlsv1.0 \
         /tlsv1.1 /tlsv1.2 /tlsv1.3 /tr-encoding /trace:> /trace-ascii:> /trace-time \
         /unix-socket: T/upload-file:! /url: /url-query: B/use-ascii u/user: \
         A/user-agent: v/verbose V/version w/write-out: /xattr!",
    ),
    tool(
        "wget",
        "V/version h/help b/background! e/execute:! o/output-file:> a/append-output:> \
         d/debug q/quiet v/verbose n: /no-verbose /report-speed: i/input-file: F/force-html \
         B/base: /config:! /no-config /rejected-log:> t/tries: /retry-connrefused \
         /retry-on-http-error: O/output-document:> /no-clobber /no-netrc c/continue! \
         /start-pos: /progress: /show-progress N/timestamping! /no-if-modified-since \
         /no-use-server-timestamps S/server-response /spider T/timeout: /dns-timeout: \
         /connect-timeout: /read-timeout: w/wait: /waitretry: /random-wait /no-proxy \
         Q/quota: /bind-address: /limit-rate: /no-dns-cache /restrict-file-names: \
         /ignore-case 4/inet4-only 6/inet6-only /prefer-family: /user: /password: \
         /ask-password /use-askpass:! /no-iri /local-encoding: /remote-encoding: /unlink! \
         /xattr! /no-directories x/force-directories! /no-host-directories \
         /protocol-directories P/directory-prefix:! /cut-dirs: /http-user: /http-password: \
         /no-cache /default-page: E/adjust-extension /ignore-length /header: \
         /compression: /max-redirect: /proxy-user: /proxy-password: /referer: \
         /save-headers /no-http-keep-alive /no-cookies /load-cookies: /save-cookies:> \
         /keep-session-cookies /post-data:! /post-file:! /method:! /body-data:! \
         /body-file:! /content-disposition /content-on-error /auth-no-challenge \
         /secure-protocol: /https-only /no-check-certificate /certificate: \
         /certificate-type: /private-key: /private-key-type: /ca-certificate: \
         /ca-directory: /crl-file: /pinnedpubkey: /ciphers: /no-hsts /hsts-file:! \
         /ftp-user: /ftp-password: /no-remove-listing! /no-glob /no-passive-ftp \
         /preserve-permissions! /retr-symlinks /ftps-implicit /ftps-resume-ssl \
         /ftps-clear-data-connection /ftps-fallback-to-ftp /warc-file:! /warc-header: \
         /warc-max-size: /warc-cdx! /warc-dedup: /no-warc-compression /no-warc-digests \
         /no-warc-keep-log /warc-tempdir:! r/recursive! l/level: /delete-after! \
         k/convert-links! /convert-file-only! /backups:! K/backup-converted! m/mirror! \
         p/page-requisites! /strict-comments A/accept: R/reject: /accept-regex: \
         /reject-regex: /regex-type: D/domains: /exclude-domains: /follow-ftp \
         /follow-tags: /ignore-tags: H/span-hosts L/relative I/include-directories: \
         /trust-server-names X/exclude-directories: /no-parent",
    ),
    // OpenSSL's opt_next: exact names, one or two dashes, `-name=value`. The union of the
    // options of the read-only subcommands (x509, verify, crl, s_client, ciphers, version);
    // writers, signers and key generation are marked.
    styled(
        tool(
            "openssl",
            "/in: /inform: /outform: /noout /text /dates /subject /issuer /serial \
             /fingerprint /sha1 /sha256 /sha512 /md5 /enddate /startdate /purpose /hash \
             /subject_hash /issuer_hash /subject_hash_old /issuer_hash_old /ocspid \
             /ocsp_uri /email /alias /modulus /pubkey /nameopt: /certopt: /ext: \
             /checkend: /checkhost: /checkemail: /checkip: /CAfile: /CApath: /CAstore: \
             /untrusted: /trusted: /crl_check /crl_check_all /verify_hostname: \
             /verify_ip: /verify_email: /show_chain /partial_chain /x509_strict \
             /policy: /attime: /no-CAfile /no-CApath /no-CAstore /connect: \
             /servername: /noservername /showcerts /verify: /verify_return_error \
             /brief /starttls: /host: /port: /tls1 /tls1_1 /tls1_2 /tls1_3 /dtls \
             /alpn: /cipher: /ciphersuites: /msg /state /debug /status /crlf /quiet \
             /prexit /no_ign_eof /ign_eof /proxy: /4 /6 /v /V /s /stdname /verbose \
             /a /b /o /f /p /d /c /help /crlnumber /nextupdate /lastupdate /noverify \
             /CRLfile: /sess_in: /cert: /certform: /pass: /passin: /engine:! \
             /out:> /keyout:> /sess_out:> /keylogfile:> /msgfile:> /new! /signkey:! \
             /writerand:> /CAcreateserial! /CAserial:! /req! /x509toreq! /set_serial:! \
             /days:! /CA:! /CAkey:! /key:! /force_pubkey:! /clrtrust! /addtrust:! \
             /addreject:! /setalias:! /clrreject! /rand:! /reconnect",
        ),
        Style::Exact,
    ),
    tool(
        "iptables, ip6tables, iptables-legacy, iptables-nft, ip6tables-legacy, ip6tables-nft",
        "A/append:! C/check: D/delete:! I/insert:! R/replace:! L/list:: S/list-rules:: \
         F/flush::! Z/zero::! N/new-chain:! X/delete-chain::! P/policy:! E/rename-chain:! \
         h/help V/version 4/ipv4 6/ipv6 p/protocol: s/source: d/destination: m/match: \
         j/jump: g/goto: i/in-interface: o/out-interface: f/fragment c/set-counters:! \
         v/verbose w/wait:: W/wait-interval: n/numeric x/exact /line-numbers /modprobe:! \
         t/table:",
    ),
    reader(
        "iptables-save, ip6tables-save, iptables-legacy-save, iptables-nft-save, \
         ip6tables-legacy-save, ip6tables-nft-save",
        "M/modprobe:! c/counters t/table: f/file:> h/help V/version",
    ),
    tool(
        "nft",
        "h/help v/version V s/stateless N/reversedns S/service y/numeric-priority c/check \
         a/handle e/echo j/json n/numeric t/terse u/guid T/numeric-time p/numeric-protocol \
         d/debug: f/file:! D/define: i/interactive! I/includepath: o/optimize! \
         x/no-json-rules",
    ),
    reader("dig", "b: c: f: k: m p: q: r t: u v x: y: 4 6 h i"),
    reader("host", "a A c: C d l i m: N: p: r R: s t: T U v V w W: 4 6"),
    styled(
        reader(
            "nslookup",
            "/all /class: /d2 /nod2 /debug /nodebug /domain: /search /nosearch /port: \
             /querytype|type|query|q: /recurse /norecurse /retry: /timeout: /vc /novc /fail \
             /nofail /ndots: /sil /version",
        ),
        Style::Exact,
    ),
    reader(
        "netstat",
        "r/route i/interfaces g/groups s/statistics M/masquerade v/verbose W/wide \
         n/numeric /numeric-hosts /numeric-ports /numeric-users N/symbolic e/extend \
         p/programs o/timers c/continuous l/listening a/all F/fib C/cache Z/context t/tcp \
         u/udp w/raw x/unix U/udplite S/sctp 4 6 A/protocol: /inet /inet6 h/help \
         V/version T/notrim",
    ),
    reader(
        "ss",
        "h/help V/version H/no-header O/oneline n/numeric r/resolve a/all l/listening \
         o/options e/extended m/memory p/processes T/threads i/info /tos /cgroup \
         /tipcinfo s/summary E/events Z/context z/contexts N/net: b/bpf 4/ipv4 6/ipv6 \
         0/packet t/tcp M/mptcp S/sctp u/udp d/dccp w/raw x/unix /tipc /vsock /xdp \
         /inet-sockopt f/family: A/query|socket: D/diag:> F/filter: K/kill! B/bpf-maps \
         /bpf-map-id:",
    ),
    reader("tracepath, tracepath6", "4 6 b l: m: n p: V"),
    reader(
        "traceroute, traceroute6",
        "4 6 d F f: g: I T U i: m: N: n p: t: w: q: r s: z: e A M: O: V P: /sport: \
         /fwmark: /mtu /back /help /UL /UDP /ICMP /TCP /version /resolve-hostnames",
    ),
    reader(
        "nstat",
        "h/help V/version z/zero n/nooutput! r/reset! a/ignore s/noupdate d/scan:! \
         t/interval: j/json p/pretty",
    ),
    // net-tools: only the listing forms are read-only (code checks the operands).
    tool("ifconfig", "a s v h /help /version"),
    tool(
        "route",
        "n/numeric e/extend v/verbose C/cache F/fib N/symbolic A: 4 6 h/help V/version \
         /inet /inet6",
    ),
    tool(
        "arp",
        "a/all n/numeric e v/verbose i/device: H/hw-type|t: d/delete! s/set! f/file! \
         D/use-device! A/protocol|p: h/help V/version",
    ),
];
