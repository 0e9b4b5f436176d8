// Devices that stream into the project through the relay (`mcuforge forward --stream` on the
// computer a board is plugged into): listed with their last contact, sensors and frequency;
// one can be watched live and recorded from, like a board on this computer's serial port.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';

import { devicesReadDevicesOptions } from '../client/@tanstack/react-query.gen';
import type { DevicePublic } from '../client/types.gen';
import { liveUrl, parseLiveMessage } from '../lib/deviceLive';
import { formatAxes, formatDateTime } from '../lib/format';
import { RowBus } from '../lib/rowBus';
import { ErrorText } from './ErrorText';
import { LivePlot } from './LivePlot';
import { StreamRecorder } from './StreamRecorder';

export function RemoteDevicesPanel({
  projectId,
  canRecord,
}: {
  projectId: number;
  canRecord: boolean;
}) {
  const devices = useQuery({
    ...devicesReadDevicesOptions({ path: { project_id: projectId } }),
    refetchInterval: 5000,
  });
  const [watched, setWatched] = useState<string | null>(null);
  const list = devices.data?.data ?? [];
  const device = list.find((candidate) => candidate.device_id === watched) ?? null;

  return (
    <section className="panel" aria-labelledby="remote-devices-heading">
      <h2 id="remote-devices-heading">Remote devices</h2>
      <p className="hint">
        Boards plugged into another computer appear here while{' '}
        <code>mcuforge forward --stream</code> runs there.
      </p>
      <ErrorText error={devices.isError ? devices.error : null} />
      {devices.isSuccess && list.length === 0 && (
        <p className="muted">No device has connected yet.</p>
      )}
      {list.length > 0 && (
        <div className="table-scroll">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Last seen</th>
                <th scope="col">Sensors</th>
                <th scope="col">Frequency</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((row) => (
                <tr key={row.device_id}>
                  <td>
                    {row.name} <span className="muted">{row.device_id}</span>{' '}
                    {row.connected && <span className="tag">connected</span>}
                  </td>
                  <td className="nowrap">{formatDateTime(row.last_seen_at)}</td>
                  <td className="axes-cell">
                    {formatAxes(row.axes.map((a) => ({ name: a.name, units: a.units ?? '' })))}
                  </td>
                  <td className="num">{row.frequency_hz} Hz</td>
                  <td className="actions">
                    <button
                      type="button"
                      onClick={() => setWatched(watched === row.device_id ? null : row.device_id)}
                      aria-pressed={watched === row.device_id}
                    >
                      {watched === row.device_id ? 'Stop watching' : 'Watch'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {device && (
        <WatchedDevice
          key={device.device_id}
          projectId={projectId}
          device={device}
          canRecord={canRecord}
        />
      )}
    </section>
  );
}

function WatchedDevice({
  projectId,
  device,
  canRecord,
}: {
  projectId: number;
  device: DevicePublic;
  canRecord: boolean;
}) {
  const bus = useMemo(() => new RowBus(), []);
  const [connected, setConnected] = useState<boolean | null>(null);
  const [dropped, setDropped] = useState(0);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    const socket = new WebSocket(liveUrl(window.location, projectId, device.device_id));
    socket.onmessage = (event) => {
      const message = parseLiveMessage(event.data);
      if (message === null) return;
      if (message.type === 'samples') {
        bus.emit(message.values);
        if (message.dropped) setDropped(message.dropped);
      } else if (message.type === 'status') {
        setConnected(message.connected);
      } else {
        setFailure(message.message);
      }
    };
    socket.onclose = (event) => {
      if (event.code !== 1000 && event.code !== 1005) setConnected(false);
    };
    return () => socket.close();
  }, [bus, projectId, device.device_id]);

  const axes = device.axes.map((axis) => ({ name: axis.name, units: axis.units ?? '' }));
  return (
    <div className="watched-device">
      <h3>{device.name}</h3>
      <p role="status" className="muted">
        {connected === null
          ? 'Connecting…'
          : connected
            ? 'Streaming.'
            : 'Not connected: start the forwarder.'}
        {dropped > 0 && ` ${dropped} messages were dropped (this browser read too slowly).`}
      </p>
      <ErrorText error={failure} />
      <LivePlot bus={bus} axisNames={axes.map((axis) => axis.name)} />
      {canRecord && (
        <StreamRecorder
          projectId={projectId}
          bus={bus}
          frequencyHz={device.frequency_hz}
          axes={axes}
          blocked={connected ? null : 'The device is not streaming.'}
          fileTag="remote"
          idPrefix={`remote-${device.device_id.replace(/[^\w-]/g, '_')}`}
        />
      )}
    </div>
  );
}
