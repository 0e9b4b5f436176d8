// The preset networks for the block's input shape, each with its description: load one into the
// layer editor (asking first when that replaces layers the user made). Saving stays with the
// editor's "Save network".
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { trainingReadLearningPresetsOptions } from '../client/@tanstack/react-query.gen';
import type { Layer } from '../lib/layerList';
import {
  initialPresetChoice,
  matchingPreset,
  presetFitSummary,
  presetLayers,
  replacingLosesEdits,
} from '../lib/presets';
import { ConfirmButton } from './ConfirmButton';
import { ErrorText } from './ErrorText';

interface PresetPickerProps {
  /** Features of one window as the block receives them; null while unknown. */
  inputShape: number[] | null;
  /** The editor's layers (saved or not). */
  layers: Layer[];
  onLoad: (layers: Layer[]) => void;
  readOnly: boolean;
}

export function PresetPicker({ inputShape, layers, onLoad, readOnly }: PresetPickerProps) {
  const presets = useQuery({
    ...trainingReadLearningPresetsOptions({ query: { input_shape: (inputShape ?? []).join(',') } }),
    enabled: inputShape !== null,
  });
  const [choice, setChoice] = useState<string | null>(null);
  if (inputShape === null) {
    return (
      <p className="muted">
        Preset networks are listed once the input shape is known: generate features first.
      </p>
    );
  }
  if (presets.isPending) return <p className="muted">Loading the preset networks…</p>;
  if (presets.isError) return <ErrorText error={presets.error} />;

  const list = presets.data.data;
  const chosenName = choice ?? initialPresetChoice(layers, list);
  const chosen = list.find((preset) => preset.name === chosenName);
  const current = matchingPreset(layers, list);
  const shape = inputShape.join(' × ');
  const load = () => {
    if (chosen) onLoad(presetLayers(chosen));
  };

  return (
    <fieldset className="settings-group preset-picker">
      <legend>Preset networks for features {shape}</legend>
      <p className="hint" data-testid="current-preset">
        {current
          ? `The layers below are preset ${current}.`
          : layers.length > 0
            ? 'The layers below are your own (no preset as it is).'
            : 'No layers yet.'}
      </p>
      {presetFitSummary(list, current, shape) && (
        <p className="hint" data-testid="preset-fit" role="status">
          {presetFitSummary(list, current, shape)}
        </p>
      )}
      <div className="preset-options" role="radiogroup" aria-label="Preset network">
        {list.map((preset) => {
          const id = `preset-${preset.name}`;
          const fits = preset.layers != null;
          return (
            <div className="preset-option" key={preset.name}>
              <div className="field-check">
                <input
                  id={id}
                  type="radio"
                  name="network-preset"
                  value={preset.name}
                  checked={preset.name === chosenName}
                  disabled={readOnly || !fits}
                  aria-describedby={`${id}-hint`}
                  onChange={() => setChoice(preset.name)}
                />
                <label htmlFor={id}>
                  <code>{preset.name}</code>
                  {preset.layers && <span className="muted"> · {preset.layers.length} layers</span>}
                </label>
              </div>
              <p className="hint" id={`${id}-hint`}>
                {preset.description}
                {!fits && (
                  <>
                    {' '}
                    <strong>Does not apply:</strong> it{' '}
                    {(preset.error ?? 'does not take these features').replace(/\.$/, '')}.
                  </>
                )}
              </p>
            </div>
          );
        })}
      </div>
      {!readOnly && (
        <div className="button-row">
          {chosen?.layers && replacingLosesEdits(layers, list) ? (
            <ConfirmButton
              label="Load preset"
              question={`Replace your ${layers.length} layers with preset ${chosen.name}?`}
              confirmLabel="Replace layers"
              onConfirm={load}
            />
          ) : (
            <button
              type="button"
              disabled={!chosen?.layers || chosen.name === current}
              onClick={load}
            >
              Load preset
            </button>
          )}
          <span className="hint">Loading fills the editor; save the network to keep it.</span>
        </div>
      )}
    </fieldset>
  );
}
