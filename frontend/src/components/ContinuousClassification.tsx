// Continuous live classification: the microphone (audio impulses) or a phone's motion sensors
// (3 or 6 axes) captured without end, cut into the impulse's sliding windows, each new window
// sent to the server's classify route: one request at a time, windows offered meanwhile skipped.
import { useEffect, useRef, useState } from 'react';

import { trainingClassifySample } from '../client/sdk.gen';
import type { ImpulsePublic } from '../client/types.gen';
import { apiErrorMessage } from '../lib/apiError';
import {
  MOTION_AXES_NOTE,
  microphoneErrorMessage,
  streamMicrophone,
  streamMotion,
  type LiveCapture,
} from '../lib/browserCapture';
import { answerText } from '../lib/liveAnswer';
import { resample } from '../lib/resample';
import {
  OneInFlight,
  pushBounded,
  SlidingWindow,
  SteadyRate,
  windowFrames,
} from '../lib/slidingWindow';
import { toPcm16 } from '../lib/wav';
import { ErrorText } from './ErrorText';

/** Answers kept in the rolling history (older ones drop off). */
const HISTORY_MAX = 8;

interface Answer {
  id: number;
  at: string;
  text: string;
}

interface Counts {
  windows: number;
  sent: number;
  skipped: number;
}

type Source = 'microphone' | 'motion';

function sourceOf(axes: number): Source | null {
  if (axes === 1) return 'microphone';
  if (axes === 3 || axes === 6) return 'motion';
  return null;
}

export function ContinuousClassification({
  impulse,
  blockId,
  uncertainBelow,
  disabled,
}: {
  impulse: ImpulsePublic;
  blockId: number;
  uncertainBelow: number;
  disabled: boolean;
}) {
  const input = impulse.input_block;
  const source = sourceOf(input.axes.length);
  const rateHz = input.frequency_hz ?? (source === 'microphone' ? 16000 : 50);
  const windowMs = input.window_size_ms ?? 1000;
  const increaseMs = input.window_increase_ms ?? windowMs;
  const [running, setRunning] = useState(false);
  const [latest, setLatest] = useState<string | null>(null);
  const [history, setHistory] = useState<Answer[]>([]);
  const [counts, setCounts] = useState<Counts>({ windows: 0, sent: 0, skipped: 0 });
  const [failure, setFailure] = useState<string | null>(null);
  const capture = useRef<LiveCapture | null>(null);
  // Read when each window is sent, so changing the threshold applies without a restart.
  const threshold = useRef(uncertainBelow);
  threshold.current = uncertainBelow;

  const stop = () => {
    capture.current?.stop();
    capture.current = null;
    setRunning(false);
  };
  // Leaving the page frees the microphone or the motion listener.
  useEffect(() => () => capture.current?.stop(), []);

  if (!source) {
    return (
      <section className="panel" aria-labelledby="continuous-heading">
        <h2 id="continuous-heading">Classify continuously</h2>
        <p className="muted">
          The impulse takes {input.axes.length} axes ({input.axes.join(', ')}); this page can stream
          the microphone (1 axis) or a phone&rsquo;s motion sensors ({MOTION_AXES_NOTE}).
        </p>
      </section>
    );
  }

  const start = async () => {
    setFailure(null);
    setLatest(null);
    setHistory([]);
    setCounts({ windows: 0, sent: 0, skipped: 0 });
    let windows = 0;
    let answers = 0;
    const sender = new OneInFlight<number[]>(async (values) => {
      try {
        const { data } = await trainingClassifySample({
          path: { project_id: impulse.project_id, impulse_id: impulse.id, block_id: blockId },
          body: {
            signal: { values, axes: input.axes, frequency_hz: rateHz },
            uncertain_below: threshold.current,
          },
          throwOnError: true,
        });
        const text = answerText(data);
        answers++;
        setLatest(text);
        setHistory((h) =>
          pushBounded(h, { id: answers, at: new Date().toLocaleTimeString(), text }, HISTORY_MAX),
        );
      } catch (error) {
        // A refused window (no model, a changed impulse) would be refused again: stop there.
        stop();
        setFailure(`Stopped: ${apiErrorMessage(error)}`);
      }
    });
    // Only the newest of the windows one chunk completes is worth sending; the others count as
    // skipped.
    const onWindows = (batch: Float32Array[], toValues: (window: Float32Array) => number[]) => {
      const newest = batch[batch.length - 1];
      if (!newest) return;
      windows += batch.length;
      sender.skip(batch.length - 1);
      sender.offer(toValues(newest));
      setCounts({ windows, sent: sender.sent, skipped: sender.skipped });
    };
    try {
      if (source === 'microphone') {
        // Windows are cut at the device's rate and resampled one by one to the impulse's.
        let sliding: SlidingWindow | null = null;
        capture.current = await streamMicrophone((chunk, deviceHz) => {
          if (!sliding) {
            const frames = windowFrames(windowMs, increaseMs, deviceHz);
            sliding = new SlidingWindow(frames.window, frames.stride);
          }
          onWindows(sliding.push(chunk), (window) =>
            Array.from(toPcm16(resample(window, deviceHz, rateHz))),
          );
        });
      } else {
        const frames = windowFrames(windowMs, increaseMs, rateHz);
        const sliding = new SlidingWindow(frames.window, frames.stride, input.axes.length);
        const steady = new SteadyRate(rateHz);
        capture.current = await streamMotion(
          input.axes.length as 3 | 6,
          (timeMs, values) => {
            onWindows(sliding.push(steady.push(timeMs, values)), (window) => Array.from(window));
          },
          (message) => {
            stop();
            setFailure(message);
          },
        );
      }
      setRunning(true);
    } catch (error) {
      stop();
      setFailure(
        source === 'microphone'
          ? microphoneErrorMessage(error)
          : String(error instanceof Error ? error.message : error),
      );
    }
  };

  return (
    <section className="panel" aria-labelledby="continuous-heading">
      <h2 id="continuous-heading">Classify continuously</h2>
      <p className="hint">
        {source === 'microphone' ? 'The microphone' : "This phone's motion sensors"}: every{' '}
        {increaseMs} ms the latest {windowMs} ms is classified on the server, one window at a time
        (windows arriving meanwhile are skipped).
      </p>
      <div className="button-row">
        {running ? (
          <button type="button" onClick={stop}>
            Stop
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            disabled={disabled}
            onClick={() => void start()}
          >
            {source === 'microphone' ? 'Start listening' : 'Start motion classification'}
          </button>
        )}
      </div>
      <p role="status" data-testid="live-continuous-latest" className="live-latest">
        {latest ? (
          <>
            Latest: <strong>{latest}</strong>
          </>
        ) : running ? (
          'Waiting for the first window…'
        ) : (
          ''
        )}
      </p>
      {(running || counts.windows > 0) && (
        <p className="hint" data-testid="live-continuous-counts">
          {counts.windows} windows · {counts.sent} classified · {counts.skipped} skipped while a
          request was pending
        </p>
      )}
      {history.length > 0 && (
        <ol className="live-history" aria-label="Recent answers">
          {history.map((answer) => (
            <li key={answer.id}>
              <span className="muted">{answer.at}</span> {answer.text}
            </li>
          ))}
        </ol>
      )}
      <ErrorText error={failure} />
    </section>
  );
}
