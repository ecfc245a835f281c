'use strict';
// The operator's console: the pasted key lives in this tab's
// sessionStorage and goes to the admin API as a Bearer header, never in a
// cookie or a URL. Signing in also asks /admin/session for the cookie that
// lets this browser open the queue dashboard (/admin/queues).
(function () {
  const KEY = 'oshigoods.adminKey';
  const $ = (id) => document.getElementById(id);

  const statusLabels = {
    awaiting_payment: '入金待ち', received: '受付', queued: '制作待ち', rendering: '制作中', ready: '完成',
    printed: '印刷済み', shipped: '発送済み', delivered: 'お届け済み', failed: '失敗', cancelled: 'キャンセル',
  };
  const kindLabels = { photo: '写真', card: 'カード', voice: 'ボイス' };
  const payModes = { none: '支払いなし', bank_transfer: '銀行振込', stripe: 'カード・コンビニ等' };
  const payStatuses = { not_required: '不要', pending: '未入金', paid: '入金済み', expired: '期限切れ', cancelled: '取消' };
  const taskStates = { pending: '待機中', active: '実行中', scheduled: '予定', retry: '再試行待ち', archived: '打ち切り', completed: '完了' };
  const codeLabels = {
    conflict: 'いまの状態ではできません', not_found: '見つかりません', unprocessable: '入力を確かめてください',
    invalid: '送信内容を読みとれませんでした', rate_limited: '試行が多すぎます', unavailable: 'いま使えません。少し待ってください',
    internal: 'エラーが起きました', network: '通信できませんでした',
  };

  let nextCursor = ''; // the page after the one shown
  let pageCursor = ''; // the page shown
  let lastSearch = null;
  let openOrder = '';

  // el makes an element: props sets attributes (class, text, on*), the
  // rest are children (strings become text, never HTML).
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c);
    }
    return e;
  }

  const fmtTime = (s) => {
    if (!s) return '—';
    const d = new Date(s);
    return d.toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  };
  const fmtYen = (n) => new Intl.NumberFormat('ja-JP').format(n) + '円';
  const badge = (s) => el('span', { class: 'status ' + s, text: statusLabels[s] || s });

  function errorText(err) {
    const label = codeLabels[err.code] || 'エラー';
    return err.message ? `${label}：${err.message}` : label;
  }

  function say(text, bad) {
    const m = $('message');
    m.textContent = text;
    m.classList.toggle('error', !!bad);
    m.hidden = false;
  }

  // api calls the admin API with the key; a 401 signs the tab out.
  async function api(method, path, body) {
    const opts = { method, headers: { Authorization: 'Bearer ' + (sessionStorage.getItem(KEY) || '') } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      throw { code: 'network', message: '' };
    }
    const data = await res.json().catch(() => null);
    if (res.status === 401) {
      signOut('キーが使えなくなりました。もう一度ログインしてください。');
      throw { code: 'unauthorized', message: '' };
    }
    if (!res.ok) throw (data && data.error) || { code: 'internal', message: 'HTTP ' + res.status };
    return data;
  }

  async function signIn(key, quiet) {
    const err = $('signin-error');
    err.hidden = true;
    let res;
    try {
      res = await fetch('/v1/admin/me', { headers: { Authorization: 'Bearer ' + key } });
    } catch (e) {
      err.textContent = '通信できませんでした。';
      err.hidden = false;
      return;
    }
    if (!res.ok) {
      sessionStorage.removeItem(KEY);
      if (quiet) return;
      if (res.status === 401) err.textContent = 'キーが正しくありません。';
      else if (res.status === 429) err.textContent = `失敗が続いたため、${res.headers.get('Retry-After') || 60}秒ほどログインできません。`;
      else err.textContent = 'ログインできませんでした（HTTP ' + res.status + '）。';
      err.hidden = false;
      return;
    }
    const me = await res.json();
    sessionStorage.setItem(KEY, key);
    // The queue dashboard's cookie; the console works without it.
    await fetch('/admin/session', { method: 'POST', headers: { Authorization: 'Bearer ' + key } }).catch(() => {});
    $('key').value = '';
    $('signin').hidden = true;
    $('app').hidden = false;
    $('nav').hidden = false;
    $('who').textContent = `${me.name}（${me.id}）`;
    loadProblems();
  }

  function signOut(why) {
    sessionStorage.removeItem(KEY);
    fetch('/admin/session', { method: 'DELETE' }).catch(() => {});
    $('app').hidden = true;
    $('nav').hidden = true;
    $('signin').hidden = false;
    const err = $('signin-error');
    err.textContent = why || '';
    err.hidden = !why;
  }

  // armed is a button that acts on its second press, for what cannot be
  // undone (cancelling).
  function armed(text, onConfirm) {
    const b = el('button', { type: 'button', class: 'danger small', text });
    let timer = 0;
    b.addEventListener('click', () => {
      if (!b.classList.contains('armed')) {
        b.classList.add('armed');
        b.textContent = 'もう一度押すと' + text;
        timer = setTimeout(() => { b.classList.remove('armed'); b.textContent = text; }, 5000);
        return;
      }
      clearTimeout(timer);
      b.disabled = true;
      onConfirm();
    });
    return b;
  }

  async function act(what, fn) {
    try {
      await fn();
      say(what);
    } catch (e) {
      if (e.code !== 'unauthorized') say(errorText(e), true);
    }
    await loadProblems();
    if (openOrder) await showOrder(openOrder);
    if (lastSearch) await search('again');
  }

  const retryItem = (id) => act(`アイテム ${id} をもう一度制作にまわしました。`, () => api('POST', `/v1/admin/items/${encodeURIComponent(id)}/retry`));
  const cancelItem = (id) => act(`アイテム ${id} を取り消しました。`, () => api('POST', `/v1/admin/items/${encodeURIComponent(id)}/cancel`));

  function taskText(t) {
    if (!t) return '—';
    return `再試行 ${t.retried}/${t.max_retry}（${taskStates[t.state] || t.state}）`;
  }

  function orderLink(id) {
    return el('button', { type: 'button', class: 'link ghost small', text: id, onclick: () => showOrder(id) });
  }

  function reasonCell(text, task) {
    return el('td', { class: 'reason' }, text || '—',
      task && task.last_error ? el('span', { class: 'internal', text: '内部: ' + task.last_error }) : null);
  }

  async function loadProblems() {
    for (const which of ['failed', 'stuck']) {
      let data;
      try {
        data = await api('GET', '/v1/admin/items?status=' + which);
      } catch (e) {
        if (e.code !== 'unauthorized') say(errorText(e), true);
        return;
      }
      const body = $(which).querySelector('tbody');
      body.replaceChildren(...data.items.map((it) => el('tr', { 'data-item': it.id },
        el('td', { class: 'id', text: it.id }),
        el('td', {}, orderLink(it.order_id)),
        el('td', { text: `${kindLabels[it.kind] || it.kind} ${it.template} ×${it.quantity}` }),
        reasonCell(it.reason, it.task),
        el('td', { text: taskText(it.task) }),
        el('td', { class: 'time', text: fmtTime(it.updated_at) }),
        el('td', { class: 'actions' },
          el('button', { type: 'button', class: 'small retry', text: '再実行', onclick: () => retryItem(it.id) }),
          armed('取消', () => cancelItem(it.id))))));
      $(which).hidden = data.items.length === 0;
      $(which + '-empty').hidden = data.items.length !== 0;
    }
  }

  // search shows a page of orders: the first of a new search ('new'),
  // the next one ('next') or the same again ('again').
  async function search(which) {
    const f = $('search-form');
    if (which === 'new') {
      lastSearch = new URLSearchParams();
      for (const name of ['id', 'email', 'status']) {
        const v = f.elements[name].value.trim();
        if (v) lastSearch.set(name, v);
      }
    }
    const cursor = which === 'new' ? '' : which === 'next' ? nextCursor : pageCursor;
    const q = new URLSearchParams(lastSearch);
    if (cursor) q.set('cursor', cursor);
    let data;
    try {
      data = await api('GET', '/v1/admin/orders?' + q.toString());
    } catch (e) {
      if (e.code !== 'unauthorized') say(errorText(e), true);
      return;
    }
    const rows = data.orders.map((o) => el('tr', { 'data-order': o.id },
      el('td', {}, orderLink(o.id)),
      el('td', {}, badge(o.status)),
      el('td', { class: 'time', text: fmtTime(o.created_at) }),
      el('td', { text: o.erased_at ? '（削除済み）' : `${o.customer.name} <${o.customer.email}>` }),
      el('td', { text: `${payModes[o.payment.mode] || o.payment.mode}・${payStatuses[o.payment.status] || o.payment.status}` }),
      el('td', { text: fmtYen(o.total) }),
      el('td', { text: o.items.map((it) => `${it.template}（${statusLabels[it.status] || it.status}）`).join('、') })));
    const body = $('orders').querySelector('tbody');
    body.replaceChildren(...rows);
    $('orders').hidden = rows.length === 0;
    $('orders-empty').hidden = rows.length !== 0;
    pageCursor = cursor;
    if (which === 'new' && openOrder) showOrder(openOrder);
    nextCursor = data.next_cursor || '';
    $('more').hidden = !nextCursor;
  }

  async function showOrder(id) {
    let o;
    try {
      o = await api('GET', '/v1/admin/orders/' + encodeURIComponent(id));
    } catch (e) {
      if (e.code !== 'unauthorized') say(errorText(e), true);
      return;
    }
    openOrder = id;
    const d = $('detail');
    const facts = el('dl', { class: 'facts' });
    const fact = (k, v) => facts.append(el('dt', { text: k }), el('dd', {}, v));
    fact('状態', badge(o.status));
    fact('受付日時', fmtTime(o.created_at));
    fact('お客さま', o.erased_at ? '（個人情報は削除済み）' : `${o.customer.name} <${o.customer.email}>`);
    if (o.shipping_address) {
      const a = o.shipping_address;
      fact('お届け先', `〒${a.postal_code} ${a.prefecture}${a.city}${a.line1}${a.line2 ? ' ' + a.line2 : ''} ${a.name}`);
    }
    fact('支払い', `${payModes[o.payment.mode] || o.payment.mode}・${payStatuses[o.payment.status] || o.payment.status}` +
      (o.payment.due_at && o.payment.status === 'pending' ? `（期限 ${fmtTime(o.payment.due_at)}）` : '') +
      (o.payment.reference ? `（${o.payment.reference}）` : ''));
    fact('合計', fmtYen(o.totals.total));
    if (o.shop_id) fact('印刷所', o.shop_id);

    const actions = el('div', { class: 'pay' });
    if (o.payment.mode === 'bank_transfer' && o.payment.status === 'pending') {
      const ref = el('input', { name: 'reference', maxlength: '200', placeholder: '例：12/06 ヤマダハナコ', autocomplete: 'off' });
      actions.append(el('label', {}, '振込の控え（任意）', ref),
        el('button', { type: 'button', id: 'mark-paid', text: '入金を確認', onclick: () => act(`注文 ${o.id} の入金を確認しました。`,
          () => api('POST', `/v1/admin/orders/${encodeURIComponent(o.id)}/mark-paid`, { reference: ref.value.trim() })) }));
    }
    if (!['cancelled', 'printed', 'shipped', 'delivered'].includes(o.status)) {
      actions.append(armed('注文をキャンセル', () => act(`注文 ${o.id} をキャンセルしました。`,
        () => api('POST', `/v1/admin/orders/${encodeURIComponent(o.id)}/cancel`))));
    }

    const items = el('tbody', {}, ...o.item_details.map((it) => el('tr', { 'data-item': it.id },
      el('td', { class: 'id', text: it.id }),
      el('td', { text: `${kindLabels[it.kind] || it.kind} ${it.template} ×${it.quantity}` }),
      el('td', {}, badge(it.status)),
      reasonCell(it.error, it.task),
      el('td', { text: taskText(it.task) }),
      el('td', { class: 'time', text: fmtTime(it.updated_at) }),
      el('td', { class: 'actions' },
        it.status === 'failed' ? el('button', { type: 'button', class: 'small retry', text: '再実行', onclick: () => retryItem(it.id) }) : null,
        ['awaiting_payment', 'received', 'queued', 'rendering', 'failed'].includes(it.status) ? armed('取消', () => cancelItem(it.id)) : null))));

    d.replaceChildren(
      el('div', { class: 'head' }, el('h2', { text: '注文 ' + o.id }),
        el('button', { type: 'button', class: 'ghost small', text: '閉じる', onclick: () => { openOrder = ''; d.hidden = true; } })),
      facts, actions,
      el('div', { class: 'scroll' }, el('table', {},
        el('thead', {}, el('tr', {}, ...['アイテム', '商品', '状態', '理由', '試行', '更新', ''].map((h) => el('th', { text: h })))),
        items)));
    d.hidden = false;
    d.scrollIntoView({ block: 'nearest' });
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('signin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const key = $('key').value.trim();
      if (key) signIn(key, false);
    });
    $('sign-out').addEventListener('click', () => signOut(''));
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      search('new');
    });
    $('more').addEventListener('click', () => search('next'));
    $('reload').addEventListener('click', () => loadProblems());
    const stored = sessionStorage.getItem(KEY);
    if (stored) signIn(stored, true);
  });
})();
