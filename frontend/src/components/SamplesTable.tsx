// The dataset table: filter by label and category, page through, relabel, move and delete samples.
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';

import {
  samplesDeleteSampleMutation,
  samplesReadSamplesOptions,
  samplesReadSamplesSummaryOptions,
  samplesUpdateSampleMutation,
} from '../client/@tanstack/react-query.gen';
import type { SamplePublic } from '../client/types.gen';
import { apiErrorMessage } from '../lib/apiError';
import { formatAxes, formatDateTime, formatDuration, formatSampleRate } from '../lib/format';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import {
  clampPage,
  pageCount,
  pageRangeText,
  PAGE_SIZES,
  parseSampleFilters,
  sampleFiltersToParams,
  sampleListQuery,
  withFilter,
  type CategoryFilter,
  type SampleFilters,
} from '../lib/sampleFilters';
import { ConfirmButton } from './ConfirmButton';
import { ErrorText } from './ErrorText';
import { LabelFilter } from './LabelFilter';

export function SamplesTable({ projectId }: { projectId: number }) {
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = parseSampleFilters(searchParams);
  const path = { project_id: projectId };
  const samples = useQuery({
    ...samplesReadSamplesOptions({ path, query: sampleListQuery(filters) }),
    // Keep the current page on screen while the next one loads, so the table does not jump.
    placeholderData: keepPreviousData,
  });
  const summary = useQuery(samplesReadSamplesSummaryOptions({ path }));

  const setFilters = (next: SampleFilters) => setSearchParams(sampleFiltersToParams(next));

  const count = samples.data?.count;
  useEffect(() => {
    // After deletions the page shown may no longer exist: go to the last one that does.
    if (count === undefined || samples.isPlaceholderData) return;
    const clamped = clampPage(filters, count);
    if (clamped.page !== filters.page)
      setSearchParams(sampleFiltersToParams(clamped), { replace: true });
  });

  const labels = summary.data?.labels.map((entry) => entry.label) ?? [];
  if (filters.label !== null && !labels.includes(filters.label)) labels.push(filters.label);
  const pages = pageCount(count ?? 0, filters.pageSize);

  return (
    <section className="panel" aria-labelledby="dataset-heading">
      <div className="panel-header">
        <h2 id="dataset-heading">Dataset</h2>
        <div className="filters" role="group" aria-label="Filters">
          <LabelFilter
            id="filter-label"
            className="field inline"
            labels={labels}
            value={filters.label ?? null}
            onChange={(label) => setFilters(withFilter(filters, { label }))}
          />
          <div className="field inline">
            <label htmlFor="filter-category">Category</label>
            <select
              id="filter-category"
              value={filters.category ?? ''}
              onChange={(event) =>
                setFilters(
                  withFilter(filters, {
                    category: (event.target.value || null) as CategoryFilter | null,
                  }),
                )
              }
            >
              <option value="">Training and testing</option>
              <option value="training">Training</option>
              <option value="testing">Testing</option>
            </select>
          </div>
        </div>
      </div>

      <ErrorText error={samples.error} />
      {samples.isPending && <p className="muted">Loading samples…</p>}
      {samples.data && samples.data.count === 0 && (
        <p className="muted">
          {filters.label !== null || filters.category !== null
            ? 'No sample matches these filters.'
            : 'No samples yet. Upload files above.'}
        </p>
      )}
      {samples.data && samples.data.data.length > 0 && (
        <div className="table-scroll">
          <table
            className="data-table"
            aria-describedby="dataset-range"
            // Busy while another page or filter loads: the rows shown are the previous ones.
            aria-busy={samples.isPlaceholderData}
          >
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Label</th>
                <th scope="col">Category</th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col" className="num">
                  Sample rate
                </th>
                <th scope="col">Axes</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {samples.data.data.map((sample) => (
                <SampleRow key={sample.id} sample={sample} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      <nav className="pagination" aria-label="Pages of samples">
        <span id="dataset-range" className="muted">
          {pageRangeText(filters, count ?? 0)}
        </span>
        <button
          type="button"
          disabled={filters.page === 0}
          onClick={() => setFilters({ ...filters, page: filters.page - 1 })}
        >
          Previous
        </button>
        <span>
          Page {Math.min(filters.page + 1, pages)} of {pages}
        </span>
        <button
          type="button"
          disabled={filters.page + 1 >= pages}
          onClick={() => setFilters({ ...filters, page: filters.page + 1 })}
        >
          Next
        </button>
        <div className="field inline">
          <label htmlFor="page-size">Per page</label>
          <select
            id="page-size"
            value={filters.pageSize}
            onChange={(event) =>
              setFilters(withFilter(filters, { pageSize: Number(event.target.value) }))
            }
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </div>
      </nav>
    </section>
  );
}

function SampleRow({ sample }: { sample: SamplePublic }) {
  // Viewers see the dataset as it is: no relabel, move or delete that would be refused (403).
  const { canWrite } = useProjectPermissions(sample.project_id);
  const path = { project_id: sample.project_id, sample_id: sample.id };
  const update = useMutation(samplesUpdateSampleMutation());
  // The category chosen shows at once; the list's refetch confirms it, an error reverts it.
  const pendingCategory = update.isPending ? update.variables?.body.category : undefined;
  const remove = useMutation(samplesDeleteSampleMutation());
  const [editingLabel, setEditingLabel] = useState(false);
  const editButtonRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    // Back on the "Edit" button once the editor closes, so keyboard users keep their place.
    if (!editingLabel && wasEditing.current) editButtonRef.current?.focus();
    wasEditing.current = editingLabel;
  }, [editingLabel]);

  return (
    <tr>
      <td className="clip file-cell" title={sample.filename}>
        <Link to={`/projects/${sample.project_id}/data/${sample.id}`}>{sample.filename}</Link>
      </td>
      <td>
        {editingLabel ? (
          <LabelEditor
            sample={sample}
            saving={update.isPending}
            error={update.error}
            onCancel={() => {
              setEditingLabel(false);
              update.reset();
            }}
            onSave={(label) =>
              update.mutate({ path, body: { label } }, { onSuccess: () => setEditingLabel(false) })
            }
          />
        ) : (
          <span className="label-cell">
            <span className="tag">{sample.label}</span>
            {canWrite && (
              <button
                type="button"
                className="link-button"
                ref={editButtonRef}
                aria-label={`Relabel ${sample.filename}`}
                onClick={() => {
                  update.reset();
                  setEditingLabel(true);
                }}
              >
                Edit
              </button>
            )}
          </span>
        )}
      </td>
      <td>
        {canWrite ? (
          <select
            aria-label={`Category of ${sample.filename}`}
            value={pendingCategory ?? sample.category}
            disabled={update.isPending}
            onChange={(event) =>
              update.mutate({ path, body: { category: event.target.value as CategoryFilter } })
            }
          >
            <option value="training">Training</option>
            <option value="testing">Testing</option>
          </select>
        ) : sample.category === 'training' ? (
          'Training'
        ) : (
          'Testing'
        )}
        {!editingLabel && update.error != null && (
          <p className="error-text" role="alert">
            {apiErrorMessage(update.error)}
          </p>
        )}
      </td>
      <td className="num nowrap">{formatDuration(sample.duration_ms)}</td>
      <td className="num nowrap">{formatSampleRate(sample.sample_rate_hz)}</td>
      <td className="clip axes-cell" title={formatAxes(sample.axes)}>
        {formatAxes(sample.axes)}
      </td>
      <td className="nowrap">{formatDateTime(sample.created_at)}</td>
      <td className="actions">
        {canWrite && (
          <ConfirmButton
            label="Delete"
            ariaLabel={`Delete ${sample.filename}`}
            question={`Delete ${sample.filename}?`}
            confirmLabel="Confirm delete"
            compact
            busy={remove.isPending}
            onConfirm={() => remove.mutate({ path })}
          />
        )}
        {remove.error != null && (
          <p className="error-text" role="alert">
            {apiErrorMessage(remove.error)}
          </p>
        )}
      </td>
    </tr>
  );
}

function LabelEditor({
  sample,
  saving,
  error,
  onSave,
  onCancel,
}: {
  sample: SamplePublic;
  saving: boolean;
  error: unknown;
  onSave: (label: string) => void;
  onCancel: () => void;
}) {
  const [label, setLabel] = useState(sample.label);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    inputRef.current?.select();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (label === sample.label) onCancel();
    else onSave(label);
  };

  const errorId = `label-error-${sample.id}`;
  return (
    <form className="label-editor" onSubmit={submit}>
      <input
        ref={inputRef}
        aria-label={`New label of ${sample.filename}`}
        value={label}
        maxLength={100}
        // Read-only rather than disabled while saving: a disabled input would lose the focus.
        readOnly={saving}
        onChange={(event) => setLabel(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') onCancel();
        }}
        aria-invalid={error != null ? true : undefined}
        aria-describedby={error != null ? errorId : undefined}
      />
      <button type="submit" className="primary small" disabled={saving}>
        Save
      </button>
      <button type="button" className="small" onClick={onCancel}>
        Cancel
      </button>
      <ErrorText error={error} id={errorId} />
    </form>
  );
}
