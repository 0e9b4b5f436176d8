// Model testing: classify every test sample with the chosen learning block's latest model (int8
// on TFLM and float32), then the metrics, confusion matrices and a per-sample table with
// drill-down; for an anomaly block, the anomaly score of every test sample.
import { useMutation, useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link, useParams } from 'react-router';

import {
  trainingReadTestResultsOptions,
  trainingReadTrainedModelOptions,
  trainingTestLearningBlockMutation,
} from '../client/@tanstack/react-query.gen';
import { trainingClassifySample } from '../client/sdk.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { DetectionTestResults } from '../components/DetectionTestResults';
import { ErrorText } from '../components/ErrorText';
import { ImpulseRequired } from '../components/ImpulseRequired';
import { LabelFilter } from '../components/LabelFilter';
import { LearningBlockSelect, useSelectedLearningBlock } from '../components/LearningBlockSelect';
import { MetricsComparison } from '../components/MetricsComparison';
import { ModelWarning } from '../components/ModelWarning';
import { WindowClassification } from '../components/WindowClassification';
import { apiErrorMessage, apiFieldErrors } from '../lib/apiError';
import { capitalized, formatDateTime, modelName } from '../lib/format';
import { testedOutdatedText } from '../lib/modelFreshness';
import { formatPercent } from '../lib/modelMetrics';
import { parseProjectId } from '../lib/projectId';
import {
  anomalySampleResults,
  filterAnomalyResults,
  filterResults,
  formatVotes,
  sampleResults,
  type AnomalyFilter,
  type ResultFilter,
  type SampleTestResult,
} from '../lib/testResults';
import { useRunningBlockJob } from '../lib/useBlockJob';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useJobStream } from '../lib/useJobStream';
import { useProjectImpulse } from '../lib/useProjectImpulse';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import { NotFoundPage } from './NotFoundPage';

export function ModelTestingPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <ModelTesting projectId={projectId} />;
}

function ModelTesting({ projectId }: { projectId: number }) {
  useDocumentTitle('Model testing');
  const { impulse, isPending, error } = useProjectImpulse(projectId);
  const { block, blocks, selectBlock } = useSelectedLearningBlock(impulse);
  return (
    <>
      <header className="page-header">
        <h1>Model testing</h1>
        <p className="muted">
          Classify the test split, which training never saw, with the int8 model that runs on the
          device and the float32 model it came from.
        </p>
      </header>
      {!impulse ? (
        <ImpulseRequired projectId={projectId} isPending={isPending} error={error} />
      ) : !block ? (
        <p className="muted">
          No learning block yet. <Link to={`/projects/${projectId}/training`}>Train a model</Link>{' '}
          first.
        </p>
      ) : (
        <>
          <div className="panel">
            <LearningBlockSelect
              impulse={impulse}
              blocks={blocks}
              selectedId={block.id}
              onSelect={selectBlock}
              label="Learning block to test"
              hint={
                block.type === 'anomaly'
                  ? 'Anomaly detection scores each test sample; no classes, no int8 model.'
                  : 'Its latest trained model classifies the test split.'
              }
            />
          </div>
          <TestBlock key={block.id} impulse={impulse} block={block} />
        </>
      )}
    </>
  );
}

