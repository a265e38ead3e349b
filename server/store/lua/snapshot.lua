-- A page of root threads, newest first, each root with the newest `replies` replies of its
-- thread, stopping at `limit` roots or once `max_bytes` of comment JSON is reached (after one).
-- Returns {epoch|'', head, closed, nextCursor|'', then per root: rootJson, replyCursor|'', n,
-- n reply JSONs in creation order}. At most limit * (replies + 3) + 4 results.
local meta = KEYS[1]
local comments = KEYS[2]
local roots = KEYS[3]
local desc = KEYS[4]
local cursor = ARGV[1]
local limit = tonumber(ARGV[2])
local replies = tonumber(ARGV[3])
local max_bytes = tonumber(ARGV[4])

local m = redis.call('HMGET', meta, 'epoch', 'seq', 'closed')
local max = '+inf'
if cursor ~= '' then max = '(' .. cursor end
local ids = redis.call('ZREVRANGEBYSCORE', roots, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
local out = {m[1] or '', m[2] or '0', m[3] or '0', ''}
local bytes = 0
local taken = 0
local last_order = ''
for i = 1, #ids / 2 do
  if taken == limit or (taken > 0 and bytes >= max_bytes) then
    out[4] = last_order
    break
  end
  local root_id = ids[i * 2 - 1]
  local root = redis.call('HGET', comments, root_id)
  if root then
    taken = taken + 1
    last_order = ids[i * 2]
    out[#out + 1] = root
    bytes = bytes + #root
    local members = redis.call('ZREVRANGEBYLEX', desc, '(' .. root_id .. ';', '[' .. root_id .. ':', 'LIMIT', 0, replies + 1)
    local n = #members
    local reply_cursor = ''
    if n > replies then
      n = replies
      reply_cursor = tostring(tonumber(string.match(members[n], ':(%d+):[^:]*$')))
    end
    out[#out + 1] = reply_cursor
    local count_at = #out + 1
    out[count_at] = 0
    local found = 0
    for j = n, 1, -1 do
      local row = redis.call('HGET', comments, string.match(members[j], '([^:]+)$'))
      if row then
        out[#out + 1] = row
        bytes = bytes + #row
        found = found + 1
      end
    end
    out[count_at] = tostring(found)
  end
end
return out
