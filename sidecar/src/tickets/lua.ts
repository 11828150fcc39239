import { LuaScript } from '../redis/lua';

/**
 * The ticket ledger's Lua scripts. Each movement of a member's tickets is one script, so Redis
 * runs it whole between any two commands of any other client: however many sidecar processes
 * debit the same member at once, a lot never goes below zero and an entry is never applied twice.
 *
 * Every script gets the ledger's key prefix (`<place prefix>tk:`) first. Layout under it:
 * `ready` set once the ledger is loaded from the ERP (absent: Redis was emptied, or never loaded);
 * `building` while a full load runs; `customers` customer hash → name; per customer
 * `c:<hash>:e` the entries (JSON, in the order applied), `c:<hash>:k` entry key → ERP name (empty
 * while not written), `c:<hash>:l` lot key → tickets left, `c:<hash>:o` operations done (a booking's
 * debit, a refund...), `c:<hash>:v` a version bumped by every change; `pending` entry key → JSON of
 * entries the ERP has not got yet, `outbox` the same keys by when they were decided.
 */

const PRELUDE = `
local P = ARGV[1]
local function C(h, part) return P .. 'c:' .. h .. ':' .. part end
local function not_ready()
  if redis.call('EXISTS', P .. 'ready') == 1 then return nil end
  if redis.call('EXISTS', P .. 'building') == 1 then return {'BUILDING'} end
  return {'NOLEDGER'}
end
`;

/**
 * Applies the entries of one operation of one customer: ARGV h, customer, now, op, expected
 * version ('' for none), n, then n × (key, lot or '' when it opens one, quantity, json), then a
 * note to keep with the operation (key, JSON, seconds to keep it; key '' for none: what a
 * booking's tickets did not pay).
 * Answers OK version | DONE version (the operation, or every entry, was applied before) |
 * VERSION current | SHORT lot left | NOLOT lot | NOLEDGER | BUILDING.
 */
export const APPLY = new LuaScript(
  'tickets-apply',
  `${PRELUDE}
local blocked = not_ready()
if blocked then return blocked end
local h = ARGV[2]
local version = tonumber(redis.call('GET', C(h, 'v')) or '0')
local op = ARGV[5]
if op ~= '' and redis.call('HEXISTS', C(h, 'o'), op) == 1 then return {'DONE', tostring(version)} end
if ARGV[6] ~= '' and tonumber(ARGV[6]) ~= version then return {'VERSION', tostring(version)} end
local n = tonumber(ARGV[7])
local fresh = {}
local opened = {}
local delta = {}
for i = 0, n - 1 do
  local b = 8 + i * 4
  local key, lot, qty, json = ARGV[b], ARGV[b + 1], tonumber(ARGV[b + 2]), ARGV[b + 3]
  if redis.call('HEXISTS', C(h, 'k'), key) == 0 then
    fresh[#fresh + 1] = {key, lot, qty, json}
    if lot == '' then opened[key] = qty else delta[lot] = (delta[lot] or 0) + qty end
  end
end
if #fresh == 0 then
  if op ~= '' then redis.call('HSET', C(h, 'o'), op, '1') end
  return {'DONE', tostring(version)}
end
for lot, d in pairs(delta) do
  local have = redis.call('HGET', C(h, 'l'), lot)
  if not have and not opened[lot] then return {'NOLOT', lot} end
  local left = tonumber(have or '0') + (opened[lot] or 0)
  if left + d < 0 then return {'SHORT', lot, tostring(left)} end
end
for _, e in ipairs(fresh) do
  if e[2] == '' then redis.call('HSET', C(h, 'l'), e[1], e[3]) else redis.call('HINCRBY', C(h, 'l'), e[2], e[3]) end
  redis.call('RPUSH', C(h, 'e'), e[4])
  redis.call('HSET', C(h, 'k'), e[1], '')
  redis.call('HSET', P .. 'pending', e[1], e[4])
  redis.call('ZADD', P .. 'outbox', ARGV[4], e[1])
end
if op ~= '' then redis.call('HSET', C(h, 'o'), op, '1') end
local note = 8 + n * 4
if ARGV[note] and ARGV[note] ~= '' then redis.call('SET', ARGV[note], ARGV[note + 1], 'EX', ARGV[note + 2]) end
redis.call('HSET', P .. 'customers', h, ARGV[3])
return {'OK', tostring(redis.call('INCR', C(h, 'v')))}
`,
);

/**
 * Replaces what Redis holds of one customer with what the ERP holds (plus the entries still on
 * their way to it): ARGV h, customer, expected version ('' for none), build ('1' while the whole
 * ledger is loaded), nLots, nLots × (lot, tickets left), nEntries, nEntries × (key, ERP name or '',
 * json), nOps, nOps × op. Entries the ERP has leave the outbox.
 */
export const REPLACE = new LuaScript(
  'tickets-replace',
  `${PRELUDE}
if ARGV[5] ~= '1' then
  local blocked = not_ready()
  if blocked then return blocked end
end
local h = ARGV[2]
local version = tonumber(redis.call('GET', C(h, 'v')) or '0')
if ARGV[4] ~= '' and tonumber(ARGV[4]) ~= version then return {'VERSION', tostring(version)} end
redis.call('DEL', C(h, 'l'), C(h, 'e'), C(h, 'k'), C(h, 'o'))
local i = 6
local lots = tonumber(ARGV[i]); i = i + 1
for _ = 1, lots do
  redis.call('HSET', C(h, 'l'), ARGV[i], ARGV[i + 1]); i = i + 2
end
local entries = tonumber(ARGV[i]); i = i + 1
for _ = 1, entries do
  local key, erp, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]; i = i + 3
  redis.call('RPUSH', C(h, 'e'), json)
  redis.call('HSET', C(h, 'k'), key, erp)
  if erp ~= '' then
    redis.call('HDEL', P .. 'pending', key)
    redis.call('ZREM', P .. 'outbox', key)
  end
end
local ops = tonumber(ARGV[i]); i = i + 1
for _ = 1, ops do
  redis.call('HSET', C(h, 'o'), ARGV[i], '1'); i = i + 1
end
redis.call('HSET', P .. 'customers', h, ARGV[3])
return {'OK', tostring(redis.call('INCR', C(h, 'v')))}
`,
);

/** The ERP holds entry ARGV key (name ARGV erp) of customer hash ARGV h: OK, or MISSING when Redis no longer knows it. */
export const SYNCED = new LuaScript(
  'tickets-synced',
  `${PRELUDE}
local key, h, erp = ARGV[2], ARGV[3], ARGV[4]
redis.call('HDEL', P .. 'pending', key)
redis.call('ZREM', P .. 'outbox', key)
if redis.call('HEXISTS', C(h, 'k'), key) == 1 then
  redis.call('HSET', C(h, 'k'), key, erp)
  return {'OK'}
end
return {'MISSING'}
`,
);

/** One customer's version, entries and ERP names: OK version n entries… keys-and-names… */
export const READ = new LuaScript(
  'tickets-read',
  `${PRELUDE}
local blocked = not_ready()
if blocked then return blocked end
local h = ARGV[2]
local entries = redis.call('LRANGE', C(h, 'e'), 0, -1)
local names = redis.call('HGETALL', C(h, 'k'))
local out = {'OK', redis.call('GET', C(h, 'v')) or '0', tostring(#entries)}
for _, e in ipairs(entries) do out[#out + 1] = e end
for _, x in ipairs(names) do out[#out + 1] = x end
return out
`,
);
