// What the signed-in user may do in a project, from their role, so pages hide what would 403.

export type ProjectRole = 'owner' | 'editor' | 'viewer';

export interface ProjectPermissions {
  /** Change data, impulses, features, training (editors and owners). */
  canWrite: boolean;
  /** Settings, visibility, members, API keys, deletion (owners only). */
  canManage: boolean;
}

/**
 * Mirrors the backend's role table (backend/services/access.py): owners manage, editors write,
 * viewers and non-members of a public project (role null) only read.
 */
export function projectPermissions(role: ProjectRole | null | undefined): ProjectPermissions {
  return {
    canWrite: role === 'owner' || role === 'editor',
    canManage: role === 'owner',
  };
}

/** "Owner", "Editor", "Viewer", or "Public (read only)" for a non-member. */
export function roleTitle(role: ProjectRole | null | undefined): string {
  if (!role) return 'Public (read only)';
  return role.charAt(0).toUpperCase() + role.slice(1);
}
