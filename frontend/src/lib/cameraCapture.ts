// Photos from the browser's camera: the resolutions offered, the file name, the frame cropped and
// scaled to the chosen size, and the errors in words (exercised end to end with Chromium's fake
// camera; the arithmetic is tested here).

export interface CameraResolution {
  width: number;
  height: number;
}

/** Sizes TinyML vision models take (square ones are cropped from the centre of the frame). */
export const CAMERA_RESOLUTIONS: ReadonlyArray<CameraResolution> = [
  { width: 96, height: 96 },
  { width: 160, height: 120 },
  { width: 160, height: 160 },
  { width: 320, height: 240 },
  { width: 640, height: 480 },
];

export type PhotoFormat = 'png' | 'jpeg';

/** "label.camera.<time>.png": the upload takes the label from the form and the type from the
 * extension. */
export function photoFileName(label: string, format: PhotoFormat, when: Date): string {
  const safe = label.trim().replace(/[^\w.-]+/g, '_') || 'photo';
  const stamp = when.toISOString().replace(/[:.]/g, '-');
  return `${safe}.camera.${stamp}.${format === 'png' ? 'png' : 'jpg'}`;
}

/** The largest centred part of a source frame with the target's aspect ratio, to be scaled to
 * the target (no stretching). */
export function centreCrop(
  source: CameraResolution,
  target: CameraResolution,
): { sx: number; sy: number; sw: number; sh: number } {
  const targetRatio = target.width / target.height;
  let sw = source.width;
  let sh = source.width / targetRatio;
  if (sh > source.height) {
    sh = source.height;
    sw = source.height * targetRatio;
  }
  return {
    sx: Math.round((source.width - sw) / 2),
    sy: Math.round((source.height - sh) / 2),
    sw: Math.round(sw),
    sh: Math.round(sh),
  };
}

/** Why the camera could not be used, in words the user can act on. */
export function cameraErrorMessage(error: unknown): string {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError')
    return 'Camera access was refused. Allow it in the browser and try again.';
  if (name === 'NotFoundError') return 'No camera was found. Connect one and try again.';
  if (name === 'NotReadableError') return 'The camera is in use by another application.';
  return error instanceof Error ? error.message : String(error);
}

/** Opens the camera asking for about the chosen resolution (the browser may give another;
 * the photo is cropped and scaled to the chosen one anyway). */
export async function openCamera(resolution: CameraResolution): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('This browser offers no camera here: the camera needs HTTPS or localhost.');
  }
  return navigator.mediaDevices.getUserMedia({
    video: {
      width: { ideal: Math.max(resolution.width, 320) },
      height: { ideal: Math.max(resolution.height, 240) },
      facingMode: 'environment',
    },
    audio: false,
  });
}

/** The video's current frame, centre-cropped and scaled to `resolution`, encoded. */
export async function takePhoto(
  video: HTMLVideoElement,
  resolution: CameraResolution,
  format: PhotoFormat,
): Promise<Blob> {
  if (!video.videoWidth || !video.videoHeight) throw new Error('The camera shows no picture yet.');
  const canvas = document.createElement('canvas');
  canvas.width = resolution.width;
  canvas.height = resolution.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('This browser cannot draw the photo (no 2D canvas).');
  const crop = centreCrop({ width: video.videoWidth, height: video.videoHeight }, resolution);
  context.drawImage(
    video,
    crop.sx,
    crop.sy,
    crop.sw,
    crop.sh,
    0,
    0,
    resolution.width,
    resolution.height,
  );
  const type = format === 'png' ? 'image/png' : 'image/jpeg';
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('The photo could not be encoded.'))),
      type,
      0.92,
    ),
  );
}
