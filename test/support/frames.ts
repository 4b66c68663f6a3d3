/**
 * The frames a client sent, with each `batch` frame (subscribe and unsubscribe frames
 * issued in the same turn) opened into the frames it carries, in order.
 */
export function unbatched(frames: readonly any[]): any[] {
  return frames.flatMap((frame) => (frame?.type === 'batch' && Array.isArray(frame.frames) ? frame.frames : [frame]));
}
