-- wrk script: one POST per request, each a new alert (a fingerprint/label no request used
-- before: thread id and a per-thread counter). FORMAT=opsassist posts opsassist's generic JSON
-- to /v1/alerts with the bearer token in TOKEN; FORMAT=alertmanager posts a one-alert array to
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
end

function request()
  n = n + 1
  local key = string.format("%s-%d-%d", run, id, n)
  if format == "alertmanager" then
    local body = string.format(
      '[{"labels":{"alertname":"DiskFull","instance":"web-%s","severity":"critical"},' ..
      '"annotations":{"summary":"disk full on web-%s"}}]', key, key)
    return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"}, body)
  end
  local body = string.format(
    '{"title":"disk full on web-%s","severity":"critical","host":"web-%s","fingerprint":"fp-%s"}',
    key, key, key)
  return wrk.format("POST", "/v1/alerts", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
