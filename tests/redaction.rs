//! Redaction of real-looking secrets inside realistic command output: exact redacted text,
//! counts, idempotence, and ordinary ops output left untouched.

use opsassist::policy::Redactor;

fn redact(text: &str) -> (String, usize) {
    let r = Redactor::new(vec!["hunter2-prod-db".into(), "abc".into()]).redact(text);
    (r.text, r.count)
}

fn check(name: &str, input: &str, want: &str, count: usize, failures: &mut Vec<String>) {
    let (got, n) = redact(input);
    if got != want || n != count {
        failures.push(format!(
            "--- {name}: count want {count} got {n}\n want: {want:?}\n  got: {got:?}"
        ));
    }
    let (again, n2) = redact(&got);
    if again != got || n2 != 0 {
        failures.push(format!("--- {name}: not idempotent: {again:?} ({n2})"));
    }
}

#[test]
fn secrets_in_realistic_output_are_masked_exactly() {
    let mut f = Vec::new();
    check(
        "env dump",
        "HOME=/root\nPWD=/srv/app\nOLDPWD=/root\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nDB_PASSWORD=s3cr3t!Pass\nGITHUB_TOKEN=ghp_1A2b3C4d5E6f7G8h9I0j1K2l3M4n5O6p7Q8r\nSLACK_BOT_TOKEN=xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx\nPATH=/usr/local/bin:/usr/bin\n",
        "HOME=/root\nPWD=/srv/app\nOLDPWD=/root\nAWS_ACCESS_KEY_ID=[REDACTED:aws-key]\nAWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret]\nDB_PASSWORD=[REDACTED:password]\nGITHUB_TOKEN=[REDACTED:github-token]\nSLACK_BOT_TOKEN=[REDACTED:slack-token]\nPATH=/usr/local/bin:/usr/bin\n",
        5,
        &mut f,
    );
    check(
        "curl -v",
        "> GET /api/v1/health HTTP/1.1\n> Host: api.internal\n> Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543aZ.x\n> Accept: */*\n< HTTP/1.1 200 OK\n< Set-Cookie: session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMiLCJpYXQiOjE3MDB9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk; HttpOnly\n",
        "> GET /api/v1/health HTTP/1.1\n> Host: api.internal\n> Authorization: Bearer [REDACTED:bearer-token]\n> Accept: */*\n< HTTP/1.1 200 OK\n< Set-Cookie: session=[REDACTED:jwt]; HttpOnly\n",
        2,
        &mut f,
    );
    check(
        "kubeconfig",
        "users:\n- name: ops\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl\n    client-key-data: LS0tLS1CRUdJTg==\n",
        "users:\n- name: ops\n  user:\n    token: [REDACTED:jwt]\n    client-key-data: [REDACTED:private-key]\n",
        2,
        &mut f,
    );
    check(
        ".pgpass and URLs",
        "db.internal:5432:app:app:hunter2-prod-db\nDATABASE_URL=postgres://app:Zx9%40pw@db.internal:5432/app\nredis://:r3d1s@cache:6379/0\nhttps://user@example.com/ok\n",
        "db.internal:5432:app:app:[REDACTED:configured]\nDATABASE_URL=postgres://app:[REDACTED:url-password]@db.internal:5432/app\nredis://:[REDACTED:url-password]@cache:6379/0\nhttps://user@example.com/ok\n",
        3,
        &mut f,
    );
    check(
        "docker inspect",
        "\"Env\": [\n    \"POSTGRES_PASSWORD=pg-Secret-42\",\n    \"API_KEY=k_live_51HxQ2\",\n    \"LANG=C.UTF-8\"\n],\n\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\",\n\"client_secret\": \"0a1b2c3d4e\",\n\"password\": \"\"\n",
        "\"Env\": [\n    \"POSTGRES_PASSWORD=[REDACTED:password]\",\n    \"API_KEY=[REDACTED:api-key]\",\n    \"LANG=C.UTF-8\"\n],\n\"SecretAccessKey\": \"[REDACTED:aws-secret]\",\n\"client_secret\": \"[REDACTED:secret]\",\n\"password\": \"\"\n",
        4,
        &mut f,
    );
    check(
        "private key block",
        "$ cat /etc/ssl/private/web.key\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\ndone\n",
        "$ cat /etc/ssl/private/web.key\n[REDACTED:private-key]\ndone\n",
        1,
        &mut f,
    );
    check(
        "private key cut by the output cap",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        "[REDACTED:private-key]",
        1,
        &mut f,
    );
    check(
        "config pairs",
        "password=abc123 retries=3\nsecret: s3cr3t-value\ntoken = 'tok-9f8e7d'\napikey: AIzaSyA1b2C3\naccess_token=ya29.a0Af\nmysql --user=root --password hunter3x -e 'select 1'\n",
        "password=[REDACTED:password] retries=3\nsecret: [REDACTED:secret]\ntoken = '[REDACTED:token]'\napikey: [REDACTED:api-key]\naccess_token=[REDACTED:token]\nmysql --user=root --password [REDACTED:password] -e 'select 1'\n",
        6,
        &mut f,
    );
    check(
        "slack webhook and app token",
        "posting to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\nxapp-1-A0123456789-1234567890123-abcdef0123456789\n",
        "posting to [REDACTED:slack-token]\n[REDACTED:slack-token]\n",
        2,
        &mut f,
    );
    check(
        "github fine-grained and sts",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS\nASIAY34FZKBOKMUTVV7A\n",
        "[REDACTED:github-token]\n[REDACTED:aws-key]\n",
        2,
        &mut f,
    );
    check(
        "configured values",
        "connected with hunter2-prod-db twice: hunter2-prod-db (abc is too short to mask)",
        "connected with [REDACTED:configured] twice: [REDACTED:configured] (abc is too short to mask)",
        2,
        &mut f,
    );
    assert!(
        f.is_empty(),
        "{} redaction cases failed:\n{}",
        f.len(),
        f.join("\n")
    );
}

