// Said by the pages after Impulse design while the project has no impulse (or is loading it).
import { Link } from 'react-router';

import { ErrorText } from './ErrorText';

interface ImpulseRequiredProps {
  projectId: number;
  isPending: boolean;
  error: unknown;
}

export function ImpulseRequired({ projectId, isPending, error }: ImpulseRequiredProps) {
  if (isPending) return <p className="muted">Loading the impulse…</p>;
  if (error) return <ErrorText error={error} />;
  return (
    <p className="muted">
      No impulse yet. <Link to={`/projects/${projectId}/impulse`}>Create one</Link> first.
    </p>
  );
}
