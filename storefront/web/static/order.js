'use strict';
// The order page: follows the order's status by polling GET /v1/orders/{id}
// with the order token from the URL fragment (#t=…), which browsers never
// send to a server, and shows the finished goods when they are ready.
(function () {
  const { ja, jaWarning, call, date, el } = window.oshi;
  const root = document.getElementById('order');
  if (!root) return;
  const id = root.dataset.order;
  const poll = +root.dataset.poll || 2000;
  const titles = JSON.parse(root.dataset.titles || '{}');
  const token = new URLSearchParams(location.hash.slice(1)).get('t') || '';
  const problem = document.getElementById('order-problem');
  const summary = document.getElementById('order-summary');
  const auth = { Authorization: 'Bearer ' + token };

  const statusText = {
    received: ['受付', 'ご注文を受けつけました。'],
    queued: ['制作待ち', 'ご注文を受けつけました。順番に制作します。'],
    rendering: ['制作中', 'ただいま制作中です。もう少しお待ちください。'],
    ready: ['完成', '完成しました！'],
    printed: ['印刷済み', '印刷が終わりました。お届けまでお待ちください。'],
    failed: ['制作できませんでした', '申し訳ありません。制作できませんでした。'],
    cancelled: ['キャンセル', 'このご注文はキャンセルされました。'],
  };
  const steps = ['received', 'queued', 'rendering', 'ready'];
  const shown = {}; // item id → files already shown

  function fail(text) {
    problem.textContent = text;
    problem.hidden = false;
  }

  async function refresh() {
    let o;
    try {
      o = await (await call('GET', `/v1/orders/${encodeURIComponent(id)}`, { headers: auth })).json();
    } catch (err) {
      if (err.status === 404) {
        fail('ご注文が見つかりませんでした。ご注文のときに表示されたURLをそのまま開いてください。');
        return;
      }
      fail(ja(err).text + '（自動でもう一度確かめます）');
      setTimeout(refresh, poll * 2);
      return;
    }
    problem.hidden = true;
    draw(o);
    if (!['ready', 'printed', 'failed', 'cancelled'].includes(o.status)) setTimeout(refresh, poll);
  }

  // Erasure: once the order is no longer being made, the fan may erase
  // its personal data (POST /v1/orders/{id}/erase), after confirming.
  const inProduction = ['received', 'queued', 'rendering'];
  const eraseBox = document.getElementById('erase');
  const eraseButton = document.getElementById('erase-button');
  const eraseProblem = document.getElementById('erase-problem');
  eraseButton.addEventListener('click', async () => {
    const ok = window.confirm('このご注文の個人情報を削除します。\n\n削除するもの：お名前・メールアドレス・入力した文字・写真・できあがったファイル\n残るもの：注文番号・商品・数量・状況・日時\n\n元に戻せません。印刷前のご注文はキャンセルになります。削除しますか？');
    if (!ok) return;
    eraseButton.disabled = true;
    eraseProblem.hidden = true;
    try {
      const o = await (await call('POST', `/v1/orders/${encodeURIComponent(id)}/erase`, { headers: auth })).json();
      draw(o);
    } catch (err) {
      eraseProblem.textContent = err.status === 409
        ? 'いまは制作中（または印刷所が作業中）のため削除できません。完成したあとにもう一度お試しください。'
        : ja(err).text;
      eraseProblem.hidden = false;
    } finally {
      eraseButton.disabled = false;
    }
  });

  function drawErasure(o) {
    const erased = !!o.erased_at;
    document.getElementById('erased').hidden = !erased;
    if (erased) document.getElementById('erased-at').textContent = date(o.erased_at);
    eraseBox.hidden = erased || inProduction.includes(o.status) || o.items.some(it => inProduction.includes(it.status));
  }

  function draw(o) {
    summary.hidden = false;
    drawErasure(o);
    document.getElementById('order-id').textContent = o.id;
    document.getElementById('order-date').textContent = date(o.created_at);
    document.getElementById('order-customer').textContent = o.erased_at ? '（削除済み）' : `${o.customer.name} さま`;
    const lead = document.getElementById('order-lead');
    lead.textContent = o.status === 'ready' || o.status === 'printed'
      ? 'おまたせしました！ グッズが完成しました ♡'
      : 'ご注文ありがとうございます ♡ このページは自動で更新されます。';
    const at = Math.max(steps.indexOf(o.status), o.status === 'printed' ? steps.length - 1 : -1);
    document.querySelectorAll('#steps li').forEach((li, i) => {
      li.classList.toggle('done', i < at || (i === at && at === steps.length - 1));
      li.classList.toggle('current', i === at);
      if (i === at) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    });
    const st = document.getElementById('order-status');
    st.textContent = (statusText[o.status] || [o.status, ''])[1];
    st.dataset.status = o.status;
    root.dataset.status = o.status;
    const items = document.getElementById('items');
    for (const it of o.items) {
      let box = document.getElementById('item-' + it.id);
      if (!box) {
        box = el('article', { class: `item kind-${it.kind}`, id: 'item-' + it.id },
          el('h2', {}, titles[it.template] || it.template),
          el('p', { class: 'item-status' }),
          el('div', { class: 'goods' }));
        items.append(box);
      }
      box.dataset.status = it.status;
      const label = (statusText[it.status] || [it.status])[0];
      const qty = it.kind === 'voice' ? '' : `・${it.quantity}枚`;
      box.querySelector('.item-status').replaceChildren(el('span', { class: `pill st-${it.status}` }, label), qty);
      if (it.status === 'failed') {
        box.querySelector('.goods').replaceChildren(el('p', { class: 'bad' }, 'この商品は制作できませんでした。お手数ですが、内容を変えてもう一度ご注文ください。',
          it.error && el('small', { class: 'detail', lang: 'en' }, it.error)));
      }
      if (o.erased_at) {
        box.querySelector('.goods').replaceChildren(el('p', { class: 'small' }, '個人情報の削除にともない、仕上がりのファイルも削除しました。'));
        const note = box.querySelector('.item-warnings');
        if (note) note.remove();
        continue;
      }
      if ((it.status === 'ready' || it.status === 'printed') && !shown[it.id]) {
        shown[it.id] = true;
        showWarnings(it, box);
        showGoods(o, it, box.querySelector('.goods'));
      }
    }
  }

  // showWarnings puts a ready item's warnings beside it under 「ご注意」: what
  // the fan was told when ordering (a soft photo, a shrunk name) and what the
  // render added, in Japanese with the server's words (naming the dpi) as
  // detail. Text only, never HTML.
  function showWarnings(it, box) {
    const list = it.warnings || [];
    let note = box.querySelector('.item-warnings');
    if (!list.length) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = el('div', { class: 'warnings item-warnings', role: 'note' });
      box.querySelector('.goods').before(note);
    }
    note.replaceChildren(el('strong', {}, 'ご注意'), el('ul', {}, ...list.map(w => {
      const t = jaWarning(w);
      return el('li', {}, t.text, t.detail && el('small', { class: 'detail', lang: 'en' }, t.detail));
    })));
  }

  async function fileURL(o, it, f) {
    const resp = await call('GET', `/files/${encodeURIComponent(o.id)}/${encodeURIComponent(it.id)}/${encodeURIComponent(f.name)}`, { headers: auth });
    return URL.createObjectURL(await resp.blob());
  }

  // showGoods shows a ready item: the photo as it will be printed, the
  // card's picture with its print PDF, the voice clip to play and keep.
  async function showGoods(o, it, box) {
    const files = it.files || [];
    const byRole = role => files.filter(f => f.role === role);
    box.replaceChildren(el('p', { class: 'busy' }, '仕上がりを読みこんでいます…'));
    try {
      const parts = [];
      if (it.kind === 'photo') {
        const out = byRole('output').find(f => f.content_type.startsWith('image/'));
        if (out) {
          parts.push(el('figure', { class: 'print' },
            el('img', { src: await fileURL(o, it, out), alt: `${titles[it.template] || ''}の仕上がり（印刷される画像）` }),
            el('figcaption', {}, 'この画像がそのまま印刷されます。')));
        }
      } else if (it.kind === 'card') {
        const pic = byRole('preview').find(f => f.content_type.startsWith('image/'));
        if (pic) {
          parts.push(el('figure', { class: 'print' },
            el('img', { src: await fileURL(o, it, pic), alt: `${titles[it.template] || ''}の仕上がり` }),
            el('figcaption', {}, 'この内容で印刷してお届けします。')));
        }
      } else if (it.kind === 'voice') {
        const outs = byRole('output');
        const wav = outs.find(f => f.content_type === 'audio/wav') || outs[0];
        if (wav) {
          const url = await fileURL(o, it, wav);
          parts.push(el('audio', { controls: true, src: url, class: 'clip', 'aria-label': '完成したボイス' }));
          const links = el('p', { class: 'downloads' });
          for (const f of outs) {
            const u = f === wav ? url : await fileURL(o, it, f);
            const ext = f.name.split('.').pop().toUpperCase();
            links.append(el('a', { class: 'button download', href: u, download: f.name }, `${ext} をダウンロード（${kb(f.size)}）`));
          }
          parts.push(links, el('p', { class: 'small' }, 'スマホのアラーム音に設定して、推しに起こしてもらおう！'));
        }
      }
      box.replaceChildren(...parts);
    } catch (err) {
      shown[it.id] = false;
      box.replaceChildren(el('p', { class: 'bad' }, '仕上がりを読みこめませんでした。ページを再読み込みしてください。'));
    }
  }
  function kb(n) { return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`; }

  if (!token) {
    fail('このURLには、ご注文を確認するための鍵がついていません。ご注文のときに表示されたURLをそのまま開いてください。');
    return;
  }
  refresh();
})();
