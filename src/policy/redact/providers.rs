//! Provider token formats (prefixes, lengths, alphabets as the providers publish them, the
//! same set of providers gitleaks covers), written as data: marker kind, keywords, pattern.

use super::rules::{Check, Spec, ctx, raw};

/// Tokens recognisable by their own shape, then tokens recognisable by the name beside them.
pub(super) static SPECS: &[Spec] = &[
    // --- cloud providers ---
    raw(
        "aws-key",
        &[
            "akia", "asia", "agpa", "aida", "aroa", "anpa", "anva", "aipa", "a3t", "abia", "acca",
        ],
        r"\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})\b",
    ),
    raw(
        "aws-secret",
        &["secret"],
        r#"(?i)(?:aws_?secret_?access_?key|secret_?access_?key|aws_?secret_?key)["']?[ \t]*[:=][ \t]*["']?([A-Za-z0-9/+]{40})"#,
    ),
    raw(
        "aws-bedrock-key",
        &["absk"],
        r"\b(ABSK[A-Za-z0-9+/]{109,269}={0,2})",
    ),
    raw(
        "aws-bedrock-key",
        &["bedrock-api-key-"],
        r"\b(bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%&?._-]*)",
    ),
    raw(
        "azure-key",
        &["accountkey"],
        r"(?i)\bAccountKey=([A-Za-z0-9+/]{20,}={0,2})",
    ),
    raw(
        "azure-key",
        &["sharedaccesskey"],
        r"(?i)\bSharedAccessKey=([A-Za-z0-9+/]{20,}={0,2})",
    ),
    raw(
        "azure-sas",
        &["sig="],
        r"(?i)[?&;\s]sig=([A-Za-z0-9%+/]{20,}(?:=|%3D){0,2})",
    ),
    raw(
        "azure-secret",
        &["q~"],
        r"(?:^|[\\'`\s>=:(,)])([a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\'`\s<),])",
    ),
    raw(
        "google-api-key",
        &["aiza"],
        r"\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
    ),
    raw("google-oauth", &["ya29."], r"\b(ya29\.[0-9A-Za-z_-]{20,})"),
    raw(
        "google-oauth",
        &["gocspx-"],
        r"\b(GOCSPX-[0-9A-Za-z_-]{28})",
    ),
    raw(
        "google-service-account",
        &["private_key_id"],
        r#""private_key_id"[ \t]*:[ \t]*"([0-9a-f]{40})""#,
    ),
    raw("alibaba-key", &["ltai"], r"\b(LTAI[A-Za-z0-9]{20})\b"),
    raw(
        "digitalocean-token",
        &["doo_v1_", "dop_v1_", "dor_v1_"],
        r"\b(do[opr]_v1_[a-f0-9]{64})\b",
    ),
    raw("yandex-key", &["aqvn"], r"\b(AQVN[A-Za-z0-9_-]{35,38})\b"),
    raw("yandex-key", &["yc"], r"\b(YC[a-zA-Z0-9_-]{38})\b").check(Check::Mixed),
    raw(
        "yandex-token",
        &["t1."],
        r"\b(t1\.[A-Z0-9a-z_-]+={0,2}\.[A-Z0-9a-z_-]{86}={0,2})",
    ),
    raw(
        "flyio-token",
        &["fo1_", "fm1", "fm2_"],
        r"\b((?:fo1_[\w-]{43}|fm1[ar]_[a-zA-Z0-9+/]{100,}={0,3}|fm2_[a-zA-Z0-9+/]{100,}={0,3}))",
    ),
    raw(
        "cloudflare-key",
        &["v1.0-"],
        r"\b(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})",
    ),
    raw(
        "heroku-key",
        &["hrku-aa"],
        r"\b(HRKU-AA[0-9a-zA-Z_-]{58})\b",
    ),
    raw("scalingo-token", &["tk-us-"], r"\b(tk-us-[\w-]{48})\b"),
    raw(
        "openshift-token",
        &["sha256~"],
        r"\b(sha256~[\w-]{43})(?:[^\w-]|$)",
    ),
    raw("clickhouse-key", &["4b1d"], r"\b(4b1d[A-Za-z0-9]{38})\b"),
    raw(
        "planetscale-token",
        &["pscale_"],
        r"\b(pscale_(?:tkn|oauth|pw)_[\w=.-]{32,64})",
    ),
    raw(
        "databricks-token",
        &["dapi"],
        r"\b(dapi[a-f0-9]{32}(?:-\d)?)\b",
    ),
    raw(
        "dynatrace-token",
        &["dt0c01."],
        r"\b(dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64})\b",
    ),
    raw(
        "hashicorp-token",
        &["atlasv1"],
        r"\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})",
    ),
    raw(
        "vault-token",
        &["hvs.", "hvb.", "hvr."],
        r"\b(hv[sbr]\.[A-Za-z0-9_-]{24,300})",
    ),
    raw(
        "vault-token",
        &["s."],
        r"(?:^|[\s'`=:])(s\.[A-Za-z0-9]{24})\b",
    )
    .check(Check::Mixed),
    raw("pulumi-token", &["pul-"], r"\b(pul-[a-f0-9]{40})\b"),
    raw(
        "doppler-token",
        &["dp.pt.", "dp.st.", "dp.ct.", "dp.sa."],
        r"\b(dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9]{40,44})\b",
    ),
    raw("terraform-token", &["tfp_"], r"\b(tfp_[A-Za-z0-9._=-]{59})"),
    raw("prefect-token", &["pnu_"], r"\b(pnu_[a-zA-Z0-9]{36})\b"),
    raw(
        "harness-key",
        &["pat.", "sat."],
        r"\b((?:pat|sat)\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20})\b",
    ),
    raw("octopus-key", &["api-"], r"\b(API-[A-Z0-9]{26})\b"),
    raw("infracost-token", &["ico-"], r"\b(ico-[a-zA-Z0-9]{32})\b"),
    raw(
        "settlemint-token",
        &["sm_aat", "sm_pat", "sm_sat"],
        r"\b(sm_(?:aat|pat|sat)_[a-zA-Z0-9]{16})\b",
    ),
    raw(
        "authress-key",
        &["sc_", "ext_", "scauth_", "authress_"],
        r"\b((?:sc|ext|scauth|authress)_[a-zA-Z0-9]{5,30}\.[a-zA-Z0-9]{4,6}\.acc[_-][a-z0-9-]{10,32}\.[a-z0-9+/_=-]{30,120})",
    ),
    // --- AI providers ---
    raw(
        "openai-key",
        &["sk-proj-", "sk-svcacct-", "sk-admin-"],
        r"\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,})",
    ),
    raw(
        "openai-key",
        &["t3blbkfj"],
        r"\b(sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})\b",
    ),
    raw(
        "anthropic-key",
        &["sk-ant-"],
        r"\b(sk-ant-[a-z]{3,6}\d{2}-[A-Za-z0-9_-]{20,})",
    ),
    raw("huggingface-token", &["hf_"], r"\b(hf_[A-Za-z]{34})\b"),
    raw(
        "huggingface-token",
        &["api_org_"],
        r"\b(api_org_[A-Za-z]{34})\b",
    ),
    raw("perplexity-key", &["pplx-"], r"\b(pplx-[a-zA-Z0-9]{48})\b"),
    raw("groq-key", &["gsk_"], r"\b(gsk_[a-zA-Z0-9]{52})\b"),
    raw("replicate-token", &["r8_"], r"\b(r8_[a-zA-Z0-9]{37})\b"),
    // --- source hosting, CI, registries ---
    raw(
        "github-token",
        &["ghp_", "gho_", "ghs_", "ghu_", "ghr_"],
        r"\b((?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{30,})",
    ),
    raw(
        "github-token",
        &["github_pat_"],
        r"\b(github_pat_[A-Za-z0-9_]{22,})",
    ),
    raw(
        "gitlab-token",
        &[
            "glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glffct-", "glimt-", "glagent-",
            "gloas-", "glcbt-", "glptt-",
        ],
        r"\b((?:glpat|gldt|glft|glsoat|glrt|glffct|glimt|glagent|gloas|glptt)-[0-9a-zA-Z_.-]{20,300}|glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20})",
    ),
    raw("gitlab-token", &["gr1348941"], r"\b(GR1348941[\w-]{20})"),
    raw(
        "gitlab-token",
        &["_gitlab_session="],
        r"_gitlab_session=([0-9a-z]{32})",
    ),
    raw(
        "bitbucket-token",
        &["atbb"],
        r"\b(ATBB[A-Za-z0-9_=.-]{32,})",
    ),
    raw(
        "atlassian-token",
        &["atatt3"],
        r"\b(ATATT3[A-Za-z0-9_=-]{186})",
    ),
    raw("npm-token", &["npm_"], r"\b(npm_[A-Za-z0-9]{36})\b"),
    raw(
        "pypi-token",
        &["pypi-ageichlwas5vcmc"],
        r"\b(pypi-AgEIcHlwaS5vcmc[\w-]{50,1000})",
    ),
    raw(
        "rubygems-token",
        &["rubygems_"],
        r"\b(rubygems_[a-f0-9]{48})\b",
    ),
    raw(
        "clojars-token",
        &["clojars_"],
        r"(?i)\b(CLOJARS_[a-z0-9]{60})\b",
    ),
    raw("artifactory-key", &["akcp"], r"\b(AKCp[A-Za-z0-9]{69})\b"),
    raw("artifactory-key", &["cmvmd"], r"\b(cmVmd[A-Za-z0-9]{59})\b"),
    raw(
        "dockerhub-token",
        &["dckr_pat_", "dckr_oat_"],
        r"\b(dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,})",
    ),
    raw("readme-token", &["rdme_"], r"\b(rdme_[a-z0-9]{70})\b"),
    raw(
        "postman-token",
        &["pmak-"],
        r"\b(PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34})\b",
    ),
    raw(
        "sourcegraph-token",
        &["sgp_"],
        r"\b(sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40})\b",
    ),
    raw(
        "linear-key",
        &["lin_api_"],
        r"\b(lin_api_[A-Za-z0-9]{40})\b",
    ),
    raw("sentry-token", &["sntryu_"], r"\b(sntryu_[a-f0-9]{64})\b"),
    raw(
        "sentry-token",
        &["sntrys_"],
        r"\b(sntrys_eyJ[a-zA-Z0-9+/=_]{40,})",
    ),
    raw(
        "1password-key",
        &["a3-"],
        r"\b(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\b",
    ),
    raw(
        "1password-token",
        &["ops_eyj"],
        r"\b(ops_eyJ[a-zA-Z0-9+/]{250,}={0,3})",
    ),
    raw(
        "age-key",
        &["age-secret-key-1"],
        r"\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b",
    ),
    raw(
        "grafana-token",
        &["glc_"],
        r"\b(glc_[A-Za-z0-9+/]{32,400}={0,3})",
    ),
    raw(
        "grafana-token",
        &["glsa_"],
        r"\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})\b",
    ),
    raw(
        "grafana-token",
        &["eyjrijoi"],
        r"\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,3})",
    ),
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
        r"\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})\b",
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
    // --- names beside the value (the value's shape alone is too common) ---
    ctx("adafruit-key", &["adafruit"], "adafruit", "[a-z0-9_-]{32}"),
    ctx("adobe-key", &["adobe"], "adobe", "[a-f0-9]{32}"),
    ctx("airtable-key", &["airtable"], "airtable", "[a-z0-9]{17}"),
    ctx("algolia-key", &["algolia"], "algolia", "[a-z0-9]{32}"),
    ctx("alibaba-secret", &["alibaba"], "alibaba", "[a-z0-9]{30}"),
    ctx(
        "asana-secret",
        &["asana"],
        "asana",
        "[a-z0-9]{32}|[0-9]{16}",
    )
    .check(Check::Any),
    ctx(
        "atlassian-token",
        &["atlassian", "confluence", "jira"],
        "atlassian|confluence|jira",
        "[a-z0-9]{20}[a-f0-9]{4}",
    ),
    ctx("beamer-token", &["beamer"], "beamer", "b_[a-z0-9=_-]{44}"),
    ctx(
        "bitbucket-secret",
        &["bitbucket"],
        "bitbucket",
        "[a-z0-9=_-]{64}|[a-z0-9]{32}",
    ),
    ctx("bittrex-key", &["bittrex"], "bittrex", "[a-z0-9]{32}"),
    ctx("meraki-key", &["meraki"], "meraki", "[0-9a-f]{40}"),
    ctx(
        "cloudflare-key",
        &["cloudflare"],
        "cloudflare",
        "[a-z0-9_-]{40}|[a-f0-9]{37}",
    ),
    ctx("codecov-token", &["codecov"], "codecov", "[a-z0-9]{32}"),
    ctx(
        "cohere-key",
        &["cohere", "co_api_key"],
        "cohere|co_api_key",
        "[a-z0-9]{40}",
    ),
    ctx(
        "coinbase-token",
        &["coinbase"],
        "coinbase",
        "[a-z0-9_-]{64}",
    ),
    ctx(
        "confluent-key",
        &["confluent"],
        "confluent",
        "[a-z0-9]{64}|[a-z0-9]{16}",
    ),
    ctx(
        "contentful-token",
        &["contentful"],
        "contentful",
        "[a-z0-9=_-]{43}",
    ),
    ctx(
        "datadog-key",
        &["datadog", "dd_api_key", "dd_app_key"],
        "datadog|dd_api|dd_app",
        "[a-z0-9]{40}|[a-f0-9]{32}",
    ),
    ctx(
        "defined-networking-token",
        &["dnkey"],
        "dnkey",
        "dnkey-[a-z0-9=_-]{26}-[a-z0-9=_-]{52}",
    ),
    ctx(
        "discord-token",
        &["discord"],
        "discord",
        "[a-f0-9]{64}|[a-z0-9=_-]{32}|[0-9]{18}",
    )
    .check(Check::Any),
    ctx(
        "droneci-token",
        &["droneci", "drone_token"],
        "drone",
        "[a-z0-9]{32}",
    ),
    ctx(
        "dropbox-token",
        &["dropbox"],
        "dropbox",
        r"sl\.[a-z0-9=_-]{135}|[a-z0-9]{11}AAAAAAAAAA[a-z0-9=_-]{43}|[a-z0-9]{15}",
    ),
    ctx("etsy-token", &["etsy"], "etsy", "[a-z0-9]{24}"),
    ctx("facebook-secret", &["facebook"], "facebook", "[a-f0-9]{32}"),
    ctx("fastly-token", &["fastly"], "fastly", "[a-z0-9=_-]{32}"),
    ctx(
        "finicity-secret",
        &["finicity"],
        "finicity",
        "[a-f0-9]{32}|[a-z0-9]{20}",
    ),
    ctx("finnhub-token", &["finnhub"], "finnhub", "[a-z0-9]{20}"),
    ctx("flickr-token", &["flickr"], "flickr", "[a-z0-9]{32}"),
    ctx(
        "freshbooks-token",
        &["freshbooks"],
        "freshbooks",
        "[a-z0-9]{64}",
    ),
    ctx("gitter-token", &["gitter"], "gitter", "[a-z0-9_-]{40}"),
    ctx("heroku-key", &["heroku"], "heroku", UUID_RE),
    ctx("hubspot-key", &["hubspot"], "hubspot", UUID_RE),
    ctx("intercom-key", &["intercom"], "intercom", "[a-z0-9=_-]{60}"),
    ctx(
        "jfrog-key",
        &["jfrog", "artifactory", "bintray", "xray"],
        "jfrog|artifactory|bintray|xray",
        "[a-z0-9]{73}|[a-z0-9]{64}",
    ),
    ctx(
        "kraken-token",
        &["kraken"],
        "kraken",
        "[a-z0-9/=_+-]{80,90}",
    ),
    ctx("kucoin-key", &["kucoin"], "kucoin", "[a-f0-9]{24}"),
    ctx("kucoin-key", &["kucoin"], "kucoin", UUID_RE),
    ctx(
        "launchdarkly-token",
        &["launchdarkly"],
        "launchdarkly",
        "[a-z0-9=_-]{40}",
    ),
    ctx("linear-secret", &["linear"], "linear", "[a-f0-9]{32}"),
    ctx(
        "linkedin-secret",
        &["linkedin", "linked_in", "linked-in"],
        "linked[_-]?in",
        "[a-z0-9]{16}|[a-z0-9]{14}",
    ),
    ctx(
        "lob-key",
        &["lob"],
        r"\blob",
        "(?:live|test)_(?:pub_)?[a-f0-9]{31,35}",
    ),
    ctx(
        "looker-secret",
        &["looker"],
        "looker",
        "[a-z0-9]{24}|[a-z0-9]{20}",
    ),
    ctx(
        "mailgun-key",
        &["mailgun"],
        "mailgun",
        "[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}",
    ),
    ctx(
        "mattermost-token",
        &["mattermost"],
        "mattermost",
        "[a-z0-9]{26}",
    ),
    ctx(
        "messagebird-token",
        &["messagebird", "message_bird", "message-bird"],
        "message[_-]?bird",
        "[a-z0-9]{25}",
    ),
    ctx(
        "netlify-token",
        &["netlify"],
        "netlify",
        "[a-z0-9=_-]{40,46}",
    ),
    ctx(
        "newrelic-key",
        &["newrelic", "new_relic", "new-relic"],
        "new[_-]?relic",
        "[a-z0-9]{64}",
    ),
    ctx(
        "nytimes-token",
        &["nytimes", "newyorktimes", "new-york-times"],
        "nytimes|newyorktimes|new-york-times",
        "[a-z0-9=_-]{32}",
    ),
    ctx("okta-token", &["okta"], "okta", r"00[\w=-]{40}"),
    ctx(
        "plaid-secret",
        &["plaid"],
        "plaid",
        "[a-z0-9]{30}|[a-z0-9]{24}",
    ),
    ctx(
        "privateai-token",
        &["privateai", "private_ai", "private-ai"],
        "private[_-]?ai",
        "[a-z0-9]{32}",
    ),
    ctx(
        "rapidapi-token",
        &["rapidapi"],
        "rapidapi",
        "[a-z0-9_-]{50}",
    ),
    ctx("sendbird-token", &["sendbird"], "sendbird", "[a-f0-9]{40}"),
    ctx("sentry-token", &["sentry"], "sentry", "[a-f0-9]{64}"),
    ctx(
        "sidekiq-secret",
        &["contribsys"],
        "contribsys",
        "[a-f0-9]{8}:[a-f0-9]{8}",
    ),
    ctx("snyk-token", &["snyk"], "snyk", UUID_RE),
    ctx(
        "sonar-token",
        &["sonar"],
        "sonar",
        "(?:squ_|sqp_|sqa_)?[a-z0-9=_-]{40}",
    ),
    ctx(
        "squarespace-token",
        &["squarespace"],
        "squarespace",
        UUID_RE,
    ),
    ctx(
        "sumologic-key",
        &["sumo"],
        "sumo",
        "su[a-z0-9]{12}|[a-z0-9]{64}",
    ),
    ctx("travisci-token", &["travis"], "travis", "[a-z0-9]{22}"),
    ctx("twitch-token", &["twitch"], "twitch", "[a-z0-9]{30}"),
    ctx(
        "twitter-secret",
        &["twitter"],
        "twitter",
        "[a-z0-9]{45}|[a-z0-9]{50}|[a-z0-9]{25}|[0-9]{15,25}-[a-z0-9]{20,40}|A{22}[a-z0-9%]{80,100}",
    ),
    ctx("yandex-token", &["yandex"], "yandex", "[a-z0-9_-]{40,}"),
    ctx("zendesk-key", &["zendesk"], "zendesk", "[a-z0-9]{40}"),
    ctx(
        "mongodb-key",
        &["mongodb", "atlas"],
        "mongodb|atlas",
        UUID_RE,
    ),
    ctx(
        "pagerduty-key",
        &["pagerduty", "pd_"],
        "pagerduty|pd_",
        "[a-z0-9_+-]{20,32}",
    ),
    ctx("opsgenie-key", &["opsgenie"], "opsgenie", UUID_RE),
    ctx(
        "honeycomb-key",
        &["honeycomb"],
        "honeycomb",
        "[a-z0-9]{22}|[a-z0-9]{32}",
    ),
    ctx(
        "segment-key",
        &["segment"],
        r"segment[_-]?(?:write)?[_-]?key",
        "[a-z0-9]{32}",
    ),
    ctx("algolia-key", &["algolia"], "algolia", "[a-f0-9]{32}"),
];

/// The UUID shape used by several providers (heroku, hubspot, snyk…), as a regex.
const UUID_RE: &str = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
