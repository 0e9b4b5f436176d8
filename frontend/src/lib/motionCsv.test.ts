import { describe, expect, it } from 'vitest';

import { MOTION_CSV_HEADER, motionReadingsToCsv } from './motionCsv';

describe('motionReadingsToCsv', () => {
  it('puts readings on a regular grid with the axes and their units in the header', () => {
    const csv = motionReadingsToCsv(
      [
        { timeMs: 1000, x: 0, y: 10, z: -1 },
        { timeMs: 1017, x: 1.7, y: 10, z: -1 },
        { timeMs: 1030, x: 3, y: 10, z: -1 },
      ],
      100,
    );
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(MOTION_CSV_HEADER);
    expect(lines.slice(1)).toEqual([
      '0,0.0000,10.0000,-1.0000',
      '10,1.0000,10.0000,-1.0000',
      '20,2.0000,10.0000,-1.0000',
      '30,3.0000,10.0000,-1.0000',
    ]);
  });

  it('writes fractional-ms timestamps rounded to microseconds', () => {
    const readings = [
      { timeMs: 0, x: 0, y: 0, z: 0 },
      { timeMs: 100, x: 0, y: 0, z: 0 },
    ];
    const times = motionReadingsToCsv(readings, 30)
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]);
    expect(times).toEqual(['0', '33.333', '66.667', '100']);
  });

  it('says what is missing when too few readings arrived', () => {
    expect(() => motionReadingsToCsv([], 50)).toThrow(/Only 0 motion reading.*accelerometer/);
  });

  it('refuses a rate outside 0..1000 Hz', () => {
    const two = [
      { timeMs: 0, x: 0, y: 0, z: 0 },
      { timeMs: 10, x: 0, y: 0, z: 0 },
    ];
    expect(() => motionReadingsToCsv(two, 0)).toThrow(/at most 1000 Hz/);
    expect(() => motionReadingsToCsv(two, 5000)).toThrow(/5000 Hz/);
  });
});
