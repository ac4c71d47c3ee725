# Generates learning_cross_source.json, the cross-source learning benchmark (issue 30): 40 first
# incidents whose proposed command the operator edited, then 60 later incidents: 20 recur through
# ANOTHER monitoring source (that source's real payload shape and boilerplate, as in
# /work/shared/alerts), 20 recur reworded (same or another source, other host), 20 are unrelated.
# Written from the problems' ops meaning, not from the vocabulary file, and not tuned on the
# older benches/data/learning.json. Deterministic.
# Run: python3 benches/data/gen_learning_cross_source.py > benches/data/learning_cross_source.json
import json
import random

rng = random.Random(30)
ASSIGNEES = ["Dana Okafor", "Luis Ferreira", "Mei Tanaka", "Ravi Patel", "Olga Ivanova", "Sam Carter"]
POLICIES = ["DBA On-Call", "Platform Primary", "Web Escalation", "Infra Night Shift"]
TEAMS = ["Database Reliability", "Platform", "Web", "Core Infra"]


def hexid(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def uuid():
    return f"{hexid(8)}-{hexid(4)}-4{hexid(3)}-a{hexid(3)}-{hexid(12)}"


def digits(n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def fqdn(host):
    return f"{host}.example.com"


def alertmanager(title, host, k, grafana=False):
    labels = {
        "alertname": k.get("alertname", title.split()[0]),
        "instance": f"{fqdn(host)}:{k.get('port', 9100)}",
        "job": k.get("job", "node"),
        "severity": k.get("severity", "warning"),
        "env": "prod",
    }
    for key in ("service", "container", "name", "mountpoint", "device", "namespace", "pod", "queue", "unit"):
        if key in k:
            labels[key] = k[key]
    expr = k.get("expr", f"{labels['alertname'].lower()}_ratio > 0.9")
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {
            "summary": title,
            "description": k.get("description", f"{title}. Check the dashboard and the runbook."),
            "runbook_url": f"https://runbooks.example.com/{labels['alertname'].lower()}",
        },
        "startsAt": "2025-03-14T09:12:44.101Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus-0.example.com:9090/graph?g0.expr={expr}&g0.tab=1",
        "fingerprint": hexid(16),
    }
    group = {
        "receiver": "incident-console",
        "status": "firing",
        "alerts": [alert],
        "groupLabels": {"alertname": labels["alertname"]},
        "commonLabels": labels,
        "commonAnnotations": alert["annotations"],
        "externalURL": "http://alertmanager-0.example.com:9093",
        "version": "4",
        "groupKey": f"{{}}:{{alertname=\"{labels['alertname']}\"}}",
        "truncatedAlerts": 0,
    }
    if grafana:
        uid = hexid(14)
        labels.pop("job")
        labels["instance"] = fqdn(host)
        labels["grafana_folder"] = k.get("folder", "Infrastructure")
        alert["generatorURL"] = f"https://grafana.example.com/alerting/grafana/{uid}/view?orgId=1"
        alert["silenceURL"] = (
            f"https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=__alert_rule_uid__%3D{uid}"
            f"&matcher=instance%3D{fqdn(host)}&orgId=1"
        )
        alert["dashboardURL"] = f"https://grafana.example.com/d/{hexid(9)}?orgId=1"
        alert["panelURL"] = alert["dashboardURL"] + "&viewPanel=" + digits(1)
        value = round(rng.uniform(1, 900), 3)
        alert["values"] = {"A": value, "B": value, "C": 1}
        alert["valueString"] = (
            f"[ var='A' labels={{instance={fqdn(host)}}} value={value} ], "
            f"[ var='C' labels={{instance={fqdn(host)}}} value=1 ]"
        )
        group["orgId"] = 1
        group["state"] = "alerting"
        group["title"] = f"[FIRING:1] {labels['alertname']} ({fqdn(host)} {labels['severity']})"
        group["message"] = f"**Firing**\n\nValue: A={value}\nLabels:\n - alertname = {labels['alertname']}\n"
        group["externalURL"] = "https://grafana.example.com/"
        group["version"] = "1"
    return group


def grafana(title, host, k):
    return alertmanager(title, host, k, grafana=True)


def pagerduty(title, host, k):
    iid = "Q" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(13))
    return {
        "event": {
            "id": "01" + "".join(rng.choice("ABCDEFGHJKMNPQRSTVWXYZ0123456789") for _ in range(24)),
            "event_type": "incident.triggered",
            "resource_type": "incident",
            "occurred_at": "2025-03-14T09:13:02.554Z",
            "agent": {"html_url": "https://example.pagerduty.com/services/PSVC" + digits(3),
                      "id": "PSVC" + digits(3), "self": "https://api.pagerduty.com/services/PSVC" + digits(3),
                      "summary": k.get("service", "Production"), "type": "service_reference"},
            "client": None,
            "data": {
                "id": iid,
                "type": "incident",
                "self": f"https://api.pagerduty.com/incidents/{iid}",
                "html_url": f"https://example.pagerduty.com/incidents/{iid}",
                "number": int(digits(4)),
                "status": "triggered",
                "incident_key": hexid(32),
                "created_at": "2025-03-14T09:13:02Z",
                "title": title,
                "service": {"html_url": "https://example.pagerduty.com/services/PSVC1", "id": "PSVC1",
                            "self": "https://api.pagerduty.com/services/PSVC1",
                            "summary": k.get("service", "Production"), "type": "service_reference"},
                "assignees": [{"html_url": "https://example.pagerduty.com/users/PUSR1", "id": "PUSR1",
                               "self": "https://api.pagerduty.com/users/PUSR1",
                               "summary": rng.choice(ASSIGNEES), "type": "user_reference"}],
                "escalation_policy": {"html_url": "https://example.pagerduty.com/escalation_policies/PEP1",
                                      "id": "PEP1", "self": "https://api.pagerduty.com/escalation_policies/PEP1",
                                      "summary": rng.choice(POLICIES), "type": "escalation_policy_reference"},
                "teams": [{"html_url": "https://example.pagerduty.com/teams/PT1", "id": "PT1",
                           "self": "https://api.pagerduty.com/teams/PT1", "summary": rng.choice(TEAMS),
                           "type": "team_reference"}],
                "priority": {"html_url": "https://example.pagerduty.com/account/incident_priorities",
                             "id": "PPRI2", "self": "https://api.pagerduty.com/priorities/PPRI2",
                             "summary": "P2", "type": "priority"},
                "urgency": "high",
                "conference_bridge": None,
                "resolve_reason": None,
            },
        }
    }


