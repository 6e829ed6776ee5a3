-- The calls of one wrk process of the benchmarks (bench/load-child.ts), built as each is sent.
-- Arguments after `--`: mode, path, file, prefix, threads (wrk's -t).
--   template: POST `path` with the body in `file`, "{n}" replaced by a number unique to the run;
--   ids:      POST `path` with "{id}" replaced by the next id of `file` (one per line) and the
--             body `{"reason":"bench"}` (REVIEW_BODY there); a thread stops once its ids are spent.
-- `done` prints one JSON line: requests, duration, latency mean and p99 (µs), socket errors and
-- the count of each HTTP status.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local mode, path, body, prefix
local ids = {}
local headers = {}
local n = 0
statuses = {}

local function read(file)
  local f = assert(io.open(file, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

function init(args)
  mode, path, prefix = args[1], args[2], args[4] .. "-" .. tid
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  if mode == "template" then
    body = read(args[3])
  else
    body = '{"reason":"bench"}'
    local count, i = tonumber(args[5]), 0
    for id in read(args[3]):gmatch("[^\n]+") do
      -- the threads of one process take every `count`-th id, each from its own offset
      if i % count == tid then table.insert(ids, id) end
      i = i + 1
    end
  end
end

function request()
  n = n + 1
  if mode == "template" then
    return wrk.format("POST", path, headers, (body:gsub("{n}", prefix .. "-" .. n)))
  end
  local id = ids[n]
  if id == nil then
    -- spent: end this thread; the request built meanwhile repeats the last id
    wrk.thread:stop()
    id = ids[#ids] or "none"
  end
  return wrk.format("POST", (path:gsub("{id}", id)), headers, body)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do table.insert(parts, string.format('"%d":%d', status, count)) end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"meanUs":%f,"p99Us":%d,"socketErrors":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
