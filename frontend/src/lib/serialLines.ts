// The line format a board prints over serial, read in the browser (Web Serial): one time step
// per line, its values separated by commas or tabs. `mcuforge forward` reads the same format with
// the same rules (its Python twin), so a board gives the same axes and frequency in both.
//
// The rules:
// - bytes are decoded as UTF-8 and cut into lines at "\n"; a trailing "\r" and surrounding
//   white space are dropped; empty lines are skipped;
// - a line is data when, split at commas and tabs (white space around each value allowed), every
//   value is a finite decimal number (`1`, `-0.5`, `1e-3`); anything else (a boot banner, a
//   header, a half line after connecting) is not data and is counted as skipped;
// - the number of axes is the value count of most data lines among the last AXES_WINDOW_LINES
//   (the later count wins a tie); data lines with another count are skipped;
// - the frequency is measured from the arrival times of those lines, over the ones that arrived
//   in the last FREQUENCY_WINDOW_MS, once they span at least MIN_FREQUENCY_SPAN_MS: (lines that
//   arrived after t_first) / (t_last - t_first) (USB hands lines over in bursts with one arrival
//   time: single intervals say little, a second or two of them a lot); it is then snapped to a
//   common rate within SNAP_TOLERANCE (boards print at 50, 62.5, 100 Hz…). A change of the axis
//   count starts the measure afresh.

export const AXES_WINDOW_LINES = 50;
export const FREQUENCY_WINDOW_MS = 2000;
export const MIN_FREQUENCY_SPAN_MS = 1000;
export const SNAP_TOLERANCE = 0.03;
export const COMMON_RATES_HZ: ReadonlyArray<number> = [
  1, 2, 4, 5, 8, 10, 12.5, 16, 20, 25, 30, 32, 40, 50, 60, 62.5, 64, 80, 100, 120, 125, 128, 160,
  200, 250, 256, 400, 500, 512, 800, 1000, 1024, 2000, 4000, 8000, 16000,
];
/** A line longer than this is not data (a board printing garbage at the wrong baud rate). */
export const MAX_LINE_CHARS = 4096;
export const MAX_AXES = 64;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The values of a data line, or null when the line is not data. */
export function parseLine(line: string): number[] | null {
  const text = line.trim();
  if (text === '' || text.length > MAX_LINE_CHARS) return null;
  const fields = text.split(/[,\t]/);
  if (fields.length > MAX_AXES) return null;
  const values: number[] = [];
  for (const field of fields) {
    const trimmed = field.trim();
    if (!NUMBER.test(trimmed)) return null;
    const value = Number(trimmed);
    if (!Number.isFinite(value)) return null;
    values.push(value);
  }
  return values;
}

/** A measured rate snapped to a common one when within SNAP_TOLERANCE, else 3 significant digits. */
export function snapFrequencyHz(measuredHz: number): number {
  if (!Number.isFinite(measuredHz) || measuredHz <= 0) return NaN;
  let best = COMMON_RATES_HZ[0]!;
  for (const rate of COMMON_RATES_HZ) {
    if (Math.abs(rate - measuredHz) < Math.abs(best - measuredHz)) best = rate;
  }
  if (Math.abs(best - measuredHz) / best <= SNAP_TOLERANCE) return best;
  return Number(measuredHz.toPrecision(3));
}

/**
 * Lines per second from arrival times in ms (ascending): the lines that arrived after the first
 * arrival time, over the time since. Null before the times span MIN_FREQUENCY_SPAN_MS.
 */
export function measureFrequencyHz(arrivalTimesMs: ReadonlyArray<number>): number | null {
  if (arrivalTimesMs.length < 2) return null;
  const firstMs = arrivalTimesMs[0]!;
  const spanMs = arrivalTimesMs[arrivalTimesMs.length - 1]! - firstMs;
  if (spanMs < MIN_FREQUENCY_SPAN_MS) return null;
  let sameAsFirst = 1;
  while (arrivalTimesMs[sameAsFirst] === firstMs) sameAsFirst += 1;
  return ((arrivalTimesMs.length - sameAsFirst) * 1000) / spanMs;
}

/** The most frequent value count among `counts` (the later one wins a tie). */
export function detectAxisCount(counts: ReadonlyArray<number>): number | null {
  const tally = new Map<number, { count: number; last: number }>();
  counts.forEach((value, index) => {
    const entry = tally.get(value) ?? { count: 0, last: -1 };
    tally.set(value, { count: entry.count + 1, last: index });
  });
  let best: number | null = null;
  let bestEntry = { count: 0, last: -1 };
  for (const [value, entry] of tally) {
    if (
      entry.count > bestEntry.count ||
      (entry.count === bestEntry.count && entry.last > bestEntry.last)
    ) {
      best = value;
      bestEntry = entry;
    }
  }
  return best;
}

