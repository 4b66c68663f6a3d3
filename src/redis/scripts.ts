import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { replayOf } from '../server/brokers/replay';
import type { BrokerMessage, Replay, StreamPosition } from '../server/brokers/types';

// A stream's position is a hash { e: epoch, o: offset } beside its history (a Redis
// Stream whose entry ids are `<offset>-1`). A stream without a position (new, expired,
// or lost with a Redis that restarted without persistence) gets the epoch ARGV[2]
// proposed by the caller, and its history (what eviction may have left of it) goes.
// KEYS[1] = position, KEYS[2] = history; ARGV[1] = TTL in ms, ARGV[2] = a fresh epoch.
const POSITION = `
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[2]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end`;

// Numbers the message, appends it to the history and publishes it to every process in
// one atomic step, so that offsets are consecutive and in order across processes.
// KEYS[3] = pub/sub channel; ARGV[3] = the message, ARGV[4] = history size.
const PUBLISH = `${POSITION}
local offset = redis.call('HINCRBY', KEYS[1], 'o', 1)
-- Lua's default number format would write large numbers in exponent notation.
local text = string.format('%.0f', offset)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], text .. '-1', 'd', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('PUBLISH', KEYS[3], epoch .. ' ' .. text .. ' ' .. ARGV[3])
return {epoch, offset}`;

// The current position and what the history holds after ARGV[4] in epoch ARGV[3] (all
// of it in another epoch), read atomically. ARGV[3] = '' reads the position only.
const REPLAY = `${POSITION}
local offset = tonumber(redis.call('HGET', KEYS[1], 'o'))
local entries = {}
if ARGV[3] ~= '' then
  if ARGV[3] ~= epoch then entries = redis.call('XRANGE', KEYS[2], '-', '+')
  elseif tonumber(ARGV[4]) < offset then entries = redis.call('XRANGE', KEYS[2], '(' .. ARGV[4] .. '-1', '+') end
end
return {epoch, offset, entries}`;

/** 48 random bits: the epoch proposed for a stream that has none. */
const freshEpoch = (): string => randomBytes(6).toString('base64url');

/** Names a stream's keys: `pos` (position), `h` (history), `p` (pub/sub channel), `m` (presence). */
export type KeyOf = (kind: string, stream: string) => string;

/**
 * The stream commands, each one Lua script run atomically: numbering and publishing a
 * message, and reading a stream's position with what its history holds.
 */
export class StreamScripts {
  /** The history's TTL for PEXPIRE, which takes whole milliseconds, at least one. */
  private readonly ttl: string;

  constructor(
    private readonly commands: Redis,
    private readonly key: KeyOf,
    private readonly historySize: number,
    historyTtl: number,
  ) {
    this.ttl = String(Math.max(1, Math.ceil(historyTtl)));
  }

  async publish(stream: string, data: unknown): Promise<BrokerMessage> {
    const [epoch, offset] = (await this.commands.eval(
      PUBLISH,
      3,
      this.key('pos', stream),
      this.key('h', stream),
      this.key('p', stream),
      this.ttl,
      freshEpoch(),
      JSON.stringify(data) ?? 'null',
      this.historySize,
    )) as [string, number];
    return { epoch, offset, data };
  }

  async read(stream: string, since: StreamPosition | undefined): Promise<Replay> {
    const [epoch, offset, entries] = (await this.commands.eval(
      REPLAY,
      2,
      this.key('pos', stream),
      this.key('h', stream),
      this.ttl,
      freshEpoch(),
      since?.epoch ?? '',
      since === undefined ? '0' : String(since.offset),
    )) as [string, number, Array<[string, string[]]>];
    const held = entries.map(([id, fields]): BrokerMessage => ({ epoch, offset: Number(id.slice(0, id.indexOf('-'))), data: JSON.parse(fields[1]!) }));
    return replayOf({ epoch, offset }, since, held);
  }
}
