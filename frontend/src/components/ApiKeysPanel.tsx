// A project's API keys (x-api-key): create with a scope (the key shown once), last use, revoke.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import {
  apiKeysCreateApiKeyMutation,
  apiKeysReadApiKeysOptions,
  apiKeysRevokeApiKeyMutation,
} from '../client/@tanstack/react-query.gen';
import type { ApiKeyPublic, ApiKeyScope } from '../client/types.gen';
import { apiErrorMessage, apiFieldErrors } from '../lib/apiError';
import { formatDateTime } from '../lib/format';
import { ConfirmButton } from './ConfirmButton';
import { ErrorText } from './ErrorText';
import { SecretOnce } from './SecretOnce';
import { TextField } from './TextField';

const SCOPES: ReadonlyArray<{ scope: ApiKeyScope; title: string }> = [
  { scope: 'ingestion', title: 'Ingestion: upload samples' },
  { scope: 'ingestion+deployment', title: 'Ingestion and deployment' },
  { scope: 'read-only', title: 'Read only' },
  { scope: 'admin', title: 'Admin: everything the owner may do' },
];

export function ApiKeysPanel({ projectId }: { projectId: number }) {
  const keys = useQuery(apiKeysReadApiKeysOptions({ path: { project_id: projectId } }));
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope>('ingestion');
  const create = useMutation({ ...apiKeysCreateApiKeyMutation(), onSuccess: () => setName('') });
  const fieldErrors = apiFieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ path: { project_id: projectId }, body: { name, scope } });
  };
  return (
    <section className="panel" aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading">API keys</h2>
      <p className="muted">
        Devices and scripts send a key as the <code>x-api-key</code> header. Keys belong to the
        project; removing a collaborator revokes the keys they created.
      </p>
      <form className="form-grid" onSubmit={submit} noValidate>
        <TextField
          id="api-key-name"
          label="Key name"
          value={name}
          onChange={setName}
          maxLength={100}
          error={fieldErrors.name ?? null}
        />
        <div className="field">
          <label htmlFor="api-key-scope">Scope</label>
          <select
            id="api-key-scope"
            value={scope}
            onChange={(event) => setScope(event.target.value as ApiKeyScope)}
          >
            {SCOPES.map((option) => (
              <option key={option.scope} value={option.scope}>
                {option.title}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-action">
          <button type="submit" className="primary" disabled={create.isPending}>
            Create API key
          </button>
        </div>
      </form>
      {create.error && !fieldErrors.name && <ErrorText error={apiErrorMessage(create.error)} />}
      {create.data && (
        <SecretOnce
          id="api-key-secret"
          label={`New API key “${create.data.name}” (${create.data.scope})`}
          secret={create.data.key}
          onDismiss={() => create.reset()}
        />
      )}
      <ErrorText error={keys.error} />
      {keys.data && keys.data.count === 0 && <p className="muted">No API keys.</p>}
      {keys.data && keys.data.count > 0 && (
        <table className="data-table compact api-keys-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">Starts with</th>
              <th scope="col">Created</th>
              <th scope="col">Created by</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.data.map((key) => (
              <ApiKeyRow key={key.id} projectId={projectId} apiKey={key} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ApiKeyRow({ projectId, apiKey }: { projectId: number; apiKey: ApiKeyPublic }) {
  const revoke = useMutation(apiKeysRevokeApiKeyMutation());
  return (
    <tr>
      <th scope="row">{apiKey.name}</th>
      <td>{apiKey.scope}</td>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td className="nowrap">{formatDateTime(apiKey.created_at)}</td>
      <td>{apiKey.created_by_username ?? '—'}</td>
      <td className="nowrap">
        {apiKey.last_used_at ? formatDateTime(apiKey.last_used_at) : 'never'}
      </td>
      <td className="actions">
        <ConfirmButton
          label="Revoke"
          ariaLabel={`Revoke API key ${apiKey.name}`}
          question={`Revoke “${apiKey.name}”? Devices using it are refused from now on.`}
          confirmLabel="Revoke key"
          compact
          busy={revoke.isPending}
          onConfirm={() =>
            revoke.mutate({ path: { project_id: projectId, api_key_id: apiKey.id } })
          }
        />
        <ErrorText error={revoke.error} />
      </td>
    </tr>
  );
}
