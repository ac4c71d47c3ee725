# Generates learning.json: 40 past corrections (alert, proposed, executed) and 40 new alerts,
# each with the correction that should come back (None for the 8 novel ones). Deterministic.
# Run: python3 benches/data/gen_learning.py > benches/data/learning.json
import json

# kind: (past title, past host, labels, proposed, executed, new title, new host, new labels)
K = [
 ("High CPU load on web-prod-03", "web-prod-03.example.com", {"alertname": "HighCPU", "job": "node"}, "top", "top -b -n 1 -o %CPU | head -20",
  "CPU usage high on web-prod-11", "web-prod-11.example.com", {"alertname": "HighCPU", "job": "node"}),
 ("Disk almost full on db-01 /var", "db-01", {"alertname": "DiskFull", "mountpoint": "/var"}, "du -sh /*", "du -xsh /var/* | sort -h | tail",
  "Disk /var 95% full on db-04", "db-04", {"alertname": "DiskFull", "mountpoint": "/var"}),
 ("nginx 5xx rate above 5% on lb-2", "lb-2", {"alertname": "Nginx5xx", "service": "nginx"}, "tail /var/log/nginx/error.log", "tail -n 200 /var/log/nginx/error.log",
  "nginx 5xx errors spiking on lb-7", "lb-7", {"alertname": "Nginx5xx", "service": "nginx"}),
 ("PostgreSQL replication lag on pg-replica-1", "pg-replica-1", {"alertname": "PgReplicationLag", "service": "postgresql"}, "psql -c 'select * from pg_stat_replication'", "psql -x -c 'select client_addr, state, replay_lag from pg_stat_replication'",
  "Replication lag over 60s on pg-replica-3", "pg-replica-3", {"alertname": "PgReplicationLag", "service": "postgresql"}),
 ("Memory usage above 90% on app-5", "app-5", {"alertname": "HighMemory", "job": "node"}, "free", "ps -eo pid,rss,comm --sort=-rss | head",
  "High memory on app-9", "app-9", {"alertname": "HighMemory", "job": "node"}),
 ("systemd unit kafka.service failed on kafka-2", "kafka-2", {"alertname": "SystemdUnitFailed", "name": "kafka.service"}, "systemctl status kafka", "journalctl -u kafka.service -n 100 --no-pager",
  "kafka.service failed on kafka-5", "kafka-5", {"alertname": "SystemdUnitFailed", "name": "kafka.service"}),
 ("TLS certificate expires in 7 days for shop.example.com", "edge-1", {"alertname": "CertExpiry", "domain": "shop.example.com"}, "openssl x509 -in cert.pem -noout -dates", "openssl s_client -connect shop.example.com:443 -servername shop.example.com </dev/null | openssl x509 -noout -enddate",
  "Certificate for shop.example.com expiring soon", "edge-3", {"alertname": "CertExpiry", "domain": "shop.example.com"}),
 ("Redis evicting keys on cache-1", "cache-1", {"alertname": "RedisEvictions", "service": "redis"}, "redis-cli info", "redis-cli info memory",
  "Redis key evictions on cache-4", "cache-4", {"alertname": "RedisEvictions", "service": "redis"}),
 ("Too many open files in java process on api-3", "api-3", {"alertname": "FdExhaustion", "service": "api"}, "lsof | wc -l", "ls /proc/$(pgrep -f api.jar)/fd | wc -l",
  "File descriptors exhausted for api on api-8", "api-8", {"alertname": "FdExhaustion", "service": "api"}),
 ("NTP clock skew on worker-12", "worker-12", {"alertname": "ClockSkew", "job": "node"}, "date", "chronyc tracking",
  "Clock drift detected on worker-30", "worker-30", {"alertname": "ClockSkew", "job": "node"}),
 ("Inodes exhausted on /data at storage-2", "storage-2", {"alertname": "InodesFull", "mountpoint": "/data"}, "df -h", "df -i /data",
  "No free inodes on /data storage-6", "storage-6", {"alertname": "InodesFull", "mountpoint": "/data"}),
 ("Docker container payments exited on dock-1", "dock-1", {"alertname": "ContainerExited", "container": "payments"}, "docker ps", "docker ps -a --filter name=payments",
  "Container payments not running on dock-4", "dock-4", {"alertname": "ContainerExited", "container": "payments"}),
 ("Kubernetes pod crashlooping checkout in prod", "k8s-prod", {"alertname": "KubePodCrashLooping", "namespace": "prod", "pod": "checkout-7d9f"}, "kubectl get pods", "kubectl -n prod logs checkout-7d9f --previous --tail=100",
  "Pod checkout crash looping in namespace prod", "k8s-prod", {"alertname": "KubePodCrashLooping", "namespace": "prod", "pod": "checkout-5c2a"}),
 ("MySQL slow queries on mysql-main", "mysql-main", {"alertname": "MysqlSlowQueries", "service": "mysql"}, "mysql -e 'show processlist'", "mysql -e 'show full processlist'",
  "Slow queries piling up on mysql-main", "mysql-main", {"alertname": "MysqlSlowQueries", "service": "mysql"}),
 ("RabbitMQ queue backlog orders on mq-1", "mq-1", {"alertname": "RabbitQueueBacklog", "queue": "orders"}, "rabbitmqctl list_queues", "rabbitmqctl list_queues name messages consumers",
  "RabbitMQ orders queue growing on mq-2", "mq-2", {"alertname": "RabbitQueueBacklog", "queue": "orders"}),
 ("Elasticsearch cluster status red", "es-master-1", {"alertname": "ElasticsearchRed", "cluster": "logs"}, "curl localhost:9200/_cluster/health", "curl -s localhost:9200/_cluster/allocation/explain?pretty",
  "Elasticsearch logs cluster red", "es-master-2", {"alertname": "ElasticsearchRed", "cluster": "logs"}),
 ("Swap usage high on batch-4", "batch-4", {"alertname": "HighSwap", "job": "node"}, "swapon", "vmstat 1 5",
  "Swapping heavily on batch-9", "batch-9", {"alertname": "HighSwap", "job": "node"}),
 ("HAProxy backend down api_servers on lb-1", "lb-1", {"alertname": "HaproxyBackendDown", "backend": "api_servers"}, "systemctl status haproxy", "echo 'show stat' | socat stdio /run/haproxy/admin.sock | cut -d, -f1,2,18",
  "HAProxy api_servers backend has no healthy servers", "lb-3", {"alertname": "HaproxyBackendDown", "backend": "api_servers"}),
 ("Cron job backup failed on backup-1", "backup-1", {"alertname": "CronFailed", "job_name": "backup"}, "crontab -l", "grep CRON /var/log/syslog | tail -50",
  "Nightly backup cron failed on backup-2", "backup-2", {"alertname": "CronFailed", "job_name": "backup"}),
 ("DNS resolution failures on resolver-1", "resolver-1", {"alertname": "DnsFailures", "service": "unbound"}, "nslookup example.com", "unbound-control stats_noreset | grep -E 'num.answer.rcode|total.num'",
  "unbound resolver failing queries on resolver-2", "resolver-2", {"alertname": "DnsFailures", "service": "unbound"}),
 ("Load average high on build-agent-09", "build-agent-09", {"alertname": "HighLoad", "job": "node"}, "uptime", "ps -eo pid,stat,pcpu,args --sort=-pcpu | head -20",
  "Load average 25 on build-agent-14", "build-agent-14", {"alertname": "HighLoad", "job": "node"}),
 ("Network packet loss eth0 on gw-1", "gw-1", {"alertname": "PacketLoss", "device": "eth0"}, "ifconfig", "ip -s link show eth0",
  "Packet drops on eth0 at gw-2", "gw-2", {"alertname": "PacketLoss", "device": "eth0"}),
 ("Zookeeper lost quorum", "zk-1", {"alertname": "ZookeeperQuorum", "service": "zookeeper"}, "zkServer.sh status", "echo mntr | nc localhost 2181",
  "ZooKeeper quorum lost on zk-3", "zk-3", {"alertname": "ZookeeperQuorum", "service": "zookeeper"}),
 ("OOM killer invoked on ml-gpu-2", "ml-gpu-2", {"alertname": "OomKill", "job": "node"}, "dmesg", "dmesg -T | grep -i -A5 'out of memory' | tail -40",
  "Out of memory kills on ml-gpu-5", "ml-gpu-5", {"alertname": "OomKill", "job": "node"}),
 ("Prometheus target down node_exporter on mon-1", "mon-1", {"alertname": "TargetDown", "job": "node_exporter"}, "systemctl status prometheus", "curl -s localhost:9090/api/v1/targets | jq '.data.activeTargets[] | select(.health!=\"up\")'",
  "node_exporter targets down seen by mon-2", "mon-2", {"alertname": "TargetDown", "job": "node_exporter"}),
 ("Apache too many workers busy on www-1", "www-1", {"alertname": "ApacheWorkersBusy", "service": "apache"}, "apachectl status", "curl -s localhost/server-status?auto",
  "Apache busy workers at limit on www-5", "www-5", {"alertname": "ApacheWorkersBusy", "service": "apache"}),
 ("Ceph OSD down osd.12", "ceph-mon-1", {"alertname": "CephOsdDown", "osd": "osd.12"}, "ceph status", "ceph osd tree down",
  "Ceph osd.17 is down", "ceph-mon-2", {"alertname": "CephOsdDown", "osd": "osd.17"}),
 ("Jenkins build queue stuck", "ci-1", {"alertname": "JenkinsQueue", "service": "jenkins"}, "systemctl status jenkins", "curl -s localhost:8080/queue/api/json | jq '.items | length'",
  "Jenkins queue not draining on ci-1", "ci-1", {"alertname": "JenkinsQueue", "service": "jenkins"}),
 ("SSH brute force attempts on bastion-1", "bastion-1", {"alertname": "SshBruteForce", "service": "sshd"}, "last", "journalctl -u ssh --since -1h | grep -c 'Failed password'",
  "Many failed ssh logins on bastion-2", "bastion-2", {"alertname": "SshBruteForce", "service": "sshd"}),
 ("Varnish cache hit ratio low on cache-edge-1", "cache-edge-1", {"alertname": "VarnishHitRatio", "service": "varnish"}, "varnishstat", "varnishstat -1 -f MAIN.cache_hit -f MAIN.cache_miss",
  "Varnish hit ratio dropped on cache-edge-4", "cache-edge-4", {"alertname": "VarnishHitRatio", "service": "varnish"}),
 ("etcd high fsync latency on etcd-1", "etcd-1", {"alertname": "EtcdFsyncLatency", "service": "etcd"}, "etcdctl endpoint status", "etcdctl endpoint status -w table --cluster",
  "etcd fsync durations high on etcd-3", "etcd-3", {"alertname": "EtcdFsyncLatency", "service": "etcd"}),
 ("Memcached connections exhausted on mc-1", "mc-1", {"alertname": "MemcachedConnections", "service": "memcached"}, "memcached-tool localhost stats", "echo stats | nc -q1 localhost 11211 | grep -E 'curr_conn|max_conn'",
  "memcached out of connections on mc-3", "mc-3", {"alertname": "MemcachedConnections", "service": "memcached"}),
 ("Log volume spike from payments-api", "logs-1", {"alertname": "LogSpike", "service": "payments-api"}, "tail -f /var/log/payments/api.log", "tail -n 500 /var/log/payments/api.log | cut -c1-120 | sort | uniq -c | sort -rn | head",
  "payments-api logging 10x normal volume", "logs-2", {"alertname": "LogSpike", "service": "payments-api"}),
 ("Raid array degraded md0 on fs-1", "fs-1", {"alertname": "RaidDegraded", "device": "md0"}, "cat /proc/mdstat", "mdadm --detail /dev/md0",
  "md0 RAID degraded on fs-4", "fs-4", {"alertname": "RaidDegraded", "device": "md0"}),
 ("Consul service unhealthy billing", "consul-1", {"alertname": "ConsulUnhealthy", "service": "billing"}, "consul members", "consul catalog nodes -service=billing -detailed",
  "billing unhealthy in Consul", "consul-2", {"alertname": "ConsulUnhealthy", "service": "billing"}),
 ("GPU temperature high on ml-gpu-1", "ml-gpu-1", {"alertname": "GpuTemp", "job": "dcgm"}, "nvidia-smi", "nvidia-smi --query-gpu=index,temperature.gpu,utilization.gpu --format=csv",
  "GPU overheating on ml-gpu-7", "ml-gpu-7", {"alertname": "GpuTemp", "job": "dcgm"}),
 ("Postfix mail queue large on mx-1", "mx-1", {"alertname": "MailQueue", "service": "postfix"}, "mailq", "postqueue -p | tail -1",
  "Mail queue growing on mx-2", "mx-2", {"alertname": "MailQueue", "service": "postfix"}),
 ("Kubernetes node NotReady worker-7", "k8s-prod", {"alertname": "KubeNodeNotReady", "node": "worker-7"}, "kubectl get nodes", "kubectl describe node worker-7 | sed -n '/Conditions/,/Addresses/p'",
  "Node worker-19 NotReady in k8s-prod", "k8s-prod", {"alertname": "KubeNodeNotReady", "node": "worker-19"}),
 ("Java GC pauses long on search-1", "search-1", {"alertname": "JvmGcPause", "service": "search"}, "jstat -gc 1", "jstat -gcutil $(pgrep -f search.jar) 1000 5",
  "Long GC pauses for search on search-6", "search-6", {"alertname": "JvmGcPause", "service": "search"}),
 ("S3 upload errors from backup agent", "backup-1", {"alertname": "S3UploadErrors", "service": "restic"}, "restic snapshots", "journalctl -u restic-backup -n 200 --no-pager | grep -i error",
  "restic backups failing to upload to S3", "backup-3", {"alertname": "S3UploadErrors", "service": "restic"}),
]
assert len(K) == 40, len(K)

