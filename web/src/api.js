// The API client (docs/pgo.md "Patient API"): JSON in and out, same-origin cookies, the CSRF token
// (from login, register/confirm or GET /api/me) on every POST and DELETE. An expired session
// (401 unauthenticated) sends the user to the login page; every other failure is thrown as an
// ApiError carrying the server's {error, message, field, errors} and the HTTP status.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || (body && body.error) || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.error = (body && body.error) || (status === 0 ? 'network' : 'http');
    this.field = body && body.field;
    this.errors = body && Array.isArray(body.errors) ? body.errors : undefined;
    this.body = body;
  }
}

let csrf = null;
const listeners = { unauthenticated: [], activity: [] };

/** The CSRF token of the session; set from the answers that carry one. */
export function setCsrf(token) {
  csrf = token || null;
}

/** Subscribe to 'unauthenticated' (a 401 on a route that needs a session) or 'activity' (any answer). */
export function on(event, fn) {
  listeners[event].push(fn);
}

function emit(event, arg) {
  for (const fn of listeners[event]) fn(arg);
}

function withQuery(path, query) {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

// Answers of these routes are 401 for a wrong password or code, not for a missing session.
const loginRoutes = ['/api/login', '/api/register', '/api/register/confirm'];

/**
 * One request. body: a plain object (sent as JSON), or a string/Blob/ArrayBuffer sent as is with
 * opts.contentType. opts.raw: answer the Response (for downloads) instead of parsed JSON.
 */
export async function request(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json, application/fhir+json' };
  let payload;
  if (body !== undefined && body !== null) {
    const isRaw = typeof body === 'string' || body instanceof Blob || body instanceof ArrayBuffer;
    if (isRaw) {
      payload = body;
      headers['Content-Type'] = opts.contentType || (body instanceof Blob && body.type) || 'application/octet-stream';
    } else {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
  }
  if ((method === 'POST' || method === 'DELETE' || method === 'PUT') && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { error: 'network', message: String((e && e.message) || e) });
  }
  if (res.ok && opts.raw) {
    emit('activity');
    return res;
  }
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !loginRoutes.includes(path.split('?')[0])) {
      csrf = null;
      emit('unauthenticated', err);
    }
    throw err;
  }
  emit('activity');
  if (data && typeof data.csrf === 'string') csrf = data.csrf;
  return data;
}

export const api = {
  get: (path, query, opts) => request('GET', withQuery(path, query), undefined, opts),
  // No body unless given: routes such as logout, collect and totp/begin refuse one.
  post: (path, body, opts) => request('POST', path, body, opts),
  del: (path, body, opts) => request('DELETE', path, body, opts),
  request,
  setCsrf,
  /** A file answer (e.g. GET /api/export): {blob, filename}. */
  async download(path) {
    const res = await request('GET', path, undefined, { raw: true });
    const cd = res.headers.get('Content-Disposition') || '';
    const m = /filename="?([^";]+)"?/i.exec(cd);
    return { blob: await res.blob(), filename: m ? m[1] : 'download' };
  },
};

export default api;