def opsgenie(title, host, k):
    team = uuid()
    details = {"host": fqdn(host)}
    details.update(k.get("details", {}))
    return {
        "action": "Create",
        "alert": {
            "alertId": uuid(),
            "message": title,
            "tags": k.get("tags", ["linux", "prod"]),
            "tinyId": digits(4),
            "entity": fqdn(host),
            "alias": f"{k.get('alias', 'alert')}-{host}",
            "createdAt": 1741943582201,
            "updatedAt": 1741943582201000000,
            "username": "System",
            "userId": "",
            "description": k.get("description", f"{title}. Triggered by the monitoring integration."),
            "details": details,
            "priority": "P2",
            "teams": [team],
            "recipients": [team],
            "source": k.get("osource", "Prometheus"),
        },
        "source": {"name": k.get("osource", "Prometheus"), "type": "API"},
        "integrationId": uuid(),
        "integrationName": "Incident Console Webhook",
        "integrationType": "Webhook",
    }


def datadog(title, host, k):
    monitor = digits(8)
    event = digits(19)
    metric = k.get("metric", "system.cpu.user")
    query = k.get("query", f"avg(last_5m):avg:{metric}{{env:prod}} by {{host}} > 90")
    status = f"{metric} over host:{host} was > {k.get('threshold', 90)} on average during the last 5m."
    tags = ["env:prod", f"host:{host}", "monitor", f"role:{k.get('role', 'app')}", f"team:{rng.choice(['platform', 'data-platform', 'web', 'sre'])}"]
    tags += k.get("tags", [])
    return {
        "id": event,
        "last_updated": "1741943611000",
        "event_type": "metric_alert_monitor",
        "title": f"[Triggered on {{host:{host}}}] {title}",
        "date": "1741943582000",
        "org": {"id": digits(6), "name": "Example Corp"},
        "body": f"%%%\n{title}\n\n@webhook-incident-console\n\n{status}\n\n[[Monitor Status](https://app.datadoghq.com/monitors/{monitor}?group=host%3A{host})] · [[Edit Monitor](https://app.datadoghq.com/monitors/{monitor}/edit)]\n%%%",
        "alert_id": monitor,
        "alert_type": "error",
        "alert_transition": "Triggered",
        "alert_status": status,
        "alert_metric": metric,
        "alert_query": query,
        "alert_scope": f"host:{host}",
        "alert_priority": "P2",
        "priority": "normal",
        "host": host,
        "tags": ",".join(tags),
        "link": f"https://app.datadoghq.com/event/event?id={event}",
        "aggreg_key": hexid(31),
        "alert_cycle_key": digits(19),
    }