#[test]
fn ordinary_ops_output_is_untouched() {
    let samples = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  /usr/bin/ls",
        "a1b2c3d4-e5f6-7890-abcd-ef1234567890 /dev/sda1 ext4",
        "NAME                         READY   STATUS    RESTARTS   AGE\nweb-7d9f8c6b5-x2k4p          1/1     Running   0          3d\n",
        "password_changed=0 token_expiry=3600 secretName: db-creds",
        "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1        50G   45G  5.0G  90% /",
        "Jan 01 03:00:00 web1 sshd[123]: Accepted publickey for ops from 10.0.0.5 port 50022 ssh2: RSA SHA256:uM1Qp8xT3bX4w9mZ6aC2rD5eF7gH0iJ1kL2nO3pQ4rS",
        "PWD=/var/lib/postgres\nOLDPWD=/root",
        "use a bearer token for authentication",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8\nAuthor: Ops <ops@example.com>",
        "https://example.com/path?q=1 and git@github.com:org/repo.git",
        "password: null\ntoken: ~\nsecret: $VAULT_SECRET\npassword: ********",
    ];
    let r = Redactor::new(Vec::new());
    let mut f = Vec::new();
    for s in samples {
        let out = r.redact(s);
        if out.text != s || out.count != 0 {
            f.push(format!("{s:?}\n -> {:?} ({})", out.text, out.count));
        }
    }
    assert!(f.is_empty(), "false positives:\n{}", f.join("\n"));
}

#[test]
fn large_input_is_handled() {
    let line = "Jan 01 03:00:00 web1 app[1]: GET /health 200 12ms user=alice\n";
    let mut big = line.repeat(40_000);
    big.push_str("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n");
    let out = Redactor::default().redact(&big);
    assert_eq!(out.count, 1);
    assert!(out.text.ends_with("AWS_ACCESS_KEY_ID=[REDACTED:aws-key]\n"));
    assert_eq!(
        out.text.len(),
        big.len() - "AKIAIOSFODNN7EXAMPLE".len() + "[REDACTED:aws-key]".len()
    );
}

