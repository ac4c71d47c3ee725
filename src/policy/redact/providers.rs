//! Provider token formats (prefixes, lengths, alphabets as the providers publish them, the
//! same set of providers gitleaks covers), written as data: marker kind, keywords, pattern.

use super::rules::{Check, Spec, raw};

/// Cloud, AI and developer-platform tokens recognisable by their own shape (saas.rs has
/// payments, messaging and HTTP auth; named.rs those recognised by the name beside them).
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
        "cloudflare-token",
        &["cfat_", "cfut_"],
        r"\b(cf[au]t_[A-Za-z0-9_-]{32,})",
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
];
