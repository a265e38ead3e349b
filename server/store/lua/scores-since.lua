-- The counts of the comments whose votes changed after scores version `since`, oldest change
-- first, at most `limit`. Returns {version, more ('1'|'0'), then per comment: id, "up|down"};
-- with `more`, `version` is the last change returned (ask again from it).
local meta = KEYS[1]
local changes = KEYS[2]
local score = KEYS[3]
local since = ARGV[1]
local limit = tonumber(ARGV[2])

local rows = redis.call('ZRANGEBYSCORE', changes, '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
local n = #rows / 2
local more = n > limit
if more then n = limit end
local version = redis.call('HGET', meta, 'sv') or '0'
if more then version = rows[n * 2] end
local out = {version, more and '1' or '0'}
for i = 1, n do
  out[#out + 1] = rows[i * 2 - 1]
  out[#out + 1] = redis.call('HGET', score, rows[i * 2 - 1]) or '0|0'
end
return out
