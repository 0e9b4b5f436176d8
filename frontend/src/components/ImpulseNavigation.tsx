// Impulse design in the left navigation: "Create impulse", then one page per DSP block.
import { useQuery } from '@tanstack/react-query';
import { NavLink } from 'react-router';

import { impulsesReadImpulsesOptions } from '../client/@tanstack/react-query.gen';

export function ImpulseNavigation({ projectId }: { projectId: number }) {
  const impulses = useQuery(impulsesReadImpulsesOptions({ path: { project_id: projectId } }));
  // The studio designs one impulse per project: the first one.
  const impulse = impulses.data?.data[0];
  return (
    <>
      <span className="nav-group">Impulse design</span>
      <ul className="nav-sub">
        <li>
          <NavLink to={`/projects/${projectId}/impulse`} end>
            Create impulse
          </NavLink>
        </li>
        {impulse?.dsp_blocks.map((block) => (
          <li key={block.id}>
            <NavLink to={`/projects/${projectId}/impulse/dsp/${block.id}`}>
              {block.name || block.type}
            </NavLink>
          </li>
        ))}
      </ul>
    </>
  );
}
