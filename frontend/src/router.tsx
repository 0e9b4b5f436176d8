// The pages and their URLs; a project's pages share the layout that loads the project once.
import { createBrowserRouter, Navigate } from 'react-router';

import { AppLayout } from './components/AppLayout';
import { AccountPage } from './pages/AccountPage';
import { AdminUsersPage } from './pages/AdminUsersPage';
import { DataAcquisitionPage } from './pages/DataAcquisitionPage';
import { DeploymentPage } from './pages/DeploymentPage';
import { DspBlockPage } from './pages/DspBlockPage';
import { ImpulseDesignPage } from './pages/ImpulseDesignPage';
import { LabellingPage } from './pages/LabellingPage';
import { LiveClassificationPage } from './pages/LiveClassificationPage';
import { ModelTestingPage } from './pages/ModelTestingPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ProjectDashboardPage } from './pages/ProjectDashboardPage';
import { ProjectsPage } from './pages/ProjectsPage';
import { PublicProjectsPage } from './pages/PublicProjectsPage';
import { ResetPasswordPage } from './pages/ResetPasswordPage';
import { SamplePage } from './pages/SamplePage';
import { SignInPage } from './pages/SignInPage';
import { SignUpPage } from './pages/SignUpPage';
import { TrainingPage } from './pages/TrainingPage';
import { TunerPage } from './pages/TunerPage';

export const router = createBrowserRouter([
  // Signing in and up happen outside the layout: it asks who is signed in.
  { path: '/signin', element: <SignInPage /> },
  { path: '/signup', element: <SignUpPage /> },
  { path: '/reset-password', element: <ResetPasswordPage /> },
  {
    path: '/',
    element: <AppLayout />,
    children: [
      { index: true, element: <Navigate to="/projects" replace /> },
      { path: 'projects', element: <ProjectsPage /> },
      { path: 'public', element: <PublicProjectsPage /> },
      { path: 'account', element: <AccountPage /> },
      { path: 'admin/users', element: <AdminUsersPage /> },
      { path: 'projects/:projectId', element: <ProjectDashboardPage /> },
      { path: 'projects/:projectId/data', element: <DataAcquisitionPage /> },
      { path: 'projects/:projectId/data/:sampleId', element: <SamplePage /> },
      { path: 'projects/:projectId/labelling', element: <LabellingPage /> },
      { path: 'projects/:projectId/impulse', element: <ImpulseDesignPage /> },
      { path: 'projects/:projectId/impulse/dsp/:blockId', element: <DspBlockPage /> },
      { path: 'projects/:projectId/training', element: <TrainingPage /> },
      { path: 'projects/:projectId/testing', element: <ModelTestingPage /> },
      { path: 'projects/:projectId/live', element: <LiveClassificationPage /> },
      { path: 'projects/:projectId/deployment', element: <DeploymentPage /> },
      { path: 'projects/:projectId/tuner', element: <TunerPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
