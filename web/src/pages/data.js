// #/data (docs/app.md): my data. Export everything (GET /api/export, saved through a blob link
// named from Content-Disposition), import an export of another PGO (POST /api/import as
// application/zip: counts per type and the providers to connect again), and delete the account
// (what goes, that the access log stays, the export offered first, then password, code and the
// username typed -> DELETE /api/account -> the login page with a message).
import { h, clear, field, messageArea, setBusy, errorText, formatNumber, pageHeading, message } from '../ui.js';
import { deleteAccount, reportProviders, sizeText } from './data-util.js';
import './choices.css';

const PAGE = 'data';

export default {
  route: 'data',
  nav: true,
  title: 'data.title',
  render(root, ctx) {
    const { api, t } = ctx;
    const urls = [];
    const locale = ctx.lang === 'en' ? 'en-GB' : 'nl-NL';

    root.append(pageHeading(t('data.title')), h('p', {}, t('data.intro')));

    // --- export ------------------------------------------------------------------------------
    const exportArea = h('div', { class: 'export-result', 'aria-live': 'polite' });
    async function runExport(button, area) {
      clear(area);
      setBusy(button, true, t('data.export_busy'));
      try {
        const { blob, filename } = await api.download('/api/export');
        const url = URL.createObjectURL(blob);
        urls.push(url);
        const link = h('a', { href: url, download: filename, class: 'export-link' }, t('data.export_again', { name: filename }));
        area.append(message(t('data.export_ready', { name: filename, size: sizeText(blob.size, locale) }), 'success'), h('p', {}, link));
        link.click(); // start the download; the link stays for saving again
      } catch (e) {
        area.append(message(errorText(e, PAGE), 'error'));
      } finally {
        setBusy(button, false);
      }
    }
    const exportButton = h('button', { type: 'button', class: 'button primary', id: 'export-button' }, t('data.export_button'));
    exportButton.addEventListener('click', () => runExport(exportButton, exportArea));
    root.append(h('section', { class: 'data-export', 'aria-labelledby': 'export-title' },
      h('h2', { id: 'export-title' }, t('data.export_title')),
      h('p', {}, t('data.export_intro')),
      exportButton, exportArea));

    // --- import ------------------------------------------------------------------------------
    const importArea = h('div', { class: 'import-result', 'aria-live': 'polite' });
    const zip = field({ label: t('data.import_file'), name: 'zip', type: 'file', attrs: { accept: '.zip,application/zip' } });
    const importButton = h('button', { type: 'submit', class: 'button primary' }, t('data.import_button'));
    const importForm = h('form', { class: 'form import-form', novalidate: true }, zip.el, importButton);
    importForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear(importArea);
      zip.setError(null);
      const file = zip.input.files && zip.input.files[0];
      if (!file) {
        zip.setError(t('data.import_no_file'));
        zip.input.focus();
        return;
      }
      setBusy(importButton, true, t('data.import_busy'));
      try {
        const r = await api.post('/api/import', file, { contentType: 'application/zip' });
        const byType = Object.entries(r.imported || {}).sort((a, b) => a[0].localeCompare(b[0]));
        const total = byType.reduce((n, [, c]) => n + Number(c || 0), 0);
        importArea.append(message(t('data.import_done', { count: formatNumber(total), unchanged: formatNumber(r.unchanged ?? 0) }), 'success'));
        if (byType.length) {
          importArea.append(h('table', { class: 'import-counts' },
            h('caption', {}, t('data.import_caption')),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('data.import_type')), h('th', { scope: 'col', class: 'num' }, t('data.import_count')))),
            h('tbody', {}, byType.map(([type, n]) => h('tr', { dataset: { type } }, h('th', { scope: 'row' }, type), h('td', { class: 'num' }, formatNumber(n)))))));
        }
        const providers = reportProviders(r.report);
        if (providers.length) {
          importArea.append(h('p', {}, t('data.import_providers')),
            h('ul', { class: 'connect-again' }, providers.map((p) => h('li', {},
              h('a', { href: `#/providers?q=${encodeURIComponent(p.display || p.name)}` }, t('data.connect_again', { provider: p.display || p.name }))))));
        }
        zip.input.value = '';
      } catch (err) {
        const own = errorText(err, PAGE);
        importArea.append(message(err.message && err.message !== own ? `${own} (${err.message})` : own, 'error'));
      } finally {
        setBusy(importButton, false);
      }
    });
    root.append(h('section', { class: 'data-import', 'aria-labelledby': 'import-title' },
      h('h2', { id: 'import-title' }, t('data.import_title')),
      h('p', {}, t('data.import_intro')),
      importForm, importArea));

    // --- delete the account --------------------------------------------------------------------
    const username = (ctx.me && ctx.me.username) || '';
    const deleteExportArea = h('div', { 'aria-live': 'polite' });
    const deleteExportButton = h('button', { type: 'button', class: 'button secondary' }, t('data.delete_export_button'));
    deleteExportButton.addEventListener('click', () => runExport(deleteExportButton, deleteExportArea));
    const fields = {
      password: field({ label: t('data.password'), name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
      totp: field({ label: t('data.totp'), name: 'totp', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, hint: t('data.totp_hint'), attrs: { maxlength: '6' } }),
      confirm: field({ label: t('data.confirm_username', { username }), name: 'confirm', type: 'text', autocomplete: 'off', required: true, attrs: { spellcheck: 'false', autocapitalize: 'none' } }),
    };
    const deleteArea = messageArea();
    const deleteButton = h('button', { type: 'submit', class: 'button danger' }, t('data.delete_button'));
    const deleteForm = h('form', { class: 'form delete-form', novalidate: true },
      h('fieldset', {}, h('legend', {}, t('data.delete_confirm_title')), Object.values(fields).map((f) => f.el)),
      deleteArea.el, deleteButton);
    deleteForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      deleteArea.clear();
      for (const f of Object.values(fields)) f.setError(null);
      const body = {
        password: fields.password.input.value,
        totp: fields.totp.input.value.replace(/\s+/g, ''),
        confirm: fields.confirm.input.value.trim(),
      };
      let first = null;
      const bad = (name, text) => {
        fields[name].setError(text);
        first = first || fields[name];
      };
      if (!body.password) bad('password', t('data.err_password'));
      if (!/^\d{6}$/.test(body.totp)) bad('totp', t('data.err_totp'));
      if (body.confirm !== username) bad('confirm', t('data.err_username'));
      if (first) {
        deleteArea.show(t('data.err_form'), 'error');
        first.input.focus();
        return;
      }
      setBusy(deleteButton, true, t('data.delete_busy'));
      let r;
      try {
        r = await deleteAccount(ctx.me && ctx.me.csrf, body);
      } catch (err) {
        deleteArea.show(errorText({ error: 'network', message: String(err) }, PAGE), 'error');
        setBusy(deleteButton, false);
        return;
      }
      if (r.status === 200 && r.body && r.body.deleted) {
        // The session is gone with the account: forget it, go to the login page, and say why
        // there (the message is put under the login page's heading once it is drawn).
        const notice = t('data.deleted_notice');
        window.addEventListener('hashchange', () => setTimeout(() => {
          const main = document.getElementById('main');
          const heading = main && main.querySelector('h1');
          const box = h('div', { class: 'msg msg-success', role: 'status', id: 'account-deleted' }, notice);
          if (heading) heading.after(box);
          else if (main) main.prepend(box);
        }, 0), { once: true });
        if (ctx.setSession) ctx.setSession(null);
        ctx.navigate('login');
        return;
      }
      setBusy(deleteButton, false);
      const err = { error: (r.body && r.body.error) || 'http', message: (r.body && r.body.message) || `HTTP ${r.status}`, field: r.body && r.body.field };
      if (err.field && fields[err.field]) {
        fields[err.field].setError(errorText(err, PAGE));
        fields[err.field].input.focus();
      } else {
        deleteArea.show(errorText(err, PAGE), 'error');
      }
    });
    root.append(h('section', { class: 'data-delete', 'aria-labelledby': 'delete-title' },
      h('h2', { id: 'delete-title' }, t('data.delete_title')),
      h('p', {}, t('data.delete_intro')),
      h('ul', {}, ['records', 'connections', 'shares', 'account'].map((k) => h('li', {}, t(`data.delete_what_${k}`)))),
      h('p', {}, t('data.delete_log_stays')),
      h('p', {}, t('data.delete_export_first')),
      deleteExportButton, deleteExportArea,
      deleteForm));

    return () => {
      for (const u of urls) URL.revokeObjectURL(u);
    };
  },
};
