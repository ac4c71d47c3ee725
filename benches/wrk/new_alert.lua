-- wrk script: one POST per request, each carrying GROUP (default 1) new alerts (a
-- fingerprint/label no request used before: RUN, thread id, a per-thread counter and the
-- alert's place in the group); with KEYS=N each thread cycles through N requests' worth of
-- keys instead, so after its first pass every alert is a repeat.
-- FORMAT=opsassist, GROUP=1: opsassist's generic JSON to /v1/alerts with the bearer token in
-- TOKEN; FORMAT=opsassist, GROUP>1: an Alertmanager webhook (version 4, GROUP firing alerts)
-- to /v1/alerts/alertmanager; FORMAT=alertmanager: an array of GROUP alerts to
-- Alertmanager's /api/v2/alerts.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  format = os.getenv("FORMAT") or "opsassist"
  token = os.getenv("TOKEN") or ""
  run = os.getenv("RUN") or "0"
  group = tonumber(os.getenv("GROUP") or "1") or 1
  keys = tonumber(os.getenv("KEYS") or "0") or 0
end

local function am_alert(key)
  return string.format(
    '{"labels":{"alertname":"DiskFull","instance":"web-%s","severity":"critical"},' ..
    '"annotations":{"summary":"disk full on web-%s"}}', key, key)
end

local function webhook_alert(key)
  return string.format(
    '{"status":"firing","labels":{"alertname":"DiskFull","instance":"web-%s","severity":"critical"},' ..
    '"annotations":{"summary":"disk full on web-%s"},"startsAt":"2026-12-01T00:00:00Z",' ..
    '"endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example.com:9090/graph",' ..
    '"fingerprint":"fp-%s"}', key, key, key)
end

function request()
  n = n + 1
  local base = string.format("%s-%d-%d", run, id, n)
  if keys > 0 then
    -- The same KEYS requests over and over, in every round: repeats of open incidents.
    base = string.format("k-%d-%d", id, n % keys)
  end
  if format == "alertmanager" then
    local alerts = {}
    for j = 1, group do
      alerts[j] = am_alert(base .. "-" .. j)
    end
    return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"},
      "[" .. table.concat(alerts, ",") .. "]")
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
  if group > 1 then
    local alerts = {}
    for j = 1, group do
      alerts[j] = webhook_alert(base .. "-" .. j)
    end
    local body = '{"version":"4","status":"firing","receiver":"opsassist",' ..
      '"groupKey":"{}:{alertname=\\"DiskFull\\"}","truncatedAlerts":0,' ..
      '"groupLabels":{"alertname":"DiskFull"},' ..
      '"commonLabels":{"alertname":"DiskFull","severity":"critical"},"commonAnnotations":{},' ..
      '"externalURL":"http://alertmanager.example.com:9093","alerts":[' ..
      table.concat(alerts, ",") .. ']}'
    return wrk.format("POST", "/v1/alerts/alertmanager", headers, body)
  end
  local body = string.format(
    '{"title":"disk full on web-%s","severity":"critical","host":"web-%s","fingerprint":"fp-%s"}',
    base, base, base)
  return wrk.format("POST", "/v1/alerts", headers, body)
end