def zabbix(title, host, k):
    trig = digits(5)
    ev = digits(7)
    if k.get("minimal"):
        return {
            "hostname": host,
            "severity": "Warning",
            "status": "PROBLEM",
            "item": k.get("item", title),
            "trigger": title,
            "link": f"https://zabbix.example.com/tr_events.php?triggerid={trig}&eventid={ev}",
        }
    return {
        "event_id": ev,
        "event_name": title,
        "event_severity": "High",
        "event_nseverity": "4",
        "event_status": "PROBLEM",
        "event_value": "1",
        "event_date": "2025.03.14",
        "event_time": "10:13:02",
        "event_tags": k.get("event_tags", "class:os, scope:performance, target:linux"),
        "event_opdata": k.get("opdata", "Current value: " + digits(2)),
        "host_name": host,
        "host_host": fqdn(host),
        "host_ip": f"10.{rng.randint(1, 40)}.{rng.randint(1, 250)}.{rng.randint(2, 250)}",
        "trigger_id": trig,
        "trigger_name": title,
        "trigger_description": k.get("trigger_description", f"Problem detected by template: {title}. Check the host and acknowledge in the frontend."),
        "item_name": k.get("item", title),
        "item_value": k.get("item_value", digits(2)),
        "zabbix_url": "https://zabbix.example.com",
        "event_url": f"https://zabbix.example.com/tr_events.php?triggerid={trig}&eventid={ev}",
    }


def generic(title, host, k):
    return {"title": title, "severity": k.get("severity", "warning"), "host": fqdn(host),
            "description": k.get("description", title)}


SRC = {"alertmanager": alertmanager, "grafana": grafana, "pagerduty": pagerduty, "opsgenie": opsgenie,
       "datadog": datadog, "zabbix": zabbix, "generic": generic}

