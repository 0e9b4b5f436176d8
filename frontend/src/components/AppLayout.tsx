// The frame of every page: a left navigation (projects, then the open project's pages, the
// account) and the page. Below the phone breakpoint (styles.css) the navigation is a top bar
// whose links fold into a menu button; the jobs indicator stays in the bar either way.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { NavLink, Outlet, useLocation, useParams } from 'react-router';

import { projectsReadProjectOptions } from '../client/@tanstack/react-query.gen';
import { parseProjectId } from '../lib/projectId';
import { AccountMenu } from './AccountMenu';
import { ImpulseNavigation } from './ImpulseNavigation';
import { JobsIndicator } from './JobsIndicator';

export function AppLayout() {
  const projectId = parseProjectId(useParams().projectId);
  const { pathname } = useLocation();
  // The menu is open on the page where it was opened: navigating anywhere closes it.
  const [menuOpenAt, setMenuOpenAt] = useState<string | null>(null);
  const menuOpen = menuOpenAt === pathname;
  const menuButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setMenuOpenAt(null);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  // A link to the page already shown does not change the path; close on any link click too.
  const closeOnLink = (event: MouseEvent<HTMLDivElement>) => {
    if ((event.target as HTMLElement).closest('a')) setMenuOpenAt(null);
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="sidebar-head">
          <NavLink to="/projects" className="brand">
            mcuforge
          </NavLink>
          {projectId !== null && <ProjectJobs projectId={projectId} />}
          <button
            ref={menuButton}
            type="button"
            className="menu-button"
            aria-expanded={menuOpen}
            aria-controls="nav-panel"
            onClick={() => setMenuOpenAt(menuOpen ? null : pathname)}
          >
            {menuOpen ? 'Close menu' : 'Menu'}
          </button>
        </div>
        {/* Link clicks (mouse or Enter) bubble up here; the panel itself is not interactive. */}
        <div
          id="nav-panel"
          className={`nav-panel${menuOpen ? ' nav-panel-open' : ''}`}
          onClick={closeOnLink}
        >
          <div className="nav-links">
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
          </div>
          <AccountMenu />
        </div>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

/** The jobs indicator of the open project; none for a project that does not exist. */
function ProjectJobs({ projectId }: { projectId: number }) {
  const project = useQuery(projectsReadProjectOptions({ path: { project_id: projectId } }));
  if (project.isError) return null;
  return <JobsIndicator projectId={projectId} projectName={project.data?.name} />;
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
        <li>
          <NavLink to={`/projects/${projectId}/tuner`}>Tuner</NavLink>
        </li>
      </ul>
    </section>
  );
}
