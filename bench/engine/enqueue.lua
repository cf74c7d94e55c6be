-- wrk script: authenticated POST /v1/project/up/<project> (durable enqueue).
-- Every request is one job; the project name cycles over 64 names.
wrk.method = "POST"
wrk.headers["Authentication"] = "Bearer " .. os.getenv("OVERLORD_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"director_file": "services:\\n  app:\\n    makejail: gh+AppJail-makejails/nginx\\n", "environment": {}, "restart": false, "reserve_port": {}}'
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/v1/project/up/bench" .. (n % 64))
end
