// Per-epoch curves (loss, accuracy, their validation twins) from the training job's log lines
// while it runs, and from the trained model's stored history afterwards.

export interface EpochPoint {
  epoch: number;
  epochs: number;
  metrics: Record<string, number>;
}

export interface Curve {
  /** "loss", "val_loss", "accuracy", ... as Keras names them. */
  name: string;
  epochs: number[];
  values: number[];
}

// The worker writes "Epoch 3/30: loss 0.4123, accuracy 0.8000, val_loss 0.5012, ...".
const EPOCH_LINE = /^Epoch (\d+)\/(\d+): (.*)$/;
const METRIC = /^([A-Za-z_][\w]*) (-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|nan|inf)$/i;

export function parseEpochLine(line: string): EpochPoint | null {
  const match = EPOCH_LINE.exec(line.trim());
  if (!match) return null;
  const metrics: Record<string, number> = {};
  for (const part of match[3]!.split(',')) {
    const metric = METRIC.exec(part.trim());
    if (metric) metrics[metric[1]!] = Number(metric[2]);
  }
  return { epoch: Number(match[1]), epochs: Number(match[2]), metrics };
}

/** The curves in `lines` (a retried job may repeat epochs: the last report of an epoch wins). */
export function curvesFromLog(lines: ReadonlyArray<string>): Curve[] {
  const byEpoch = new Map<number, Record<string, number>>();
  for (const line of lines) {
    const point = parseEpochLine(line);
    if (point) byEpoch.set(point.epoch, point.metrics);
  }
  const ordered = [...byEpoch.entries()].sort(([a], [b]) => a - b);
  return curvesFromRows(ordered.map(([epoch, metrics]) => ({ epoch, metrics })));
}

/** The curves of a stored history: one `{loss, accuracy, ...}` per epoch, the first being 1. */
export function curvesFromHistory(history: ReadonlyArray<Record<string, number>>): Curve[] {
  return curvesFromRows(history.map((metrics, index) => ({ epoch: index + 1, metrics })));
}

function curvesFromRows(rows: ReadonlyArray<{ epoch: number; metrics: Record<string, number> }>) {
  const curves = new Map<string, Curve>();
  for (const { epoch, metrics } of rows) {
    for (const [name, value] of Object.entries(metrics)) {
      if (!Number.isFinite(value)) continue;
      const curve = curves.get(name) ?? { name, epochs: [], values: [] };
      curve.epochs.push(epoch);
      curve.values.push(value);
      curves.set(name, curve);
    }
  }
  return [...curves.values()];
}

/** Loss curves and the rest (accuracy...) apart: they do not share a scale. */
export function splitCurves(curves: ReadonlyArray<Curve>): { loss: Curve[]; other: Curve[] } {
  const isLoss = (curve: Curve) => /(^|_)loss$/.test(curve.name);
  return { loss: curves.filter(isLoss), other: curves.filter((c) => !isLoss(c)) };
}
