// The latest trained model of a block: validation metrics float32 vs int8, sizes, MACs, TFLM
// arena, the per-epoch curves of its training and its downloads (for K-means anomaly detection:
// its score threshold and training scores); a warning first when it is out of date.
import { useQuery } from '@tanstack/react-query';

import { trainingReadTrainedModelOptions } from '../client/@tanstack/react-query.gen';
import { client } from '../client/client.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { parseDetectionResults } from '../lib/detection';
import { capitalized, formatBytes, formatDateTime, modelName } from '../lib/format';
import { isNotTrained } from '../lib/modelMetrics';
import { curvesFromHistory } from '../lib/trainingCurves';
import { DetectionMetricsTable } from './DetectionTestResults';
import { ErrorText } from './ErrorText';
import { MetricsComparison } from './MetricsComparison';
import { ModelWarning } from './ModelWarning';
import { TrainingCurves } from './TrainingCurves';

export function TrainedModelPanel({
  impulse,
  block,
}: {
  impulse: ImpulsePublic;
  block: LearningBlockPublic;
}) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id };
  const model = useQuery(trainingReadTrainedModelOptions({ path }));
  const notTrained = model.isError && isNotTrained(model.error);
  return (
    <section className="panel" aria-labelledby="model-heading">
      <h2 id="model-heading">Model</h2>
      {model.isPending && <p className="muted">Loading the model…</p>}
      {notTrained ? <p className="muted">Not trained yet.</p> : <ErrorText error={model.error} />}
      {model.data && (
        <>
          <p className="muted" data-testid="model-summary">
            {capitalized(modelName(model.data))} ({model.data.task}), trained{' '}
            {formatDateTime(model.data.created_at)} in {model.data.training_seconds.toFixed(1)} s on{' '}
            {model.data.input_shape.join(' × ')} features
            {model.data.class_names.length > 0 && `; classes ${model.data.class_names.join(', ')}`}.
          </p>
          <ModelWarning model={model.data} />
          {model.data.task === 'anomaly' ? (
            <AnomalyFigures metrics={model.data.metrics} />
          ) : model.data.task === 'object_detection' ? (
            <>
              <p className="muted">On the validation images:</p>
              <div className="form-grid">
                <DetectionMetricsTable
                  title="int8"
                  metrics={parseDetectionResults(model.data.metrics).int8}
                />
                <DetectionMetricsTable
                  title="float32"
                  metrics={parseDetectionResults(model.data.metrics).float32}
                />
              </div>
              <h3>Training curves</h3>
              <TrainingCurves curves={curvesFromHistory(model.data.history)} />
            </>
          ) : (
            <>
              <MetricsComparison
                metrics={model.data.metrics}
                classNames={model.data.class_names}
                sizes={model.data.sizes}
                split="validation"
              />
              <h3>Training curves</h3>
              <TrainingCurves curves={curvesFromHistory(model.data.history)} />
            </>
          )}
          {(model.data.artifacts ?? []).length > 0 && (
            <>
              <h3>Downloads</h3>
              <ul className="artifact-list">
                {(model.data.artifacts ?? []).map((artifact) => (
                  <li key={artifact.id}>
                    <a
                      href={client.buildUrl({
                        url: '/api/projects/{project_id}/artifacts/{artifact_id}/download',
                        path: { project_id: impulse.project_id, artifact_id: artifact.id },
                      })}
                      download={artifact.file_name}
                    >
                      {artifact.file_name}
                    </a>{' '}
                    <span className="muted">
                      {artifact.kind}, {formatBytes(artifact.size_bytes)}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

/** What K-means training reports: the score threshold and how the training windows score. */
function AnomalyFigures({ metrics }: { metrics: unknown }) {
  const figures = (typeof metrics === 'object' && metrics !== null ? metrics : {}) as Record<
    string,
    unknown
  >;
  const number = (name: string, digits: number) =>
    typeof figures[name] === 'number' ? (figures[name] as number).toFixed(digits) : '—';
  return (
    <dl className="stats" data-testid="anomaly-figures">
      <div>
        <dt>Score threshold</dt>
        <dd>{number('threshold', 3)}</dd>
      </div>
      <div>
        <dt>Training windows</dt>
        <dd>{number('training_windows', 0)}</dd>
      </div>
      <div>
        <dt>Scored anomalous in training</dt>
        <dd>{number('training_anomalies', 0)}</dd>
      </div>
      <div>
        <dt>Mean training score</dt>
        <dd>{number('mean_training_score', 3)}</dd>
      </div>
    </dl>
  );
}
