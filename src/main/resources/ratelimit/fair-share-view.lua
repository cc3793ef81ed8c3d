-- What fair-share.lua's state holds now, read-only, for the quotas endpoint.
-- KEYS as fair-share.lua: the log, who asked when, the claims.  ARGV[1]  window (ms)
-- Returns {Redis time (ms), {member, score, ...} in the window, {caller, last ask, ...} in
--          the window, {caller, "<weight>:<max links>", ...}}
local window = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local since = '(' .. (now - window)
return {now,
  redis.call('ZRANGEBYSCORE', KEYS[1], since, '+inf', 'WITHSCORES'),
  redis.call('ZRANGEBYSCORE', KEYS[2], since, '+inf', 'WITHSCORES'),
  redis.call('HGETALL', KEYS[3])}
