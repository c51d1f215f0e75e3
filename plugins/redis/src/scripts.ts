// Lua scripts of the Redis controls: each runs atomically on the server, and every key it writes
// gets a TTL in the same script, so no key outlives its window even if a replica dies mid-way.

/** KEYS[1] counter; ARGV limit, windowMs → {allowed 1/0, retryAfterMs}. Fixed window from the first claim. */
export const CLAIM = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if n <= tonumber(ARGV[1]) then return {1, 0} end
return {0, ttl}
`;

/** KEYS[1] failure counter, KEYS[2] block; ARGV limit, blockMs → the limit-th failure sets the block. */
export const RECORD_FAILURE = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {0, blocked} end
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n < tonumber(ARGV[1]) then return {1, 0} end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('DEL', KEYS[1])
return {0, tonumber(ARGV[2])}
`;

/** KEYS[1] failure counter, KEYS[2] block → {allowed, retryAfterMs}; counts nothing. */
export const CHECK_BLOCK = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {0, blocked} end
return {1, 0}
`;

/** KEYS[1] key; ARGV holder → 1 when the holder's key was deleted, else 0. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
