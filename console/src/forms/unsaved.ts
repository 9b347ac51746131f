/**
 * The session lives in memory, so a reload or a closed tab logs out and drops what the screen held. A form
 * the user has typed into and not submitted is a draft: leaving the page then asks first (the browser's own
 * "Leave site?" dialog). Search filters and the login form are no drafts (`data-draft="off"`, `role="search"`).
 */
const drafts = new Set<HTMLFormElement>();

function draftForm(target: EventTarget | null): HTMLFormElement | null {
  const form = target instanceof Element ? target.closest('form') : null;
  if (!form || form.dataset.draft === 'off' || form.getAttribute('role') === 'search') return null;
  return form;
}

/** Whether a form typed into is still on the screen and was not submitted. */
export function hasUnsavedDraft(): boolean {
  for (const form of drafts) if (!form.isConnected) drafts.delete(form);
  return drafts.size > 0;
}

export function guardUnsavedDrafts(): void {
  const typed = (event: Event): void => {
    const form = draftForm(event.target);
    if (form) drafts.add(form);
  };
  document.addEventListener('input', typed, true);
  document.addEventListener('change', typed, true);
  document.addEventListener('submit', (event) => drafts.delete(event.target as HTMLFormElement), true);
  window.addEventListener('beforeunload', (event) => {
    if (!hasUnsavedDraft()) return;
    event.preventDefault();
    // Older Chromium shows the dialog only when returnValue is set.
    event.returnValue = '';
  });
}
