// The frame of every page: a left navigation (projects, then the open project's pages) and the page.
import { useQuery } from '@tanstack/react-query';
import { NavLink, Outlet, useParams } from 'react-router';

import { projectsReadProjectOptions } from '../client/@tanstack/react-query.gen';
import { parseProjectId } from '../lib/projectId';
import { AccountMenu } from './AccountMenu';
import { ImpulseNavigation } from './ImpulseNavigation';
import { JobsIndicator } from './JobsIndicator';

export function AppLayout() {
  const projectId = parseProjectId(useParams().projectId);
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <NavLink to="/projects" className="brand">
          mcuforge
        </NavLink>
        <ul>
          <li>
            <NavLink to="/projects" end>
              Projects
            </NavLink>
          </li>
          <li>
            <NavLink to="/public">Public projects</NavLink>
          </li>
        </ul>
        {projectId !== null && <ProjectNavigation projectId={projectId} />}
        <AccountMenu />
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

function ProjectNavigation({ projectId }: { projectId: number }) {
  const project = useQuery(projectsReadProjectOptions({ path: { project_id: projectId } }));
  // No links into a project that does not exist; the page itself says why.
  if (project.isError) return null;
  return (
    <section className="project-nav" aria-label="Project">
      <p className="project-nav-name" title={project.data?.name}>
        {project.data?.name ?? 'Loading…'}
      </p>
      <ul>
        <li>
          <NavLink to={`/projects/${projectId}`} end>
            Dashboard
          </NavLink>
        </li>
        <li>
          <NavLink to={`/projects/${projectId}/data`}>Data acquisition</NavLink>
        </li>
        <li>
          <ImpulseNavigation projectId={projectId} />
        </li>
        <li>
          <NavLink to={`/projects/${projectId}/training`}>Training</NavLink>
        </li>
        <li>
          <NavLink to={`/projects/${projectId}/testing`}>Model testing</NavLink>
        </li>
        <li>
          <NavLink to={`/projects/${projectId}/live`}>Live classification</NavLink>
        </li>
        <li>
          <NavLink to={`/projects/${projectId}/deployment`}>Deployment</NavLink>
        </li>
      </ul>
      <JobsIndicator projectId={projectId} />
    </section>
  );
}
