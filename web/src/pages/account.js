// #/account: the language, a new authenticator (POST /api/totp/begin, then /api/totp/confirm with a
// code of the new secret; the old one works until then), and log out.
import { h, add, field, messageArea, setBusy, showError, pageHeading, svgImage, clear } from '../ui.js';
import { languages, setLang } from '../i18n.js';

function grouped(secret) {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

export default {
  route: 'account',
  nav: true,
  title: 'account.title',
  render(root, ctx) {
    const { t, api } = ctx;
    const langField = field({
      label: t('account.language'), name: 'language', type: 'select', hint: t('account.languageHint'), value: ctx.lang,
      options: languages.map((l) => ({ value: l, label: t(`shell.language.${l}`) })),
    });
    langField.input.addEventListener('change', () => setLang(langField.input.value));

    const totpArea = messageArea();
    const totpBody = h('div', {});
    const begin = h('button', { type: 'button', class: 'button', onclick: onBegin }, t('account.totpBegin'));

    add(root,
      pageHeading(t('account.title')),
      h('section', { 'aria-labelledby': 'acc-h' },
        h('h2', { id: 'acc-h' }, t('account.account')),
        h('dl', { class: 'facts' }, h('dt', {}, t('account.username')), h('dd', {}, ctx.me ? ctx.me.username : '')),
        langField.el),
      h('section', { 'aria-labelledby': 'totp-h' },
        h('h2', { id: 'totp-h' }, t('account.totpTitle')),
        h('p', {}, t('account.totpIntro')),
        totpArea.el, totpBody, begin),
      h('section', { 'aria-labelledby': 'out-h' },
        h('h2', { id: 'out-h' }, t('account.logoutTitle')),
        h('p', {}, t('account.logoutIntro')),
        h('button', { type: 'button', class: 'button secondary', onclick: () => ctx.logout() }, t('account.logout'))));

    async function onBegin() {
      totpArea.clear();
      setBusy(begin, true, t('account.totpBusy'));
      try {
        const enrolment = await api.post('/api/totp/begin');
        setBusy(begin, false);
        begin.hidden = true;
        showEnrolment(enrolment);
      } catch (err) {
        setBusy(begin, false);
        showError(err, null, totpArea, 'account');
      }
    }

    function showEnrolment(enrolment) {
      clear(totpBody);
      const code = field({ label: t('account.code'), name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, attrs: { maxlength: '6' } });
      const confirm = h('button', { type: 'submit', class: 'button' }, t('account.confirm'));
      const cancel = h('button', { type: 'button', class: 'button secondary', onclick: reset }, t('account.cancel'));
      add(totpBody,
        h('p', {}, t('account.scan')),
        enrolment.qr_svg ? h('div', { class: 'qr-box' }, svgImage(enrolment.qr_svg, t('account.qrAlt'))) : null,
        h('p', {}, t('account.manual')),
        h('p', { class: 'secret' }, h('span', { class: 'visually-hidden' }, `${t('account.secretLabel')}: `),
          h('code', { id: 'new-totp-secret', 'data-secret': enrolment.secret || '' }, grouped(enrolment.secret || ''))),
        h('form', { class: 'form', novalidate: true, onsubmit: onConfirm }, code.el, h('div', { class: 'actions' }, confirm, cancel)));
      code.input.focus();

      async function onConfirm(e) {
        e.preventDefault();
        totpArea.clear();
        code.setError('');
        const value = code.input.value.replace(/\s+/g, '');
        if (!/^\d{6}$/.test(value)) {
          code.setError(t('account.codeFormat'));
          code.input.focus();
          return;
        }
        setBusy(confirm, true, t('account.totpBusy'));
        try {
          await api.post('/api/totp/confirm', { code: value });
          reset();
          totpArea.show(t('account.confirmed'), 'success');
        } catch (err) {
          setBusy(confirm, false);
          code.input.value = '';
          const onField = err.status === 400 ? Object.assign({}, err, { field: 'code' }) : err;
          showError(onField, { code }, totpArea, 'account');
        }
      }
    }

    function reset() {
      clear(totpBody);
      begin.hidden = false;
    }
  },
};
