// "Autotune parameters": values the server suggests from the training data, beside the form's
// current ones; Apply fills the form and the user still saves.
import { useMutation } from '@tanstack/react-query';

import { impulsesAutotuneDspBlockMutation } from '../client/@tanstack/react-query.gen';
import { applySuggestion, autotuneRows } from '../lib/autotune';
import type { FormField, FormValues } from '../lib/schemaFields';
import { ErrorText } from './ErrorText';

export function AutotunePanel({
  projectId,
  impulseId,
  dspBlockId,
  fields,
  values,
  onApply,
}: {
  projectId: number;
  impulseId: number;
  dspBlockId: number;
  fields: ReadonlyArray<FormField>;
  values: FormValues;
  onApply: (values: FormValues) => void;
}) {
  const autotune = useMutation(impulsesAutotuneDspBlockMutation());
  const suggestion = autotune.data;
  const rows = suggestion
    ? autotuneRows(fields, values, suggestion.suggested, suggestion.reasons)
    : [];

  return (
    <div className="autotune">
      <button
        type="button"
        disabled={autotune.isPending}
        onClick={() =>
          autotune.mutate({
            path: { project_id: projectId, impulse_id: impulseId, dsp_block_id: dspBlockId },
          })
        }
      >
        {autotune.isPending ? 'Looking at the data…' : 'Autotune parameters'}
      </button>
      <ErrorText error={autotune.error} />
      {suggestion && (
        <>
          <p className="muted">
            Suggested from {suggestion.window_count} training window
            {suggestion.window_count === 1 ? '' : 's'}. Apply fills the form; save to keep them.
          </p>
          <table className="data-table compact" aria-label="Suggested parameters">
            <thead>
              <tr>
                <th scope="col">Parameter</th>
                <th scope="col">Current</th>
                <th scope="col">Suggested</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.name}>
                  <th scope="row">{row.label}</th>
                  <td>
                    {row.current} {row.unit}
                  </td>
                  <td className={row.changed ? 'ok-text' : undefined}>
                    {row.suggested} {row.unit}
                  </td>
                  <td>{row.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button
            type="button"
            onClick={() => onApply(applySuggestion(fields, values, suggestion.suggested))}
          >
            Apply
          </button>
        </>
      )}
    </div>
  );
}
