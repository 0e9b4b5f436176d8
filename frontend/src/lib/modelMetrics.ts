// The trained model's and the model test's figures as the pages show them: float32 and int8 side
// by side, a confusion matrix with row shares, per-class F1.

export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  loss: number;
  confusion_matrix: number[][];
  per_class: ClassMetrics[];
  windows: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The classification metrics in `metrics[precision]`, or null (regression, anomaly, missing). */
export function classificationMetrics(
  metrics: unknown,
  precision: 'float32' | 'int8',
): ClassificationMetrics | null {
  if (!isRecord(metrics)) return null;
  const entry = metrics[precision];
  if (!isRecord(entry) || typeof entry.accuracy !== 'number') return null;
  if (!Array.isArray(entry.confusion_matrix) || !Array.isArray(entry.per_class)) return null;
  return entry as unknown as ClassificationMetrics;
}

/** "91.3%" (one decimal), "—" when unknown. */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction == null || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(1)}%`;
}

/** "+1.2 pp", "−0.4 pp", "±0 pp": int8 minus float32 in percentage points. */
export function formatPointDifference(difference: number | null | undefined): string {
  if (difference == null || !Number.isFinite(difference)) return '—';
  const points = Math.round(difference * 1000) / 10;
  if (points === 0) return '±0 pp';
  return `${points > 0 ? '+' : '−'}${Math.abs(points).toFixed(1)} pp`;
}

/** "1.23 M", "45.6 k", "950" (MACs and other counts). */
export function formatCount(count: number | null | undefined): string {
  if (count == null || !Number.isFinite(count)) return '—';
  if (count >= 1e9) return `${Number((count / 1e9).toFixed(2))} G`;
  if (count >= 1e6) return `${Number((count / 1e6).toFixed(2))} M`;
  if (count >= 1e3) return `${Number((count / 1e3).toFixed(1))} k`;
  return String(count);
}

export interface ConfusionCell {
  count: number;
  /** Share of the true class's windows (the row), 0 when the row is empty. */
  rowShare: number;
  correct: boolean;
}

export interface ConfusionRow {
  label: string;
  total: number;
  cells: ConfusionCell[];
}

/**
 * Rows of `matrix[true][predicted]` labelled by `classNames`. A matrix whose size does not match
 * the class names is refused: the table would put counts under the wrong labels.
 */
export function confusionRows(
  matrix: ReadonlyArray<ReadonlyArray<number>>,
  classNames: ReadonlyArray<string>,
): ConfusionRow[] {
  if (
    matrix.length !== classNames.length ||
    matrix.some((row) => row.length !== classNames.length)
  ) {
    throw new RangeError(
      `the confusion matrix is ${matrix.length}×${matrix[0]?.length ?? 0} but there are ` +
        `${classNames.length} classes; it must be square with one row per class`,
    );
  }
  return matrix.map((row, trueIndex) => {
    const total = row.reduce((sum, count) => sum + count, 0);
    return {
      label: classNames[trueIndex]!,
      total,
      cells: row.map((count, predictedIndex) => ({
        count,
        rowShare: total > 0 ? count / total : 0,
        correct: trueIndex === predictedIndex,
      })),
    };
  });
}

export interface SideBySideRow {
  name: string;
  float32: number | null;
  int8: number | null;
}

/** F1 per class for both precisions, in the float32 model's class order. */
export function f1SideBySide(
  float32: ClassificationMetrics | null,
  int8: ClassificationMetrics | null,
): SideBySideRow[] {
  const names = (float32 ?? int8)?.per_class.map((entry) => entry.name) ?? [];
  const f1 = (metrics: ClassificationMetrics | null, name: string) =>
    metrics?.per_class.find((entry) => entry.name === name)?.f1 ?? null;
  return names.map((name) => ({ name, float32: f1(float32, name), int8: f1(int8, name) }));
}

/** Whether reading a block's model failed because the block has none yet (not a real error). */
export function isNotTrained(error: unknown): boolean {
  return (
    error != null &&
    /no (trained )?model|not been trained|train it first/i.test(JSON.stringify(error))
  );
}
