// Connect a board over Web Serial (Chromium on desktops): it prints lines of comma- or
// tab-separated numbers; the axes and the frequency are detected, the axis names can be edited,
// the values are plotted live and N seconds can be recorded into the project.
import { useEffect, useMemo, useRef, useState } from 'react';

import { plural } from '../lib/format';
import { RowBus } from '../lib/rowBus';
import {
  axisNameProblem,
  defaultAxisNames,
  type AxisSpec,
  type LineStreamState,
} from '../lib/serialLines';
import { BAUD_RATES, SerialSession, webSerial } from '../lib/webSerial';
import { ErrorText } from './ErrorText';
import { LivePlot } from './LivePlot';
import { StreamRecorder } from './StreamRecorder';

export function SerialPanel({ projectId }: { projectId: number }) {
  const serial = useMemo(() => webSerial(), []);
  const [baudRate, setBaudRate] = useState(115200);
  const [session, setSession] = useState<SerialSession | null>(null);
  const [state, setState] = useState<LineStreamState | null>(null);
  const [names, setNames] = useState<string[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const bus = useMemo(() => new RowBus(), []);
  const sessionRef = useRef<SerialSession | null>(null);

  useEffect(() => () => void sessionRef.current?.close(), []);

  const axisCount = state?.axisCount ?? null;
  useEffect(() => {
    if (axisCount !== null && names.length !== axisCount) setNames(defaultAxisNames(axisCount));
  }, [axisCount, names.length]);

  if (serial === null) {
    return (
      <section className="panel" aria-labelledby="serial-heading">
        <h2 id="serial-heading">Connect a board (Web Serial)</h2>
        <p className="hint">
          This browser cannot open serial ports: Web Serial is available in Chrome, Edge and other
          Chromium browsers on a computer. Use one of those, or run{' '}
          <code>mcuforge forward --stream</code> on the computer the board is plugged into: it then
          appears under Remote devices below, on any browser, phones included.
        </p>
      </section>
    );
  }

  const connect = async () => {
    setFailure(null);
    setState(null);
    setNames([]);
    try {
      const opened = await SerialSession.open(serial, baudRate, (rows, latest) => {
        setState(latest);
        bus.emit(rows);
      });
      sessionRef.current = opened;
      setSession(opened);
      opened.done
        .catch((error: unknown) =>
          setFailure(error instanceof Error ? error.message : String(error)),
        )
        .finally(() => {
          if (sessionRef.current === opened) {
            sessionRef.current = null;
            setSession(null);
          }
        });
    } catch (error) {
      // The user closed the port picker, or the port is busy.
      if (!(error instanceof DOMException && error.name === 'NotFoundError')) {
        setFailure(
          `The port could not be opened: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  };

  const disconnect = async () => {
    const current = sessionRef.current;
    sessionRef.current = null;
    setSession(null);
    await current?.close();
  };

  const axes: AxisSpec[] = names.map((name) => ({ name: name.trim(), units: '' }));
  const namesProblem = names.length ? axisNameProblem(names) : null;
  const blocked =
    session === null
      ? 'Connect a board first.'
      : axisCount === null
        ? 'Waiting for lines of numbers from the board…'
        : state?.frequencyHz == null
          ? 'Measuring the frequency (about a second of data)…'
          : namesProblem;

  return (
    <section className="panel" aria-labelledby="serial-heading">
      <h2 id="serial-heading">Connect a board (Web Serial)</h2>
      <p className="hint">
        The board prints one line per time step: its values separated by commas or tabs, e.g.{' '}
        <code>0.12,-0.98,9.81</code>.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="serial-baud">Baud rate</label>
          <select
            id="serial-baud"
            value={baudRate}
            disabled={session !== null}
            onChange={(event) => setBaudRate(Number(event.target.value))}
          >
            {BAUD_RATES.map((rate) => (
              <option key={rate} value={rate}>
                {rate}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="button-row">
        {session === null ? (
          <button type="button" className="primary" onClick={() => void connect()}>
            Connect a board
          </button>
        ) : (
          <button type="button" onClick={() => void disconnect()}>
            Disconnect
          </button>
        )}
        <span role="status" className="muted" aria-live="polite">
          {session === null
            ? ''
            : axisCount === null
              ? 'Connected; waiting for data…'
              : `${axisCount} axes` +
                (state?.frequencyHz != null
                  ? ` at ${state.frequencyHz} Hz (measured ${state.measuredHz?.toFixed(1)} Hz)`
                  : ', measuring the frequency…') +
                (state && state.skippedLines > 0
                  ? `; ${plural(state.skippedLines, 'other line')} skipped`
                  : '')}
        </span>
      </div>
      <ErrorText error={failure} />
      {session !== null && names.length > 0 && (
        <>
          <fieldset className="axis-names">
            <legend>Axis names</legend>
            {names.map((name, index) => (
              <label key={index}>
                <span className="visually-hidden">Axis {index + 1} name</span>
                <input
                  value={name}
                  maxLength={100}
                  aria-label={`Axis ${index + 1} name`}
                  onChange={(event) =>
                    setNames(names.map((old, i) => (i === index ? event.target.value : old)))
                  }
                />
              </label>
            ))}
          </fieldset>
          <LivePlot bus={bus} axisNames={names} />
        </>
      )}
      {session !== null && (
        <StreamRecorder
          projectId={projectId}
          bus={bus}
          frequencyHz={state?.frequencyHz ?? null}
          axes={axes}
          blocked={blocked}
          idPrefix="serial"
          fileTag="serial"
        />
      )}
    </section>
  );
}
