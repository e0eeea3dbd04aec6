// Small DOM helpers: h() builds elements; field() makes a labelled input whose error text is tied
// to it (aria-describedby, aria-invalid) and announced; message() is a role=alert/status box;
// dates and numbers follow the chosen language through Intl.
import { lang, t } from './i18n.js';

let uid = 0;
/** A page-unique id for label/aria wiring. */
export function newId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * h('button', {class: 'x', onclick: fn, disabled: true}, 'text', child, [more]).
 * Attributes: on<event> functions become listeners; true/false toggle boolean attributes;
 * null/undefined are skipped; 'dataset' takes an object. Children: nodes, strings, numbers, arrays; null/false skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** el.append() without the null/false children a condition leaves (append would write "null"). */
export function add(el, ...children) {
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/**
 * A labelled field. opts: {label, name, type='text', value, hint, autocomplete, required, inputmode,
 * pattern, options (for type 'select': [{value, label}]), attrs}. Answers {el, input, setError(msg)}.
 */
export function field(opts) {
  const id = newId(opts.name || 'f');
  const hintId = opts.hint ? `${id}-hint` : null;
  const errId = `${id}-err`;
  let input;
  if (opts.type === 'select') {
    input = h('select', { id, name: opts.name, required: opts.required, ...(opts.attrs || {}) },
      (opts.options || []).map((o) => h('option', { value: o.value, selected: o.value === opts.value }, o.label)));
  } else if (opts.type === 'textarea') {
    input = h('textarea', { id, name: opts.name, required: opts.required, rows: opts.rows || 4, ...(opts.attrs || {}) });
    if (opts.value !== undefined) input.value = opts.value;
  } else {
    input = h('input', {
      id, name: opts.name, type: opts.type || 'text', autocomplete: opts.autocomplete, required: opts.required,
      inputmode: opts.inputmode, pattern: opts.pattern, value: opts.value, ...(opts.attrs || {}),
    });
  }
  const err = h('p', { id: errId, class: 'field-error', hidden: true });
  const describe = () => {
    const ids = [hintId, err.hidden ? null : errId].filter(Boolean).join(' ');
    if (ids) input.setAttribute('aria-describedby', ids);
    else input.removeAttribute('aria-describedby');
  };
  describe();
  const el = h('div', { class: 'field' },
    h('label', { for: id }, opts.label),
    hintId ? h('p', { id: hintId, class: 'hint' }, opts.hint) : null,
    input, err);
  function setError(msg) {
    if (msg) {
      err.textContent = msg;
      err.hidden = false;
      err.setAttribute('role', 'alert');
      input.setAttribute('aria-invalid', 'true');
    } else {
      err.textContent = '';
      err.hidden = true;
      err.removeAttribute('role');
      input.removeAttribute('aria-invalid');
    }
    describe();
  }
  return { el, input, setError };
}

/** A message box: kind 'error' is role=alert (announced at once), others role=status. */
export function message(text, kind = 'info') {
  return h('div', { class: `msg msg-${kind}`, role: kind === 'error' || kind === 'warning' ? 'alert' : 'status' }, text);
}

/** A region that shows one message at a time (replaces the previous; empty hides it). */
export function messageArea() {
  const el = h('div', { class: 'msg-area' });
  return {
    el,
    show(text, kind = 'info') {
      clear(el);
      if (text) el.appendChild(message(text, kind));
    },
    clear() {
      clear(el);
    },
  };
}

/** Button busy state: disabled, aria-busy, and a label while it works. */
export function setBusy(button, busy, busyLabel) {
  if (busy) {
    if (!button.dataset.idleLabel) button.dataset.idleLabel = button.textContent;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    if (busyLabel) button.textContent = busyLabel;
  } else {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    if (button.dataset.idleLabel) button.textContent = button.dataset.idleLabel;
    delete button.dataset.idleLabel;
  }
}

/** A readable text for an ApiError: the page's own '<page>.error.<code>' string, the shell's, or the server's message. */
export function errorText(err, page) {
  if (!err) return '';
  const code = err.error || 'http';
  for (const key of [page && `${page}.error.${code}`, `shell.error.${code}`]) {
    if (!key) continue;
    const s = t(key);
    if (s !== key) return s;
  }
  return err.message || t('shell.error.generic');
}

/**
 * Puts an ApiError on the form: the field it names gets the text under it, the rest goes to the
 * message area. fields: {name: field()}.
 */
export function showError(err, fields, area, page) {
  const text = errorText(err, page);
  let placed = false;
  if (err && err.field && fields && fields[err.field]) {
    fields[err.field].setError(text);
    fields[err.field].input.focus();
    placed = true;
  }
  if (err && Array.isArray(err.errors) && area) {
    area.show(err.errors.map((e) => [e.line ? `${e.line}: ` : '', e.field ? `${e.field}: ` : '', e.message].join('')).join('\n'), 'error');
    return;
  }
  if (!placed && area) area.show(text, 'error');
}

function toDate(v) {
  if (v instanceof Date) return v;
  if (v === null || v === undefined || v === '') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

const locale = () => (lang() === 'en' ? 'en-GB' : 'nl-NL');

/** A FHIR date ("2024", "2024-03", "2024-03-05") or instant, in the chosen language. */
export function formatDate(v, opts) {
  if (typeof v === 'string' && /^\d{4}$/.test(v)) return v;
  if (typeof v === 'string' && /^\d{4}-\d{2}$/.test(v)) {
    return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${v}-01T00:00:00Z`));
  }
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC', ...(opts || {}) }).format(new Date(`${v}T00:00:00Z`));
  }
  const d = toDate(v);
  if (!d) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', ...(opts || {}) }).format(d);
}

export function formatDateTime(v) {
  const d = toDate(v);
  if (!d) return typeof v === 'string' ? v : '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** "3 minutes ago" / "over 2 uur". */
export function formatRelative(v, now = Date.now()) {
  const d = toDate(v);
  if (!d) return '';
  const s = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(s);
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  if (abs < 60) return rtf.format(s, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(s / 86400), 'day');
  if (abs < 86400 * 365) return rtf.format(Math.round(s / (86400 * 30)), 'month');
  return rtf.format(Math.round(s / (86400 * 365)), 'year');
}

/** A <time> element with the absolute time, and the relative one beside it when asked. */
export function timeEl(v, { relative = false, dateOnly = false } = {}) {
  const d = toDate(v);
  if (!d) return h('span', {}, typeof v === 'string' ? v : '');
  const abs = dateOnly ? formatDate(v) : formatDateTime(v);
  return h('time', { datetime: d.toISOString(), title: abs }, relative ? `${formatRelative(d)} (${abs})` : abs);
}

export function formatNumber(n, opts) {
  if (n === null || n === undefined || n === '' || Number.isNaN(Number(n))) return '';
  return new Intl.NumberFormat(locale(), opts).format(Number(n));
}

/** A heading that takes focus after navigation (screen readers hear the new page). */
export function pageHeading(text) {
  return h('h1', { tabindex: '-1', class: 'page-title' }, text);
}

/** An <img> of an SVG string (the QR code from the API): a data: URL keeps it inert and allowed by img-src data:. */
export function svgImage(svg, alt) {
  const encoded = btoa(unescape(encodeURIComponent(svg)));
  return h('img', { src: `data:image/svg+xml;base64,${encoded}`, alt, class: 'qr' });
}