NOVEL = [
 ("High CPU temperature sensor on rack PDU-2", "pdu-2", {"alertname": "PduTemp", "job": "snmp"}),
 ("Disk SMART errors on nas-1", "nas-1", {"alertname": "SmartErrors", "device": "sda"}),
 ("Service latency p99 high for search frontend", "fe-1", {"alertname": "LatencyP99", "service": "frontend"}),
 ("Kubernetes PVC almost full data-kafka-0", "k8s-prod", {"alertname": "KubePvcFull", "namespace": "prod"}),
 ("VPN tunnel down to office-berlin", "vpn-1", {"alertname": "VpnDown", "peer": "office-berlin"}),
 ("License expires soon for monitoring suite", "mon-1", {"alertname": "LicenseExpiry"}),
 ("UPS on battery power in dc-2", "ups-2", {"alertname": "UpsOnBattery"}),
 ("Memory ECC errors corrected on db-07", "db-07", {"alertname": "EccErrors", "job": "node"}),
]

corpus = []
queries = []
for i, (t, h, l, p, e, nt, nh, nl) in enumerate(K):
    cid = f"c{i+1:02d}"
    corpus.append({"id": cid, "title": t, "host": h, "labels": l, "tool": "local_shell", "proposed": p, "executed": e})
for i, (t, h, l, p, e, nt, nh, nl) in enumerate(K[:32]):
    # Every other new alert comes from a generic webhook: title and host, no labels.
    labels = nl if i % 2 == 0 else {}
    queries.append({"title": nt, "host": nh, "labels": labels, "expected": f"c{i+1:02d}"})
for j, (t, h, l) in enumerate(NOVEL):
    l = l if j % 2 == 0 else {}
    queries.append({"title": t, "host": h, "labels": l, "expected": None})
print(json.dumps({"corpus": corpus, "queries": queries}, indent=1))
