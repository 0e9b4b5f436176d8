// A DSP block's parameter inputs, generated from its JSON schema, with a message beside each field.
import type { FormField, FormValues } from '../lib/schemaFields';
import { rangeText } from '../lib/schemaFields';
import { ErrorText } from './ErrorText';

interface ParameterFormProps {
  fields: ReadonlyArray<FormField>;
  values: FormValues;
  errors: Record<string, string | undefined>;
  onChange: (name: string, value: string | boolean) => void;
  idPrefix: string;
}

export function ParameterFields({
  fields,
  values,
  errors,
  onChange,
  idPrefix,
}: ParameterFormProps) {
  return (
    <div className="form-grid parameter-grid">
      {fields.map((field) => {
        // Nested settings are named "group.field"; a dot in an id would need escaping in selectors.
        const id = `${idPrefix}-${field.name.replace(/\./g, '-')}`;
        const message = errors[field.name];
        const described = `${id}-hint ${id}-error`;
        if (field.kind === 'boolean') {
          return (
            <div className="field" key={field.name}>
              <div className="field-check">
                <input
                  id={id}
                  type="checkbox"
                  checked={values[field.name] === true}
                  onChange={(event) => onChange(field.name, event.target.checked)}
                  aria-describedby={described}
                />
                <label htmlFor={id}>{field.label}</label>
              </div>
              <p className="hint" id={`${id}-hint`}>
                {field.description}
              </p>
              <ErrorText error={message} id={`${id}-error`} />
            </div>
          );
        }
        const value = typeof values[field.name] === 'string' ? (values[field.name] as string) : '';
        return (
          <div className="field" key={field.name}>
            <label htmlFor={id}>
              {field.label}
              {field.unit && <span className="muted"> ({field.unit})</span>}
            </label>
            {field.kind === 'enum' ? (
              <select
                id={id}
                value={value}
                onChange={(event) => onChange(field.name, event.target.value)}
                aria-invalid={message ? true : undefined}
                aria-describedby={described}
              >
                {field.optional && <option value="">Automatic</option>}
                {field.options.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                type={field.kind === 'number' ? 'number' : 'text'}
                value={value}
                placeholder={field.optional ? 'Automatic' : undefined}
                {...(field.kind === 'number'
                  ? {
                      min: field.min ?? undefined,
                      max: field.max ?? undefined,
                      step: field.integer ? 1 : 'any',
                      inputMode: field.integer ? ('numeric' as const) : ('decimal' as const),
                    }
                  : {})}
                onChange={(event) => onChange(field.name, event.target.value)}
                aria-invalid={message ? true : undefined}
                aria-describedby={described}
              />
            )}
            <p className="hint" id={`${id}-hint`}>
              {field.description}
              {field.kind === 'number' &&
                ` (${rangeText(field)}${field.optional ? '; empty: automatic' : ''})`}
            </p>
            <ErrorText error={message} id={`${id}-error`} />
          </div>
        );
      })}
    </div>
  );
}
