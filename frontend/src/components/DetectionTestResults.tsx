// Model testing of an object detector: F1, precision and recall per label for float32 and int8,
// the confusion matrix (background first), and each test image with its objects drawn.
import { Fragment, useState } from 'react';

import { type DetectionMetrics, objectCounts, parseDetectionResults } from '../lib/detection';
import { formatDateTime } from '../lib/format';
import { formatPercent } from '../lib/modelMetrics';
import { ConfusionMatrix } from './ConfusionMatrix';
import { DetectionImage } from './DetectionImage';

interface DetectionTestResultsProps {
  results: Record<string, unknown>;
  testedAt: string;
  projectId: number;
}

export function DetectionTestResults({ results, testedAt, projectId }: DetectionTestResultsProps) {
  const parsed = parseDetectionResults(results);
  const [onlyWrong, setOnlyWrong] = useState(false);
  const [openId, setOpenId] = useState<number | null>(null);
  const shown = parsed.samples.filter((row) => !onlyWrong || !row.correct);
  const right = parsed.samples.filter((row) => row.correct).length;
  return (
    <>
      <dl className="stats">
        <div>
          <dt>F1 (int8)</dt>
          <dd data-testid="detection-f1-int8">{formatPercent(parsed.int8?.f1)}</dd>
        </div>
        <div>
          <dt>F1 (float32)</dt>
          <dd>{formatPercent(parsed.float32?.f1)}</dd>
        </div>
        <div>
          <dt>Images fully right (int8)</dt>
          <dd>
            {right} / {parsed.samples.length}
          </dd>
        </div>
        <div>
          <dt>Cell threshold</dt>
          <dd>{parsed.threshold}</dd>
        </div>
      </dl>
      <p className="muted">
        Tested {formatDateTime(testedAt)}. An object is found when its centroid is within 1.5 cells
        of a labelled box&apos;s centroid of the same label.
      </p>
      <div className="form-grid">
        <DetectionMetricsTable title="int8" metrics={parsed.int8} />
        <DetectionMetricsTable title="float32" metrics={parsed.float32} />
      </div>
      {parsed.int8 && parsed.int8.confusionMatrix.length > 0 && (
        <ConfusionMatrix
          matrix={parsed.int8.confusionMatrix}
          classNames={['background', ...parsed.labels]}
          caption="int8: labelled (rows) against found (columns); background = missed or extra"
        />
      )}
      <h3>Per image</h3>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={onlyWrong}
          onChange={(event) => setOnlyWrong(event.target.checked)}
        />{' '}
        Only images with a missed or extra object
      </label>
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Image</th>
              <th scope="col">Labelled</th>
              <th scope="col">Found (int8)</th>
              <th scope="col">Found (float32)</th>
              <th scope="col">
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <Fragment key={row.sampleId}>
                <tr className={row.correct ? undefined : 'wrong'}>
                  <td>{row.filename || `sample ${row.sampleId}`}</td>
                  <td>{objectCounts(row.boxes)}</td>
                  <td>{objectCounts(row.int8Objects)}</td>
                  <td>{objectCounts(row.float32Objects)}</td>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      aria-expanded={openId === row.sampleId}
                      onClick={() => setOpenId(openId === row.sampleId ? null : row.sampleId)}
                    >
                      {openId === row.sampleId ? 'Hide' : 'Show'}
                    </button>
                  </td>
                </tr>
                {openId === row.sampleId && (
                  <tr className="drill-down">
                    <td colSpan={5}>
                      <DetectionImage
                        projectId={projectId}
                        sampleId={row.sampleId}
                        alt={`${row.filename} with the objects found by the int8 model`}
                        objects={row.int8Objects}
                        boxes={row.boxes}
                        inputSize={row.inputSize}
                        labels={parsed.labels}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="muted">No image matches.</p>}
    </>
  );
}

export function DetectionMetricsTable({
  title,
  metrics,
}: {
  title: string;
  metrics: DetectionMetrics | null;
}) {
  if (!metrics) return null;
  return (
    <table className="data-table">
      <caption>
        {title}: precision {formatPercent(metrics.precision)}, recall{' '}
        {formatPercent(metrics.recall)}
      </caption>
      <thead>
        <tr>
          <th scope="col">Label</th>
          <th scope="col" className="num">
            Precision
          </th>
          <th scope="col" className="num">
            Recall
          </th>
          <th scope="col" className="num">
            F1
          </th>
          <th scope="col" className="num">
            Objects
          </th>
        </tr>
      </thead>
      <tbody>
        {metrics.perLabel.map((label) => (
          <tr key={label.name}>
            <td>{label.name}</td>
            <td className="num">{formatPercent(label.precision)}</td>
            <td className="num">{formatPercent(label.recall)}</td>
            <td className="num">{formatPercent(label.f1)}</td>
            <td className="num">{label.support}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
