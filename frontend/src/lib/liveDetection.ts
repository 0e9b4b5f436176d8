// Object detection on the camera with the WebAssembly build: which frame the module takes, a
// camera frame (RGBA pixels from a canvas) turned into that module input, the objects it returns
// placed over the shown video, and the frame rate. Pure, so it is tested without a camera.
import type { CameraResolution } from './cameraCapture';
import { type DetectedObject, type OverlayMark, overlayMarks, parseObjects } from './detection';

/** The frame an image impulse's module takes: pixels row by row from the top left, the channels
 * of a pixel together (3: red, green, blue; 1: gray), values 0..255. */
export interface FrameShape {
  width: number;
  height: number;
  channels: 1 | 3;
}

/** The frame of a loaded module: its `imageShape` ([height, width, channels]); null for a build
 * made before modules named it (its frame size alone is ambiguous: 320 x 240 RGB holds as many
 * values as 480 x 480 gray) or a shape that does not hold `frameSize` values. */
export function frameShapeOf(module: {
  frameSize: number;
  imageShape?: unknown;
}): FrameShape | null {
  const shape = module.imageShape;
  if (!Array.isArray(shape) || shape.length !== 3) return null;
  const [height, width, channels] = shape as unknown[];
  if (
    typeof height === 'number' &&
    typeof width === 'number' &&
    height > 0 &&
    width > 0 &&
    (channels === 1 || channels === 3) &&
    height * width * channels === module.frameSize
  ) {
    return { width, height, channels };
  }
  return null;
}

/** RGBA pixels (a canvas's ImageData, already the frame's width x height) as the module input:
 * RGB, or the SDK's luma 0.299 R + 0.587 G + 0.114 B for a grayscale frame; alpha dropped. */
export function frameToModuleInput(
  rgba: ArrayLike<number>,
  shape: FrameShape,
  out: Float32Array = new Float32Array(shape.width * shape.height * shape.channels),
): Float32Array {
  const pixels = shape.width * shape.height;
  if (rgba.length !== pixels * 4) {
    throw new RangeError(
      `The frame holds ${rgba.length / 4} pixels; the module takes ${shape.width} x ${shape.height} (${pixels}).`,
    );
  }
  if (out.length !== pixels * shape.channels) {
    throw new RangeError(`The output holds ${out.length} values, not ${pixels * shape.channels}.`);
  }
  for (let i = 0; i < pixels; ++i) {
    const r = rgba[i * 4]!;
    const g = rgba[i * 4 + 1]!;
    const b = rgba[i * 4 + 2]!;
    if (shape.channels === 3) {
      out[i * 3] = r;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = b;
    } else {
      out[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    }
  }
  return out;
}

/** Where the frame comes from in the camera picture: its largest centred part with the frame's
 * aspect (the same part the shown video covers, with `object-fit: cover`), so nothing is stretched. */
export function frameCrop(
  video: CameraResolution,
  shape: FrameShape,
): { sx: number; sy: number; sw: number; sh: number } {
  const ratio = shape.width / shape.height;
  let sw = video.width;
  let sh = video.width / ratio;
  if (sh > video.height) {
    sh = video.height;
    sw = video.height * ratio;
  }
  return {
    sx: (video.width - sw) / 2,
    sy: (video.height - sh) / 2,
    sw,
    sh,
  };
}

/** The objects of a classify() result (`bounding_boxes`, `value` the score), as the pages draw them. */
export function objectsOfResult(result: Record<string, unknown>): DetectedObject[] {
  const boxes = result.bounding_boxes;
  if (!Array.isArray(boxes)) return [];
  return parseObjects(
    boxes.map((box) => {
      const item = box as Record<string, unknown> | null;
      return item && typeof item === 'object' ? { ...item, score: item.value } : item;
    }),
  );
}

/** The objects as marks over the shown picture (the frame's crop), in percent of it. */
export function liveMarks(
  objects: readonly DetectedObject[],
  shape: FrameShape,
  labels: readonly string[],
): OverlayMark[] {
  return overlayMarks(objects, [], [shape.width, shape.height], labels);
}

/** Frames per second over the last second and the mean time one frame took (conversion and
 * classify), over the frames of that second. */
export class FrameStats {
  private readonly frames: { at: number; ms: number }[] = [];

  constructor(private readonly spanMs = 1000) {}

  add(at: number, ms: number): void {
    this.frames.push({ at, ms });
    while (this.frames.length > 0 && this.frames[0]!.at <= at - this.spanMs) this.frames.shift();
  }

  /** null until two frames are in, so the first frame does not read as a rate. */
  summary(): { fps: number; frameMs: number } | null {
    if (this.frames.length < 2) return null;
    const first = this.frames[0]!.at;
    const last = this.frames[this.frames.length - 1]!.at;
    const fps = last > first ? ((this.frames.length - 1) * 1000) / (last - first) : 0;
    const frameMs = this.frames.reduce((sum, frame) => sum + frame.ms, 0) / this.frames.length;
    return { fps, frameMs };
  }
}

/** Whether a frame is due: at most `maxFps` frames a second (0 or less: every animation frame). */
export function frameDue(now: number, lastFrameAt: number | null, maxFps: number): boolean {
  if (lastFrameAt === null || maxFps <= 0) return true;
  // A little slack so a 60 Hz display capped at 30 does not skip to 20.
  return now - lastFrameAt >= 1000 / maxFps - 2;
}
