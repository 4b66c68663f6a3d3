import { deeperThan } from '../protocol/validate';
import { DecodeError } from '../protocol/errors';
import { frameSize, utf8Length } from '../internal/utf8';

/** What {@link parseFrame} returns for a frame it dropped (and reported). */
export const INVALID: unique symbol = Symbol('rxwire.invalid');
/** The longest frame a user's own `heartbeat.isPong` is asked about: pongs are tiny. */
export const MAX_PONG_LENGTH = 256;

/** What parsing a frame reports to. */
export interface FrameHooks {
  /** Frames nested deeper than this are dropped and reported. */
  readonly maxDepth: number;
  onFrameIn(bytes: number): void;
  onDecodeError(error: DecodeError): void;
  /** The frames a frame carries when it is a batch (see `WireAdapter.unbatch`), else undefined. Never throws. */
  unbatch?(value: unknown): readonly unknown[] | undefined;
}

/**
 * A batch frame nested deeper than `maxDepth` as a whole, and the frames it carries: a
 * batch's own two levels do not count, so each is checked alone ({@link tooDeepAlone})
 * when its turn comes.
 */
export class FrameBatch {
  constructor(readonly frames: readonly unknown[]) {}
}

/**
 * Parses one inbound frame as JSON within `maxDepth`, counting it; a frame that is
 * binary, not JSON or too deep is reported and comes back as {@link INVALID}.
 */
export function parseFrame(data: unknown, hooks: FrameHooks): unknown {
  if (typeof data === 'string') return parseText(data, utf8Length(data), hooks);
  hooks.onFrameIn(frameSize(data));
  hooks.onDecodeError(new DecodeError('binary frames are not part of the JSON envelope', data));
  return INVALID;
}

/**
 * {@link parseFrame} for a text frame whose UTF-8 size is known (`ws` hands it over as a
 * Buffer, whose length is that size: no scan of the string to count it).
 */
export function parseText(data: string, bytes: number, hooks: FrameHooks): unknown {
  hooks.onFrameIn(bytes);
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (cause) {
    hooks.onDecodeError(new DecodeError(`invalid JSON (${(cause as Error).message})`, clip(data), cause));
    return INVALID;
  }
  // Nesting deeper than maxDepth takes maxDepth + 1 openers and as many closers: a
  // shorter frame cannot, and is not walked.
  if (data.length >= 2 * hooks.maxDepth + 2 && deeperThan(value, hooks.maxDepth)) {
    const frames = hooks.unbatch?.(value);
    if (frames !== undefined) return new FrameBatch(frames);
    hooks.onDecodeError(new DecodeError(`nested deeper than ${hooks.maxDepth} levels (maxDepth)`, clip(data)));
    return INVALID;
  }
  return value;
}

/** Whether a frame of a {@link FrameBatch} is nested deeper than `maxDepth` alone: then it is reported, to be dropped. */
export function tooDeepAlone(frame: unknown, hooks: FrameHooks): boolean {
  if (!deeperThan(frame, hooks.maxDepth)) return false;
  hooks.onDecodeError(new DecodeError(`a frame of a batch nested deeper than ${hooks.maxDepth} levels (maxDepth)`, frame));
  return true;
}

function clip(text: string): string {
  return text.length > 1024 ? `${text.slice(0, 1024)}…` : text;
}