function TestBlock({ impulse, block }: { impulse: ImpulsePublic; block: LearningBlockPublic }) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id };
  const { canWrite } = useProjectPermissions(impulse.project_id);
  const model = useQuery(trainingReadTrainedModelOptions({ path }));
  const results = useQuery(trainingReadTestResultsOptions({ path }));
  const [threshold, setThreshold] = useState('0.6');
  const test = useMutation(trainingTestLearningBlockMutation());
  const alreadyRunning = useRunningBlockJob(
    impulse.project_id,
    'training.test',
    impulse.id,
    block.id,
  );
  const followedId = test.data?.id ?? alreadyRunning;
  const stream = useJobStream(impulse.project_id, followedId);
  const running = followedId !== null && !stream.ended;
  const fieldErrors = apiFieldErrors(test.error);
  const thresholdError = fieldErrors.uncertain_below ?? null;

  const anomaly = block.type === 'anomaly';
  const start = () => {
    if (anomaly) {
      // K-means scores have their own threshold, fixed at training; nothing to choose here.
      test.mutate({ path, body: {} });
      return;
    }
    const value = Number(threshold);
    if (threshold.trim() === '' || !Number.isFinite(value)) {
      test.reset();
      return;
    }
    test.mutate({ path, body: { uncertain_below: value } });
  };
  const thresholdInvalid =
    !anomaly && (threshold.trim() === '' || !Number.isFinite(Number(threshold)));
  const notTested =
    results.isError &&
    /not been tested|no test|test it first|tested yet/i.test(JSON.stringify(results.error));

  return (
    <>
      <section className="panel" aria-labelledby="test-heading">
        <h2 id="test-heading">
          {anomaly ? 'Score all test samples' : 'Classify all test samples'}
        </h2>
        {model.isError && (
          <p className="muted">
            No trained model yet:{' '}
            <Link to={`/projects/${impulse.project_id}/training`}>train one</Link>.
          </p>
        )}
        {model.data && (
          <p className="muted">
            {capitalized(modelName(model.data))}, trained {formatDateTime(model.data.created_at)}.
          </p>
        )}
        {model.data && <ModelWarning model={model.data} />}
        <form
          className="form-grid"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            start();
          }}
        >
          {!anomaly && (
            <div className="field">
              <label htmlFor="uncertain-below">Uncertain below</label>
              <input
                id="uncertain-below"
                inputMode="decimal"
                value={threshold}
                onChange={(event) => setThreshold(event.target.value)}
                aria-invalid={thresholdInvalid || thresholdError ? true : undefined}
                aria-describedby="uncertain-below-hint uncertain-below-error"
              />
              <p className="hint" id="uncertain-below-hint">
                A window whose best score is lower is answered &ldquo;uncertain&rdquo; (0 to 1).
              </p>
              <ErrorText
                id="uncertain-below-error"
                error={
                  thresholdInvalid
                    ? `"${threshold}" is not a number between 0 and 1.`
                    : thresholdError
                }
              />
            </div>
          )}
          {canWrite && (
            <div className="field field-action">
              <button
                type="submit"
                className="primary"
                disabled={running || test.isPending || thresholdInvalid || !model.data}
              >
                {running
                  ? anomaly
                    ? 'Scoring…'
                    : 'Classifying…'
                  : anomaly
                    ? 'Score all'
                    : 'Classify all'}
              </button>
            </div>
          )}
        </form>
        {test.error && !thresholdError && <ErrorText error={apiErrorMessage(test.error)} />}
        {followedId !== null && (
          <div className="job-progress" aria-live="polite">
            <progress max={100} value={stream.progress} aria-label="Model test progress" />{' '}
            <span data-testid="test-job-state">
              {stream.job?.state ?? 'queued'} · {stream.progress} %
            </span>
            {stream.job?.error && <p className="error-text">Failed: {stream.job.error}</p>}
          </div>
        )}
      </section>
      <section className="panel" aria-labelledby="results-heading">
        <h2 id="results-heading">Results</h2>
        {results.isPending && <p className="muted">Loading the results…</p>}
        {notTested ? <p className="muted">Not tested yet.</p> : <ErrorText error={results.error} />}
        {results.data && testedOutdatedText(results.data.results) && (
          <p className="warning-box" role="status" data-testid="tested-outdated">
            {testedOutdatedText(results.data.results)}
          </p>
        )}
        {results.data && model.data && results.data.results.task === 'anomaly' && (
          <AnomalyResults
            results={results.data.results}
            testedAt={results.data.tested_at}
            projectId={impulse.project_id}
          />
        )}
        {results.data && model.data && results.data.results.task === 'object_detection' && (
          <DetectionTestResults
            results={results.data.results}
            testedAt={results.data.tested_at}
            projectId={impulse.project_id}
          />
        )}
        {results.data &&
          model.data &&
          results.data.results.task !== 'anomaly' &&
          results.data.results.task !== 'object_detection' && (
            <TestResults
              results={results.data.results}
              testedAt={results.data.tested_at}
              classNames={model.data.class_names}
              impulse={impulse}
              block={block}
            />
          )}
      </section>
    </>
  );
}

