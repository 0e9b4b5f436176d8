// The K-means settings of an anomaly block (generated from the AnomalySettings schema), saved
// with the impulse like the network of a classifier.
import { useMutation } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';

import { impulsesReplaceImpulseMutation } from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { anomalyErrors, anomalyForm, anomalyParams, anomalyValues } from '../lib/anomalySettings';
import { API_SCHEMAS } from '../lib/apiSchemas';
import { impulseWithLearningBlocks, replaceLearningBlock } from '../lib/learningBlocks';
import type { FormValues } from '../lib/schemaFields';
import { ErrorText } from './ErrorText';
import { ParameterFields } from './ParameterForm';
import { ReadOnlyNote } from './ReadOnlyNote';

interface AnomalyPanelProps {
  impulse: ImpulsePublic;
  block: LearningBlockPublic;
  canWrite: boolean;
}

export function AnomalyPanel({ impulse, block, canWrite }: AnomalyPanelProps) {
  const form = useMemo(() => anomalyForm(API_SCHEMAS.AnomalySettings), []);
  // Keyed by content: a refetch of the same impulse must not reset what the user is typing.
  const storedJson = JSON.stringify(block.anomaly ?? null);
  const stored = useMemo(
    () => anomalyValues(form, JSON.parse(storedJson) as Record<string, unknown> | null),
    [form, storedJson],
  );
  const [values, setValues] = useState<FormValues>(stored);
  // Saved settings come back as the server stores them: start again from those.
  useEffect(() => setValues(stored), [stored]);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const replace = useMutation(impulsesReplaceImpulseMutation());
  const index = impulse.learning_blocks.findIndex((candidate) => candidate.id === block.id);
  const server = anomalyErrors(replace.error, index, form);
  const errors = { ...server.byField, ...localErrors };
  const changed = JSON.stringify(values) !== JSON.stringify(stored);
  // A 422 is sorted onto the fields; any other refusal (a 4xx sentence) goes beside the button.
  const unsorted =
    replace.error != null && !Array.isArray((replace.error as { detail?: unknown }).detail)
      ? replace.error
      : null;

  const save = () => {
    const { params, errors: found } = anomalyParams(form, values);
    setLocalErrors(found);
    if (params === null) return;
    replace.mutate({
      path: { project_id: impulse.project_id, impulse_id: impulse.id },
      body: impulseWithLearningBlocks(
        impulse,
        replaceLearningBlock(impulse.learning_blocks, {
          ...block,
          anomaly: params as LearningBlockPublic['anomaly'],
        }),
      ),
    });
  };

  return (
    <section className="panel" aria-labelledby="anomaly-heading">
      <h2 id="anomaly-heading">Anomaly detection (K-means)</h2>
      <p className="hint">
        K-means groups the training windows of every label into clusters of normal data. A window
        scores its distance to the nearest cluster centre divided by that cluster&apos;s radius; it
        is an anomaly when its score is above the threshold, the score that the chosen share of
        training windows stays under.
      </p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <ParameterFields
          fields={form.fields}
          values={values}
          errors={errors}
          idPrefix="anomaly"
          onChange={(name, value) => setValues({ ...values, [name]: value })}
        />
        {canWrite ? (
          <div className="button-row">
            <button type="submit" className="primary" disabled={!changed || replace.isPending}>
              {replace.isPending ? 'Saving…' : 'Save K-means settings'}
            </button>
            <button
              type="button"
              disabled={!changed || replace.isPending}
              onClick={() => {
                setValues(stored);
                setLocalErrors({});
                replace.reset();
              }}
            >
              Discard changes
            </button>
            {replace.isSuccess && !changed && (
              <span className="ok-text" role="status">
                K-means settings saved.
              </span>
            )}
          </div>
        ) : (
          <ReadOnlyNote />
        )}
        {server.other.map((message) => (
          <ErrorText key={message} error={message} />
        ))}
        <ErrorText error={unsorted} />
      </form>
    </section>
  );
}
