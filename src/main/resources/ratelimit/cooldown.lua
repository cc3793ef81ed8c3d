-- Starts or lengthens (never shortens) the key's cool-down shared by all replicas.
-- KEYS[1]  e.g. {gw:ab12cd34}:cooldown   ARGV[1]  cool-down in ms
-- Returns the cool-down left, in ms.
local left = redis.call('PTTL', KEYS[1])
local wanted = tonumber(ARGV[1])
if left < wanted then
  redis.call('SET', KEYS[1], '1', 'PX', wanted)
  return wanted
end
return left
