// Continuous classification: a stream of frames cut into overlapping windows, with a buffer that
// never holds more than one window, and a sender that keeps one request in flight at a time.

/**
 * Frames of `axes` values pushed in any chunk sizes; every `strideFrames` new frames (once a whole
 * window has arrived) the latest `windowFrames` frames come out as one window. The ring buffer
 * holds exactly one window, whatever runs for how long.
 */
export class SlidingWindow {
  private readonly ring: Float32Array;
  private writeFrame = 0; // next frame position in the ring
  private filled = 0; // frames in the ring, up to windowFrames
  private sinceLast = 0; // frames since the last window came out
  private first = true; // no window has come out yet

  constructor(
    readonly windowFrames: number,
    readonly strideFrames: number,
    readonly axes = 1,
  ) {
    if (!(Number.isInteger(windowFrames) && windowFrames > 0))
      throw new RangeError(
        `The window must be a whole number of frames above 0, not ${windowFrames}.`,
      );
    if (!(Number.isInteger(strideFrames) && strideFrames > 0))
      throw new RangeError(
        `The stride must be a whole number of frames above 0, not ${strideFrames}.`,
      );
    this.ring = new Float32Array(windowFrames * axes);
  }

  /** Capacity in values: the bound on what the buffer keeps. */
  get capacity(): number {
    return this.ring.length;
  }

  /** Adds interleaved frames (length a multiple of `axes`); returns the windows completed. */
  push(values: ArrayLike<number>): Float32Array[] {
    const windows: Float32Array[] = [];
    const frames = Math.floor(values.length / this.axes);
    for (let f = 0; f < frames; f++) {
      const at = this.writeFrame * this.axes;
      for (let a = 0; a < this.axes; a++) this.ring[at + a] = values[f * this.axes + a] ?? 0;
      this.writeFrame = (this.writeFrame + 1) % this.windowFrames;
      if (this.filled < this.windowFrames) this.filled++;
      this.sinceLast++;
      // The first window as soon as the buffer is full, then one every stride.
      if (
        this.filled === this.windowFrames &&
        (this.first || this.sinceLast >= this.strideFrames)
      ) {
        windows.push(this.latest());
        this.sinceLast = 0;
        this.first = false;
      }
    }
    return windows;
  }

  /** The buffered window, oldest frame first. */
  private latest(): Float32Array {
    const out = new Float32Array(this.ring.length);
    const split = this.writeFrame * this.axes;
    out.set(this.ring.subarray(split), 0);
    out.set(this.ring.subarray(0, split), this.ring.length - split);
    return out;
  }
}

/**
 * Turns irregular sensor readings (a phone's DeviceMotion events) into frames on a steady grid
 * at `rateHz` by linear interpolation, as they arrive; only the last reading is kept.
 */
export class SteadyRate {
  private last: { timeMs: number; values: number[] } | null = null;
  private nextMs = 0;

  /** A gap longer than `maxGapMs` (a phone asleep) starts the grid over instead of filling it. */
  constructor(
    readonly rateHz: number,
    readonly maxGapMs = 1000,
  ) {
    if (!(Number.isFinite(rateHz) && rateHz > 0))
      throw new RangeError(`The rate ${rateHz} Hz must be a number above 0.`);
  }

  /** The frames (interleaved) on the grid up to `timeMs`. */
  push(timeMs: number, values: number[]): number[] {
    const out: number[] = [];
    const previous = this.last;
    if (!previous || timeMs - previous.timeMs > this.maxGapMs) {
      this.last = { timeMs, values };
      this.nextMs = timeMs;
      out.push(...values);
      this.nextMs += 1000 / this.rateHz;
      return out;
    }
    const span = timeMs - previous.timeMs;
    if (span <= 0) return out; // out-of-order or duplicate readings add nothing
    while (this.nextMs <= timeMs) {
      const fraction = (this.nextMs - previous.timeMs) / span;
      for (let a = 0; a < values.length; a++) {
        const before = previous.values[a] ?? 0;
        out.push(before + ((values[a] ?? 0) - before) * fraction);
      }
      this.nextMs += 1000 / this.rateHz;
    }
    this.last = { timeMs, values };
    return out;
  }
}

/**
 * Sends windows one at a time: a window offered while a request is pending is skipped (and
 * counted), so a slow server is never flooded and nothing queues up without limit.
 */
export class OneInFlight<T> {
  pending = false;
  sent = 0;
  skipped = 0;

  constructor(private readonly send: (item: T) => Promise<void>) {}

  /** Counts `count` items dropped without being offered (older windows of one batch). */
  skip(count: number): void {
    this.skipped += Math.max(0, count);
  }

  /** Sends `item` unless a request is pending; returns whether it was sent. */
  offer(item: T): boolean {
    if (this.pending) {
      this.skipped++;
      return false;
    }
    this.pending = true;
    this.sent++;
    void this.send(item).finally(() => {
      this.pending = false;
    });
    return true;
  }
}

/** `history` with `item` in front, at most `max` entries: the rolling history stays bounded. */
export function pushBounded<T>(history: readonly T[], item: T, max: number): T[] {
  return [item, ...history].slice(0, Math.max(0, max));
}

/** Window and stride in frames at `rateHz` for an impulse's window size and increase in ms. */
export function windowFrames(
  windowMs: number,
  increaseMs: number,
  rateHz: number,
): { window: number; stride: number } {
  return {
    window: Math.max(1, Math.round((windowMs * rateHz) / 1000)),
    stride: Math.max(1, Math.round((increaseMs * rateHz) / 1000)),
  };
}
