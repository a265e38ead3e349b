-- The replies of one thread created before `cursor` (a creation order), the newest `limit` of
-- them, stopping once `max_bytes` is reached (after one). Returns {earlierCursor|'', JSON… in
-- creation order}.
local comments = KEYS[1]
local desc = KEYS[2]
local root_id = ARGV[1]
local cursor = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local max_bytes = tonumber(ARGV[4])

local members = redis.call('ZREVRANGEBYLEX', desc, '(' .. root_id .. ':' .. string.format('%012d', cursor), '[' .. root_id .. ':', 'LIMIT', 0, limit + 1)
local rows = {}
local bytes = 0
local taken = 0
local earlier = ''
for i = 1, #members do
  if taken == limit or (taken > 0 and bytes >= max_bytes) then
    earlier = tostring(tonumber(string.match(members[i - 1], ':(%d+):[^:]*$')))
    break
  end
  local row = redis.call('HGET', comments, string.match(members[i], '([^:]+)$'))
  taken = taken + 1
  if row then
    rows[#rows + 1] = row
    bytes = bytes + #row
  end
end
local out = {earlier}
for j = #rows, 1, -1 do out[#out + 1] = rows[j] end
return out
