-- Claims a body (by hash) for a user for `ttl` seconds. Returns 1 when it may be posted: nobody
-- claimed it, or the same clientId did (a retry).
local claim = KEYS[1]
local client_id = ARGV[1]
local ttl = tonumber(ARGV[2])

if redis.call('SET', claim, client_id, 'NX', 'EX', ttl) then return 1 end
if redis.call('GET', claim) == client_id then return 1 end
return 0
