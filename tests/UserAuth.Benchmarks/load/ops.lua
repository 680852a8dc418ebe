-- wrk script for the load suite (run.sh). One operation per run, chosen by OP; DATA is the seed's folder;
-- BASE the application path; TOKEN the bearer token; RUN a number unique per run (makes created users unique).
-- Prints one line "RESULT {json}" at the end: requests, errors (non2xx: answers 400 and above), latency (µs).
local op = os.getenv("OP")
local data = os.getenv("DATA") or "."
local base = os.getenv("BASE") or ""
local token = os.getenv("TOKEN") or ""
local run = tonumber(os.getenv("RUN") or "0")

local function lines(name)
  local t = {}
  local f = io.open(data .. "/" .. name, "r")
  if f then
    for l in f:lines() do t[#t + 1] = l end
    f:close()
  end
  return t
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local threads = {}
local id = 0
function setup(thread)
  thread:set("tid", id)
  id = id + 1
  threads[#threads + 1] = thread
end

local emails, phones, ids
local env = {}
local counter = 0
creates = 0
local json = { ["Content-Type"] = "application/json" }

function init(args)
  emails = lines("emails.txt")
  phones = lines("phones.txt")
  ids = lines("ids.txt")
  for _, l in ipairs(lines("bench.env")) do
    local k, v = l:match("^([%w_]+)=(.*)$")
    if k then env[k] = v end
  end
  math.randomseed(run * 100 + tid)
  wrk.headers["Authorization"] = "Bearer " .. token
  json["Authorization"] = wrk.headers["Authorization"]
end

local function pick(t) return t[math.random(#t)] end

-- RATE (requests per second, all threads together): each thread spaces its requests to its share of the rate, so
-- the load is steady whatever the latency (used by the soak). Wall clock from gettimeofday through LuaJIT's FFI.
local rate = tonumber(os.getenv("RATE") or "0")
local now_ms, next_slot, interval
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef("typedef struct { long tv_sec; long tv_usec; } timeval_t; int gettimeofday(timeval_t *tv, void *tz);")
  local tv = ffi.new("timeval_t")
  now_ms = function() ffi.C.gettimeofday(tv, nil); return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000 end
end

if rate > 0 then
  function delay()
    if not interval then
      interval = 1000 * tonumber(os.getenv("THREADS") or "2") / rate
      next_slot = now_ms()
    end
    local now = now_ms()
    local slot = math.max(next_slot, now)
    next_slot = slot + interval
    return slot - now
  end
end

local function post(path, body, headers)
  return wrk.format("POST", path, headers or json, body)
end

function request()
  counter = counter + 1
  if op == "health" then
    return wrk.format("GET", "/health/live")
  elseif op == "lookup_email" then
    return wrk.format("GET", base .. "/customers/search?q=" .. urlencode(pick(emails)))
  elseif op == "lookup_phone" then
    return wrk.format("GET", base .. "/customers/search?q=" .. urlencode(pick(phones)))
  elseif op == "list_first" then
    return wrk.format("GET", base .. "/customers/list?page_size=10")
  elseif op == "list_deep" then
    return wrk.format("GET", base .. "/customers/list?page_no=1000&page_size=10")
  elseif op == "list_q_email" then
    return wrk.format("GET", base .. "/customers/list?q=" .. urlencode(pick(emails)))
  elseif op == "list_broad" then
    return wrk.format("GET", base .. "/customers/list?q=s&page_size=10")
  elseif op == "search_1" then
    return wrk.format("GET", base .. "/customers/search?query=" .. urlencode(pick(emails)))
  elseif op == "search_50" then
    local q = {}
    for i = 1, 25 do q[#q + 1] = "query=" .. urlencode(pick(emails)) end
    for i = 1, 25 do q[#q + 1] = "query=" .. urlencode(pick(phones)) end
    return wrk.format("GET", base .. "/customers/search?" .. table.concat(q, "&"))
  elseif op == "attr_filter" then
    -- filterUsersByAttributes: one segment value, held by exactly 100 users at every size.
    local seg = string.format("seg-%06d", math.random(0, tonumber(env.SEGMENTS or "1") - 1))
    return post(base .. "/user_attribute/users", '{"query":{"type":"and","page":1,"limit":10,"conditions":[{"definition_id":"' ..
      (env.SEGMENT_DEF or "") .. '","type":"eq","value":"' .. seg .. '"}]}}')
  elseif op == "group_members" then
    return wrk.format("GET", base .. "/user_group/" .. (env.GROUP_UID or "1") .. "/users?page_no=1&page_size=10")
  elseif op == "groups_of_user" then
    return wrk.format("GET", base .. "/user_group/user/" .. pick(ids))
  elseif op == "mix" then
    -- The soak's mix: 70% reads (lookups, pages, sessions, attribute filter), 30% writes (create, update).
    local r = math.random(100)
    if r <= 30 then
      return wrk.format("GET", base .. "/customers/search?q=" .. urlencode(pick(emails)))
    elseif r <= 40 then
      return wrk.format("GET", base .. "/customers/list?page_size=10")
    elseif r <= 50 then
      return wrk.format("GET", base .. "/customers/sessions?id=" .. pick(ids))
    elseif r <= 60 then
      local seg = string.format("seg-%06d", math.random(0, tonumber(env.SEGMENTS or "1") - 1))
      return post(base .. "/user_attribute/users", '{"query":{"type":"and","page":1,"limit":10,"conditions":[{"definition_id":"' ..
        (env.SEGMENT_DEF or "") .. '","type":"eq","value":"' .. seg .. '"}]}}')
    elseif r <= 70 then
      return wrk.format("GET", base .. "/customers/list?page_no=100&page_size=10")
    elseif r <= 85 then
      creates = creates + 1
      local n = string.format("%02d%d%06d", run % 100, tid % 10, counter % 1000000)
      return post(base .. "/customers", '{"username":"soak' .. n .. '","phone_number":"8' .. n ..
        '","email":"soak' .. n .. '@example.net","first_name":"Soak","last_name":"Test"}')
    else
      return wrk.format("PUT", base .. "/customers/" .. pick(ids), json, '{"first_name":"Soak' .. tid .. "x" .. counter .. '"}')
    end
  elseif op == "create" or op == "create_nowriter" or op == "create_sync_normal" then
    local n = string.format("%02d%d%06d", run % 100, tid % 10, counter % 1000000)
    return post(base .. "/customers", '{"username":"load' .. n .. '","phone_number":"7' .. n ..
      '","email":"load' .. n .. '@example.net","first_name":"Load","last_name":"Test"}')
  elseif op == "update" then
    return wrk.format("PUT", base .. "/customers/" .. pick(ids), json,
      '{"first_name":"Renamed' .. tid .. "x" .. counter .. '"}')
  elseif op == "session_create" then
    return post(base .. "/customers/session", '{"user_id":"' .. pick(ids) .. '","domain":"shop.example.com"}')
  elseif op == "sessions_list" then
    return wrk.format("GET", base .. "/customers/sessions?id=" .. pick(ids))
  elseif op == "token" then
    return wrk.format("POST", os.getenv("TOKEN_PATH"), {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Authorization"] = "Basic " .. os.getenv("BASIC"),
    }, "grant_type=client_credentials")
  -- The peer (Parse Server): same users, same questions.
  elseif op == "peer_health" then
    return wrk.format("GET", "/parse/health")
  elseif op == "peer_lookup_email" then
    return wrk.format("GET", '/parse/users?limit=1&where=' .. urlencode('{"app":"b01","email":"' .. pick(emails) .. '"}'), parse)
  elseif op == "peer_list_first" then
    return wrk.format("GET", "/parse/users?limit=10&order=-createdAt&where=" .. urlencode('{"app":"b01"}'), parse)
  elseif op == "peer_list_deep" then
    return wrk.format("GET", "/parse/users?limit=10&skip=9990&order=-createdAt&where=" .. urlencode('{"app":"b01"}'), parse)
  elseif op == "peer_create" then
    local n = string.format("%02d%d%06d", run % 100, tid % 10, counter % 1000000)
    return wrk.format("POST", "/parse/classes/Customer", parse_json,
      '{"username":"load' .. n .. '","phone":"7' .. n .. '","email":"load' .. n .. '@example.net","firstName":"Load","lastName":"Test","app":"b01"}')
  end
  error("unknown OP " .. tostring(op))
end

if op and op:sub(1, 5) == "peer_" then
  parse = { ["X-Parse-Application-Id"] = os.getenv("PARSE_APP") or "APP", ["X-Parse-Master-Key"] = os.getenv("PARSE_KEY") or "KEY" }
  parse_json = { ["X-Parse-Application-Id"] = parse["X-Parse-Application-Id"], ["X-Parse-Master-Key"] = parse["X-Parse-Master-Key"],
    ["Content-Type"] = "application/json" }
end

-- The soak (soak.sh) reads latency per interval from its own wrk runs; this prints the whole run.
function done(summary, latency, requests)
  local e = summary.errors
  local issued = 0
  for _, t in ipairs(threads) do issued = issued + (t:get("creates") or 0) end
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"creates_sent":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean, issued))
end
