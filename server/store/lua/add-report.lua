-- Adds one report per user and comment, and queues the comment as reported. Returns 1 when added.
local comments = KEYS[1]
local reported = KEYS[2]
local report_list = KEYS[3]
local reporters = KEYS[4]
local comment_id = ARGV[1]
local user_id = ARGV[2]
local report_json = ARGV[3]
local at_ms = tonumber(ARGV[4])

if redis.call('HEXISTS', comments, comment_id) == 0 then return 0 end
if redis.call('SADD', reporters, user_id) == 0 then return 0 end
redis.call('RPUSH', report_list, report_json)
redis.call('ZADD', reported, 'NX', at_ms, comment_id)
return 1
