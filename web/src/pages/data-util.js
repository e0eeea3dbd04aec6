// Pieces of the "my data" page that the shared API client cannot do as this page needs.
//
// DELETE /api/account is sent with fetch directly: a wrong password or code may answer 401, and
// the shared client treats every 401 outside the login routes as an ended session (it logs the
// user out), where here it only means "try again".

/** {status, body} of DELETE /api/account; throws only when the network fails. */
export async function deleteAccount(csrf, { password, totp, confirm }) {
  const res = await fetch('/api/account', {
    method: 'DELETE',
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
    body: JSON.stringify({ password, totp, confirm }),
  });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

/** The providers an import report names, as [{name, display}], whatever shape the report has. */
export function reportProviders(report) {
  if (!report || typeof report !== 'object') return [];
  const seen = new Map();
  const add = (name, display) => {
    if (typeof name !== 'string' || !name) return;
    if (!seen.has(name)) seen.set(name, { name, display: display || name });
  };
  for (const p of Array.isArray(report.providers) ? report.providers : []) {
    if (typeof p === 'string') add(p);
    else if (p) add(p.name || p.provider, p.display || p.display_name);
  }
  for (const c of Array.isArray(report.connections) ? report.connections : []) {
    if (c) add(c.provider || c.name, c.display || c.provider_display);
  }
  return [...seen.values()];
}

/** "12 kB", "1.4 MB" in the chosen locale. */
export function sizeText(bytes, locale) {
  const fmt = (n) => new Intl.NumberFormat(locale, { maximumFractionDigits: n < 10 ? 1 : 0 }).format(n);
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${fmt(bytes / 1024)} kB`;
  return `${fmt(bytes / (1024 * 1024))} MB`;
}
