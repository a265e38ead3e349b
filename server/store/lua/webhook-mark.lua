-- Gives an article the next mark of the webhook change feed (one counter for every node) and
-- keeps the feed to its newest `keep` articles. Returns the mark.
local counter = KEYS[1]
local feed = KEYS[2]
local article_id = ARGV[1]
local keep = tonumber(ARGV[2])

local mark = redis.call('INCR', counter)
redis.call('ZADD', feed, mark, article_id)
redis.call('ZREMRANGEBYRANK', feed, 0, -keep - 1)
return mark
