-- A page of root threads, each root with the newest `replies` replies of its thread, stopping at
-- `limit` roots or once `max_bytes` of comment JSON is reached (after one root; a root's replies
-- stop there too, after one reply, and its reply cursor pages the rest).
--   newest / oldest: by creation order from `cursor` (exclusive), the other way with `backward`;
--   top: the roots listed in `root_ids` in that order, or (no list) the best ranked, with the ids
--   of up to `rank_after` more roots in rank order after the page.
-- Returns {epoch|'', head, closed, nextCursor|'', visible, scoresVersion, rankCount, rank ids…,
-- then per root: rootJson, rootScore, replyCursor|'', n, then n × (replyJson, replyScore)},
-- the replies in creation order; a score is "up|down". At most limit * (2 * replies + 4) + 7 +
-- rank_after results.
local meta = KEYS[1]
local comments = KEYS[2]
local roots = KEYS[3]
local desc = KEYS[4]
local score = KEYS[5]
local top = KEYS[6]
local sort = ARGV[1]
local cursor = ARGV[2]
local backward = ARGV[3]
local root_ids = ARGV[4]
local limit = tonumber(ARGV[5])
local replies = tonumber(ARGV[6])
local max_bytes = tonumber(ARGV[7])
local rank_after = tonumber(ARGV[8])

local m = redis.call('HMGET', meta, 'epoch', 'seq', 'closed', 'visible', 'sv')
local out = {m[1] or '', m[2] or '0', m[3] or '0', '', m[4] or '0', m[5] or '0', '0'}

-- The candidate roots, in page order: {id, order|''}.
local candidates = {}
if sort == 'top' then
  if root_ids ~= '' then
    for id in string.gmatch(root_ids, '[^,]+') do candidates[#candidates + 1] = {id, ''} end
  else
    for _, id in ipairs(redis.call('ZREVRANGE', top, 0, limit + rank_after - 1)) do candidates[#candidates + 1] = {id, ''} end
  end
else
  local desc_order = (sort == 'newest') ~= (backward == '1')
  local rows
  if desc_order then
    local max = '+inf'
    if cursor ~= '' then max = '(' .. cursor end
    rows = redis.call('ZREVRANGEBYSCORE', roots, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
  else
    local min = '-inf'
    if cursor ~= '' then min = '(' .. cursor end
    rows = redis.call('ZRANGEBYSCORE', roots, min, '+inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
  end
  for i = 1, #rows / 2 do candidates[#candidates + 1] = {rows[i * 2 - 1], rows[i * 2]} end
end

local body = {}
local bytes = 0
local taken = 0
local last_order = ''
local i = 1
while i <= #candidates do
  if taken == limit or (taken > 0 and bytes >= max_bytes) then break end
  local root_id = candidates[i][1]
  local root = redis.call('HGET', comments, root_id)
  if root then
    taken = taken + 1
    last_order = candidates[i][2]
    body[#body + 1] = root
    body[#body + 1] = redis.call('HGET', score, root_id) or ''
    bytes = bytes + #root
    local members = redis.call('ZREVRANGEBYLEX', desc, '(' .. root_id .. ';', '[' .. root_id .. ':', 'LIMIT', 0, replies + 1)
    -- Newest first, within the count and (after one reply) the byte bound; the rest are paged.
    local taken_rows = {}
    local more = false
    local oldest = ''
    for j = 1, #members do
      if j > replies or (#taken_rows > 0 and bytes >= max_bytes) then
        more = true
        break
      end
      local reply_id = string.match(members[j], '([^:]+)$')
      local row = redis.call('HGET', comments, reply_id)
      oldest = members[j]
      if row then
        taken_rows[#taken_rows + 1] = {reply_id, row}
        bytes = bytes + #row
      end
    end
    local reply_cursor = ''
    if more then reply_cursor = tostring(tonumber(string.match(oldest, ':(%d+):[^:]*$'))) end
    body[#body + 1] = reply_cursor
    local count_at = #body + 1
    body[count_at] = 0
    local found = 0
    for j = #taken_rows, 1, -1 do
      body[#body + 1] = taken_rows[j][2]
      body[#body + 1] = redis.call('HGET', score, taken_rows[j][1]) or ''
      found = found + 1
    end
    body[count_at] = tostring(found)
  end
  i = i + 1
end
if sort ~= 'top' and i <= #candidates then out[4] = last_order end
if sort == 'top' and root_ids == '' then
  local ranked = 0
  while i <= #candidates and ranked < rank_after do
    out[#out + 1] = candidates[i][1]
    ranked = ranked + 1
    i = i + 1
  end
  out[7] = tostring(ranked)
end
for _, v in ipairs(body) do out[#out + 1] = v end
return out
