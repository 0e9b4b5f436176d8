// The model test's per-sample results, read defensively from the API's free-form `results` and
// filtered for the table.

export interface SampleTestResult {
  sample_id: number;
  filename: string;
  label: string;
  windows: number;
  float32: string;
  int8: string;
  int8_votes: Record<string, number>;
  int8_mean_confidence: number | null;
  correct: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The classification samples in `results.samples` (regression and anomaly rows are skipped). */
export function sampleResults(results: unknown): SampleTestResult[] {
  if (!isRecord(results) || !Array.isArray(results.samples)) return [];
  return results.samples.filter(isRecord).flatMap((row) => {
    if (typeof row.sample_id !== 'number' || typeof row.int8 !== 'string') return [];
    const votes = isRecord(row.int8_votes) ? row.int8_votes : {};
    return [
      {
        sample_id: row.sample_id,
        filename: typeof row.filename === 'string' ? row.filename : `#${row.sample_id}`,
        label: String(row.label ?? ''),
        windows: typeof row.windows === 'number' ? row.windows : 0,
        float32: String(row.float32 ?? ''),
        int8: row.int8,
        int8_votes: Object.fromEntries(
          Object.entries(votes).filter(
            (entry): entry is [string, number] => typeof entry[1] === 'number',
          ),
        ),
        int8_mean_confidence:
          typeof row.int8_mean_confidence === 'number' ? row.int8_mean_confidence : null,
        correct: row.correct === true,
      },
    ];
  });
}

export type ResultFilter = 'all' | 'wrong' | 'uncertain';

export function filterResults(
  rows: ReadonlyArray<SampleTestResult>,
  filter: ResultFilter,
  label: string | null,
): SampleTestResult[] {
  return rows.filter(
    (row) =>
      (label === null || row.label === label) &&
      (filter === 'all' ||
        (filter === 'wrong' && !row.correct) ||
        (filter === 'uncertain' && row.int8 === 'uncertain')),
  );
}

/** "up 3, uncertain 1" with the most votes first. */
export function formatVotes(votes: Record<string, number>): string {
  const entries = Object.entries(votes).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return entries.length > 0 ? entries.map(([name, count]) => `${name} ${count}`).join(', ') : '—';
}

export interface AnomalySampleResult {
  sample_id: number;
  filename: string;
  label: string;
  /** The highest anomaly score of the sample's windows. */
  max_score: number | null;
  anomaly: boolean;
}

/** The anomaly test's samples (`results.task === "anomaly"`); other results give none. */
export function anomalySampleResults(results: unknown): AnomalySampleResult[] {
  if (!isRecord(results) || results.task !== 'anomaly' || !Array.isArray(results.samples)) {
    return [];
  }
  return results.samples.filter(isRecord).flatMap((row) => {
    if (typeof row.sample_id !== 'number' || typeof row.anomaly !== 'boolean') return [];
    return [
      {
        sample_id: row.sample_id,
        filename:
          typeof row.filename === 'string' && row.filename ? row.filename : `#${row.sample_id}`,
        label: String(row.label ?? ''),
        max_score: typeof row.max_score === 'number' ? row.max_score : null,
        anomaly: row.anomaly,
      },
    ];
  });
}

export type AnomalyFilter = 'all' | 'anomalies' | 'normal';

/** The rows to show, highest score first (the likeliest anomalies on top). */
export function filterAnomalyResults(
  rows: ReadonlyArray<AnomalySampleResult>,
  filter: AnomalyFilter,
  label: string | null,
): AnomalySampleResult[] {
  return rows
    .filter(
      (row) =>
        (label === null || row.label === label) &&
        (filter === 'all' || (filter === 'anomalies') === row.anomaly),
    )
    .sort((a, b) => (b.max_score ?? -Infinity) - (a.max_score ?? -Infinity));
}
