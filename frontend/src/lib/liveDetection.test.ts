import { describe, expect, it } from 'vitest';

import {
  FrameStats,
  frameCrop,
  frameDue,
  frameShapeOf,
  frameToModuleInput,
  liveMarks,
  objectsOfResult,
} from './liveDetection';

describe('frameShapeOf', () => {
  it('reads the shape the module names', () => {
    expect(frameShapeOf({ frameSize: 23 * 31 * 3, imageShape: [23, 31, 3] })).toEqual({
      width: 31,
      height: 23,
      channels: 3,
    });
    expect(frameShapeOf({ frameSize: 5 * 7, imageShape: [5, 7, 1] })).toEqual({
      width: 7,
      height: 5,
      channels: 1,
    });
  });

  it('refuses a shape that does not match the frame size', () => {
    expect(frameShapeOf({ frameSize: 100, imageShape: [23, 31, 3] })).toBeNull();
  });

  it('refuses builds that do not name their frame: the size alone is ambiguous', () => {
    // 320 x 240 RGB holds as many values as 480 x 480 gray.
    expect(frameShapeOf({ frameSize: 320 * 240 * 3 })).toBeNull();
    expect(frameShapeOf({ frameSize: 96 * 96 * 3, imageShape: null })).toBeNull();
  });
});

describe('frameToModuleInput', () => {
  // Two pixels of a fake 2 x 1 frame: pure red, then (10, 20, 30); alpha is dropped.
  const rgba = new Uint8ClampedArray([255, 0, 0, 255, 10, 20, 30, 128]);

  it('keeps R, G, B of each pixel together, 0..255', () => {
    const input = frameToModuleInput(rgba, { width: 2, height: 1, channels: 3 });
    expect(Array.from(input)).toEqual([255, 0, 0, 10, 20, 30]);
  });

  it('gives the SDK luma for a grayscale frame', () => {
    const input = frameToModuleInput(rgba, { width: 2, height: 1, channels: 1 });
    expect(input[0]).toBeCloseTo(0.299 * 255, 4);
    expect(input[1]).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 4);
  });

  it('refuses pixels of another size', () => {
    expect(() => frameToModuleInput(rgba, { width: 2, height: 2, channels: 3 })).toThrow(/2 x 2/);
  });
});

describe('frameCrop', () => {
  it('takes the centred part of a wide picture with a square frame aspect', () => {
    expect(frameCrop({ width: 640, height: 480 }, { width: 96, height: 96, channels: 3 })).toEqual({
      sx: 80,
      sy: 0,
      sw: 480,
      sh: 480,
    });
  });

  it('takes the full width of a portrait phone picture for a 4:3 frame', () => {
    expect(
      frameCrop({ width: 480, height: 640 }, { width: 160, height: 120, channels: 3 }),
    ).toEqual({ sx: 0, sy: 140, sw: 480, sh: 360 });
  });
});

describe('objectsOfResult and liveMarks', () => {
  const result = {
    disc: 0.9,
    square: 0.2,
    bounding_boxes: [
      { label: 'disc', x: 8, y: 16, width: 8, height: 8, value: 0.875 },
      { label: 'square', x: 0, y: 0, width: 16, height: 32, value: 0.5 },
    ],
  };

  it('reads the boxes with their value as the score', () => {
    expect(objectsOfResult(result)).toEqual([
      { label: 'disc', x: 8, y: 16, width: 8, height: 8, score: 0.875 },
      { label: 'square', x: 0, y: 0, width: 16, height: 32, score: 0.5 },
    ]);
    expect(objectsOfResult({ disc: 0.9 })).toEqual([]);
  });

  it('places objects in percent of the frame shown', () => {
    const marks = liveMarks(objectsOfResult(result), { width: 32, height: 64, channels: 3 }, [
      'disc',
      'square',
    ]);
    expect(marks).toHaveLength(2);
    expect(marks[0]).toMatchObject({
      kind: 'object',
      label: 'disc',
      left: 25,
      top: 25,
      width: 25,
      height: 12.5,
      centerX: 37.5,
      centerY: 31.25,
      title: 'disc 88%',
    });
    expect(marks[1]).toMatchObject({ left: 0, top: 0, width: 50, height: 50, title: 'square 50%' });
    expect(marks[0]!.color).not.toEqual(marks[1]!.color);
  });
});

describe('FrameStats and frameDue', () => {
  it('counts frames per second over the last second and the mean frame time', () => {
    const stats = new FrameStats();
    stats.add(0, 4);
    expect(stats.summary()).toBeNull();
    for (let i = 1; i <= 10; ++i) stats.add(i * 100, i === 10 ? 14 : 4);
    // Frames at 100..1000 ms (the one at 0 ms is older than a second): 10 frames over 900 ms.
    const summary = stats.summary()!;
    expect(summary.fps).toBeCloseTo(10, 5);
    expect(summary.frameMs).toBeCloseTo(5, 5);
  });

  it('lets a frame through at most maxFps times a second', () => {
    expect(frameDue(0, null, 10)).toBe(true);
    expect(frameDue(50, 0, 10)).toBe(false);
    expect(frameDue(100, 0, 10)).toBe(true);
    expect(frameDue(1, 0, 0)).toBe(true);
  });
});
