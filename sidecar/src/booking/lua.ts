import { LuaScript } from '../redis/lua';
import { RECORD_FIELDS } from './record';

/**
 * The index's Lua scripts. Each decision about capacity is one script, so Redis runs it whole,
 * between any two commands of any other client: N sidecar processes cannot both see the last free
 * seat. Time comes from Redis (TIME), so every process agrees on which holds have expired.
 *
 * Every script gets the place's key prefix, the index generation the caller believes current and
 * the offset of the caller's clock from the real one (0 but in tests), then its own arguments;
 * it answers NOINDEX when there is no index (Redis was emptied), STALE when a rebuild swapped the
 * generation (the caller retries on the new one), BUILDING while a rebuild runs (changes wait; the
 * rebuild itself fills its new generation with the same scripts, so there is one placement code).
 * Keys are built inside the scripts from the prefix, so they assume one Redis, not a cluster.
 *
 * Layout under `<prefix>g:<generation>:`: `bk:<id>` a hash per booking; `occ:<resource>` the
 * bookings that may hold capacity, by start; `all:<resource>` and `cust:<customer>` every booking,
 * by start; `maxlen:<resource>` the longest booking seen (it bounds the range scans); `erp` ERP
 * name → id; `outbox` bookings whose latest change the ERP has not got, by when it was made;
 * `holds` unpaid bookings by the end of their hold; `conflicts` the over-capacity situations found.
 */

const PRELUDE = `
local P = ARGV[1]
local G = ARGV[2]
-- A clock the caller shifted (tests that set "now") moves Redis's time by the same amount; 0 in production.
local OFFSET = tonumber(ARGV[3])
local current = redis.call('GET', P .. 'idx:gen')
-- idx:building names the generation a rebuild is filling: its own scripts work on it before it is current.
local building = redis.call('GET', P .. 'idx:building')
local into_build = building and building == G
if not into_build then
  if not current then return {'NOINDEX'} end
  if current ~= G then return {'STALE', current} end
end
local function K(...) return P .. 'g:' .. G .. ':' .. table.concat({...}, ':') end
local function num(x) return string.format('%.0f', x) end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + OFFSET
end
-- The statuses that may hold capacity (an unpaid one only until its hold ends), as the domain's occupiesCapacity.
local function holding_status(st)
  return st == 'pending_approval' or st == 'confirmed' or st == 'checked_in' or st == 'awaiting_payment'
end
local function holds(st, h, now)
  if st == 'awaiting_payment' then return (not h) or h == '' or tonumber(h) > now end
  return st == 'pending_approval' or st == 'confirmed' or st == 'checked_in'
end
`;

const MUTATION_GUARD = `
if building and not into_build then return {'BUILDING'} end
`;

/**
 * Peak units taken over [from, to) by the holding bookings of a resource, each widened by the
 * buffers, excluding one booking: the domain's buildOccupancy + maxOccupancy, over only the
 * bookings whose start lies within reach (the longest booking bounds how far back to look).
 */
const PEAK = `
local function peak(res, from, to, before, after, room, full, now, exclude)
  local maxlen = tonumber(redis.call('GET', K('maxlen', res)) or '0')
  local ids = redis.call('ZRANGEBYSCORE', K('occ', res), '(' .. num(from - after - maxlen), '(' .. num(to + before))
  local level0, events = 0, {}
  for _, id in ipairs(ids) do
    if id ~= exclude then
      local f = redis.call('HMGET', K('bk', id), 's', 'e', 'n', 'st', 'h')
      if f[1] and holds(f[4], f[5], now) then
        local s, e = tonumber(f[1]), tonumber(f[2])
        local os, oe = s - before, e + after
        if e > s and os < to and oe > from then
          local u = 1
          if room ~= '1' then u = math.min(tonumber(f[3]), full) end
          if os <= from then level0 = level0 + u else events[#events + 1] = {os, u} end
          if oe < to then events[#events + 1] = {oe, -u} end
        end
      end
    end
  end
  table.sort(events, function(a, b) return a[1] < b[1] end)
  local level, best, i = level0, level0, 1
  while i <= #events do
    local t = events[i][1]
    while i <= #events and events[i][1] == t do
      level = level + events[i][2]
      i = i + 1
    end
    if level > best then best = level end
  end
  return best
end
`;

