// The impersonation token an app admin started (`impersonateUser`), kept in this tab only
// (sessionStorage): while it is there every request goes as `Authorization: Bearer <it>`, so the
// console runs as the user. Removing it returns to the admin's own session (their cookie or token).

const KEY = 'passgraph_impersonation';

export type StoredImpersonation = { token: string; expiresAt: string; email: string | null };

export function impersonation(): StoredImpersonation | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as StoredImpersonation;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function startImpersonation(value: StoredImpersonation): void {
  sessionStorage.setItem(KEY, JSON.stringify(value));
}

export function endImpersonation(): void {
  sessionStorage.removeItem(KEY);
}
