// "Label: All labels / <each label>", the filter above the dataset and the test results tables.

interface LabelFilterProps {
  id: string;
  labels: ReadonlyArray<string>;
  /** The chosen label; null for all labels. */
  value: string | null;
  onChange: (label: string | null) => void;
  className?: string;
}

export function LabelFilter({
  id,
  labels,
  value,
  onChange,
  className = 'field',
}: LabelFilterProps) {
  return (
    <div className={className}>
      <label htmlFor={id}>Label</label>
      <select
        id={id}
        value={value ?? ''}
        onChange={(event) => onChange(event.target.value || null)}
      >
        <option value="">All labels</option>
        {labels.map((label) => (
          <option key={label} value={label}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}
