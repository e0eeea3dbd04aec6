// #/register: username and password (twice) -> POST /api/register; then the QR code and the secret
// for manual entry, and a first code -> POST /api/register/confirm, which logs the account in.
import { h, add, field, messageArea, setBusy, showError, pageHeading, svgImage, clear } from '../ui.js';

/** The base32 secret in groups of four, easier to type. */
function grouped(secret) {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

export default {
  route: 'register',
  nav: false,
  title: 'register.title',
  render(root, ctx) {
    const { t, api } = ctx;
    const area = messageArea();
    const body = h('div', {});
    add(root, pageHeading(t('register.title')), h('p', {}, t('register.intro')), area.el, body);
    stepOne();

    function stepOne() {
      clear(body);
      const fields = {
        username: field({ label: t('register.username'), name: 'username', hint: t('register.usernameHint'), autocomplete: 'username', required: true, attrs: { autocapitalize: 'none', spellcheck: 'false' } }),
        password: field({ label: t('register.password'), name: 'password', type: 'password', hint: t('register.passwordHint'), autocomplete: 'new-password', required: true }),
        password2: field({ label: t('register.password2'), name: 'password2', type: 'password', autocomplete: 'new-password', required: true }),
      };
      const submit = h('button', { type: 'submit', class: 'button' }, t('register.submit'));
      add(body,
        h('form', { class: 'form', novalidate: true, onsubmit: onSubmit }, fields.username.el, fields.password.el, fields.password2.el, submit),
        h('p', {}, t('register.haveAccount'), ' ', h('a', { href: '#/login' }, t('register.login'))));

      async function onSubmit(e) {
        e.preventDefault();
        area.clear();
        for (const f of Object.values(fields)) f.setError('');
        const username = fields.username.input.value.trim();
        const password = fields.password.input.value;
        const password2 = fields.password2.input.value;
        let bad = null;
        if (!username) bad = bad || (fields.username.setError(t('register.required')), fields.username);
        if (!password) bad = bad || (fields.password.setError(t('register.required')), fields.password);
        else if (password.length < 12) bad = bad || (fields.password.setError(t('register.tooShort')), fields.password);
        if (password && password2 !== password) bad = bad || (fields.password2.setError(t('register.mismatch')), fields.password2);
        if (bad) {
          bad.input.focus();
          return;
        }
        setBusy(submit, true, t('register.busy'));
        try {
          const answer = await api.post('/api/register', { username, password });
          stepTwo(answer.username || username, password, answer.enrolment || {});
        } catch (err) {
          setBusy(submit, false);
          showError(err, fields, area, 'register');
        }
      }
    }

    function stepTwo(username, password, enrolment) {
      clear(body);
      const code = field({ label: t('register.code'), name: 'code', hint: t('register.codeHint'), autocomplete: 'one-time-code', inputmode: 'numeric', required: true, attrs: { maxlength: '6' } });
      const submit = h('button', { type: 'submit', class: 'button' }, t('register.confirm'));
      const heading = h('h2', { tabindex: '-1' }, t('register.step2'));
      add(body,
        heading,
        h('p', {}, t('register.scan')),
        enrolment.qr_svg ? h('div', { class: 'qr-box' }, svgImage(enrolment.qr_svg, t('register.qrAlt'))) : null,
        h('p', {}, t('register.manual')),
        h('p', { class: 'secret' }, h('span', { class: 'visually-hidden' }, `${t('register.secretLabel')}: `),
          h('code', { id: 'totp-secret', 'data-secret': enrolment.secret || '' }, grouped(enrolment.secret || ''))),
        h('form', { class: 'form', novalidate: true, onsubmit: onConfirm }, code.el, submit));
      heading.focus();

      async function onConfirm(e) {
        e.preventDefault();
        area.clear();
        code.setError('');
        const value = code.input.value.replace(/\s+/g, '');
        if (!/^\d{6}$/.test(value)) {
          code.setError(t('register.codeFormat'));
          code.input.focus();
          return;
        }
        setBusy(submit, true, t('register.confirmBusy'));
        try {
          await api.post('/api/register/confirm', { username, password, code: value });
          await ctx.refreshMe();
          ctx.navigate('providers');
        } catch (err) {
          setBusy(submit, false);
          code.input.value = '';
          // A wrong code belongs under the code field, whatever field the server named.
          const onField = err.status === 400 || err.status === 401 ? Object.assign({}, err, { field: 'code' }) : err;
          showError(onField, { code }, area, 'register');
        }
      }
    }
  },
};
