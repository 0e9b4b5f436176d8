import { describe, expect, it } from 'vitest';

import {
  axisNameProblem,
  detectAxisCount,
  LineStream,
  measureFrequencyHz,
  parseLine,
  rowsToCsv,
  snapFrequencyHz,
} from './serialLines';

describe('parseLine', () => {
  it('reads comma and tab separated numbers, with spaces and CR around them', () => {
    expect(parseLine('1.5,-2,3e-2')).toEqual([1.5, -2, 0.03]);
    expect(parseLine(' 0.25\t-1 \t+7 ')).toEqual([0.25, -1, 7]);
    expect(parseLine('.5,1.')).toEqual([0.5, 1]);
  });

  it('is not data for text, empty values, NaN or infinities', () => {
    for (const line of [
      '',
      'Booting...',
      'accX,accY',
      '1,,2',
      '1,abc',
      'NaN,1',
      'Infinity',
      '1;2',
      '0x10',
    ]) {
      expect(parseLine(line), line).toBeNull();
    }
  });
});

describe('detection', () => {
  it('takes the most frequent value count, the later on a tie', () => {
    expect(detectAxisCount([3, 3, 2, 3])).toBe(3);
    expect(detectAxisCount([2, 3])).toBe(3);
    expect(detectAxisCount([])).toBeNull();
  });

  it('measures the rate over the arrival times and snaps it to a common one', () => {
    const times = Array.from({ length: 101 }, (_, index) => index * 10.1);
    expect(measureFrequencyHz(times)).toBeCloseTo(99.0, 1);
    expect(snapFrequencyHz(99.0)).toBe(100);
    expect(snapFrequencyHz(62.0)).toBe(62.5);
    expect(snapFrequencyHz(73.3)).toBe(73.3);
    expect(measureFrequencyHz([0, 500])).toBeNull(); // under a second: not yet
  });
});

describe('LineStream', () => {
  it('joins lines cut anywhere, skips the banner and lines of another shape, finds 3 axes at 50 Hz', () => {
    const stream = new LineStream();
    const text =
      'mcuforge synthetic board v1\r\n' +
      Array.from({ length: 120 }, (_, i) => `${i},${-i}\t${i / 2}\r\n`).join('') +
      '9,9\r\n';
    const rows: number[][] = [];
    // Arrive in bursts of 37 characters; a line of the 50 Hz stream every 20 ms.
    let lines = 0;
    for (let start = 0; start < text.length; start += 37) {
      const chunk = text.slice(start, start + 37);
      rows.push(...stream.feed(chunk, lines * 20));
      lines += (chunk.match(/\n/g) ?? []).length;
    }
    expect(stream.state.axisCount).toBe(3);
    expect(rows).toHaveLength(120);
    expect(rows[7]).toEqual([7, -7, 3.5]);
    expect(stream.state.frequencyHz).toBe(50);
    expect(stream.state.skippedLines).toBe(2); // the banner and the 2-value line
  });
});

describe('rowsToCsv and axis names', () => {
  it('writes a timestamp in ms and the axes with their units', () => {
    const csv = rowsToCsv(
      [
        [1, 2],
        [3, 4],
      ],
      62.5,
      [
        { name: 'x', units: 'g' },
        { name: 'y', units: '' },
      ],
    );
    expect(csv).toBe('timestamp,x (g),y\n0,1,2\n16,3,4\n');
  });

  it('refuses empty, repeated and CSV-breaking names', () => {
    expect(axisNameProblem(['a', 'b'])).toBeNull();
    expect(axisNameProblem(['a', ' '])).toMatch(/needs a name/);
    expect(axisNameProblem(['a', 'a'])).toMatch(/differ/);
    expect(axisNameProblem(['a,b'])).toMatch(/commas/);
  });
});

describe('fast boards', () => {
  it('measures 1 kHz from bursts of 50 lines every 50 ms, over the last two seconds', () => {
    const stream = new LineStream();
    let rows = 0;
    for (let burst = 0; burst < 80; burst += 1) {
      const text = Array.from({ length: 50 }, (_, i) => `${burst},${i}\n`).join('');
      rows += stream.feed(text, burst * 50).length;
    }
    expect(rows).toBe(4000);
    expect(stream.state.axisCount).toBe(2);
    expect(stream.state.frequencyHz).toBe(1000);
  });
});