/// A secret-named key on one line and its value on the next: a Kubernetes env entry as
/// `kubectl get deploy -o yaml` and `-o json` print it, an ECS/docker entry on one line, and a
/// YAML key whose value sits alone on the following line.
#[test]
fn a_secret_named_entry_masks_its_value_on_a_later_line() {
    let mut f = Vec::new();
    check(
        "kubectl get deploy -o yaml",
        "    spec:\n      containers:\n      - env:\n        - name: AWS_SECRET_ACCESS_KEY\n          value: \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\n        - name: DB_PASSWORD\n          value: hunter2x\n        - name: LOG_LEVEL\n          value: debug\n        - name: API_TOKEN\n          valueFrom:\n            secretKeyRef:\n              name: api\n              key: token\n",
        "    spec:\n      containers:\n      - env:\n        - name: AWS_SECRET_ACCESS_KEY\n          value: \"[REDACTED:api-key]\"\n        - name: DB_PASSWORD\n          value: [REDACTED:password]\n        - name: LOG_LEVEL\n          value: debug\n        - name: API_TOKEN\n          valueFrom:\n            secretKeyRef:\n              name: api\n              key: token\n",
        2,
        &mut f,
    );
    check(
        "kubectl get deploy -o json",
        "\"env\": [\n  {\n    \"name\": \"STRIPE_SECRET\",\n    \"value\": \"9f8e7d6c5b4a3f2e1d0cQz\"\n  },\n  {\n    \"name\": \"REPLICAS\",\n    \"value\": \"3\"\n  }\n]\n",
        "\"env\": [\n  {\n    \"name\": \"STRIPE_SECRET\",\n    \"value\": \"[REDACTED:secret]\"\n  },\n  {\n    \"name\": \"REPLICAS\",\n    \"value\": \"3\"\n  }\n]\n",
        1,
        &mut f,
    );
    check(
        "ecs task definition",
        "{\"name\": \"DB_PASSWORD\", \"value\": \"pg-Secret-42\"}, {\"name\": \"PORT\", \"value\": \"8080\"}\n",
        "{\"name\": \"DB_PASSWORD\", \"value\": \"[REDACTED:password]\"}, {\"name\": \"PORT\", \"value\": \"8080\"}\n",
        1,
        &mut f,
    );
    check(
        "hadoop xml config",
        "<property>\n  <name>fs.s3a.secret.key</name>\n  <value>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</value>\n</property>\n<property>\n  <name>fs.s3a.endpoint</name>\n  <value>s3.eu-west-1.amazonaws.com</value>\n</property>\n",
        "<property>\n  <name>fs.s3a.secret.key</name>\n  <value>[REDACTED:api-key]</value>\n</property>\n<property>\n  <name>fs.s3a.endpoint</name>\n  <value>s3.eu-west-1.amazonaws.com</value>\n</property>\n",
        1,
        &mut f,
    );
    check(
        "value alone on the next line",
        "aws:\n  AWS_SECRET_ACCESS_KEY:\n    wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n  region:\n    eu-west-1\ndb_password: |\n  Tr0ub4dor&3\n",
        "aws:\n  AWS_SECRET_ACCESS_KEY:\n    [REDACTED:api-key]\n  region:\n    eu-west-1\ndb_password: |\n  [REDACTED:password]\n",
        2,
        &mut f,
    );
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// Token shapes recognised in a plain log line, with no secret-named key beside them.
#[test]
fn sendgrid_cloudflare_adafruit_and_contentful_tokens_are_masked_by_shape() {
    let a = |n: usize| {
        "aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0zAbCdEfGhIjKlMnOpQrStUvWxYz0123456789"[..n].to_string()
    };
    let tokens = [
        ("sendgrid-key", format!("SG.{}.{}", a(22), a(43))),
        ("sendgrid-key", format!("SG.{}.{}", a(24), a(48))),
        ("sendgrid-key", format!("SG.{}.{}", a(22), a(50))),
        ("cloudflare-token", format!("cfat_{}", a(48))),
        ("cloudflare-token", format!("cfut_{}", a(40))),
        ("adafruit-key", format!("aio_{}", a(28))),
        ("contentful-token", format!("CFPAT-{}_{}", a(20), a(22))),
    ];
    let mut f = Vec::new();
    for (kind, token) in &tokens {
        check(
            kind,
            &format!("Dec 06 03:00:01 web1 app[7]: upload using {token} done\n"),
            &format!("Dec 06 03:00:01 web1 app[7]: upload using [REDACTED:{kind}] done\n"),
            1,
            &mut f,
        );
    }
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// A mask covers the whole secret: a token with a `-` past its rule's alphabet, a value one
/// character longer than its rule's fixed length, a `KEY=value` whose value holds `;`, `,` or
/// brackets.
#[test]
fn a_mask_never_ends_early() {
    let mut f = Vec::new();
    check(
        "stripe key with a dash",
        "charging with sk_live_51HxQ2abcDEF-ghi123JKLmno456 now\n",
        "charging with [REDACTED:stripe-key] now\n",
        1,
        &mut f,
    );
    check(
        "41-character aws secret",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYY\n",
        "AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret]\n",
        1,
        &mut f,
    );
    check(
        "values with punctuation",
        "DB_PASSWORD=abc;def(1)]\nAPI_KEY=k_live_51HxQ2,extra\nPassword=p@ss;w0rd;Server=db\nauth_token=Zq8,x9{y}\n",
        "DB_PASSWORD=[REDACTED:password]\nAPI_KEY=[REDACTED:api-key]\nPassword=[REDACTED:password];Server=db\nauth_token=[REDACTED:token]\n",
        4,
        &mut f,
    );
    assert!(f.is_empty(), "{}", f.join("\n"));
}
