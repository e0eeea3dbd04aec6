// Strings: Dutch first, English as the switch. Each page brings its own file web/src/i18n/<page>.js
// exporting { nl: {...}, en: {...} }; its keys are used as '<page>.<key>' (t('records.title')), so
// pages never share a string file and never clash. The shell's own strings are in i18n/shell.js.
const files = import.meta.glob('./i18n/*.js', { eager: true });

export const languages = ['nl', 'en'];
const STORAGE_KEY = 'regie.lang';

const tables = { nl: {}, en: {} };
for (const [path, mod] of Object.entries(files)) {
  const page = path.replace(/^.*\//, '').replace(/\.js$/, '');
  const strings = mod.default || mod;
  for (const lang of languages) {
    for (const [key, value] of Object.entries((strings && strings[lang]) || {})) {
      tables[lang][`${page}.${key}`] = value;
    }
  }
}

function initialLang() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  if (languages.includes(stored)) return stored;
  return 'nl';
}

let current = initialLang();
const listeners = [];

export function lang() {
  return current;
}

/** Switches the language, remembers it (the one thing the app stores) and sets <html lang>. */
export function setLang(next) {
  if (!languages.includes(next)) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  document.documentElement.lang = next;
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) {
  listeners.push(fn);
}

/** t('page.key', {name: 'x'}): the string in the current language ({name} replaced), Dutch as fallback, else the key. */
export function t(key, vars) {
  let s = tables[current][key];
  if (s === undefined) s = tables.nl[key];
  if (s === undefined) return key;
  if (typeof s === 'function') return s(vars || {});
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => (vars[name] === undefined || vars[name] === null ? m : String(vars[name])));
}

/** Whether a key exists (for optional strings such as a server error code's explanation). */
export function has(key) {
  return tables[current][key] !== undefined || tables.nl[key] !== undefined;
}

document.documentElement.lang = current;
