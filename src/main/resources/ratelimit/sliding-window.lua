-- Sliding-window log rate limiter: at most ARGV[1] permits in any ARGV[2] milliseconds.
-- Each granted call is a member of a sorted set scored by its time; members older than the
-- window are dropped, so the count is exact over every window, across all replicas.
-- (The "sliding log" of Figma's "An alternative approach to rate limiting", and Redis's own
-- documentation on rate limiting with sorted sets.) Time is Redis's TIME, not the callers'.
--
-- KEYS[1]  the log, e.g. {gw:ab12cd34}:quota:portal_links (hash tag: Cluster-safe)
-- ARGV[1]  limit   ARGV[2]  window in ms   ARGV[3]  a unique member id for this call
-- Returns {granted (1/0), remaining, ms until the window frees a permit (retry/reset),
--          Redis time (ms) the permit was admitted at (or of this answer, when refused)}
-- Asking again with an id already in the window grants it again without taking a second
-- permit: a caller whose answer was lost to a timeout asks again instead of guessing.
if redis.replicate_commands then
  redis.replicate_commands()
end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local admitted = redis.call('ZSCORE', KEYS[1], ARGV[3])
if admitted then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, math.max(0, limit - count), tonumber(oldest[2]) + window - now, tonumber(admitted)}
end
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, limit - count - 1, tonumber(oldest[2]) + window - now, now}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, math.max(1, tonumber(oldest[2]) + window - now), now}
