// Object detection results as the pages draw them: the API's objects and labelled boxes (in pixels
// of the model's input) turned into marks placed in percent of the image, so they sit on the image
// at whatever size it is shown (the image block resizes the whole image to the input size).

export interface DetectionBox {
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedObject extends DetectionBox {
  score: number;
}

export interface OverlayMark {
  kind: 'object' | 'truth';
  label: string;
  /** Left, top, width and height in percent of the image. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** The centroid in percent of the image: FOMO finds centroids, the box is its cells. */
  centerX: number;
  centerY: number;
  color: string;
  title: string;
}

export interface LabelMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface DetectionMetrics {
  f1: number;
  precision: number;
  recall: number;
  perLabel: LabelMetrics[];
  confusionMatrix: number[][];
}

export interface DetectionSampleRow {
  sampleId: number;
  filename: string;
  inputSize: [number, number];
  boxes: DetectionBox[];
  float32Objects: DetectedObject[];
  int8Objects: DetectedObject[];
  int8F1: number;
  correct: boolean;
}

export interface DetectionResults {
  labels: string[];
  threshold: number;
  float32: DetectionMetrics | null;
  int8: DetectionMetrics | null;
  samples: DetectionSampleRow[];
}

// Distinct on the image and on each other; a label keeps its colour across images.
const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6'];

export function labelColor(label: string, labels: readonly string[]): string {
  const index = labels.indexOf(label);
  if (index >= 0) return PALETTE[index % PALETTE.length] ?? '#e6194b';
  let hash = 0;
  for (const char of label) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? '#e6194b';
}

function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function parseBox(value: unknown): DetectionBox | null {
  const box = record(value);
  if (!box || typeof box.label !== 'string') return null;
  return {
    label: box.label,
    x: num(box.x),
    y: num(box.y),
    width: num(box.width),
    height: num(box.height),
  };
}

export function parseBoxes(value: unknown): DetectionBox[] {
  return Array.isArray(value)
    ? value.map(parseBox).filter((b): b is DetectionBox => b !== null)
    : [];
}

export function parseObjects(value: unknown): DetectedObject[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const box = parseBox(item);
    return box ? [{ ...box, score: num(record(item)?.score) }] : [];
  });
}

function parseSize(value: unknown): [number, number] | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const width = num(value[0]);
  const height = num(value[1]);
  return width > 0 && height > 0 ? [width, height] : null;
}

function parseMetrics(value: unknown): DetectionMetrics | null {
  const metrics = record(value);
  if (!metrics) return null;
  const perLabel = Array.isArray(metrics.per_label)
    ? metrics.per_label.flatMap((item) => {
        const label = record(item);
        if (!label || typeof label.name !== 'string') return [];
        return [
          {
            name: label.name,
            precision: num(label.precision),
            recall: num(label.recall),
            f1: num(label.f1),
            support: num(label.support),
          },
        ];
      })
    : [];
  const matrix = Array.isArray(metrics.confusion_matrix)
    ? metrics.confusion_matrix.map((row) => (Array.isArray(row) ? row.map((v) => num(v)) : []))
    : [];
  return {
    f1: num(metrics.f1),
    precision: num(metrics.precision),
    recall: num(metrics.recall),
    perLabel,
    confusionMatrix: matrix,
  };
}

/** A test job's results of an object_detection model (worker/training/test_job.py). */
export function parseDetectionResults(results: Record<string, unknown>): DetectionResults {
  const labels = Array.isArray(results.labels)
    ? results.labels.filter((l): l is string => typeof l === 'string')
    : [];
  const samples = Array.isArray(results.samples)
    ? results.samples.flatMap((item) => {
        const row = record(item);
        const size = parseSize(row?.input_size);
        if (!row || !size || typeof row.sample_id !== 'number') return [];
        return [
          {
            sampleId: row.sample_id,
            filename: typeof row.filename === 'string' ? row.filename : '',
            inputSize: size,
            boxes: parseBoxes(row.boxes),
            float32Objects: parseObjects(row.float32_objects),
            int8Objects: parseObjects(row.int8_objects),
            int8F1: num(row.int8_f1),
            correct: row.correct === true,
          },
        ];
      })
    : [];
  return {
    labels,
    threshold: num(results.threshold, 0.5),
    float32: parseMetrics(results.float32),
    int8: parseMetrics(results.int8),
    samples,
  };
}

function percent(value: number, of: number): number {
  return (100 * value) / of;
}

/** Marks to draw on an image: labelled boxes (truth) first, then the objects found on top. */
export function overlayMarks(
  objects: readonly DetectedObject[],
  boxes: readonly DetectionBox[],
  inputSize: readonly [number, number],
  labels: readonly string[],
): OverlayMark[] {
  const [width, height] = inputSize;
  if (!(width > 0 && height > 0)) return [];
  const mark = (box: DetectionBox, kind: OverlayMark['kind'], title: string): OverlayMark => ({
    kind,
    label: box.label,
    left: percent(box.x, width),
    top: percent(box.y, height),
    width: percent(box.width, width),
    height: percent(box.height, height),
    centerX: percent(box.x + box.width / 2, width),
    centerY: percent(box.y + box.height / 2, height),
    color: labelColor(box.label, labels),
    title,
  });
  return [
    ...boxes.map((box) => mark(box, 'truth', `${box.label} (labelled)`)),
    ...objects.map((object) =>
      mark(object, 'object', `${object.label} ${(100 * object.score).toFixed(0)}%`),
    ),
  ];
}

/** "2 disc, 1 square" for a list of objects; "none" when empty. */
export function objectCounts(objects: readonly DetectionBox[]): string {
  const counts = new Map<string, number>();
  for (const object of objects) counts.set(object.label, (counts.get(object.label) ?? 0) + 1);
  if (counts.size === 0) return 'none';
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, count]) => `${count} ${label}`)
    .join(', ');
}
