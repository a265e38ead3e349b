-- Opens or closes a thread; logs thread.closed or thread.reopened only on a change.
-- Returns {seq, epoch}, or {} when nothing changed.
local meta = KEYS[1]
local log = KEYS[2]
local closed = ARGV[1]
local epoch_candidate = ARGV[2]
local at = ARGV[3]
local log_size = tonumber(ARGV[4])

local cur = redis.call('HGET', meta, 'closed') or '0'
if cur == closed then return {} end
local epoch = ensure_epoch(meta, epoch_candidate)
redis.call('HSET', meta, 'closed', closed)
local etype = 'thread.reopened'
if closed == '1' then etype = 'thread.closed' end
return {tostring(append_event(meta, log, etype, '', at, log_size)), epoch}
