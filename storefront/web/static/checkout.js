'use strict';
// The cart page: the cart's lines (cart.js) with their pictures, quantity
// and removal; the totals as the server computes them (POST /v1/quotes);
// the checkout form — the customer, and for printed goods the address and
// the shipping method —; and one order of every line (POST /v1/orders).
(function () {
  const { ja, apiField, call, el, yen, newKey, saveToken } = window.oshi;
  const cart = window.oshiCart;
  const root = document.getElementById('cart');
  if (!root) return;
  const products = JSON.parse(root.dataset.products || '{}');
  const methods = JSON.parse(root.dataset.shipping || '[]');
  const maxItems = +root.dataset.maxItems || 20;
  const maxQuantity = +root.dataset.maxQuantity || 100;
  const payment = root.dataset.payment;
  const form = document.getElementById('checkout');
  const list = document.getElementById('cart-list');
  const empty = document.getElementById('cart-empty');
  const problem = document.getElementById('cart-problem');
  const formError = document.getElementById('err-form');
  const shipping = document.getElementById('shipping');
  const totalsStatus = document.getElementById('totals-status');
  let idempotencyKey = newKey();
  let lines = [];
  let attempted = false; // the fan pressed the order button once
  const previews = {}; // line id → blob: URL made on this page

  const physical = l => (products[l.template] || {}).delivery === 'physical';
  const anyPhysical = () => lines.some(physical);

  // ---- the lines ------------------------------------------------------
  function draw() {
    lines = cart.load();
    const known = lines.filter(l => products[l.template]);
    if (known.length !== lines.length) {
      // A template the shop no longer sells: drop it, saying so.
      cart.save(known);
      problem.textContent = 'お取り扱いが終わったグッズを、カートから外しました。';
      problem.hidden = false;
      lines = known;
    }
    empty.hidden = lines.length > 0;
    form.hidden = lines.length === 0;
    root.dataset.lines = String(lines.length);
    if (!lines.length) return;
    const focused = document.activeElement && document.activeElement.closest('li[data-line]');
    const focusKey = focused ? [focused.dataset.line, document.activeElement.dataset.action] : null;
    list.replaceChildren(...lines.map(drawLine));
    if (focusKey) {
      const li = list.querySelector(`li[data-line="${focusKey[0]}"]`);
      const b = li && (li.querySelector(`[data-action="${focusKey[1]}"]:not([disabled])`) || li.querySelector('[data-action]:not([disabled])'));
      if (b) b.focus();
    }
    document.getElementById('items-count').textContent = `${cart.pieces(lines)}点`;
    shipping.hidden = !anyPhysical();
    document.getElementById('summary-num').textContent = anyPhysical() ? '3' : '2';
    drawMethods();
    quote();
  }

  function drawLine(l, i) {
    const p = products[l.template];
    const pic = el('div', { class: `line-pic kind-${p.kind}` });
    if (p.kind === 'voice') {
      pic.append(el('img', { src: p.icon, alt: '', width: 56, height: 56, class: 'icon' }));
    } else if (l.thumb || previews[l.id]) {
      pic.append(el('img', { src: l.thumb || previews[l.id], alt: `${p.title}のプレビュー` }));
    } else {
      pic.append(el('span', { class: 'busy small' }, '準備中'));
      remakePreview(l);
    }
    const qty = physical(l)
      ? el('div', { class: 'qty', role: 'group', 'aria-label': `${p.title}の数量` },
        el('button', { type: 'button', class: 'icon', 'data-action': 'minus', 'aria-label': '1つ減らす', disabled: l.quantity <= 1 }, '−'),
        el('output', { class: 'n', 'aria-live': 'polite' }, `${l.quantity}`),
        el('button', { type: 'button', class: 'icon', 'data-action': 'plus', 'aria-label': '1つ増やす', disabled: l.quantity >= maxQuantity }, '＋'))
      : el('p', { class: 'qty-note' }, 'ダウンロード・1点');
    const voice = p.kind === 'voice'
      ? el('div', { class: 'listen' }, el('button', { type: 'button', class: 'secondary small-button', 'data-action': 'listen' }, '▶ 試聴する'), el('audio', { controls: true, hidden: true }))
      : null;
    return el('li', { class: `line kind-${p.kind}`, 'data-line': l.id, 'data-template': l.template, 'data-index': String(i) },
      pic,
      el('div', { class: 'line-body' },
        el('span', { class: 'badge' }, p.label),
        el('h3', {}, p.title),
        el('ul', { class: 'line-fields' }, ...summary(l, p).map(t => el('li', {}, t))),
        voice,
        el('p', { class: 'line-price' }, `${yen(p.price)} × ${l.quantity} = `, el('strong', {}, yen(p.price * l.quantity))),
        qty,
        el('p', { class: 'error', id: `err-line-${i}`, role: 'alert', hidden: true }),
        el('p', { class: 'line-tools' },
          el('a', { href: `/goods/${encodeURIComponent(l.template)}` }, 'もう一度つくる'),
          el('button', { type: 'button', class: 'link danger-link', 'data-action': 'remove' }, '削除'))));
  }

  // summary lists what the fan chose, in Japanese: 「メッセージ：いつも…」.
  function summary(l, p) {
    const out = [];
    for (const f of p.fields || []) {
      const v = l.fields[f.name];
      if (!v) continue;
      let text = v;
      if (f.type === 'image') text = '写真あり';
      else if (f.choices) text = v.split(',').map(x => f.choices[x] || x).join('、');
      const chars = Array.from(text.replace(/\s+/g, ' '));
      const label = f.label.replace(/（[^）]*）|\([^)]*\)/g, '');
      out.push(`${label}：${chars.length > 28 ? chars.slice(0, 27).join('') + '…' : chars.join('')}`);
    }
    return out;
  }

  // remakePreview asks for a line's preview again when the cart has no
  // picture of it (the cart dropped it for room).
  async function remakePreview(l) {
    if (previews[l.id] !== undefined) return;
    previews[l.id] = '';
    try {
      const resp = await call('POST', '/v1/previews', { body: { template: l.template, fields: l.fields } });
      previews[l.id] = URL.createObjectURL(await resp.blob());
    } catch (err) {
      previews[l.id] = '';
      showLineError(lines.findIndex(x => x.id === l.id), err);
      return;
    }
    const li = list.querySelector(`li[data-line="${l.id}"] .line-pic`);
    if (li) li.replaceChildren(el('img', { src: previews[l.id], alt: `${products[l.template].title}のプレビュー` }));
  }

  list.addEventListener('click', async e => {
    const b = e.target.closest('[data-action]');
    if (!b) return;
    const li = b.closest('li[data-line]');
    const l = lines.find(x => x.id === li.dataset.line);
    if (!l) return;
    const title = products[l.template].title;
    switch (b.dataset.action) {
      case 'minus': if (l.quantity > 1) cart.update(l.id, { quantity: l.quantity - 1 }); break;
      case 'plus': if (l.quantity < maxQuantity) cart.update(l.id, { quantity: l.quantity + 1 }); break;
      case 'remove': {
        const i = lines.indexOf(l);
        cart.remove(l.id);
        document.getElementById('cart-live').textContent = `「${title}」をカートから削除しました。`;
        const next = list.querySelectorAll('li[data-line] [data-action=remove]')[Math.min(i, lines.length - 1)];
        if (next) next.focus(); else document.getElementById('h-items').focus();
        break;
      }
      case 'listen': {
        const audio = li.querySelector('audio');
        b.disabled = true;
        try {
          const resp = await call('POST', '/v1/previews', { body: { template: l.template, fields: l.fields } });
          audio.src = URL.createObjectURL(await resp.blob());
          audio.hidden = false;
          b.hidden = true;
          audio.play().catch(() => {});
        } catch (err) {
          showLineError(lines.indexOf(l), err);
        } finally {
          b.disabled = false;
        }
        break;
      }
    }
  });
  cart.onChange(draw);

  // ---- shipping methods and totals --------------------------------------
  function selectedMethod() {
    const r = form.querySelector('input[name=shipping_method]:checked');
    return r ? r.value : '';
  }
  // drawMethods disables the methods that cannot carry the cart's pieces.
  function drawMethods() {
    const n = lines.filter(physical).reduce((s, l) => s + l.quantity, 0);
    let choose = false;
    for (const m of methods) {
      const r = form.querySelector(`input[name=shipping_method][value="${CSS.escape(m.id)}"]`);
      if (!r) continue;
      const tooMany = m.max_items > 0 && n > m.max_items;
      r.disabled = tooMany;
      r.closest('label').classList.toggle('unavailable', tooMany);
      if (tooMany && r.checked) { r.checked = false; choose = true; }
    }
    if (choose || !selectedMethod()) {
      const first = form.querySelector('input[name=shipping_method]:not(:disabled)');
      if (first) first.checked = true;
    }
  }
  // drawFees says 送料無料 beside the methods free for this subtotal.
  function drawFees(subtotal) {
    for (const m of methods) {
      const fee = form.querySelector(`[data-fee-for="${CSS.escape(m.id)}"]`);
      if (!fee) continue;
      if (fee.dataset.terms === undefined) fee.dataset.terms = fee.textContent;
      const free = m.fee === 0 || (m.free_from > 0 && subtotal >= m.free_from);
      fee.textContent = free ? '送料無料' : fee.dataset.terms;
      fee.classList.toggle('free', free);
    }
  }

  let quoteTimer = 0, quoteSeq = 0;
  function quote() {
    clearTimeout(quoteTimer);
    totalsStatus.textContent = '金額を計算しています…';
    form.dataset.quote = 'pending';
    quoteTimer = setTimeout(doQuote, 150);
  }
  async function doQuote() {
    const mine = ++quoteSeq;
    const body = { items: lines.map(l => ({ template: l.template, quantity: l.quantity })) };
    if (anyPhysical()) body.shipping_method = selectedMethod();
    try {
      const q = await (await call('POST', '/v1/quotes', { body })).json();
      if (mine !== quoteSeq) return;
      const t = q.totals;
      document.getElementById('t-items').textContent = yen(t.items);
      const m = methods.find(x => x.id === q.shipping_method);
      document.getElementById('t-method').textContent = m ? `（${m.name}）` : '';
      document.getElementById('t-shipping').textContent = !anyPhysical() ? 'なし（ダウンロード）' : t.shipping === 0 ? '送料無料' : yen(t.shipping);
      document.getElementById('t-total').textContent = yen(t.total);
      document.getElementById('t-tax').textContent = yen(t.tax);
      root.dataset.total = String(t.total);
      drawFees(t.items);
      clearError('shipping_method');
      lines.forEach((l, i) => clearLineError(i));
      totalsStatus.textContent = '';
    } catch (err) {
      if (mine !== quoteSeq) return;
      totalsStatus.textContent = '金額を計算できませんでした。';
      showAPIError(err, true);
    } finally {
      if (mine === quoteSeq) form.dataset.quote = 'idle';
    }
  }
  form.addEventListener('change', e => {
    if (e.target.name === 'shipping_method') quote();
  });

  // ---- field errors -----------------------------------------------------
  function errorBox(name) { return document.getElementById('err-' + name); }
  const showError = window.oshi.showFieldError;
  function clearError(name) {
    const box = errorBox(name);
    if (!box) return;
    box.hidden = true;
    box.replaceChildren();
    const field = box.closest('.field');
    if (field) {
      field.classList.remove('has-error');
      field.querySelectorAll('[aria-invalid]').forEach(i => i.removeAttribute('aria-invalid'));
    }
  }
  function showLineError(i, err) {
    const box = document.getElementById(`err-line-${i}`);
    if (!box) return false;
    let text = ja(err).text;
    if (/no upload with id/.test(err.message || '')) text = '写真の保存期間が過ぎました。お手数ですが「もう一度つくる」から写真をえらび直してください。';
    box.replaceChildren(el('span', {}, text));
    box.hidden = false;
    box.closest('li').classList.add('has-error');
    return true;
  }
  function clearLineError(i) {
    const box = document.getElementById(`err-line-${i}`);
    if (!box) return;
    box.hidden = true;
    box.closest('li').classList.remove('has-error');
  }
  function showFormError(err) {
    const t = ja(err);
    formError.replaceChildren(...[el('span', {}, t.text), t.detail && el('small', { class: 'detail', lang: 'en' }, t.detail)].filter(Boolean));
    formError.hidden = false;
  }
  // showAPIError puts an API error beside its field: a cart line's
  // ("items[1].fields.message"), the form's ("shipping_address.phone"),
  // or at the top.
  function showAPIError(err, quiet) {
    const field = err.field || '';
    const m = field.match(/^items\[(\d+)\]/);
    if (m && showLineError(+m[1], err)) return;
    const name = field === 'shipping_address' ? 'shipping_address.postal_code' : apiField(field);
    if (name && showError(name, err)) return;
    if (!quiet) showFormError(err);
  }

  // ---- the form: what is required, checked when touched -----------------
  const val = id => document.getElementById(id).value.trim();
  const fold = s => s.replace(/[０-９]/g, c => String.fromCharCode(c.charCodeAt(0) - 0xFEE0)).replace(/[－ー‐‑–—―−]/g, '-');
  const checks = {
    'customer.name': () => val('c-name') ? null : 'is required',
    'customer.email': () => !val('c-email') ? 'is required' : /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(val('c-email')) ? null : 'not an email address',
    'shipping_address.name': () => val('a-name') ? null : 'is required',
    'shipping_address.postal_code': () => !val('a-postal') ? 'is required' : /^〒?\s*\d{3}-?\d{4}$/.test(fold(val('a-postal'))) ? null : 'postal_code must be 7 digits',
    'shipping_address.prefecture': () => val('a-pref') ? null : 'prefecture must be one of the 47 prefectures',
    'shipping_address.city': () => val('a-city') ? null : 'is required',
    'shipping_address.line1': () => val('a-line1') ? null : 'is required',
    'shipping_address.phone': () => {
      const d = fold(val('a-phone')).replace(/[-\s()（）]/g, '').replace(/^\+81/, '0');
      return !d ? 'is required' : /^0\d{9,10}$/.test(d) ? null : 'phone must be a Japanese phone number';
    },
    'terms_accepted': () => document.getElementById('terms').checked ? null : 'terms_accepted must be true',
  };
  const touched = new Set();
  function check(name) {
    if (name.startsWith('shipping_address.') && !anyPhysical()) return true;
    const problem = checks[name] && checks[name]();
    if (problem) showError(name, { code: 'unprocessable', message: problem });
    else clearError(name);
    return !problem;
  }
  form.addEventListener('input', e => {
    const f = e.target.closest('.field');
    if (!f || !checks[f.dataset.field]) return;
    touched.add(f.dataset.field);
    // While an error shows, it goes as soon as the value is right.
    if (attempted || !errorBox(f.dataset.field).hidden) check(f.dataset.field);
  });
  form.addEventListener('focusout', e => {
    const f = e.target.closest('.field');
    if (f && touched.has(f.dataset.field)) check(f.dataset.field);
  });
  document.getElementById('terms').addEventListener('change', () => { touched.add('terms_accepted'); check('terms_accepted'); });

  // The recipient is the customer until the fan types another name.
  const recipient = document.getElementById('a-name');
  document.getElementById('c-name').addEventListener('input', () => {
    if (recipient.dataset.own === 'true') return;
    recipient.value = document.getElementById('c-name').value;
    if (!errorBox('shipping_address.name').hidden) check('shipping_address.name');
  });
  recipient.addEventListener('input', () => { recipient.dataset.own = recipient.value ? 'true' : ''; });

  // ---- postal code: fill the prefecture, the city and the town ----------
  const postal = document.getElementById('a-postal');
  const postalHint = document.getElementById('hint-postal');
  const postalHintText = postalHint.textContent;
  let postalTimer = 0, postalCtl = null, postalDone = '';
  postal.addEventListener('input', () => {
    clearTimeout(postalTimer);
    const digits = fold(postal.value).replace(/[^0-9]/g, '');
    if (digits.length !== 7 || digits === postalDone) return;
    postalTimer = setTimeout(() => lookUp(digits), 300);
  });
  async function lookUp(digits) {
    if (postalCtl) postalCtl.abort();
    const ctl = new AbortController();
    postalCtl = ctl;
    try {
      const r = await (await call('GET', `/v1/postal-codes/${digits}`, { signal: ctl.signal })).json();
      const list = (r && r.addresses) || [];
      if (!list.length) return;
      const a = list[0];
      const same = k => list.every(x => x[k] === a[k]);
      const pref = document.getElementById('a-pref');
      if (same('prefecture') && Array.from(pref.options).some(o => o.value === a.prefecture)) pref.value = a.prefecture;
      if (same('prefecture') && same('city') && a.city) document.getElementById('a-city').value = a.city;
      const line1 = document.getElementById('a-line1');
      if (!line1.value.trim() && same('town') && a.town) line1.value = a.town;
      postalDone = digits;
      if (r.postal_code && fold(postal.value).replace(/[^0-9]/g, '') === digits) postal.value = r.postal_code;
      for (const n of ['shipping_address.prefecture', 'shipping_address.city', 'shipping_address.line1']) {
        if (!errorBox(n).hidden) check(n);
      }
      postalHint.textContent = '住所を途中まで入れました。番地などを続けて入れてください。';
      form.dataset.postal = 'filled';
    } catch (err) {
      // Unknown or unreachable: the fan types the address, as without it.
      if (err && err.name === 'AbortError') return;
      postalHint.textContent = postalHintText;
      form.dataset.postal = 'none';
    } finally {
      if (postalCtl === ctl) postalCtl = null;
    }
  }

  // ---- order --------------------------------------------------------------
  form.addEventListener('submit', async e => {
    e.preventDefault();
    attempted = true;
    formError.hidden = true;
    lines = cart.load();
    if (!lines.length) { draw(); return; }
    let ok = true;
    for (const name of Object.keys(checks)) ok = check(name) && ok;
    if (lines.length > maxItems) {
      showFormError({ code: 'unprocessable', message: `an order takes at most ${maxItems} items; got ${lines.length}` });
      ok = false;
    }
    if (!ok) { focusFirstError(); return; }
    const body = {
      customer: { name: val('c-name'), email: val('c-email') },
      items: lines.map(l => ({ template: l.template, quantity: l.quantity, fields: l.fields })),
      terms_accepted: document.getElementById('terms').checked,
    };
    if (anyPhysical()) {
      body.shipping_address = {
        postal_code: val('a-postal'), prefecture: val('a-pref'), city: val('a-city'),
        line1: val('a-line1'), line2: val('a-line2'), name: val('a-name'), phone: val('a-phone'),
      };
      body.shipping_method = selectedMethod();
    }
    const button = document.getElementById('submit');
    button.disabled = true;
    button.classList.add('busy');
    let o;
    try {
      o = await (await call('POST', '/v1/orders', { body, headers: { 'Idempotency-Key': idempotencyKey } })).json();
    } catch (err) {
      showAPIError(err);
      focusFirstError();
      button.disabled = false;
      button.classList.remove('busy');
      return;
    }
    idempotencyKey = newKey();
    // The token stays in this tab (the payment page's return address has
    // none), and in the order page's fragment, never sent to a server.
    saveToken(o.id, o.token);
    cart.clear();
    const page = `/orders/${encodeURIComponent(o.id)}#t=${encodeURIComponent(o.token)}`;
    if (payment === 'stripe' && o.payment && o.payment.status === 'pending') {
      try {
        let url = o.payment.checkout_url;
        if (!url) {
          const c = await (await call('POST', `/v1/orders/${encodeURIComponent(o.id)}/checkout`, { headers: { Authorization: 'Bearer ' + o.token } })).json();
          url = c.checkout_url;
        }
        if (url) { location.assign(url); return; }
      } catch (err) {
        // The order page offers the payment again.
      }
    }
    location.assign(page);
  });

  function focusFirstError() {
    const box = document.querySelector('#checkout .error:not([hidden]), #checkout .form-error:not([hidden])');
    if (!box) return;
    const field = box.closest('.field, li[data-line]');
    const input = field && field.querySelector('input:not([type=hidden]):not(:disabled), select, textarea, button');
    box.scrollIntoView({ block: 'center' });
    if (input) input.focus({ preventScroll: true });
  }
  window.addEventListener('pageshow', e => { if (e.persisted) { idempotencyKey = newKey(); draw(); } });

  draw();
})();