# id: (first (source, title, host, extras), proposed, executed, later (source, title, host, extras))
# Problems p01-p20 recur through another source; p21-p40 recur reworded.
P = [
 # --- recur through another source ---
 (("pagerduty", "[FIRING:1] PostgresReplicationLag pg-replica-02.example.com: replication lag 412s (> 300s)", "pg-replica-02", {"service": "Postgres Production"}),
  "psql -c 'select * from pg_stat_replication'", "psql -x -c 'select client_addr, state, write_lag, replay_lag from pg_stat_replication'",
  ("grafana", "Replica delay 540s on pg-replica-04", "pg-replica-04", {"alertname": "PostgreSQL replica delay", "folder": "Databases"})),
 (("zabbix", "Cert: SSL certificate for api.example.com expires soon (less than 7 days)", "web-gw-01", {"minimal": True, "item": "Cert: Days until expiration for api.example.com:443 is 6"}),
  "openssl x509 -in /etc/ssl/certs/api.pem -noout -dates", "echo | openssl s_client -connect api.example.com:443 -servername api.example.com 2>/dev/null | openssl x509 -noout -enddate -issuer",
  ("alertmanager", "TLS certificate for api.example.com expires in 5 days", "web-gw-01", {"alertname": "ProbeTLSCertExpiringSoon", "job": "blackbox", "port": 9115, "expr": "probe_ssl_earliest_cert_expiry - time() < 86400 * 7"})),
 (("zabbix", "postfix.service: Service is not running", "mail-relay-01", {"event_tags": "class:os, component:systemd, scope:availability, target:linux, unit:postfix.service", "opdata": "Active state: failed, SubState: failed", "item": "postfix.service: Active state", "item_value": "failed"}),
  "systemctl restart postfix", "journalctl -u postfix.service -n 80 --no-pager && postfix check",
  ("generic", "postfix.service failed", "mail-relay-02", {})),
 (("grafana", "Nginx 5xx spike on lb-edge-02", "lb-edge-02", {"alertname": "Nginx 5xx error rate high", "folder": "Edge"}),
  "tail /var/log/nginx/error.log", "tail -n 300 /var/log/nginx/error.log | grep -E 'upstream|connect\\(\\)'",
  ("datadog", "Elevated HTTP 500 responses from nginx on lb-edge-05", "lb-edge-05", {"metric": "nginx.net.request_per_s", "query": "sum(last_5m):sum:nginx.requests{status_code_class:5xx,env:prod} by {host} > 200", "tags": ["service:nginx"]})),
 (("opsgenie", "OOM killer invoked on app-worker-07: java (pid 23817) killed", "app-worker-07", {"details": {"cgroup": "/system.slice/order-worker.service", "oom_kills_5m": "3", "source_check": "node_vmstat_oom_kill"}, "tags": ["linux", "memory", "oom", "prod"], "alias": "oom-kill"}),
  "free -m", "journalctl -k --since '-30 min' | grep -iE 'out of memory|killed process' | tail -20",
  ("alertmanager", "Host app-worker-12 is out of memory", "app-worker-12", {"alertname": "HostOutOfMemory"})),
 (("datadog", "High 5-minute load average on batch-node-11", "batch-node-11", {"metric": "system.load.5", "query": "avg(last_10m):avg:system.load.5{role:batch} by {host} > 32", "role": "batch", "threshold": 32}),
  "top", "ps -eo pid,stat,pcpu,etime,args --sort=-pcpu | head -25",
  ("zabbix", "Load average is too high (per CPU load over 1.5 for 5m)", "batch-node-14", {"item": "Load average (5m avg)", "opdata": "Load averages(1m 5m 15m): (41.2 38.9 30.1), # of CPUs: 16"})),
 (("alertmanager", "Disk almost full: /var on db-prod-01.example.com", "db-prod-01", {"alertname": "HostOutOfDiskSpace", "mountpoint": "/var", "device": "/dev/mapper/vg0-var", "severity": "critical"}),
  "du -sh /*", "du -xsh /var/* 2>/dev/null | sort -h | tail -15",
  ("zabbix", "/var: Disk space is critically low (used > 90%)", "db-prod-03", {"item": "/var: Space utilization", "event_tags": "class:os, component:storage, filesystem:/var, target:linux", "opdata": "Space used: 47.1 GB of 50 GB (94.2 %)"})),
 (("pagerduty", "[FIRING:1] RedisMemoryHigh cache-03.example.com: used_memory 95% of maxmemory", "cache-03", {"service": "Redis Cache"}),
  "redis-cli info", "redis-cli info memory | grep -E 'used_memory_human|maxmemory_human|mem_fragmentation_ratio' && redis-cli --bigkeys -i 0.1",
  ("datadog", "Redis memory usage above 90% on cache-05", "cache-05", {"metric": "redis.mem.used", "query": "avg(last_5m):avg:redis.mem.used{env:prod} by {host} / avg:redis.mem.maxmemory{env:prod} by {host} > 0.9", "tags": ["service:redis"]})),
 (("grafana", "payments-api pod crash looping in prod-eu-1", "payments-api-7d9c8b6f5-x2kqp", {"alertname": "KubePodCrashLooping", "namespace": "payments", "container": "payments-api", "folder": "Kubernetes"}),
  "kubectl get pods -n payments", "kubectl -n payments logs deploy/payments-api --previous --tail=150",
  ("opsgenie", "CrashLoopBackOff: payments-api restarting (12 restarts in 15m)", "payments-api-5f6b7c8d9-q8wzt", {"details": {"namespace": "payments", "container": "payments-api", "restarts": "12"}, "tags": ["k8s", "prod"], "alias": "crashloop-payments-api", "osource": "Kubernetes"})),
 (("alertmanager", "Docker container redis-cache exited on docker-host-04", "docker-host-04", {"alertname": "ContainerExited", "job": "cadvisor", "name": "redis-cache", "port": 8080}),
  "docker ps", "docker ps -a --filter name=redis-cache --format '{{.Status}}' && docker logs --tail 80 redis-cache",
  ("datadog", "Container redis-cache is down on docker-host-07", "docker-host-07", {"metric": "docker.containers.running", "query": "min(last_5m):sum:docker.containers.running{container_name:redis-cache} by {host} < 1", "tags": ["container_name:redis-cache"]})),
 (("zabbix", "MySQL: Too many connections (over 90% of max_connections)", "mysql-main-01", {"item": "MySQL: Threads connected", "event_tags": "class:database, component:mysql, target:mysql", "opdata": "Threads connected: 462 of 500"}),
  "mysql -e 'show processlist'", "mysql -e \"select user, host, count(*) n from information_schema.processlist group by user, host order by n desc limit 10\"",
  ("pagerduty", "MySQLConnectionsNearMax mysql-main-02.example.com: threads_connected 470 of max_connections 500", "mysql-main-02", {"service": "MySQL Primary"})),
 (("generic", "chronyd.service failed on ntp-01", "ntp-01", {"description": "chronyd exited with status 1 after a config reload."}),
  "systemctl restart chronyd", "chronyc sources -v && journalctl -u chronyd -n 50 --no-pager",
  ("alertmanager", "Clock not synchronising on ntp-02", "ntp-02", {"alertname": "NodeClockNotSynchronising", "expr": "min_over_time(node_timex_sync_status[5m]) == 0"})),
 (("opsgenie", "Kafka consumer group billing-events is lagging behind (lag 1.2M messages)", "kafka-broker-02", {"details": {"consumer_group": "billing-events", "topic": "billing.events.v2"}, "tags": ["kafka", "prod"], "alias": "kafka-lag", "osource": "Burrow"}),
  "kafka-consumer-groups.sh --list", "kafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --group billing-events | sort -k6 -n -r | head",
  ("grafana", "Kafka consumer lag high for billing-events", "kafka-broker-05", {"alertname": "KafkaConsumerGroupLag", "folder": "Streaming"})),
 (("alertmanager", "RAID array md0 is degraded on storage-04", "storage-04", {"alertname": "NodeRAIDDegraded", "device": "md0", "severity": "critical"}),
  "cat /proc/mdstat", "mdadm --detail /dev/md0 && smartctl -H /dev/sdb",
  ("zabbix", "Software RAID md0 in degraded state", "storage-06", {"item": "md0: RAID status", "item_value": "degraded", "event_tags": "class:hardware, component:raid, target:linux"})),
 (("datadog", "Swap usage above 80% on etl-worker-03", "etl-worker-03", {"metric": "system.swap.pct_free", "query": "avg(last_15m):avg:system.swap.pct_free{role:etl} by {host} < 0.2", "role": "etl"}),
  "swapon --show", "vmstat 1 5 && ps -eo pid,comm,rss --sort=-rss | head -15",
  ("alertmanager", "Host etl-worker-06 is swapping heavily", "etl-worker-06", {"alertname": "HostSwapIsFillingUp"})),
 (("pagerduty", "[Zabbix] Problem: Elasticsearch cluster health is RED on es-data-03", "es-data-03", {"service": "Search Cluster"}),
  "curl localhost:9200/_cluster/health", "curl -s 'localhost:9200/_cluster/allocation/explain?pretty' | head -60",
  ("grafana", "Elasticsearch cluster status red", "es-master-02", {"alertname": "ElasticsearchClusterRed", "folder": "Search"})),
 (("alertmanager", "RabbitMQ queue orders.created has 48k ready messages on mq-01", "mq-01", {"alertname": "RabbitmqQueueBacklog", "queue": "orders.created", "job": "rabbitmq"}),
  "rabbitmqctl list_queues", "rabbitmqctl list_queues name messages_ready consumers | sort -k2 -n -r | head",
  ("opsgenie", "RabbitMQ backlog growing: orders.created (52k messages)", "mq-03", {"details": {"queue": "orders.created", "vhost": "/"}, "tags": ["rabbitmq", "prod"], "alias": "rmq-backlog", "osource": "Zabbix"})),
 (("grafana", "Node exporter target down: 3 targets unreachable", "mon-01", {"alertname": "TargetDown", "folder": "Monitoring"}),
  "curl localhost:9090/api/v1/targets", "curl -s localhost:9090/api/v1/targets | jq -r '.data.activeTargets[] | select(.health!=\"up\") | .scrapeUrl + \" \" + .lastError'",
  ("zabbix", "Prometheus: scrape targets are down", "mon-02", {"item": "Prometheus: up", "event_tags": "class:software, component:prometheus"})),
 (("alertmanager", "Inodes almost exhausted on /srv at files-02", "files-02", {"alertname": "HostOutOfInodes", "mountpoint": "/srv"}),
  "df -h /srv", "df -i /srv && find /srv -xdev -type f | cut -d/ -f3 | sort | uniq -c | sort -n | tail",
  ("datadog", "Free inodes below 5% on /srv at files-04", "files-04", {"metric": "system.fs.inodes.in_use", "query": "avg(last_5m):avg:system.fs.inodes.in_use{device:/srv} by {host} > 0.95"})),
 (("zabbix", "Unavailable by ICMP ping", "dns-resolver-01", {"item": "ICMP ping", "item_value": "Down (0)", "event_tags": "class:network, scope:availability"}),
  "ping -c 3 dns-resolver-01", "ping -c 5 -W 1 dns-resolver-01 ; mtr -rwc 10 dns-resolver-01",
  ("pagerduty", "Host dns-resolver-03.example.com is unreachable (ping failing)", "dns-resolver-03", {"service": "Core Network"})),
 # --- recur reworded ---
 (("alertmanager", "HAProxy backend api_servers has no healthy servers on lb-01", "lb-01", {"alertname": "HaproxyBackendDown", "service": "haproxy"}),
  "systemctl status haproxy", "echo 'show stat' | socat stdio /run/haproxy/admin.sock | cut -d, -f1,2,18,19",
  ("alertmanager", "All servers in HAProxy backend api_servers are DOWN on lb-03", "lb-03", {"alertname": "HaproxyBackendDown", "service": "haproxy"})),
 (("zabbix", "Too many processes in D state on nfs-client-02", "nfs-client-02", {"item": "Processes in uninterruptible sleep"}),
  "ps aux", "ps -eo pid,stat,wchan:32,args | awk '$2 ~ /D/'",
  ("zabbix", "Processes stuck in uninterruptible sleep (D state) on nfs-client-05", "nfs-client-05", {"item": "Processes in uninterruptible sleep"})),
 (("datadog", "Postgres deadlocks detected on pg-main-01", "pg-main-01", {"metric": "postgresql.deadlocks", "query": "sum(last_10m):sum:postgresql.deadlocks{env:prod} by {host} > 5", "tags": ["service:postgres"]}),
  "tail /var/log/postgresql/postgresql.log", "grep -A8 'deadlock detected' /var/log/postgresql/postgresql-15-main.log | tail -60",
  ("datadog", "Deadlock rate increasing in PostgreSQL on pg-main-02", "pg-main-02", {"metric": "postgresql.deadlocks", "query": "sum(last_10m):sum:postgresql.deadlocks{env:prod} by {host} > 5", "tags": ["service:postgres"]})),
 (("grafana", "Etcd fsync duration high on etcd-02", "etcd-02", {"alertname": "EtcdHighFsyncDurations", "folder": "Kubernetes"}),
  "etcdctl endpoint status", "etcdctl endpoint status -w table && iostat -x 1 3",
  ("grafana", "etcd WAL fsync taking longer than 500ms on etcd-03", "etcd-03", {"alertname": "EtcdHighFsyncDurations", "folder": "Kubernetes"})),
 (("opsgenie", "Nightly backup job failed on backup-01", "backup-01", {"details": {"job": "restic-nightly", "exit_code": "1"}, "tags": ["backup"], "alias": "backup-failed"}),
  "cat /var/log/backup.log", "journalctl -u restic-nightly.service -n 120 --no-pager | grep -iE 'error|fatal'",
  ("opsgenie", "restic nightly backup did not complete on backup-02", "backup-02", {"details": {"job": "restic-nightly"}, "tags": ["backup"], "alias": "backup-failed"})),
 (("alertmanager", "Too many open files for java process on api-03", "api-03", {"alertname": "ProcessFdExhaustion", "service": "orders-api"}),
  "lsof | wc -l", "ls /proc/$(pgrep -f orders-api.jar)/fd | wc -l && grep 'open files' /proc/$(pgrep -f orders-api.jar)/limits",
  ("alertmanager", "orders-api is running out of file descriptors on api-07", "api-07", {"alertname": "ProcessFdExhaustion", "service": "orders-api"})),
 (("pagerduty", "[FIRING:1] MongoReplicaSetMemberUnhealthy mongo-02.example.com: member state RECOVERING", "mongo-02", {"service": "MongoDB Cluster"}),
  "mongo --eval 'rs.status()'", "mongosh --quiet --eval 'rs.status().members.map(m => [m.name, m.stateStr, m.optimeDate])'",
  ("pagerduty", "[FIRING:1] MongoReplicaSetMemberUnhealthy mongo-04.example.com: replica set member not healthy", "mongo-04", {"service": "MongoDB Cluster"})),
 (("generic", "Jenkins build queue stuck on ci-01", "ci-01", {}),
  "systemctl status jenkins", "curl -s -u admin:$JENKINS_TOKEN http://ci-01:8080/queue/api/json | jq '.items[] | .why' | sort | uniq -c",
  ("generic", "Jenkins queue not draining, 40 builds waiting on ci-02", "ci-02", {})),
 (("alertmanager", "Varnish cache hit ratio dropped below 60% on cache-edge-01", "cache-edge-01", {"alertname": "VarnishLowHitRatio", "service": "varnish"}),
  "varnishstat", "varnishstat -1 -f MAIN.cache_hit -f MAIN.cache_miss -f MAIN.n_lru_nuked",
  ("alertmanager", "Varnish hit rate low on cache-edge-04", "cache-edge-04", {"alertname": "VarnishLowHitRatio", "service": "varnish"})),
 (("zabbix", "Zookeeper: quorum lost", "zk-01", {"item": "Zookeeper: server state", "event_tags": "class:software, component:zookeeper"}),
  "echo stat | nc localhost 2181", "for h in zk-01 zk-02 zk-03; do echo $h; echo srvr | nc $h 2181 | grep Mode; done",
  ("zabbix", "Zookeeper ensemble has no leader", "zk-03", {"item": "Zookeeper: server state", "event_tags": "class:software, component:zookeeper"})),
 (("datadog", "Ceph OSD osd.17 is down on ceph-node-05", "ceph-node-05", {"metric": "ceph.num_up_osds", "query": "min(last_5m):min:ceph.num_up_osds{cluster:main} < 48", "tags": ["service:ceph"]}),
  "ceph status", "ceph osd tree down && journalctl -u ceph-osd@17 -n 60 --no-pager",
  ("datadog", "Ceph OSDs down in cluster main (47 of 48 up)", "ceph-node-02", {"metric": "ceph.num_up_osds", "query": "min(last_5m):min:ceph.num_up_osds{cluster:main} < 48", "tags": ["service:ceph"]})),
 (("grafana", "Apache busy workers at MaxRequestWorkers on www-02", "www-02", {"alertname": "ApacheWorkersExhausted", "folder": "Web"}),
  "apachectl status", "curl -s localhost/server-status?auto | grep -E 'BusyWorkers|IdleWorkers' && ss -tan state established '( sport = :443 )' | wc -l",
  ("grafana", "Apache has no idle workers left on www-05", "www-05", {"alertname": "ApacheWorkersExhausted", "folder": "Web"})),
 (("alertmanager", "Many failed SSH logins on bastion-01 (brute force?)", "bastion-01", {"alertname": "SshBruteForce", "service": "sshd"}),
  "last", "journalctl -u ssh --since '-1h' | grep 'Failed password' | awk '{print $(NF-3)}' | sort | uniq -c | sort -n | tail",
  ("alertmanager", "SSH authentication failures spiking on bastion-02", "bastion-02", {"alertname": "SshBruteForce", "service": "sshd"})),
 (("opsgenie", "Memcached evictions rising on mc-01", "mc-01", {"details": {"service": "memcached"}, "tags": ["memcached"], "alias": "mc-evictions"}),
  "echo stats | nc localhost 11211", "echo stats | nc localhost 11211 | grep -E 'evictions|limit_maxbytes|bytes '",
  ("opsgenie", "Memcached is evicting items on mc-04", "mc-04", {"details": {"service": "memcached"}, "tags": ["memcached"], "alias": "mc-evictions"})),
 (("zabbix", "Nginx: Service is down", "web-front-02", {"item": "Nginx: Service status", "event_tags": "class:software, component:nginx, scope:availability"}),
  "systemctl start nginx", "nginx -t && journalctl -u nginx -n 40 --no-pager",
  ("generic", "nginx not running on web-front-05", "web-front-05", {})),
 (("alertmanager", "Cron job logrotate did not run in 26h on app-05", "app-05", {"alertname": "CronJobMissed", "name": "logrotate"}),
  "crontab -l", "grep -i logrotate /var/log/syslog | tail -20 && logrotate -d /etc/logrotate.conf 2>&1 | tail -20",
  ("alertmanager", "logrotate cron has not completed for a day on app-09", "app-09", {"alertname": "CronJobMissed", "name": "logrotate"})),
 (("datadog", "Network packet loss on eth0 at gw-01", "gw-01", {"metric": "system.net.packets_in.error", "query": "avg(last_5m):avg:system.net.packets_in.error{interface:eth0} by {host} > 50", "tags": ["interface:eth0"]}),
  "ifconfig", "ip -s link show eth0 && ethtool -S eth0 | grep -iE 'drop|err' | grep -v ': 0'",
  ("datadog", "Packets dropped on eth0 at gw-03", "gw-03", {"metric": "system.net.packets_in.error", "query": "avg(last_5m):avg:system.net.packets_in.error{interface:eth0} by {host} > 50", "tags": ["interface:eth0"]})),
 (("pagerduty", "[FIRING:1] DNSResolutionFailures resolver-01.example.com: SERVFAIL rate 12%", "resolver-01", {"service": "Core DNS"}),
  "dig example.com", "unbound-control stats_noreset | grep -E 'num.answer.rcode.SERVFAIL|total.num.queries'",
  ("pagerduty", "[FIRING:1] DNSResolutionFailures resolver-02.example.com: resolver returning SERVFAIL", "resolver-02", {"service": "Core DNS"})),
 (("grafana", "HTTP p99 latency above 2s for checkout on web-app-03", "web-app-03", {"alertname": "CheckoutLatencyHigh", "folder": "Checkout"}),
  "curl -w '%{time_total}' https://checkout.example.com/health", "tail -n 2000 /var/log/nginx/checkout_access.log | awk '{print $NF, $7}' | sort -rn | head -20",
  ("grafana", "checkout requests slow (p99 3.4s) on web-app-06", "web-app-06", {"alertname": "CheckoutLatencyHigh", "folder": "Checkout"})),
 (("alertmanager", "Kubelet PLEG not healthy on k8s-worker-11", "k8s-worker-11", {"alertname": "KubeletPlegDurationHigh", "job": "kubelet"}),
  "systemctl status kubelet", "journalctl -u kubelet --since '-15 min' | grep -i pleg | tail -20 && crictl ps | wc -l",
  ("alertmanager", "PLEG relist taking too long on k8s-worker-14", "k8s-worker-14", {"alertname": "KubeletPlegDurationHigh", "job": "kubelet"})),
]

