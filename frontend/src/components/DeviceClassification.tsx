// The device build's answers for the windows the server classified, and whether they are the
// same, score for score.
import type { WindowResultPublic } from '../client/types.gen';
import { agreement, type DeviceWindow } from '../lib/deviceComparison';
import { formatPercent } from '../lib/modelMetrics';

interface DeviceClassificationProps {
  server: ReadonlyArray<WindowResultPublic>;
  device: ReadonlyArray<DeviceWindow>;
}

export function DeviceClassification({ server, device }: DeviceClassificationProps) {
  const summary = agreement(server, device);
  const labels = Object.keys(device[0]?.scores ?? {});
  const allSame = summary.identical === summary.windows;
  return (
    <div className="device-classification" data-testid="device-classification">
      <h3>In this browser (the WebAssembly device build)</h3>
      <p data-testid="device-agreement">
        {allSame
          ? `The same scores as the server on all ${summary.windows} windows, bit for bit.`
          : `The same scores as the server on ${summary.identical} of ${summary.windows} windows ` +
            `(the same answer on ${summary.sameAnswer}); the largest difference of a score is ` +
            `${formatPercent(summary.maxDifference)}.`}
      </p>
      <div className="table-scroll">
        <table className="data-table compact">
          <thead>
            <tr>
              <th scope="col" className="num">
                Window
              </th>
              <th scope="col">Answer</th>
              {labels.map((label) => (
                <th scope="col" className="num" key={label}>
                  {label}
                </th>
              ))}
              <th scope="col">As on the server</th>
            </tr>
          </thead>
          <tbody>
            {device.map((window, index) => {
              const same = agreement([server[index]!], [window]).identical === 1;
              return (
                <tr key={index}>
                  <td className="num">{index + 1}</td>
                  <td>{window.top}</td>
                  {labels.map((label) => (
                    <td className="num" key={label}>
                      {formatPercent(window.scores[label])}
                    </td>
                  ))}
                  <td>{same ? 'identical' : 'differs'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
