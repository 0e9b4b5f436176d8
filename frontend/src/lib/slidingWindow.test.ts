import { describe, expect, it } from 'vitest';

import { OneInFlight, pushBounded, SlidingWindow, SteadyRate, windowFrames } from './slidingWindow';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('SlidingWindow', () => {
  it('emits the first window when full, then one every stride, oldest frame first', () => {
    const sliding = new SlidingWindow(4, 2);
    expect(sliding.push(range(0, 3))).toEqual([]);
    const first = sliding.push([3]);
    expect(first.map((w) => Array.from(w))).toEqual([[0, 1, 2, 3]]);
    expect(sliding.push([4])).toEqual([]);
    expect(sliding.push([5]).map((w) => Array.from(w))).toEqual([[2, 3, 4, 5]]);
  });

  it('cuts every window of a large chunk at the right stride', () => {
    const sliding = new SlidingWindow(4, 3);
    const windows = sliding.push(range(0, 13)).map((w) => Array.from(w));
    expect(windows).toEqual([
      [0, 1, 2, 3],
      [3, 4, 5, 6],
      [6, 7, 8, 9],
      [9, 10, 11, 12],
    ]);
  });

  it('keeps frames of several axes together', () => {
    const sliding = new SlidingWindow(2, 1, 3);
    const windows = sliding.push([1, 2, 3, 4, 5, 6, 7, 8, 9]).map((w) => Array.from(w));
    expect(windows).toEqual([
      [1, 2, 3, 4, 5, 6],
      [4, 5, 6, 7, 8, 9],
    ]);
  });

  it('never holds more than one window, however long it runs', () => {
    const sliding = new SlidingWindow(16000, 4000);
    let emitted = 0;
    for (let i = 0; i < 100; i++) emitted += sliding.push(new Float32Array(4096)).length;
    expect(sliding.capacity).toBe(16000);
    // 409600 frames: the first window at 16000, then one per 4000 frames.
    expect(emitted).toBe(1 + Math.floor((409600 - 16000) / 4000));
  });

  it('refuses windows and strides that are not whole positive frame counts', () => {
    expect(() => new SlidingWindow(0, 1)).toThrow(RangeError);
    expect(() => new SlidingWindow(4, 0.5)).toThrow(RangeError);
  });
});

describe('SteadyRate', () => {
  it('interpolates irregular readings onto the grid', () => {
    const steady = new SteadyRate(100); // one frame every 10 ms
    expect(steady.push(0, [0, 10])).toEqual([0, 10]);
    expect(steady.push(25, [25, 35])).toEqual([10, 20, 20, 30]);
    expect(steady.push(25, [99, 99])).toEqual([]); // a duplicate time adds nothing
    expect(steady.push(30, [30, 40])).toEqual([30, 40]);
  });

  it('starts over after a long gap instead of filling it with frames', () => {
    const steady = new SteadyRate(100, 1000);
    steady.push(0, [1]);
    expect(steady.push(60_000, [2])).toEqual([2]);
    expect(steady.push(60_010, [3])).toEqual([3]);
  });
});

describe('OneInFlight', () => {
  it('skips windows while a request is pending and counts them', async () => {
    const resolvers: Array<() => void> = [];
    const sent: number[] = [];
    const sender = new OneInFlight<number>(
      (item) =>
        new Promise<void>((resolve) => {
          sent.push(item);
          resolvers.push(resolve);
        }),
    );
    expect(sender.offer(1)).toBe(true);
    expect(sender.offer(2)).toBe(false);
    expect(sender.offer(3)).toBe(false);
    resolvers[0]!();
    await Promise.resolve();
    await Promise.resolve();
    expect(sender.offer(4)).toBe(true);
    expect(sent).toEqual([1, 4]);
    expect(sender.skipped).toBe(2);
    expect(sender.sent).toBe(2);
    sender.skip(3);
    expect(sender.skipped).toBe(5);
  });
});

describe('pushBounded and windowFrames', () => {
  it('keeps the newest entries first, at most max', () => {
    let history: number[] = [];
    for (let i = 0; i < 10; i++) history = pushBounded(history, i, 3);
    expect(history).toEqual([9, 8, 7]);
  });

  it('converts ms to frames at a rate', () => {
    expect(windowFrames(1000, 250, 16000)).toEqual({ window: 16000, stride: 4000 });
    expect(windowFrames(2000, 80, 62.5)).toEqual({ window: 125, stride: 5 });
  });
});
