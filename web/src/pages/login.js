// #/login: username, password and the authenticator code (POST /api/login).
import { h, add, field, messageArea, setBusy, showError, pageHeading } from '../ui.js';

export default {
  route: 'login',
  nav: false,
  title: 'login.title',
  render(root, ctx) {
    const { t, api } = ctx;
    const area = messageArea();
    const fields = {
      username: field({ label: t('login.username'), name: 'username', autocomplete: 'username', required: true, attrs: { autocapitalize: 'none', spellcheck: 'false' } }),
      password: field({ label: t('login.password'), name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
      totp: field({ label: t('login.code'), name: 'totp', hint: t('login.codeHint'), autocomplete: 'one-time-code', inputmode: 'numeric', required: true, attrs: { maxlength: '6' } }),
    };
    const submit = h('button', { type: 'submit', class: 'button' }, t('login.submit'));
    const form = h('form', { class: 'form', novalidate: true, onsubmit: onSubmit },
      fields.username.el, fields.password.el, fields.totp.el, submit);
    add(root,
      pageHeading(t('login.title')),
      ctx.notice ? h('div', { class: 'msg msg-warning', role: 'alert' }, ctx.notice) : null,
      h('p', {}, t('login.intro')),
      area.el,
      form,
      h('p', {}, t('login.noAccount'), ' ', h('a', { href: '#/register' }, t('login.register'))));

    async function onSubmit(e) {
      e.preventDefault();
      area.clear();
      for (const f of Object.values(fields)) f.setError('');
      const values = {
        username: fields.username.input.value.trim(),
        password: fields.password.input.value,
        totp: fields.totp.input.value.replace(/\s+/g, ''),
      };
      let firstBad = null;
      for (const [k, v] of Object.entries(values)) {
        if (!v) {
          fields[k].setError(t('login.required'));
          firstBad = firstBad || fields[k];
        }
      }
      if (values.totp && !/^\d{6}$/.test(values.totp)) {
        fields.totp.setError(t('login.codeFormat'));
        firstBad = firstBad || fields.totp;
      }
      if (firstBad) {
        firstBad.input.focus();
        return;
      }
      setBusy(submit, true, t('login.busy'));
      try {
        await api.post('/api/login', values);
        // /api/me also carries the session's end (the login answer may not).
        await ctx.refreshMe();
        ctx.navigate('records');
      } catch (err) {
        setBusy(submit, false);
        fields.totp.input.value = '';
        showError(err, fields, area, 'login');
      }
    }
  },
};
