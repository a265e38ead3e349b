-- The replies of one thread before `cursor` (a creation order; the newest `limit` of them) or,
-- with `later`, after it (the oldest `limit`), stopping once `max_bytes` is reached (after one).
-- Returns {nextCursor|'', then per reply: json, score "up|down"|''} in creation order; the
-- cursor continues in the same direction.
local comments = KEYS[1]
local desc = KEYS[2]
local score = KEYS[3]
local root_id = ARGV[1]
local cursor = tonumber(ARGV[2])
local later = ARGV[3]
local limit = tonumber(ARGV[4])
local max_bytes = tonumber(ARGV[5])

-- Members read "rootId:<order>:id": after every member of order `cursor` is "<order>;" (';' sorts
-- right after ':'), before them is "<order>" itself.
local at = root_id .. ':' .. string.format('%012d', cursor)
local members
if later == '1' then
  members = redis.call('ZRANGEBYLEX', desc, '(' .. at .. ';', '(' .. root_id .. ';', 'LIMIT', 0, limit + 1)
else
  members = redis.call('ZREVRANGEBYLEX', desc, '(' .. at, '[' .. root_id .. ':', 'LIMIT', 0, limit + 1)
end
local rows = {}
local bytes = 0
local taken = 0
local next_cursor = ''
for i = 1, #members do
  if taken == limit or (taken > 0 and bytes >= max_bytes) then
    next_cursor = tostring(tonumber(string.match(members[i - 1], ':(%d+):[^:]*$')))
    break
  end
  local id = string.match(members[i], '([^:]+)$')
  local row = redis.call('HGET', comments, id)
  taken = taken + 1
  if row then
    rows[#rows + 1] = {row, redis.call('HGET', score, id) or ''}
    bytes = bytes + #row
  end
end
local out = {next_cursor}
if later == '1' then
  for j = 1, #rows do out[#out + 1] = rows[j][1]; out[#out + 1] = rows[j][2] end
else
  for j = #rows, 1, -1 do out[#out + 1] = rows[j][1]; out[#out + 1] = rows[j][2] end
end
return out
