-- Writes imported comments an article does not have yet, in the order given (parents first),
-- with their status and votes; no seq, no event (an import rewrites history: rewrite-history.lua).
-- Each record is a stored comment without order/version/replyCount, plus `up`/`down` votes and
-- `heldAtMs` for a held one. Returns the ids written.
local meta = KEYS[1]
local comments = KEYS[2]
local roots = KEYS[3]
local desc = KEYS[4]
local held = KEYS[5]
local score = KEYS[6]
local top = KEYS[7]
local records_json = ARGV[1]
local epoch_candidate = ARGV[2]

ensure_epoch(meta, epoch_candidate)
local written = {}
for _, c in ipairs(cjson.decode(records_json)) do
  if redis.call('HEXISTS', comments, c.id) == 0 then
    local up = tonumber(c.up or 0)
    local down = tonumber(c.down or 0)
    local held_at = c.heldAtMs
    c.up = nil
    c.down = nil
    c.heldAtMs = nil
    local order = redis.call('HINCRBY', meta, 'n', 1)
    c.order = order
    c.version = 1
    c.replyCount = 0
    redis.call('HSET', comments, c.id, cjson.encode(c))
    if c.parentId == cjson.null then
      redis.call('ZADD', roots, order, c.id)
      redis.call('ZADD', top, string.format('%.0f', (up - down) * 1e9 - order), c.id)
    else
      redis.call('ZADD', desc, 0, c.rootId .. ':' .. string.format('%012d', order) .. ':' .. c.id)
    end
    -- Replies count what readers see in the thread: the visible ones and tombstones.
    if c.status ~= 'pending' and c.parentId ~= cjson.null then bump_parent(comments, c.parentId, 1) end
    if c.status == 'visible' then redis.call('HINCRBY', meta, 'visible', 1) end
    if c.status == 'pending' then redis.call('ZADD', held, held_at, c.id) end
    if up > 0 or down > 0 then redis.call('HSET', score, c.id, up .. '|' .. down) end
    written[#written + 1] = c.id
  end
end
return written
