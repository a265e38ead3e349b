-- After an import: a new epoch, and the head one past an emptied log, so that every reader's
-- `since` answers `gone` and each reloads the thread once.
local meta = KEYS[1]
local log = KEYS[2]
local epoch = ARGV[1]

redis.call('HSET', meta, 'epoch', epoch)
redis.call('HINCRBY', meta, 'seq', 1)
redis.call('DEL', log)
return 1
