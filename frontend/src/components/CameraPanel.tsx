// Take photos with the browser's camera and upload them as image samples, as RecordPanel does
// for the microphone.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';

import { samplesUploadSamples } from '../client/sdk.gen';
import { apiErrorMessage } from '../lib/apiError';
import {
  CAMERA_RESOLUTIONS,
  cameraErrorMessage,
  openCamera,
  photoFileName,
  takePhoto,
  type PhotoFormat,
} from '../lib/cameraCapture';
import { isUploadAnswer } from '../lib/uploadResults';
import { ErrorText } from './ErrorText';

export function CameraPanel({ projectId }: { projectId: number }) {
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [resolutionIndex, setResolutionIndex] = useState(0);
  const [format, setFormat] = useState<PhotoFormat>('png');
  const [label, setLabel] = useState('');
  const [category, setCategory] = useState<'auto' | 'training' | 'testing'>('auto');
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const queryClient = useQueryClient();
  const resolution = CAMERA_RESOLUTIONS[resolutionIndex]!;

  useEffect(() => {
    if (video.current && stream) video.current.srcObject = stream;
    // The camera is let go of when the panel goes away.
    return () => stream?.getTracks().forEach((track) => track.stop());
  }, [stream]);

  const start = async () => {
    setFailure(null);
    try {
      setStream(await openCamera(resolution));
    } catch (error) {
      setFailure(cameraErrorMessage(error));
    }
  };
  const stop = () => {
    stream?.getTracks().forEach((track) => track.stop());
    setStream(null);
  };

  const capture = async (event: FormEvent) => {
    event.preventDefault();
    if (!video.current) return;
    setFailure(null);
    setBusy(true);
    try {
      const blob = await takePhoto(video.current, resolution, format);
      const name = photoFileName(label, format, new Date());
      const { data, error } = await samplesUploadSamples({
        path: { project_id: projectId },
        body: {
          files: [new File([blob], name, { type: blob.type })],
          label: label.trim(),
          category,
        },
      });
      void queryClient.invalidateQueries();
      const answer = data ?? (isUploadAnswer(error) ? error : undefined);
      if (answer && answer.accepted.length > 0) {
        setStatus(`Stored ${answer.accepted[0]!.filename}.`);
      } else {
        setFailure(
          `The photo was not stored: ${answer?.rejected[0]?.error ?? apiErrorMessage(error)}`,
        );
      }
    } catch (error) {
      setFailure(cameraErrorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="camera-heading">
      <h2 id="camera-heading">Camera</h2>
      <form onSubmit={(event) => void capture(event)} noValidate>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="camera-label">Label</label>
            <input
              id="camera-label"
              value={label}
              maxLength={100}
              placeholder="from the file name if empty"
              onChange={(event) => setLabel(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="camera-resolution">Resolution</label>
            <select
              id="camera-resolution"
              value={resolutionIndex}
              onChange={(event) => setResolutionIndex(Number(event.target.value))}
            >
              {CAMERA_RESOLUTIONS.map((r, i) => (
                <option key={i} value={i}>
                  {r.width} × {r.height}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="camera-format">Format</label>
            <select
              id="camera-format"
              value={format}
              onChange={(event) => setFormat(event.target.value as PhotoFormat)}
            >
              <option value="png">PNG</option>
              <option value="jpeg">JPEG</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="camera-category">Category</label>
            <select
              id="camera-category"
              value={category}
              onChange={(event) => setCategory(event.target.value as typeof category)}
            >
              <option value="auto">Automatic (80/20 split)</option>
              <option value="training">Training</option>
              <option value="testing">Testing</option>
            </select>
          </div>
        </div>
        {stream && (
          <video
            ref={video}
            className="camera-preview"
            autoPlay
            playsInline
            muted
            aria-label="Camera preview"
          />
        )}
        <div className="button-row">
          {stream ? (
            <>
              <button type="submit" className="primary" disabled={busy}>
                {busy ? 'Uploading…' : 'Take photo'}
              </button>
              <button type="button" onClick={stop}>
                Stop camera
              </button>
            </>
          ) : (
            <button type="button" onClick={() => void start()}>
              Start camera
            </button>
          )}
          <span role="status" className="ok-text">
            {status}
          </span>
        </div>
        <ErrorText error={failure} />
      </form>
    </section>
  );
}
