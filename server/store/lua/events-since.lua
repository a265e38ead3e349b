-- The events after `since`, at most `limit`, cut where the distinct comments they carry pass
-- `max_bytes` (after one event). Only the last event of each comment in the answer carries it,
-- as it is now (see core/catch-up.ts, which this mirrors).
-- Returns {epoch|'', head, ok ('1'|'0'), more ('1'|'0'), visible, then per event: logEntry, commentJson|''}.
local meta = KEYS[1]
local log = KEYS[2]
local comments = KEYS[3]
local since = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local max_bytes = tonumber(ARGV[3])
local overhead = tonumber(ARGV[4])

local m = redis.call('HMGET', meta, 'epoch', 'seq', 'visible')
local head = tonumber(m[2] or '0')
local len = redis.call('LLEN', log)
local first = head - len + 1
if since < first - 1 or since > head then return {m[1] or '', tostring(head), '0', '0', m[3] or '0'} end
local out = {m[1] or '', tostring(head), '1', '0', m[3] or '0'}
if since == head then return out end
local start = len - (head - since)
local entries = redis.call('LRANGE', log, start, start + limit - 1)
local ids = {}
local seen = {}
local bytes = 0
local count = #entries
for i = 1, #entries do
  local id = string.match(entries[i], '^%d+|[^|]*|([^|]*)|')
  ids[i] = id
  bytes = bytes + overhead
  if id ~= '' and not seen[id] then
    seen[id] = true
    bytes = bytes + redis.call('HSTRLEN', comments, id)
  end
  if bytes > max_bytes and i > 1 then
    count = i - 1
    break
  end
end
local last = {}
for i = 1, count do
  if ids[i] ~= '' then last[ids[i]] = i end
end
if start + count < len then out[4] = '1' end
for i = 1, count do
  out[#out + 1] = entries[i]
  if ids[i] ~= '' and last[ids[i]] == i then
    out[#out + 1] = redis.call('HGET', comments, ids[i]) or ''
  else
    out[#out + 1] = ''
  end
end
return out