const PLACEMENT = `
local function unplace(id, r, c)
  redis.call('ZREM', K('occ', r), id)
  redis.call('ZREM', K('all', r), id)
  redis.call('ZREM', K('cust', c), id)
  redis.call('ZREM', K('holds'), id)
end
local function place(id, r, s, e, st, h, c)
  redis.call('ZADD', K('all', r), s, id)
  redis.call('ZADD', K('cust', c), s, id)
  if holding_status(st) then redis.call('ZADD', K('occ', r), s, id) else redis.call('ZREM', K('occ', r), id) end
  if st == 'awaiting_payment' and h ~= '' then redis.call('ZADD', K('holds'), h, id) else redis.call('ZREM', K('holds'), id) end
  local len = tonumber(e) - tonumber(s)
  if len > tonumber(redis.call('GET', K('maxlen', r)) or '0') then redis.call('SET', K('maxlen', r), num(len)) end
  if len > tonumber(redis.call('GET', K('maxlen', '*')) or '0') then redis.call('SET', K('maxlen', '*'), num(len)) end
end
local function units_of(room, seats)
  if room == '1' then return 1 end
  return tonumber(seats)
end
`;

/**
 * A new booking. ARGV: 4 id, 5 resource, 6 start, 7 end, 8 seats, 9 room (1/0), 10 units of the
 * resource, 11 capacity for this audience, 12 buffer before, 13 buffer after (ms), 14 status,
 * 15 hold length in ms ('' for none), 16 customer, 17 data JSON, 18 idempotency key ('' none),
 * 19 its TTL in s, 20 check capacity (1/0), 21 already in the ERP (1/0), 22 ERP name, 23 ERP
 * modified, 24 hold end when already known ('' none).
 * → OK hold now | IDEM id | EXISTS | FULL used
 */
export const RESERVE = new LuaScript(
  'reserve',
  `${PRELUDE}${MUTATION_GUARD}${PEAK}${PLACEMENT}
local id = ARGV[4]
if ARGV[18] ~= '' then
  local existing = redis.call('GET', ARGV[18])
  if existing then return {'IDEM', existing} end
end
if redis.call('EXISTS', K('bk', id)) == 1 then return {'EXISTS'} end
local now = now_ms()
local h = ARGV[24]
if ARGV[15] ~= '' then h = num(now + tonumber(ARGV[15])) end
local s, e = tonumber(ARGV[6]), tonumber(ARGV[7])
local before, after = tonumber(ARGV[12]), tonumber(ARGV[13])
if ARGV[20] == '1' and holds(ARGV[14], h, now) then
  local used = peak(ARGV[5], s - before, e + after, before, after, ARGV[9], tonumber(ARGV[10]), now, id)
  if used + units_of(ARGV[9], ARGV[8]) > tonumber(ARGV[11]) then return {'FULL', num(used)} end
end
local sv = '0'
if ARGV[21] == '1' then sv = '1' end
redis.call('HSET', K('bk', id), 'r', ARGV[5], 's', ARGV[6], 'e', ARGV[7], 'n', ARGV[8], 'st', ARGV[14], 'h', h,
  'c', ARGV[16], 'v', '1', 'sv', sv, 'en', ARGV[22], 'em', ARGV[23], 'd', ARGV[17])
place(id, ARGV[5], ARGV[6], ARGV[7], ARGV[14], h, ARGV[16])
if ARGV[22] ~= '' then redis.call('HSET', K('erp'), ARGV[22], id) end
if ARGV[21] ~= '1' then redis.call('ZADD', K('outbox'), 'NX', now, id) end
if ARGV[18] ~= '' then redis.call('SET', ARGV[18], id, 'EX', ARGV[19]) end
return {'OK', h, num(now)}
`,
);

