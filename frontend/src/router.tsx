// The pages and their URLs; a project's pages share the layout that loads the project once.
import { createBrowserRouter, Navigate } from 'react-router';

import { AppLayout } from './components/AppLayout';
import { DataAcquisitionPage } from './pages/DataAcquisitionPage';
import { DspBlockPage } from './pages/DspBlockPage';
import { ImpulseDesignPage } from './pages/ImpulseDesignPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ProjectDashboardPage } from './pages/ProjectDashboardPage';
import { ProjectsPage } from './pages/ProjectsPage';
import { SamplePage } from './pages/SamplePage';

export const router = createBrowserRouter([
  {
    path: '/',
    element: <AppLayout />,
    children: [
      { index: true, element: <Navigate to="/projects" replace /> },
      { path: 'projects', element: <ProjectsPage /> },
      { path: 'projects/:projectId', element: <ProjectDashboardPage /> },
      { path: 'projects/:projectId/data', element: <DataAcquisitionPage /> },
      { path: 'projects/:projectId/data/:sampleId', element: <SamplePage /> },
      { path: 'projects/:projectId/impulse', element: <ImpulseDesignPage /> },
      { path: 'projects/:projectId/impulse/dsp/:blockId', element: <DspBlockPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
