import { MAX_BATCH_ANSWER_BYTES } from '../../protocol/jsonEnvelope';
import { utf8Length } from '../../internal/utf8';

// What a connection sends while it handles a client `batch` that asked for batched
// answers (`"reply":"batch"`, docs/protocol.md "Server batches"): held, then sent as
// server `batch` frames.

const BATCH_OPEN = '{"type":"batch","frames":[';
const BATCH_CLOSE = ']}';

/** The text that sends `frames` (each a frame's JSON text) at once: a server `batch` frame, or the frame alone when it is one. */
export function batchFrame(frames: readonly string[]): string {
  return frames.length === 1 ? frames[0]! : `${BATCH_OPEN}${frames.join(',')}${BATCH_CLOSE}`;
}

/**
 * Frames held while a batch is handled, to go out as `batch` frames: whatever was held
 * goes out at the end of the batch, before a frame would make it pass
 * `MAX_BATCH_ANSWER_BYTES` (a frame that large alone goes alone), and at the end
 * of the event loop's turn (a batch whose subscriptions wait on a broker does not hold
 * back what is sent meanwhile for longer than that).
 */
export class HeldFrames {
  private frames: string[] = [];
  /** The UTF-8 size of the batch frame that would carry what is held. */
  private bytes = BATCH_OPEN.length + BATCH_CLOSE.length - 1;
  private timed = false;

  constructor(private readonly out: (frames: readonly string[]) => void) {}

  /** Holds one frame's text, sending what is held first if this one would make it too large. */
  add(text: string): void {
    // Each frame costs its UTF-8 bytes and a comma; what would pass the bound goes first.
    const size = utf8Length(text) + 1;
    if (this.bytes + size > MAX_BATCH_ANSWER_BYTES) this.release();
    this.frames.push(text);
    this.bytes += size;
    if (!this.timed) {
      this.timed = true;
      setImmediate(this.onTurn);
    }
  }

  private readonly onTurn = (): void => {
    this.timed = false;
    this.release();
  };

  /** Sends what is held, if anything, and starts again empty. */
  release(): void {
    const frames = this.frames;
    if (frames.length === 0) return;
    this.frames = [];
    this.bytes = BATCH_OPEN.length + BATCH_CLOSE.length - 1;
    this.out(frames);
  }
}
