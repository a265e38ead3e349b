-- Applies a patch to a comment if it still matches what the caller read, with its event.
-- Returns {'updated', commentJson, seq|'', epoch, visible} | {'conflict'} | {'closed'} | {'not_found'}.
local meta = KEYS[1]
local comments = KEYS[2]
local log = KEYS[3]
local comment_id = ARGV[1]
local expect_version = ARGV[2]
local expect_status = ARGV[3]
local patch_json = ARGV[4]
local event_type = ARGV[5]
local visible_delta = tonumber(ARGV[6])
local parent_reply_delta = tonumber(ARGV[7])
local reject_if_closed = ARGV[8]
local epoch_candidate = ARGV[9]
local at = ARGV[10]
local log_size = tonumber(ARGV[11])

local raw = redis.call('HGET', comments, comment_id)
if not raw then return {'not_found'} end
local cur = cjson.decode(raw)
if expect_version ~= '' and tostring(cur.version) ~= expect_version then return {'conflict'} end
if expect_status ~= '' and cur.status ~= expect_status then return {'conflict'} end
if reject_if_closed == '1' and redis.call('HGET', meta, 'closed') == '1' then return {'closed'} end
local epoch = ensure_epoch(meta, epoch_candidate)
for k, v in pairs(cjson.decode(patch_json)) do cur[k] = v end
cur.version = cur.version + 1
local json = cjson.encode(cur)
redis.call('HSET', comments, comment_id, json)
if visible_delta ~= 0 then redis.call('HINCRBY', meta, 'visible', visible_delta) end
if cur.parentId ~= cjson.null then bump_parent(comments, cur.parentId, parent_reply_delta) end
local seq = ''
if event_type ~= '' then seq = append_event(meta, log, event_type, comment_id, at, log_size) end
return {'updated', json, tostring(seq), epoch, redis.call('HGET', meta, 'visible') or '0'}
