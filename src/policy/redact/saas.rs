//! Payment, messaging, mail and SaaS tokens recognisable by their own shape, plus HTTP auth
//! (bearer, basic, URL passwords) and JWTs.

use super::rules::{Check, Spec, raw};

pub(super) static SPECS: &[Spec] = &[
    // --- payments and commerce ---
    raw(
        "stripe-key",
        &[
            "sk_live", "sk_test", "sk_prod", "rk_live", "rk_test", "rk_prod",
        ],
        r"\b((?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99})\b",
    ),
    raw("stripe-key", &["whsec_"], r"\b(whsec_[A-Za-z0-9]{32,})\b"),
    raw(
        "square-token",
        &["sq0atp-", "sq0csp-"],
        r"\b(sq0(?:atp|csp)-[\w-]{22,60})",
    ),
    raw("square-token", &["eaaa"], r"\b(EAAA[\w-]{60})").check(Check::Mixed),
    raw(
        "shopify-token",
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        r"\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b",
    ),
    raw(
        "shippo-token",
        &["shippo_"],
        r"\b(shippo_(?:live|test)_[a-fA-F0-9]{40})\b",
    ),
    raw(
        "duffel-token",
        &["duffel_"],
        r"\b(duffel_(?:test|live)_[A-Za-z0-9_=-]{43})",
    ),
    raw(
        "easypost-token",
        &["ezak", "eztk"],
        r"\b(EZ[AT]K[A-Za-z0-9]{54})\b",
    ),
    raw(
        "flutterwave-key",
        &["flwseck", "flwpubk"],
        r"\b(FLW(?:SECK|PUBK)(?:_TEST)?-[a-hA-H0-9]{12,32}(?:-X)?)",
    ),
    raw(
        "frameio-token",
        &["fio-u-"],
        r"\b(fio-u-[A-Za-z0-9_=-]{64})",
    ),
    raw(
        "gocardless-token",
        &["live_"],
        r"(?i)gocardless[\w.-]{0,24}[\s'\x22]{0,3}[:=][\s'\x22]{0,3}(live_[a-z0-9_=-]{40})",
    ),
    raw(
        "plaid-token",
        &[
            "access-sandbox-",
            "access-development-",
            "access-production-",
        ],
        r"\b(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
    ),
    raw(
        "coinbase-key",
        &["organizations/"],
        r"\b(organizations/[0-9a-f-]{36}/apiKeys/[0-9a-f-]{36})",
    ),
    // --- messaging, mail, notifications ---
    raw(
        "slack-token",
        &["xox"],
        r"\b((?:xox[abeoprs]|xoxe\.xox[bp])-[A-Za-z0-9-]{10,})",
    ),
    raw("slack-token", &["xapp-"], r"\b(xapp-[A-Za-z0-9-]{10,})"),
    raw(
        "slack-token",
        &["hooks.slack.com"],
        r"((?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_+-]+)",
    ),
    raw(
        "teams-webhook",
        &["webhook.office.com"],
        r"(https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/[A-Za-z0-9@/-]{40,})",
    ),
    raw(
        "discord-webhook",
        &["discord.com/api/webhooks", "discordapp.com/api/webhooks"],
        r"(https://(?:discord|discordapp)\.com/api/webhooks/\d+/[A-Za-z0-9_-]{60,})",
    ),
    raw(
        "telegram-token",
        &[":aa"],
        r"\b(\d{8,10}:AA[A-Za-z0-9_-]{33})\b",
    ),
    raw(
        "sendgrid-key",
        &["sg."],
        r"\b(SG\.[A-Za-z0-9_-]{20,24}\.[A-Za-z0-9_-]{39,50})",
    ),
    raw("adafruit-key", &["aio_"], r"\b(aio_[A-Za-z0-9]{28,})"),
    raw(
        "contentful-token",
        &["cfpat-"],
        r"\b(CFPAT-[A-Za-z0-9_-]{43,})",
    ),
    raw(
        "sendinblue-key",
        &["xkeysib-", "xsmtpsib-"],
        r"\b(x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16})\b",
    ),
    raw(
        "mailgun-key",
        &["key-", "pubkey-"],
        r"(?i)mailgun[\w.-]{0,24}[\s'\x22]{0,3}[:=][\s'\x22]{0,3}((?:pub)?key-[a-f0-9]{32})",
    ),
    raw("mailchimp-key", &["-us"], r"\b([a-f0-9]{32}-us\d{1,2})\b"),
    raw("twilio-key", &["sk"], r"\b(SK[0-9a-fA-F]{32})\b").check(Check::Mixed),
    raw(
        "twilio-key",
        &["ac"],
        r"(?i)twilio[\w.-]{0,24}[\s'\x22]{0,3}[:=][\s'\x22]{0,3}([a-f0-9]{32})\b",
    ),
    raw(
        "notion-token",
        &["ntn_", "secret_"],
        r"\b(ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\b",
    ),
    raw(
        "mapbox-token",
        &["sk.", "pk."],
        r"\b([sp]k\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,})",
    ),
    raw(
        "newrelic-key",
        &["nrak-", "nrjs-", "nrii-"],
        r"\b(NR(?:AK-[A-Z0-9]{27}|JS-[a-f0-9]{19}|II-[A-Za-z0-9-]{32}))\b",
    ),
    raw(
        "maxmind-key",
        &["_mmk"],
        r"\b([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)\b",
    ),
    raw("typeform-token", &["tfp_"], r"\b(tfp_[A-Za-z0-9_.=-]{59})"),
    raw(
        "intra42-secret",
        &["s-s4t2"],
        r"\b(s-s4t2(?:ud|af)-[a-f0-9]{64})\b",
    ),
    raw(
        "facebook-token",
        &["eaam", "eaac"],
        r"\b(EAA[MC][A-Za-z0-9]{100,})\b",
    ),
    raw("adobe-secret", &["p8e-"], r"\b(p8e-[A-Za-z0-9]{32})\b"),
    raw(
        "airtable-token",
        &["pat"],
        r"\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b",
    ),
    raw(
        "sidekiq-secret",
        &["contribsys.com"],
        r"(?i)\bhttps?://([a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com",
    ),
    raw(
        "jwt",
        &["eyj"],
        r"\b(eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)",
    ),
    raw("jwt", &["zxlk"], r"\b(ZXlK[A-Za-z0-9+/]{40,}={0,2})"),
    raw(
        "private-key",
        &["ls0tls1crudjtib"],
        r"\b(LS0tLS1CRUdJTiB(?:SU0EgUFJJVkFURSBLRV|QUklWQVRFIEtFW|FQyBQUklWQVRFIEtFW|PUEVOU1NIIFBSSVZBVEUgS0VZ|FTkNSWVBURUQgUFJJVkFURSBLRV|EU0EgUFJJVkFURSBLRV)[A-Za-z0-9+/]*={0,2})",
    ),
    // --- HTTP auth ---
    raw(
        "bearer-token",
        &["bearer"],
        r"(?i)\bbearer[ \t]+([A-Za-z0-9\-._~+/]+=*)",
    )
    .check(Check::Bearer),
    raw(
        "basic-auth",
        &["basic"],
        r"(?i)authorization:[ \t]*basic[ \t]+([A-Za-z0-9+/]{8,}=*)",
    ),
    raw(
        "url-password",
        &["://"],
        r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/\s@\[]*:([^@\s/]+)@",
    ),
];
