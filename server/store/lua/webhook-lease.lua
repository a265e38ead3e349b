-- Claims or renews an endpoint's delivery lease for `ttl_ms`. Returns 1 when `holder` has it.
local lease = KEYS[1]
local holder = ARGV[1]
local ttl_ms = tonumber(ARGV[2])

if redis.call('SET', lease, holder, 'NX', 'PX', ttl_ms) then return 1 end
if redis.call('GET', lease) == holder then
  redis.call('PEXPIRE', lease, ttl_ms)
  return 1
end
return 0