export interface LineStreamState {
  axisCount: number | null;
  /** Snapped; null until MIN_FREQUENCY_SPAN_MS of lines arrived. */
  frequencyHz: number | null;
  /** Unsnapped, for display ("measured 49.7 Hz"). */
  measuredHz: number | null;
  dataLines: number;
  skippedLines: number;
}

/**
 * Text in (as it arrives, cut anywhere), rows of values out, with the axis count and frequency
 * detected as described above. `feed` returns the rows of complete data lines that have the
 * detected axis count.
 */
export class LineStream {
  private pending = '';
  private recentCounts: number[] = [];
  // Arrival times of the current shape's lines; those before `first` left the window.
  private arrivals: number[] = [];
  private first = 0;
  state: LineStreamState = {
    axisCount: null,
    frequencyHz: null,
    measuredHz: null,
    dataLines: 0,
    skippedLines: 0,
  };

  feed(text: string, nowMs: number): number[][] {
    this.pending += text;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    if (this.pending.length > MAX_LINE_CHARS) {
      this.pending = ''; // no newline for too long: not the line format
      this.state.skippedLines += 1;
    }
    const rows: number[][] = [];
    for (const line of lines) {
      const values = parseLine(line.replace(/\r$/, ''));
      if (values === null) {
        if (line.trim() !== '') this.state.skippedLines += 1;
        continue;
      }
      this.recentCounts.push(values.length);
      if (this.recentCounts.length > AXES_WINDOW_LINES) this.recentCounts.shift();
      const axisCount = detectAxisCount(this.recentCounts);
      if (axisCount !== this.state.axisCount) {
        this.arrivals = []; // another shape: measure its rate afresh
        this.first = 0;
        this.state.axisCount = axisCount;
      }
      if (values.length !== axisCount) {
        this.state.skippedLines += 1;
        continue;
      }
      this.state.dataLines += 1;
      this.arrivals.push(nowMs);
      rows.push(values);
    }
    while (
      this.first < this.arrivals.length &&
      this.arrivals[this.first]! < nowMs - FREQUENCY_WINDOW_MS
    ) {
      this.first += 1;
    }
    if (this.first > 4096 && this.first * 2 > this.arrivals.length) {
      this.arrivals = this.arrivals.slice(this.first); // let go of what left the window
      this.first = 0;
    }
    const measured = measureFrequencyHz(this.arrivals.slice(this.first));
    if (measured !== null) {
      this.state.measuredHz = measured;
      this.state.frequencyHz = snapFrequencyHz(measured);
    }
    return rows;
  }
}

export interface AxisSpec {
  name: string;
  units: string;
}

/** Default axis names for `count` values: accX, accY, accZ for three, else ch0, ch1, … */
export function defaultAxisNames(count: number): string[] {
  if (count === 3) return ['accX', 'accY', 'accZ'];
  if (count === 6) return ['accX', 'accY', 'accZ', 'gyrX', 'gyrY', 'gyrZ'];
  return Array.from({ length: count }, (_, index) => `ch${index}`);
}

/** Problems with edited axis names (empty, repeated, a comma or quote that would break the CSV). */
export function axisNameProblem(names: ReadonlyArray<string>): string | null {
  const trimmed = names.map((name) => name.trim());
  if (trimmed.some((name) => name === '')) return 'Every axis needs a name.';
  if (trimmed.some((name) => /[,"\n\r\t]/.test(name))) {
    return 'Axis names may not contain commas, quotes, tabs or line breaks.';
  }
  if (trimmed.some((name) => name.length > 100)) return 'An axis name has at most 100 characters.';
  if (new Set(trimmed).size !== trimmed.length) return 'Axis names must differ.';
  return null;
}

/** A CSV sample of `rows` at `frequencyHz`: a timestamp column in ms, then one column per axis. */
export function rowsToCsv(
  rows: ReadonlyArray<ReadonlyArray<number>>,
  frequencyHz: number,
  axes: ReadonlyArray<AxisSpec>,
): string {
  const header = axes.map((axis) => (axis.units ? `${axis.name} (${axis.units})` : axis.name));
  const lines = [['timestamp', ...header].join(',')];
  const intervalMs = 1000 / frequencyHz;
  rows.forEach((row, index) => {
    lines.push([Number((index * intervalMs).toFixed(3)), ...row].join(','));
  });
  return `${lines.join('\n')}\n`;
}
