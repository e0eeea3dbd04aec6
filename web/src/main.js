// The shell (docs/app.md): checks the session (GET /api/me), draws the menu and the language
// switch, routes '#/<page>?<query>' to a page module, warns a minute before the session ends and
// goes to the login page when it has.
import './styles.css';
import { api, on as onApi, setCsrf } from './api.js';
import { t, lang, setLang, languages, onLangChange } from './i18n.js';
import { h, clear } from './ui.js';

import login from './pages/login.js';
import register from './pages/register.js';
import providers from './pages/providers.js';
import records from './pages/records.js';
import measurements from './pages/measurements.js';
import share from './pages/share.js';
import log from './pages/log.js';
import data from './pages/data.js';
import account from './pages/account.js';

const pages = [login, register, records, providers, measurements, share, log, data, account];
const byRoute = new Map(pages.map((p) => [p.route, p]));
const PUBLIC = new Set(['login', 'register']);
const HOME = 'records';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const tools = document.getElementById('top-tools');
const banner = document.getElementById('session-banner');
const skip = document.getElementById('skip-link');

let me = null;
let cleanup = null;
let notice = null; // a message for the next page (e.g. "session ended"), shown by the login page
let sessionEnd = 0; // ms epoch of the idle end, moved on by every answer
let warnTimer = null;
let endTimer = null;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  return { name: path || '', params: new URLSearchParams(query || '') };
}

function navigate(route) {
  const target = route.startsWith('#') ? route : `#/${route.replace(/^\//, '')}`;
  if (location.hash === target) render();
  else location.hash = target;
}

function setMe(next) {
  me = next || null;
  setCsrf(me ? me.csrf : null);
  scheduleSession(me);
  drawChrome();
}

async function refreshMe() {
  try {
    setMe(await api.get('/api/me'));
  } catch (e) {
    if (e.status === 401) setMe(null);
    else throw e;
  }
  return me;
}

// --- session expiry -------------------------------------------------------------------------
function scheduleSession(info) {
  clearTimeout(warnTimer);
  clearTimeout(endTimer);
  banner.hidden = true;
  clear(banner);
  if (!info || !info.session_expires) {
    sessionEnd = 0;
    return;
  }
  sessionEnd = new Date(info.session_expires).getTime();
  armTimers();
}

function armTimers() {
  clearTimeout(warnTimer);
  clearTimeout(endTimer);
  if (!sessionEnd || !me) return;
  const now = Date.now();
  const warnIn = sessionEnd - 60000 - now;
  if (warnIn > 0) {
    banner.hidden = true;
    warnTimer = setTimeout(showWarning, Math.min(warnIn, 2 ** 31 - 1));
  } else {
    showWarning();
  }
  endTimer = setTimeout(sessionEnded, Math.min(Math.max(sessionEnd - now, 0), 2 ** 31 - 1));
}

function showWarning() {
  clear(banner);
  banner.appendChild(h('div', { class: 'msg msg-warning', role: 'alert' },
    h('span', {}, t('shell.session.warning')), ' ',
    h('button', { type: 'button', class: 'button secondary', onclick: () => refreshMe() }, t('shell.session.stay'))));
  banner.hidden = false;
}

function sessionEnded() {
  if (!me) return;
  notice = t('shell.session.ended');
  // End it at the PGO too, should its clock be a moment behind ours (the request takes the CSRF
  // token before setMe clears it; a 401 because it already ended is fine).
  api.post('/api/logout').catch(() => {});
  setMe(null);
  navigate('login');
}

// Any answer with a session may move the idle end on. The PGO writes a session's last use at most
// once a minute (src/auth/session.h, touch_seconds), so after a request now its idle end is at
// least now + idle - 60 s: the app takes that, never a later end than the server's.
const TOUCH_SECONDS = 60;
onApi('activity', () => {
  if (me && me.session_idle_seconds > TOUCH_SECONDS) {
    const next = Date.now() + (me.session_idle_seconds - TOUCH_SECONDS) * 1000;
    const max = me.session_max_end ? new Date(me.session_max_end).getTime() : Infinity;
    sessionEnd = Math.min(Math.max(sessionEnd, next), max);
    armTimers();
  }
});
onApi('unauthenticated', () => {
  if (!me) return;
  notice = t('shell.session.ended');
  setMe(null);
  navigate('login');
});

// --- chrome: menu, language, logout ---------------------------------------------------------
function drawChrome() {
  skip.textContent = t('shell.skip');
  nav.setAttribute('aria-label', t('shell.menu'));
  clear(nav);
  const current = parseHash().name;
  if (me) {
    nav.appendChild(h('ul', {}, pages.filter((p) => p.nav).map((p) =>
      h('li', {}, h('a', { href: `#/${p.route}`, 'aria-current': p.route === current ? 'page' : null }, t(p.title))))));
  }
  nav.hidden = !me;
  clear(tools);
  const sel = h('select', { id: 'lang-switch', 'aria-label': t('shell.language'),
    onchange: (e) => setLang(e.target.value) },
  languages.map((l) => h('option', { value: l, selected: l === lang(), lang: l }, t(`shell.language.${l}`))));
  tools.appendChild(h('label', { class: 'visually-hidden', for: 'lang-switch' }, t('shell.language')));
  tools.appendChild(sel);
  if (me) {
    tools.appendChild(h('span', { class: 'who' }, t('shell.signedInAs', { username: me.username })));
    tools.appendChild(h('button', { type: 'button', class: 'button secondary', onclick: logout }, t('shell.logout')));
  }
}

async function logout() {
  try {
    await api.post('/api/logout');
  } catch {
    /* the session may be gone already; the app forgets it either way */
  }
  setMe(null);
  navigate('login');
}

// --- routing --------------------------------------------------------------------------------
function render() {
  const { name, params } = parseHash();
  let page = byRoute.get(name);
  if (!name) return navigate(me ? HOME : 'login');
  if (page && !me && !PUBLIC.has(page.route)) return navigate('login');
  if (page && me && PUBLIC.has(page.route)) return navigate(HOME);
  if (typeof cleanup === 'function') {
    try {
      cleanup();
    } catch {
      /* a page's cleanup must not stop the next page */
    }
  }
  cleanup = null;
  clear(main);
  drawChrome();
  if (!page) {
    document.title = 'regie';
    main.appendChild(h('h1', { tabindex: '-1' }, t('shell.notFound')));
    return undefined;
  }
  document.title = `${t(page.title)} · regie`;
  const ctx = {
    api, t, navigate, me, lang: lang(), params,
    /** login/register: the session the API answered. */
    setSession: (info) => setMe(info),
    refreshMe,
    logout,
    notice: notice,
  };
  notice = null;
  const result = page.render(main, ctx);
  const focusHeading = () => {
    const heading = main.querySelector('h1');
    if (heading && document.activeElement === document.body) heading.focus({ preventScroll: false });
  };
  Promise.resolve(result).then((c) => {
    if (typeof c === 'function') cleanup = c;
    focusHeading();
  });
  return undefined;
}

skip.addEventListener('click', (e) => {
  e.preventDefault();
  const heading = main.querySelector('h1');
  (heading || main).focus();
});

window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#/') || location.hash === '') render();
});
onLangChange(() => render());
document.addEventListener('visibilitychange', () => {
  // Timers are slowed in background tabs: check the end when the page is seen again.
  if (!document.hidden && me && sessionEnd && Date.now() >= sessionEnd) sessionEnded();
});

(async function start() {
  main.appendChild(h('p', { role: 'status' }, t('shell.loading')));
  try {
    await refreshMe();
  } catch {
    setMe(null);
  }
  render();
})();
