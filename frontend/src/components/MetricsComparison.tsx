// float32 and int8 side by side: accuracy, loss, per-class F1, sizes, confusion matrices.
import { formatBytes } from '../lib/format';
import {
  classificationMetrics,
  f1SideBySide,
  formatCount,
  formatPercent,
  formatPointDifference,
} from '../lib/modelMetrics';
import { ConfusionMatrix } from './ConfusionMatrix';

const PRECISIONS = ['float32', 'int8'] as const;

interface MetricsComparisonProps {
  /** `{float32, int8, differences}` as the API returns them. */
  metrics: unknown;
  classNames: string[];
  /** `{float32, int8}` model sizes (training results only). */
  sizes?: unknown;
  /** "validation" or "test": which windows the figures are about. */
  split: string;
}

function sizeOf(sizes: unknown, precision: string, key: string): number | null {
  if (typeof sizes !== 'object' || sizes === null) return null;
  const entry = (sizes as Record<string, unknown>)[precision];
  if (typeof entry !== 'object' || entry === null) return null;
  const value = (entry as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : null;
}

/** Why a size is unknown (e.g. `arena_note`: the TFLM arena could not be measured), or null. */
function noteOf(sizes: unknown, precision: string, key: string): string | null {
  if (typeof sizes !== 'object' || sizes === null) return null;
  const entry = (sizes as Record<string, unknown>)[precision];
  if (typeof entry !== 'object' || entry === null) return null;
  const value = (entry as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}

export function MetricsComparison({ metrics, classNames, sizes, split }: MetricsComparisonProps) {
  const float32 = classificationMetrics(metrics, 'float32');
  const int8 = classificationMetrics(metrics, 'int8');
  if (!float32 && !int8) {
    return <pre className="metrics-raw">{JSON.stringify(metrics, null, 1)}</pre>;
  }
  const bytes = (value: number | null) => (value === null ? '—' : formatBytes(value));
  return (
    <>
      <div className="table-scroll">
        <table className="data-table compact metrics-table" data-testid="metrics-table">
          <caption>
            On {float32?.windows ?? int8?.windows ?? 0} {split} windows
          </caption>
          <thead>
            <tr>
              <th scope="col">Figure</th>
              <th scope="col" className="num">
                float32
              </th>
              <th scope="col" className="num">
                int8
              </th>
              <th scope="col" className="num">
                int8 − float32
              </th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Accuracy</th>
              <td className="num" data-testid="accuracy-float32">
                {formatPercent(float32?.accuracy)}
              </td>
              <td className="num" data-testid="accuracy-int8">
                {formatPercent(int8?.accuracy)}
              </td>
              <td className="num">
                {float32 && int8 ? formatPointDifference(int8.accuracy - float32.accuracy) : '—'}
              </td>
            </tr>
            <tr>
              <th scope="row">Loss</th>
              <td className="num">{float32?.loss.toFixed(4) ?? '—'}</td>
              <td className="num">{int8?.loss.toFixed(4) ?? '—'}</td>
              <td className="num">
                {float32 && int8 ? (int8.loss - float32.loss).toFixed(4) : '—'}
              </td>
            </tr>
            {f1SideBySide(float32, int8).map((row) => (
              <tr key={row.name}>
                <th scope="row">F1 {row.name}</th>
                <td className="num">{row.float32?.toFixed(3) ?? '—'}</td>
                <td className="num">{row.int8?.toFixed(3) ?? '—'}</td>
                <td className="num">
                  {row.float32 !== null && row.int8 !== null
                    ? (row.int8 - row.float32).toFixed(3)
                    : '—'}
                </td>
              </tr>
            ))}
            {sizes !== undefined && (
              <>
                <tr>
                  <th scope="row">Model file</th>
                  {PRECISIONS.map((p) => (
                    <td className="num" key={p}>
                      {bytes(sizeOf(sizes, p, 'flatbuffer_bytes'))}
                    </td>
                  ))}
                  <td />
                </tr>
                <tr>
                  <th scope="row">Weights</th>
                  {PRECISIONS.map((p) => (
                    <td className="num" key={p}>
                      {bytes(sizeOf(sizes, p, 'weight_bytes'))}
                    </td>
                  ))}
                  <td />
                </tr>
                <tr>
                  <th scope="row">MACs per window</th>
                  {PRECISIONS.map((p) => (
                    <td className="num" key={p}>
                      {formatCount(sizeOf(sizes, p, 'mac_count'))}
                    </td>
                  ))}
                  <td />
                </tr>
                <tr>
                  <th scope="row">TFLM arena (for comparison)</th>
                  {PRECISIONS.map((p) => (
                    <td className="num" key={p} title={noteOf(sizes, p, 'arena_note') ?? undefined}>
                      {sizeOf(sizes, p, 'arena_bytes') === null && noteOf(sizes, p, 'arena_note')
                        ? 'unknown'
                        : bytes(sizeOf(sizes, p, 'arena_bytes'))}
                    </td>
                  ))}
                  <td />
                </tr>
              </>
            )}
          </tbody>
        </table>
      </div>
      {/* Side by side when both fit, else stacked; each scrolls inside the card, never clips. */}
      <div className="confusion-pair">
        {float32 && (
          <ConfusionMatrix
            matrix={float32.confusion_matrix}
            classNames={classNames}
            caption="Confusion matrix, float32"
          />
        )}
        {int8 && (
          <ConfusionMatrix
            matrix={int8.confusion_matrix}
            classNames={classNames}
            caption="Confusion matrix, int8"
          />
        )}
      </div>
    </>
  );
}
