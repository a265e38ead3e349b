-- Stores a new comment. With `publish`, takes the next seq and logs comment.created, atomically.
-- Returns {'created', commentJson, seq|'', epoch, visible} | {'duplicate', commentJson} | {'closed'}.
local meta = KEYS[1]
local comments = KEYS[2]
local roots = KEYS[3]
local desc = KEYS[4]
local log = KEYS[5]
local idem = KEYS[6]
local held = KEYS[7]
local top = KEYS[8]
local comment_json = ARGV[1]
local use_idem = ARGV[2]
local publish = ARGV[3]
local reject_if_closed = ARGV[4]
local epoch_candidate = ARGV[5]
local at = ARGV[6]
local log_size = tonumber(ARGV[7])
local idem_ttl = tonumber(ARGV[8])
local at_ms = tonumber(ARGV[9])

if use_idem == '1' then
  local existing = redis.call('GET', idem)
  if existing then
    local c = redis.call('HGET', comments, existing)
    if c then return {'duplicate', c} end
  end
end
if reject_if_closed == '1' and redis.call('HGET', meta, 'closed') == '1' then return {'closed'} end
local epoch = ensure_epoch(meta, epoch_candidate)
local c = cjson.decode(comment_json)
local order = redis.call('HINCRBY', meta, 'n', 1)
c.order = order
c.version = 1
c.replyCount = 0
c.editedAt = cjson.null
local json = cjson.encode(c)
redis.call('HSET', comments, c.id, json)
if c.parentId == cjson.null then
  redis.call('ZADD', roots, order, c.id)
  -- Top order: net votes (none yet), then the older first (see vote.lua).
  redis.call('ZADD', top, -order, c.id)
else
  redis.call('ZADD', desc, 0, c.rootId .. ':' .. string.format('%012d', order) .. ':' .. c.id)
end
if use_idem == '1' then redis.call('SET', idem, c.id, 'EX', idem_ttl) end
if c.status == 'pending' then redis.call('ZADD', held, at_ms, c.id) end
local seq = ''
if publish == '1' then
  if c.parentId ~= cjson.null then bump_parent(comments, c.parentId, 1) end
  redis.call('HINCRBY', meta, 'visible', 1)
  seq = append_event(meta, log, 'comment.created', c.id, at, log_size)
end
return {'created', json, tostring(seq), epoch, redis.call('HGET', meta, 'visible') or '0'}
