// Object detection on the browser's camera with the detector's WebAssembly build: each frame is
// cropped and scaled to the frame the module takes, classified in this page (the image DSP runs
// inside the module, as on the device) and its objects drawn over the video.
import { useEffect, useMemo, useRef, useState } from 'react';

import { CAMERA_RESOLUTIONS, cameraErrorMessage, openCamera } from '../lib/cameraCapture';
import { type DetectedObject, objectCounts } from '../lib/detection';
import {
  FrameStats,
  frameCrop,
  frameDue,
  frameShapeOf,
  frameToModuleInput,
  liveMarks,
  objectsOfResult,
} from '../lib/liveDetection';
import type { WasmClassifier } from '../lib/wasmClassifier';
import { ErrorText } from './ErrorText';

const FRAME_RATE_CAPS = [5, 10, 15, 30, 0];

interface LiveFrame {
  objects: DetectedObject[];
  fps: number | null;
  frameMs: number;
  count: number;
}

export function LiveDetectionPanel({
  classifier,
  labels,
}: {
  classifier: WasmClassifier;
  labels: readonly string[];
}) {
  const shape = useMemo(() => frameShapeOf(classifier), [classifier]);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [resolutionIndex, setResolutionIndex] = useState(3);
  const [maxFps, setMaxFps] = useState(15);
  const [frame, setFrame] = useState<LiveFrame | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    if (video.current && stream) video.current.srcObject = stream;
    // Stopping (or leaving the page) lets go of the camera.
    return () => stream?.getTracks().forEach((track) => track.stop());
  }, [stream]);

  useEffect(() => {
    if (!stream || !shape) return;
    const canvas = document.createElement('canvas');
    canvas.width = shape.width;
    canvas.height = shape.height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) {
      setFailure('This browser cannot read camera frames (no 2D canvas).');
      return;
    }
    const input = new Float32Array(shape.width * shape.height * shape.channels);
    const stats = new FrameStats();
    let lastFrameAt: number | null = null;
    let count = 0;
    let handle = 0;
    let stopped = false;
    const tick = (now: number) => {
      if (stopped) return;
      handle = requestAnimationFrame(tick);
      const element = video.current;
      if (!element || !element.videoWidth || !element.videoHeight) return;
      if (!frameDue(now, lastFrameAt, maxFps)) return;
      lastFrameAt = now;
      const started = performance.now();
      try {
        const crop = frameCrop({ width: element.videoWidth, height: element.videoHeight }, shape);
        context.drawImage(
          element,
          crop.sx,
          crop.sy,
          crop.sw,
          crop.sh,
          0,
          0,
          shape.width,
          shape.height,
        );
        const pixels = context.getImageData(0, 0, shape.width, shape.height).data;
        const result = classifier.classify(frameToModuleInput(pixels, shape, input));
        const objects = objectsOfResult(result as unknown as Record<string, unknown>);
        const frameMs = performance.now() - started;
        stats.add(now, frameMs);
        count += 1;
        const summary = stats.summary();
        setFrame({
          objects,
          fps: summary?.fps ?? null,
          frameMs: summary?.frameMs ?? frameMs,
          count,
        });
      } catch (error) {
        stopped = true;
        setFailure(
          `The WebAssembly build could not classify the frame: ${String((error as Error).message ?? error)}`,
        );
      }
    };
    handle = requestAnimationFrame(tick);
    return () => {
      stopped = true;
      cancelAnimationFrame(handle);
    };
  }, [stream, shape, classifier, maxFps]);

  if (!shape) {
    return (
      <section className="panel" aria-labelledby="live-detect-heading">
        <h2 id="live-detect-heading">Detect on the camera</h2>
        <ErrorText
          error={`This WebAssembly build does not say the size of its frame (${classifier.frameSize} values). Build the WebAssembly target again.`}
        />
      </section>
    );
  }

  const start = async () => {
    setFailure(null);
    setStarting(true);
    try {
      setStream(await openCamera(CAMERA_RESOLUTIONS[resolutionIndex]!));
    } catch (error) {
      setFailure(cameraErrorMessage(error));
    } finally {
      setStarting(false);
    }
  };
  const stop = () => {
    setStream(null);
    setFrame(null);
  };

  const marks = frame ? liveMarks(frame.objects, shape, labels) : [];
  return (
    <section className="panel" aria-labelledby="live-detect-heading">
      <h2 id="live-detect-heading">Detect on the camera</h2>
      <p className="muted">
        Each camera frame is cropped to the model&rsquo;s aspect, scaled to {shape.width} x{' '}
        {shape.height} {shape.channels === 3 ? 'RGB' : 'grayscale'} pixels and classified by the
        WebAssembly build in this browser; nothing is sent to the server.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="live-detect-resolution">Camera resolution</label>
          <select
            id="live-detect-resolution"
            value={resolutionIndex}
            disabled={stream !== null}
            onChange={(event) => setResolutionIndex(Number(event.target.value))}
          >
            {CAMERA_RESOLUTIONS.map((option, index) => (
              <option key={index} value={index}>
                {option.width} x {option.height}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="live-detect-fps">At most</label>
          <select
            id="live-detect-fps"
            value={maxFps}
            onChange={(event) => setMaxFps(Number(event.target.value))}
          >
            {FRAME_RATE_CAPS.map((cap) => (
              <option key={cap} value={cap}>
                {cap > 0 ? `${cap} frames/s` : 'every screen refresh'}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-action">
          {stream ? (
            <button type="button" onClick={stop}>
              Stop
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              disabled={starting}
              onClick={() => void start()}
            >
              {starting ? 'Starting…' : 'Start the camera'}
            </button>
          )}
        </div>
      </div>
      <ErrorText error={failure} />
      {stream && (
        <>
          <div
            className="detection-image live-detection-view"
            data-testid="live-detection-view"
            style={{ aspectRatio: `${shape.width} / ${shape.height}` }}
          >
            <video ref={video} autoPlay playsInline muted aria-label="Camera" />
            {marks.map((mark, index) => (
              <div
                key={index}
                className="detection-mark detection-object"
                data-testid="live-detection-object"
                title={mark.title}
                style={{
                  left: `${mark.left}%`,
                  top: `${mark.top}%`,
                  width: `${mark.width}%`,
                  height: `${mark.height}%`,
                  borderColor: mark.color,
                }}
              >
                <span className="detection-label" style={{ background: mark.color }}>
                  {mark.title}
                </span>
                <span className="detection-dot" style={{ background: mark.color }} />
              </div>
            ))}
          </div>
          <p role="status" data-testid="live-detection-status">
            {frame
              ? `Found: ${objectCounts(frame.objects)} · ${
                  frame.fps === null ? '…' : frame.fps.toFixed(1)
                } frames/s · ${frame.frameMs.toFixed(1)} ms a frame · ${frame.count} frames`
              : 'Waiting for the first frame…'}
          </p>
        </>
      )}
    </section>
  );
}
