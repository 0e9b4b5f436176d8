// A confusion matrix as a table: rows are true labels, columns predictions, with row shares.
import { confusionRows } from '../lib/modelMetrics';
import { formatPercent } from '../lib/modelMetrics';

interface ConfusionMatrixProps {
  matrix: number[][];
  classNames: string[];
  caption: string;
}

export function ConfusionMatrix({ matrix, classNames, caption }: ConfusionMatrixProps) {
  let rows;
  try {
    rows = confusionRows(matrix, classNames);
  } catch (error) {
    return <p className="error-text">{(error as Error).message}</p>;
  }
  return (
    <div className="table-scroll confusion-scroll" role="region" tabIndex={0} aria-label={caption}>
      <table className="data-table compact confusion-matrix">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">True \ predicted</th>
            {classNames.map((name) => (
              <th scope="col" className="num" key={name} title={name}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row" title={row.label}>
                {row.label}
              </th>
              {row.cells.map((cell, index) => (
                <td
                  key={classNames[index]}
                  className={`num ${cell.correct ? 'cell-correct' : cell.count > 0 ? 'cell-wrong' : ''}`}
                  title={`${cell.count} of ${row.total} windows`}
                >
                  {cell.count}
                  <span className="muted cell-share"> {formatPercent(cell.rowShare)}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
