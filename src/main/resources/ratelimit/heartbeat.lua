-- A replica says it is alive and learns how many are, in one round trip.
-- KEYS[1]  the replicas, a sorted set (member = replica id, score = last heartbeat, ms)
-- ARGV[1]  this replica's id   ARGV[2]  its clock (ms)   ARGV[3]  how long a heartbeat counts (ms)
-- Returns the number of replicas alive.
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return redis.call('ZCARD', KEYS[1])
