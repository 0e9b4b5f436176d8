// The visual network editor: the hidden layers as a list to add to, reorder, edit and remove.
import { useMemo, useState } from 'react';

import { API_SCHEMAS } from '../lib/apiSchemas';
import {
  addLayer,
  describeLayer,
  layerForms,
  layerFromValues,
  layerValues,
  moveLayer,
  newLayer,
  removeLayer,
  replaceLayer,
  type Layer,
  type LayerForm,
} from '../lib/layerList';
import type { FormValues } from '../lib/schemaFields';
import { ParameterFields } from './ParameterForm';

interface LayerEditorProps {
  layers: Layer[];
  onChange: (layers: Layer[]) => void;
  readOnly: boolean;
}

export function LayerEditor({ layers, onChange, readOnly }: LayerEditorProps) {
  const forms = useMemo(() => layerForms(API_SCHEMAS), []);
  const [editing, setEditing] = useState<number | null>(null);
  const [newType, setNewType] = useState('dense');

  const add = () => {
    const form = forms.find((f) => f.type === newType);
    if (!form) return;
    onChange(addLayer(layers, newLayer(form)));
    setEditing(layers.length);
  };

  return (
    <div className="layer-editor">
      <p className="muted">
        Input: the DSP block&apos;s features. Output: a dense softmax layer with one unit per label,
        added after these layers.
      </p>
      {layers.length === 0 && (
        <p className="muted">No hidden layers: input goes straight to the output.</p>
      )}
      <ol className="layer-list" aria-label="Network layers">
        {layers.map((layer, index) => {
          const form = forms.find((f) => f.type === layer.type);
          const position = `layer ${index + 1}`;
          return (
            <li key={index} className="layer-item">
              <div className="layer-row">
                <span className="layer-text">{describeLayer(layer, forms)}</span>
                {!readOnly && (
                  <span className="button-row">
                    <button
                      type="button"
                      className="small"
                      aria-label={`Edit ${position}`}
                      aria-expanded={editing === index}
                      disabled={!form}
                      onClick={() => setEditing(editing === index ? null : index)}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="small"
                      aria-label={`Move ${position} up`}
                      disabled={index === 0}
                      onClick={() => onChange(moveLayer(layers, index, -1))}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      className="small"
                      aria-label={`Move ${position} down`}
                      disabled={index === layers.length - 1}
                      onClick={() => onChange(moveLayer(layers, index, 1))}
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      className="small danger-quiet"
                      aria-label={`Remove ${position}`}
                      onClick={() => {
                        setEditing(null);
                        onChange(removeLayer(layers, index));
                      }}
                    >
                      Remove
                    </button>
                  </span>
                )}
              </div>
              {editing === index && form && (
                <LayerForm
                  form={form}
                  layer={layer}
                  idPrefix={`layer-${index + 1}`}
                  onApply={(changed) => {
                    onChange(replaceLayer(layers, index, changed));
                    setEditing(null);
                  }}
                  onCancel={() => setEditing(null)}
                />
              )}
            </li>
          );
        })}
      </ol>
      {!readOnly && (
        <div className="form-grid">
          <div className="field">
            <label htmlFor="new-layer-type">Layer type</label>
            <select
              id="new-layer-type"
              value={newType}
              onChange={(e) => setNewType(e.target.value)}
            >
              {forms.map((form) => (
                <option key={form.type} value={form.type}>
                  {form.title}
                </option>
              ))}
            </select>
          </div>
          <div className="field field-action">
            <button type="button" onClick={add}>
              Add layer
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

interface LayerFormProps {
  form: LayerForm;
  layer: Layer;
  idPrefix: string;
  onApply: (layer: Layer) => void;
  onCancel: () => void;
}

function LayerForm({ form, layer, idPrefix, onApply, onCancel }: LayerFormProps) {
  const [values, setValues] = useState<FormValues>(() => layerValues(form, layer));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const apply = () => {
    const result = layerFromValues(form, values);
    setErrors(result.errors);
    if (result.layer) onApply(result.layer);
  };
  return (
    <div className="layer-form">
      {form.fields.length === 0 ? (
        <p className="muted">This layer has no parameters.</p>
      ) : (
        <ParameterFields
          fields={form.fields}
          values={values}
          errors={errors}
          idPrefix={idPrefix}
          onChange={(name, value) => setValues({ ...values, [name]: value })}
        />
      )}
      <div className="button-row">
        <button type="button" className="primary small" onClick={apply}>
          Apply
        </button>
        <button type="button" className="small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
