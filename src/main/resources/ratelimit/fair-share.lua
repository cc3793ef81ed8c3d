-- The link budget shared fairly among callers, for all replicas at once: at most ARGV[1]
-- permits in any ARGV[2] milliseconds (a sliding log, as sliding-window.lua), divided by
-- weighted max-min fairness among the callers that asked in the last window. The same
-- rules as the gateway's in-memory FairShare (see its Javadoc and the README's "Fair share"):
--   share(c)    = limit * weight(c) / sum of the active callers' weights
--   held(c)     = floor(share(c)), at most c's cap
--   grant c iff   permits in the window + 1 + sum over the other active callers of
--                 max(0, held(d) - used(d)) <= limit, and c is under its cap.
-- One script decides, so replicas cannot race each other. Time is Redis's TIME.
--
-- KEYS[1]  the log (member "<permit id>|<caller>", score = admission ms), e.g.
--          {gw:ab12cd34}:quota:portal_links (hash tag: Cluster-safe)
-- KEYS[2]  who asked when: sorted set caller -> last ask (ms)
-- KEYS[3]  the callers' claims: hash caller -> "<weight>:<max links, 0 for none>"
-- ARGV[1]  limit  ARGV[2]  window (ms)  ARGV[3]  permit id  ARGV[4]  caller
-- ARGV[5]  weight  ARGV[6]  max links (0: none)
-- Returns {granted (1/0), remaining, ms until a permit frees for this caller (or the window's
--          oldest leaves), Redis time (ms) admitted at (or of this answer), verdict
--          (0 granted, 1 over its share, 2 over its cap, 3 budget in use), the caller's
--          share in whole permits, permits it holds}
-- Asking again with a permit id already in the window grants it again without a second
-- permit: a caller whose answer was lost to a timeout asks again instead of guessing.
if redis.replicate_commands then
  redis.replicate_commands()
end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local caller = ARGV[4]
local weight = tonumber(ARGV[5])
local cap = tonumber(ARGV[6])
local member = ARGV[3] .. '|' .. caller
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[2], now, caller)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('PEXPIRE', KEYS[2], window)
redis.call('HSET', KEYS[3], caller, weight .. ':' .. cap)
redis.call('PEXPIRE', KEYS[3], window)

local log = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local total = #log / 2
local used = {}
local oldestMine = nil
for i = 1, #log, 2 do
  local owner = string.match(log[i], '|(.*)$') or ''
  used[owner] = (used[owner] or 0) + 1
  if owner == caller and oldestMine == nil then
    oldestMine = tonumber(log[i + 1])
  end
end
local oldest = (total > 0) and tonumber(log[2]) or now
local mine = used[caller] or 0

local admitted = redis.call('ZSCORE', KEYS[1], member)
if admitted then
  return {1, math.max(0, limit - total), oldest + window - now, tonumber(admitted), 0, 0, mine}
end

local active = redis.call('ZRANGE', KEYS[2], 0, -1)
local claims = {}
local weights = 0
for _, name in ipairs(active) do
  local claim = redis.call('HGET', KEYS[3], name)
  local w, c = 1, 0
  if claim then
    w, c = string.match(claim, '^(%d+):(%d+)$')
    w, c = tonumber(w), tonumber(c)
  end
  claims[name] = {w, c}
  weights = weights + w
end
local function held(name)
  local w, c = claims[name][1], claims[name][2]
  local whole = math.floor(limit * w / weights)
  if c > 0 and c < whole then
    return c
  end
  return whole
end
local myWhole = math.floor(limit * weight / weights)

if cap > 0 and mine >= cap then
  return {0, 0, math.max(1, (oldestMine or now) + window - now), now, 2, myWhole, mine}
end
local reserved = 0
for _, name in ipairs(active) do
  if name ~= caller then
    reserved = reserved + math.max(0, held(name) - (used[name] or 0))
  end
end
if total + 1 + reserved <= limit then
  redis.call('ZADD', KEYS[1], now, member)
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - total - 1, ((total > 0) and oldest or now) + window - now, now, 0, myWhole, mine + 1}
end
if mine + 1 > myWhole and weights > weight then
  return {0, 0, math.max(1, (oldestMine or now) + window - now), now, 1, myWhole, mine}
end
return {0, 0, math.max(1, oldest + window - now), now, 3, myWhole, mine}
