-- Shared by the scripts that write an article (prepended to each of them by lua.ts).
-- The event log holds references, "seq|type|commentId|at", never copies of a comment: whoever
-- reads it back gets the comment as it is now.

local function ensure_epoch(meta, candidate)
  redis.call('HSETNX', meta, 'epoch', candidate)
  return redis.call('HGET', meta, 'epoch')
end

-- Takes the article's next seq and logs the event; returns the seq.
local function append_event(meta, log, etype, comment_id, at, log_size)
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  redis.call('RPUSH', log, seq .. '|' .. etype .. '|' .. comment_id .. '|' .. at)
  redis.call('LTRIM', log, -log_size, -1)
  return seq
end

local function bump_parent(comments, parent_id, delta)
  if parent_id == '' or delta == 0 then return end
  local raw = redis.call('HGET', comments, parent_id)
  if not raw then return end
  local p = cjson.decode(raw)
  p.replyCount = p.replyCount + delta
  p.version = p.version + 1
  redis.call('HSET', comments, parent_id, cjson.encode(p))
end