/**
 * A change to an existing booking (a transition, a move, the ERP's version of it), compare-and-set
 * on its version. ARGV: 4 id, 5 expected version ('' for any), 6 resource, 7 start, 8 end, 9 seats,
 * 10 room, 11 units, 12 capacity for the audience, 13 buffer before, 14 buffer after, 15 status,
 * 16 hold mode (keep | clear | new | at), 17 hold length (new) or end (at), 18 customer, 19 data,
 * 20 check capacity, 21 this is the ERP's state (1: nothing to write back), 22 ERP name ('' keep),
 * 23 ERP modified ('' keep).
 * → OK version hold | VERSION current | MISSING | FULL used
 */
export const UPDATE = new LuaScript(
  'update',
  `${PRELUDE}${MUTATION_GUARD}${PEAK}${PLACEMENT}
local id = ARGV[4]
local cur = redis.call('HMGET', K('bk', id), 'r', 'c', 'v', 'h', 'sv')
if not cur[1] then return {'MISSING'} end
if ARGV[5] ~= '' and cur[3] ~= ARGV[5] then return {'VERSION', cur[3]} end
local now = now_ms()
local h = cur[4] or ''
local mode = ARGV[16]
if mode == 'clear' then h = '' elseif mode == 'new' then h = num(now + tonumber(ARGV[17])) elseif mode == 'at' then h = ARGV[17] end
local s, e = tonumber(ARGV[7]), tonumber(ARGV[8])
local before, after = tonumber(ARGV[13]), tonumber(ARGV[14])
if ARGV[20] == '1' and holds(ARGV[15], h, now) then
  local used = peak(ARGV[6], s - before, e + after, before, after, ARGV[10], tonumber(ARGV[11]), now, id)
  if used + units_of(ARGV[10], ARGV[9]) > tonumber(ARGV[12]) then return {'FULL', num(used)} end
end
unplace(id, cur[1], cur[2])
place(id, ARGV[6], ARGV[7], ARGV[8], ARGV[15], h, ARGV[18])
local v = tonumber(cur[3]) + 1
local sv = cur[5] or '0'
if ARGV[21] == '1' then
  sv = num(v)
  redis.call('ZREM', K('outbox'), id)
else
  redis.call('ZADD', K('outbox'), 'NX', now, id)
end
redis.call('HSET', K('bk', id), 'r', ARGV[6], 's', ARGV[7], 'e', ARGV[8], 'n', ARGV[9], 'st', ARGV[15], 'h', h,
  'c', ARGV[18], 'v', num(v), 'sv', sv, 'd', ARGV[19])
if ARGV[22] ~= '' then
  redis.call('HSET', K('bk', id), 'en', ARGV[22])
  redis.call('HSET', K('erp'), ARGV[22], id)
end
if ARGV[23] ~= '' then redis.call('HSET', K('bk', id), 'em', ARGV[23]) end
return {'OK', num(v), h}
`,
);

/**
 * The ERP now holds version ARGV[5] of booking ARGV[4], named ARGV[6], modified ARGV[7]. Clears the
 * outbox entry only if no later change was made meanwhile. Allowed during a rebuild: it only
 * records what the ERP already has. → OK | MOVED current | MISSING
 */
export const SYNCED = new LuaScript(
  'synced',
  `${PRELUDE}
local id = ARGV[4]
local cur = redis.call('HMGET', K('bk', id), 'v')
if not cur[1] then return {'MISSING'} end
if ARGV[6] ~= '' then
  redis.call('HSET', K('bk', id), 'en', ARGV[6])
  redis.call('HSET', K('erp'), ARGV[6], id)
end
if ARGV[7] ~= '' then redis.call('HSET', K('bk', id), 'em', ARGV[7]) end
if cur[1] == ARGV[5] then
  redis.call('HSET', K('bk', id), 'sv', ARGV[5])
  redis.call('ZREM', K('outbox'), id)
  return {'OK'}
end
return {'MOVED', cur[1]}
`,
);

