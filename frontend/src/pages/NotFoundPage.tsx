// Shown for URLs that name no page.
import { Link } from 'react-router';

import { useDocumentTitle } from '../lib/useDocumentTitle';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link to="/projects">Go to your projects.</Link>
      </p>
    </section>
  );
}
