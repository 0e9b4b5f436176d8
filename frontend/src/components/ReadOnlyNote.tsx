// Said where a save button would be, for users who may read a project but not change it.
export function ReadOnlyNote() {
  return (
    <p className="muted" data-testid="read-only-note">
      Read only: your role in this project cannot change it.
    </p>
  );
}
