// The device build's answers for the server's windows, and how far they agree with the server's.
import type { WindowResultPublic } from '../client/types.gen';
import type { WasmClassifier } from './wasmClassifier';

export const UNCERTAIN = 'uncertain';

export interface DeviceWindow {
  scores: Record<string, number>;
  top: string;
}

export interface Agreement {
  windows: number;
  /** Windows whose every score equals the server's, bit for bit. */
  identical: number;
  /** Windows with the same answer (label or "uncertain"). */
  sameAnswer: number;
  /** The largest difference of one score between device and server. */
  maxDifference: number;
}

/**
 * The best label, or "uncertain" when its score is below the threshold: the server's rule
 * (worker/learning/inference.py predicted_classes), the first label winning a tie as argmax does.
 */
export function answerOf(
  scores: Record<string, number>,
  labels: ReadonlyArray<string>,
  uncertainBelow: number,
): string {
  let best: string | null = null;
  for (const label of labels) {
    if (best === null || (scores[label] ?? -Infinity) > (scores[best] ?? -Infinity)) best = label;
  }
  if (best === null || (scores[best] ?? -Infinity) < uncertainBelow) return UNCERTAIN;
  return best;
}

/** Every raw window (samples x axes, interleaved) through the device build. */
export function classifyOnDevice(
  classifier: WasmClassifier,
  rawWindows: ReadonlyArray<ReadonlyArray<number>>,
  uncertainBelow: number,
): DeviceWindow[] {
  return rawWindows.map((window, index) => {
    if (window.length !== classifier.frameSize) {
      throw new Error(
        `Window ${index + 1} has ${window.length} values; the device build takes ` +
          `${classifier.frameSize}. It was built for other input block settings: build it again.`,
      );
    }
    const result = classifier.classify(Float32Array.from(window));
    const scores: Record<string, number> = {};
    for (const label of classifier.labels) scores[label] = result[label] ?? NaN;
    return { scores, top: answerOf(scores, classifier.labels, uncertainBelow) };
  });
}

export function agreement(
  server: ReadonlyArray<WindowResultPublic>,
  device: ReadonlyArray<DeviceWindow>,
): Agreement {
  let identical = 0;
  let sameAnswer = 0;
  let maxDifference = 0;
  device.forEach((window, index) => {
    const serverScores = server[index]?.scores ?? {};
    const labels = new Set([...Object.keys(serverScores), ...Object.keys(window.scores)]);
    let same = true;
    for (const label of labels) {
      const difference = Math.abs((window.scores[label] ?? NaN) - (serverScores[label] ?? NaN));
      if (!(difference === 0)) same = false;
      // A label one side lacks counts as the largest possible difference of two scores.
      maxDifference = Math.max(maxDifference, Number.isNaN(difference) ? 1 : difference);
    }
    if (same) identical += 1;
    if (window.top === server[index]?.top) sameAnswer += 1;
  });
  return { windows: device.length, identical, sameAnswer, maxDifference };
}