# Unrelated incidents: problems none of the 40 is about, through every source, sharing their
# boilerplate (and many generic words: high, failed, down, service).
U = [
 ("datadog", "Packet loss to upstream 8.8.8.8 above 5% from vpn-gw-01", "vpn-gw-01", {"metric": "network.ping.loss", "query": "avg(last_5m):avg:network.ping.loss{target:8.8.8.8} by {host} > 5", "tags": ["service:vpn"]}),
 ("zabbix", "Power supply unit failed on rack-db-03", "rack-db-03", {"item": "PSU 2 status", "event_tags": "class:hardware, component:power"}),
 ("pagerduty", "[FIRING:1] UPSOnBattery ups-dc1-01.example.com: running on battery", "ups-dc1-01", {"service": "Datacenter Power"}),
 ("grafana", "Fan speed critical on compute-07", "compute-07", {"alertname": "IpmiFanSpeedCritical", "folder": "Hardware"}),
 ("opsgenie", "License for monitoring suite expires in 10 days", "license-srv-01", {"details": {"product": "monitoring suite"}, "tags": ["license"], "alias": "license-expiry"}),
 ("alertmanager", "VPN tunnel to office-berlin down", "vpn-gw-02", {"alertname": "IpsecTunnelDown", "job": "snmp"}),
 ("datadog", "High number of 4xx responses on api-gateway-02", "api-gateway-02", {"metric": "aws.apigateway.4xxerror", "query": "sum(last_5m):sum:aws.apigateway.4xxerror{env:prod} > 500", "tags": ["service:api-gateway"]}),
 ("zabbix", "Interface Gi0/1: Link down", "core-switch-01", {"item": "Interface Gi0/1: Operational status", "event_tags": "class:network, component:interface"}),
 ("generic", "Printer out of toner on floor 3", "printer-03", {}),
 ("alertmanager", "SMART reports reallocated sectors on /dev/sdc at storage-09", "storage-09", {"alertname": "SmartReallocatedSectors", "device": "/dev/sdc", "severity": "critical"}),
 ("grafana", "Login success rate dropped for SSO on idp-01", "idp-01", {"alertname": "SsoLoginSuccessLow", "folder": "Identity"}),
 ("pagerduty", "[FIRING:1] GitLabRunnerOffline runner-03.example.com: runner not contacting GitLab", "runner-03", {"service": "CI Runners"}),
 ("opsgenie", "Temperature high in server room B (31C)", "envmon-02", {"details": {"sensor": "room-b-inlet"}, "tags": ["environment"], "alias": "room-temp"}),
 ("datadog", "AWS billing estimate over budget for account prod", "billing", {"metric": "aws.billing.estimated_charges", "query": "max(last_1d):max:aws.billing.estimated_charges{account:prod} > 40000"}),
 ("zabbix", "EDAC: correctable ECC errors on DIMM_A2", "db-07", {"item": "EDAC corrected errors", "event_tags": "class:hardware, component:memory"}),
 ("alertmanager", "Kubernetes PersistentVolumeClaim data-kafka-0 is pending", "k8s-master-01", {"alertname": "KubePersistentVolumeClaimPending", "job": "kube-state-metrics", "namespace": "streaming"}),
 ("grafana", "Email delivery bounce rate above 8% for newsletter", "mailer-02", {"alertname": "NewsletterBounceRate", "folder": "Marketing"}),
 ("generic", "Door sensor offline in datacenter cage 4", "dc-cage-04", {}),
 ("pagerduty", "[FIRING:1] CloudflareWAFBlockSpike edge.example.com: WAF blocks 20x baseline", "edge", {"service": "Edge Security"}),
 ("opsgenie", "SLA breach risk: ticket backlog for Tier 2 support", "helpdesk", {"details": {"queue_name": "tier2"}, "tags": ["support"], "alias": "sla-risk", "osource": "Jira"}),
]

firsts, laters = [], []
for i, (first, proposed, executed, later) in enumerate(P, 1):
    pid = f"p{i:02d}"
    src, title, host, extras = first
    firsts.append({"id": pid, "source": src, "payload": SRC[src](title, host, extras),
                   "tool": "local_shell", "proposed": proposed, "executed": executed})
    lsrc, ltitle, lhost, lextras = later
    kind = "cross_source" if i <= 20 else "reworded"
    if kind == "cross_source":
        assert lsrc != src, pid
    laters.append({"kind": kind, "expected": pid, "source": lsrc, "payload": SRC[lsrc](ltitle, lhost, lextras)})
for src, title, host, extras in U:
    laters.append({"kind": "unrelated", "expected": None, "source": src, "payload": SRC[src](title, host, extras)})

print(json.dumps({"firsts": firsts, "laters": laters}, indent=1, ensure_ascii=False))
