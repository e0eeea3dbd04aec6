-- The ceiling: GET /bench/ceiling, a fixed body through the same HTTP stack without the store.
-- The request is built in request() (not wrk's static request) so the client does the same Lua work
-- per request as read.lua, and the read/ceiling ratio measures the server, not the client.
local path = "/bench/ceiling"
request = function()
  return wrk.format("GET", path, { ["Accept"] = "application/fhir+json" })
end
