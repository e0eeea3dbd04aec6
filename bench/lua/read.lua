-- Read by id: GET PREFIX..line for a random line of the file given after `--` (one existing id per
-- line, or "Type/id" with prefix "/fhir/"). Each wrk thread loads the list once in init().
--   wrk ... -s read.lua URL -- ids.txt [prefix]        prefix defaults to /fhir/Patient/
local ids = {}
local n = 0
local prefix = "/fhir/Patient/"

init = function(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    if #line > 0 then
      n = n + 1
      ids[n] = line
    end
  end
  f:close()
  assert(n > 0, "no ids in " .. args[1])
  if args[2] then prefix = args[2] end
  -- threads start within the same second, so mix in the address of a per-thread table
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0) % 1000003)
end

request = function()
  return wrk.format("GET", prefix .. ids[math.random(n)], { ["Accept"] = "application/fhir+json" })
end