interface TestResultsProps {
  results: Record<string, unknown>;
  testedAt: string;
  classNames: string[];
  impulse: ImpulsePublic;
  block: LearningBlockPublic;
}

function TestResults({ results, testedAt, classNames, impulse, block }: TestResultsProps) {
  const rows = sampleResults(results);
  const [filter, setFilter] = useState<ResultFilter>('all');
  const [label, setLabel] = useState<string | null>(null);
  const [openId, setOpenId] = useState<number | null>(null);
  const shown = filterResults(rows, filter, label);
  const labels = [...new Set(rows.map((row) => row.label))].sort();
  const sampleAccuracy =
    typeof results.int8_sample_accuracy === 'number' ? results.int8_sample_accuracy : null;
  const withUncertain =
    typeof results.int8_accuracy_with_uncertain === 'number'
      ? results.int8_accuracy_with_uncertain
      : null;
  return (
    <>
      <dl className="stats">
        <div>
          <dt>Samples right (int8)</dt>
          <dd data-testid="test-sample-accuracy">{formatPercent(sampleAccuracy)}</dd>
        </div>
        <div>
          <dt>Windows right, uncertain counted wrong</dt>
          <dd>{formatPercent(withUncertain)}</dd>
        </div>
        <div>
          <dt>Uncertain windows</dt>
          <dd>{String(results.uncertain_windows ?? '—')}</dd>
        </div>
        <div>
          <dt>Threshold</dt>
          <dd>{String(results.uncertain_below ?? '—')}</dd>
        </div>
      </dl>
      <p className="muted">Tested {formatDateTime(testedAt)}.</p>
      <MetricsComparison metrics={results} classNames={classNames} split="test" />
      <h3>Per sample</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="result-filter">Show</label>
          <select
            id="result-filter"
            value={filter}
            onChange={(event) => setFilter(event.target.value as ResultFilter)}
          >
            <option value="all">All samples</option>
            <option value="wrong">Wrong answers</option>
            <option value="uncertain">Uncertain answers</option>
          </select>
        </div>
        <LabelFilter id="result-label" labels={labels} value={label} onChange={setLabel} />
      </div>
      <div className="table-scroll">
        <table className="data-table test-results-table">
          <thead>
            <tr>
              <th scope="col">Sample</th>
              <th scope="col">Label</th>
              <th scope="col">float32</th>
              <th scope="col">int8</th>
              <th scope="col">int8 windows</th>
              <th scope="col" className="num">
                Confidence
              </th>
              <th scope="col">
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <Fragment key={row.sample_id}>
                <ResultRow
                  row={row}
                  projectId={impulse.project_id}
                  open={openId === row.sample_id}
                  onToggle={() => setOpenId(openId === row.sample_id ? null : row.sample_id)}
                />
                {openId === row.sample_id && (
                  <tr className="drill-down">
                    <td colSpan={7}>
                      <SampleDrillDown
                        impulse={impulse}
                        block={block}
                        sampleId={row.sample_id}
                        threshold={Number(results.uncertain_below ?? 0.6)}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="muted">No sample matches.</p>}
    </>
  );
}

interface AnomalyResultsProps {
  results: Record<string, unknown>;
  testedAt: string;
  projectId: number;
}

/** K-means anomaly scores: a sample is anomalous when one of its windows scores above the
 * threshold set at training. Labels are shown to compare, not scored: anomalies have none. */
function AnomalyResults({ results, testedAt, projectId }: AnomalyResultsProps) {
  const rows = anomalySampleResults(results);
  const [filter, setFilter] = useState<AnomalyFilter>('all');
  const [label, setLabel] = useState<string | null>(null);
  const shown = filterAnomalyResults(rows, filter, label);
  const labels = [...new Set(rows.map((row) => row.label))].sort();
  const number = (value: unknown) => (typeof value === 'number' ? value : null);
  const threshold = number(results.threshold);
  const windows = number(results.windows);
  const anomalous = number(results.anomalous_windows);
  return (
    <>
      <dl className="stats">
        <div>
          <dt>Anomalous samples</dt>
          <dd data-testid="anomalous-samples">
            {rows.filter((row) => row.anomaly).length} of {rows.length}
          </dd>
        </div>
        <div>
          <dt>Anomalous windows</dt>
          <dd>
            {anomalous ?? '—'} of {windows ?? '—'}
          </dd>
        </div>
        <div>
          <dt>Score threshold</dt>
          <dd>{threshold === null ? '—' : threshold.toFixed(3)}</dd>
        </div>
      </dl>
      <p className="muted">
        Tested {formatDateTime(testedAt)}. A window&apos;s score is its distance to the nearest
        cluster over that cluster&apos;s radius; a sample is anomalous when a window scores above
        the threshold.
      </p>
      <h3>Per sample</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="anomaly-filter">Show</label>
          <select
            id="anomaly-filter"
            value={filter}
            onChange={(event) => setFilter(event.target.value as AnomalyFilter)}
          >
            <option value="all">All samples</option>
            <option value="anomalies">Anomalies</option>
            <option value="normal">Normal samples</option>
          </select>
        </div>
        <LabelFilter id="anomaly-label" labels={labels} value={label} onChange={setLabel} />
      </div>
      <div className="table-scroll">
        <table className="data-table anomaly-results-table">
          <thead>
            <tr>
              <th scope="col">Sample</th>
              <th scope="col">Label</th>
              <th scope="col" className="num">
                Highest window score
              </th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={row.sample_id} className={row.anomaly ? 'result-wrong' : undefined}>
                <td className="clip">
                  <Link to={`/projects/${projectId}/data/${row.sample_id}`}>{row.filename}</Link>
                </td>
                <td>
                  <span className="tag">{row.label}</span>
                </td>
                <td className="num">{row.max_score === null ? '—' : row.max_score.toFixed(3)}</td>
                <td>{row.anomaly ? 'anomaly' : 'normal'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="muted">No sample matches.</p>}
    </>
  );
}

interface ResultRowProps {
  row: SampleTestResult;
  projectId: number;
  open: boolean;
  onToggle: () => void;
}

function ResultRow({ row, projectId, open, onToggle }: ResultRowProps) {
  return (
    <tr className={row.correct ? 'result-right' : 'result-wrong'}>
      <td className="clip">
        <Link to={`/projects/${projectId}/data/${row.sample_id}`}>{row.filename}</Link>
      </td>
      <td>
        <span className="tag">{row.label}</span>
      </td>
      <td>{row.float32}</td>
      <td>
        {row.int8} <span className="visually-hidden">{row.correct ? '(right)' : '(wrong)'}</span>
        <span aria-hidden="true">{row.correct ? ' ✓' : ' ✗'}</span>
      </td>
      <td>{formatVotes(row.int8_votes)}</td>
      <td className="num">{formatPercent(row.int8_mean_confidence)}</td>
      <td className="actions">
        <button
          type="button"
          className="small"
          aria-expanded={open}
          aria-label={`Windows of ${row.filename}`}
          onClick={onToggle}
        >
          {open ? 'Hide' : 'Windows'}
        </button>
      </td>
    </tr>
  );
}

interface SampleDrillDownProps {
  impulse: ImpulsePublic;
  block: LearningBlockPublic;
  sampleId: number;
  threshold: number;
}

/** The sample classified window by window (the same route live classification uses). */
function SampleDrillDown({ impulse, block, sampleId, threshold }: SampleDrillDownProps) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id };
  const classify = useQuery({
    queryKey: ['classify', path, sampleId, threshold],
    // A POST that changes nothing, so it is cached like a read while the row stays open.
    queryFn: async () =>
      (
        await trainingClassifySample({
          path,
          body: { sample_id: sampleId, uncertain_below: threshold },
          throwOnError: true,
        })
      ).data,
  });
  if (classify.isPending) return <p className="muted">Classifying window by window…</p>;
  if (classify.isError) return <ErrorText error={classify.error} />;
  return <WindowClassification result={classify.data} />;
}
