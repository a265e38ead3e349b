-- Sets one user's vote on a comment (0 takes it back) with the comment's counts, atomically. A
-- change bumps the article's scores version (`sv`, never a seq: votes stay out of the event log),
-- records which comment changed at that version, and, for a root, its place in the Top order:
-- net votes first, then the older (score = net * 1e9 - creation order).
-- Returns {up, down, myVote, changed ('1'|'0'), scoresVersion}.
local meta = KEYS[1]
local score = KEYS[2]
local votes = KEYS[3]
local changes = KEYS[4]
local top = KEYS[5]
local comment_id = ARGV[1]
local user_id = ARGV[2]
local value = tonumber(ARGV[3])
local root_order = ARGV[4]

local key = comment_id .. '|' .. user_id
local before = tonumber(redis.call('HGET', votes, key) or '0')
local counts = redis.call('HGET', score, comment_id) or '0|0'
local up = tonumber(string.match(counts, '^(%d+)'))
local down = tonumber(string.match(counts, '|(%d+)$'))
if before == value then
  return {tostring(up), tostring(down), tostring(value), '0', redis.call('HGET', meta, 'sv') or '0'}
end
if before == 1 then up = up - 1 elseif before == -1 then down = down - 1 end
if value == 1 then up = up + 1 elseif value == -1 then down = down + 1 end
redis.call('HSET', score, comment_id, up .. '|' .. down)
if value == 0 then redis.call('HDEL', votes, key) else redis.call('HSET', votes, key, value) end
local sv = redis.call('HINCRBY', meta, 'sv', 1)
redis.call('ZADD', changes, sv, comment_id)
if root_order ~= '' then
  redis.call('ZADD', top, string.format('%.0f', (up - down) * 1e9 - tonumber(root_order)), comment_id)
end
return {tostring(up), tostring(down), tostring(value), '1', tostring(sv)}