/** Forgets booking ARGV[4] (deleted in the ERP). → OK | MISSING */
export const REMOVE = new LuaScript(
  'remove',
  `${PRELUDE}${MUTATION_GUARD}${PLACEMENT}
local id = ARGV[4]
local cur = redis.call('HMGET', K('bk', id), 'r', 'c', 'en')
if not cur[1] then return {'MISSING'} end
unplace(id, cur[1], cur[2])
if cur[3] and cur[3] ~= '' then redis.call('HDEL', K('erp'), cur[3]) end
redis.call('ZREM', K('outbox'), id)
redis.call('DEL', K('bk', id))
return {'OK'}
`,
);

const EMIT = `
local fields = {${RECORD_FIELDS.map((field) => `'${field}'`).join(', ')}}
local out = {'OK'}
local function emit(id)
  local f = redis.call('HMGET', K('bk', id), unpack(fields))
  if not f[1] then return end
  out[#out + 1] = id
  for i = 1, #fields do out[#out + 1] = f[i] or '' end
end
`;

/** Records by id (ARGV[4..]); missing ones are left out. → OK id fields... id fields... */
export const GET = new LuaScript(
  'get',
  `${PRELUDE}${EMIT}
for i = 4, #ARGV do emit(ARGV[i]) end
return out
`,
);

/**
 * Bookings of one set (ARGV[4]: occ | all | cust, ARGV[5]: the resource or customer) that overlap
 * [ARGV[6], ARGV[7]). → OK id fields...
 */
export const RANGE = new LuaScript(
  'range',
  `${PRELUDE}${EMIT}
local from, to = tonumber(ARGV[6]), tonumber(ARGV[7])
local reach = '*'
if ARGV[4] ~= 'cust' then reach = ARGV[5] end
local maxlen = tonumber(redis.call('GET', K('maxlen', reach)) or '0')
local ids = redis.call('ZRANGEBYSCORE', K(ARGV[4], ARGV[5]), '(' .. num(from - maxlen), '(' .. num(to))
for _, id in ipairs(ids) do
  local e = redis.call('HGET', K('bk', id), 'e')
  if e and tonumber(e) > from then emit(id) end
end
return out
`,
);

/**
 * Work the sweeper finds: outbox entries older than ARGV[4] ms and holds that have ended, each
 * with the booking's version. → OK now n id version ... m id version ...
 */
export const DUE = new LuaScript(
  'due',
  `${PRELUDE}
local now = now_ms()
local out = {'OK'}
local stale = redis.call('ZRANGEBYSCORE', K('outbox'), '-inf', '(' .. num(now - tonumber(ARGV[4])), 'LIMIT', 0, 1000)
out[#out + 1] = tostring(#stale)
for _, id in ipairs(stale) do out[#out + 1] = id end
local ended = redis.call('ZRANGEBYSCORE', K('holds'), '-inf', num(now), 'LIMIT', 0, 1000)
out[#out + 1] = tostring(#ended)
for _, id in ipairs(ended) do out[#out + 1] = id end
return out
`,
);

/** Makes the freshly built generation ARGV[3] current, if the current one is still ARGV[2] ('' for none) and the build was not taken over. → 1 | 0 */
export const SWAP = new LuaScript(
  'swap',
  `
local P = ARGV[1]
local current = redis.call('GET', P .. 'idx:gen') or ''
if current ~= ARGV[2] or redis.call('GET', P .. 'idx:building') ~= ARGV[3] then return 0 end
redis.call('SET', P .. 'idx:gen', ARGV[3])
redis.call('SET', P .. 'idx:report', ARGV[4])
redis.call('DEL', P .. 'idx:building')
return 1
`,
);
