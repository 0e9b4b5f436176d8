// Capturing the microphone and the accelerometer in the browser (exercised by the end-to-end test
// with Chromium's fake microphone; the data handling lives in tested pure modules).

import type { MotionReading } from './motionCsv';

export interface AudioCapture {
  samples: Float32Array;
  sampleRateHz: number;
}

/** Why the microphone could not be used, in words the user can act on. */
export function microphoneErrorMessage(error: unknown): string {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError')
    return 'Microphone access was refused. Allow it in the browser and try again.';
  if (name === 'NotFoundError') return 'No microphone was found. Connect one and try again.';
  if (name === 'NotReadableError') return 'The microphone is in use by another application.';
  return error instanceof Error ? error.message : String(error);
}

/** Records `durationMs` of mono audio at the audio device's own rate. */
export async function recordMicrophone(durationMs: number): Promise<AudioCapture> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('This browser offers no microphone here: recording needs HTTPS or localhost.');
  }
  const stream = await navigator.mediaDevices.getUserMedia({
    // The raw signal: the model must hear what the device's microphone will hear.
    audio: {
      channelCount: 1,
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
    },
  });
  const context = new AudioContext();
  try {
    await context.resume();
    const needed = Math.ceil((context.sampleRate * durationMs) / 1000);
    const chunks: Float32Array[] = [];
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const source = context.createMediaStreamSource(stream);
      // ScriptProcessor is deprecated but needs no separate worklet module; 1 s at 48 kHz is
      // about a dozen callbacks, so its main-thread cost does not matter here.
      const processor = context.createScriptProcessor(4096, 1, 1);
      const timeout = window.setTimeout(
        () => reject(new Error('The microphone delivered no sound; check the input device.')),
        durationMs + 5000,
      );
      processor.onaudioprocess = (event) => {
        if (received >= needed) return;
        const chunk = new Float32Array(event.inputBuffer.getChannelData(0));
        chunks.push(chunk);
        received += chunk.length;
        if (received >= needed) {
          window.clearTimeout(timeout);
          processor.disconnect();
          source.disconnect();
          resolve();
        }
      };
      source.connect(processor);
      // Chrome calls onaudioprocess only for a processor connected to the output (it is silent).
      processor.connect(context.destination);
    });
    const samples = new Float32Array(needed);
    let offset = 0;
    for (const chunk of chunks) {
      samples.set(chunk.subarray(0, Math.min(chunk.length, needed - offset)), offset);
      offset += chunk.length;
      if (offset >= needed) break;
    }
    return { samples, sampleRateHz: context.sampleRate };
  } finally {
    stream.getTracks().forEach((track) => track.stop());
    void context.close();
  }
}

interface MotionPermission {
  requestPermission?: () => Promise<'granted' | 'denied'>;
}

const NO_MOTION_MESSAGE =
  'No motion readings arrived: this browser has no motion sensors, or access to them is blocked. ' +
  'Open this page on a phone (over HTTPS) and allow motion access.';

/** Accelerometer readings (including gravity) for `durationMs`. */
export async function recordMotion(durationMs: number): Promise<MotionReading[]> {
  if (typeof DeviceMotionEvent === 'undefined') throw new Error(NO_MOTION_MESSAGE);
  // iOS asks for permission through this static method; other browsers do not have it.
  const permission = (DeviceMotionEvent as unknown as MotionPermission).requestPermission;
  if (permission && (await permission()) !== 'granted') {
    throw new Error('Motion access was refused. Allow it in the browser settings and try again.');
  }
  const readings: MotionReading[] = [];
  const onMotion = (event: DeviceMotionEvent) => {
    const a = event.accelerationIncludingGravity;
    if (a?.x == null || a.y == null || a.z == null) return;
    readings.push({ timeMs: event.timeStamp, x: a.x, y: a.y, z: a.z });
  };
  window.addEventListener('devicemotion', onMotion);
  try {
    // Fail fast when nothing arrives in the first second rather than after the whole length.
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, durationMs)));
    if (readings.length === 0) throw new Error(NO_MOTION_MESSAGE);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, durationMs - 1000)));
  } finally {
    window.removeEventListener('devicemotion', onMotion);
  }
  return readings;
}

/** A running capture: `stop` ends it and frees the device. */
export interface LiveCapture {
  stop: () => void;
}

/**
 * Streams the microphone: `onChunk` gets each block of mono samples at `sampleRateHz` (the audio
 * device's rate) until `stop`. Nothing is kept here; the caller bounds what it buffers.
 */
export async function streamMicrophone(
  onChunk: (samples: Float32Array, sampleRateHz: number) => void,
): Promise<LiveCapture> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('This browser offers no microphone here: it needs HTTPS or localhost.');
  }
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: {
      channelCount: 1,
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
    },
  });
  const context = new AudioContext();
  await context.resume();
  const source = context.createMediaStreamSource(stream);
  // As in recordMicrophone: a ScriptProcessor needs no worklet module; ~12 callbacks a second.
  const processor = context.createScriptProcessor(4096, 1, 1);
  processor.onaudioprocess = (event) => {
    onChunk(new Float32Array(event.inputBuffer.getChannelData(0)), context.sampleRate);
  };
  source.connect(processor);
  processor.connect(context.destination);
  return {
    stop: () => {
      processor.onaudioprocess = null;
      processor.disconnect();
      source.disconnect();
      stream.getTracks().forEach((track) => track.stop());
      void context.close();
    },
  };
}

/** Motion axes the phone gives, in the order a live frame fills them. */
export const MOTION_AXES_NOTE =
  '3 axes: acceleration including gravity x, y, z (m/s²); 6 axes: those, then the rotation ' +
  'rate alpha, beta, gamma (°/s)';

/**
 * Streams DeviceMotion readings of `axes` (3: acceleration with gravity; 6: and rotation rate)
 * until `stop`; `onSilence` is called when nothing arrives within `silenceMs` (a desktop, or
 * access blocked). Call it from a click: iOS grants motion access only then.
 */
export async function streamMotion(
  axes: 3 | 6,
  onReading: (timeMs: number, values: number[]) => void,
  onSilence: (message: string) => void,
  silenceMs = 1500,
): Promise<LiveCapture> {
  if (typeof DeviceMotionEvent === 'undefined') throw new Error(NO_MOTION_MESSAGE);
  const permission = (DeviceMotionEvent as unknown as MotionPermission).requestPermission;
  if (permission && (await permission()) !== 'granted') {
    throw new Error('Motion access was refused. Allow it in the browser settings and try again.');
  }
  let readings = 0;
  const onMotion = (event: DeviceMotionEvent) => {
    const a = event.accelerationIncludingGravity;
    if (a?.x == null || a.y == null || a.z == null) return;
    const values = [a.x, a.y, a.z];
    if (axes === 6) {
      const r = event.rotationRate;
      values.push(r?.alpha ?? 0, r?.beta ?? 0, r?.gamma ?? 0);
    }
    readings++;
    onReading(event.timeStamp, values);
  };
  window.addEventListener('devicemotion', onMotion);
  const silence = window.setTimeout(() => {
    if (readings === 0) onSilence(NO_MOTION_MESSAGE);
  }, silenceMs);
  return {
    stop: () => {
      window.clearTimeout(silence);
      window.removeEventListener('devicemotion', onMotion);
    },
  };
}
