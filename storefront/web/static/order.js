'use strict';
// The order page: follows the order's status by polling GET /v1/orders/{id}
// with the order token from the URL fragment (#t=…), which browsers never
// send to a server — or, back from the payment page, whose return address
// has no fragment, from this tab's sessionStorage —, shows how to pay
// while payment is pending, and the finished goods when they are ready.
(function () {
  const { ja, jaWarning, call, date, el, yen, jst, saveToken, loadToken } = window.oshi;
  const root = document.getElementById('order');
  if (!root) return;
  const id = root.dataset.order;
  const poll = +root.dataset.poll || 2000;
  const titles = JSON.parse(root.dataset.titles || '{}');
  const methods = JSON.parse(root.dataset.methods || '{}');
  const fromPayment = new URLSearchParams(location.search).get('paid') === '1';
  let token = new URLSearchParams(location.hash.slice(1)).get('t') || '';
  if (token) {
    saveToken(id, token);
  } else if ((token = loadToken(id))) {
    // Put the key back in the address, so a bookmark keeps working
    // (the notice below says it is there).
    history.replaceState(null, '', location.pathname + '#t=' + encodeURIComponent(token));
  }
  const problem = document.getElementById('order-problem');
  const summary = document.getElementById('order-summary');
  const auth = { Authorization: 'Bearer ' + token };

  // While an item waits on a retry after an outage (the API's "delayed"),
  // the page says so rather than a silent 制作中.
  const delayedText = '混み合っています。しばらくお待ちください';
  const statusText = {
    awaiting_payment: ['お支払い待ち', 'お支払いをお待ちしています。お支払いの確認後に制作を始めます。'],
    received: ['受付', 'ご注文を受けつけました。'],
    queued: ['制作待ち', 'ご注文を受けつけました。順番に制作します。'],
    rendering: ['制作中', 'ただいま制作中です。もう少しお待ちください。'],
    ready: ['完成', '完成しました！'],
    printed: ['印刷済み', '印刷が終わりました。発送までもうしばらくお待ちください。'],
    shipped: ['発送済み', '発送しました！ お届けまでもうしばらくお待ちください。'],
    delivered: ['お届け済み', 'できあがりました！ 下のボタンからダウンロードできます。'],
    failed: ['制作できませんでした', '申し訳ありません。制作できませんでした。'],
    cancelled: ['キャンセル', 'このご注文はキャンセルされました。'],
  };
  // The steps shown: printed goods are printed and shipped, downloads
  // delivered (stepOf maps a status to the step it waits at, or ends at).
  const finished = ['shipped', 'delivered', 'failed', 'cancelled'];
  const done = ['ready', 'printed', 'shipped', 'delivered'];
  function stepsOf(o) {
    const physical = o.items.some(it => it.kind !== 'voice' && it.status !== 'cancelled');
    return ['received', 'awaiting_payment', 'making'].concat(physical ? ['printed', 'shipped'] : ['delivered']);
  }
  function stepOf(status, physical) {
    switch (status) {
      case 'awaiting_payment': return 'awaiting_payment';
      case 'received': case 'queued': case 'rendering': return 'making';
      case 'ready': return physical ? 'printed' : 'delivered';
      case 'printed': case 'shipped': return 'shipped';
      case 'delivered': return 'delivered';
    }
    return '';
  }
  // timelineStep is the step each timeline entry dates.
  const timelineStep = { received: 'received', paid: 'awaiting_payment', ready: 'making', printed: 'printed', shipped: 'shipped', delivered: 'delivered' };
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
    if (!finished.includes(o.status)) {
      // A transfer takes hours or days, and a print shop prints and
      // ships in days: no need to ask every few seconds then.
      const slow = (o.payment && o.payment.mode === 'bank_transfer' && o.payment.status === 'pending') ||
        o.status === 'ready' || o.status === 'printed';
      setTimeout(refresh, slow ? Math.max(poll, 10000) : poll);
    }
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
    lead.textContent = done.includes(o.status)
      ? 'おまたせしました！ グッズが完成しました ♡'
      : 'ご注文ありがとうございます ♡ このページは自動で更新されます。';
    const pay = o.payment || { mode: 'none', status: 'not_required' };
    const steps = stepsOf(o);
    const physical = steps.includes('shipped');
    let at = steps.indexOf(stepOf(o.status, physical));
    if (pay.status === 'paid' && at >= 0 && at <= steps.indexOf('awaiting_payment')) at = steps.indexOf('making');
    const final = o.status === 'shipped' || o.status === 'delivered';
    const when = {};
    for (const t of o.timeline || []) when[timelineStep[t.step]] = t.at;
    document.querySelectorAll('#steps li').forEach(li => {
      const step = li.dataset.step;
      const i = steps.indexOf(step);
      li.hidden = i < 0 || (step === 'awaiting_payment' && (pay.mode === 'none' || !pay.mode));
      li.classList.toggle('done', i >= 0 && (i < at || (i === at && final)));
      li.classList.toggle('current', i >= 0 && i === at && !final);
      if (i === at && !final) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
      li.querySelector('.step-at').textContent = when[step] && (i < at || final) ? date(when[step]) : '';
    });
    drawShipment(o);
    const st = document.getElementById('order-status');
    st.textContent = (statusText[o.status] || [o.status, ''])[1];
    if (o.delayed && inProduction.includes(o.status)) st.textContent = delayedText + '。';
    st.dataset.delayed = o.delayed ? 'true' : 'false';
    if (o.status === 'cancelled' && pay.status === 'expired') st.textContent = 'お支払いの期限を過ぎたため、このご注文はキャンセルになりました。';
    drawPayment(o, pay);
    drawMoney(o);
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
      box.dataset.delayed = it.delayed ? 'true' : 'false';
      const label = it.delayed ? delayedText : (statusText[it.status] || [it.status])[0];
      const price = it.unit_price ? `・${yen(it.unit_price.amount)}` : '';
      const qty = it.kind === 'voice' ? price : `${price} × ${it.quantity}枚`;
      box.querySelector('.item-status').replaceChildren(el('span', { class: `pill st-${it.delayed ? 'delayed' : it.status}` }, label), qty);
      if (it.status === 'failed') {
        // A reason written for the fan in Japanese (the shop gave up after
        // several attempts) is said as it is; the renderer's English
        // reasons (the input it refused) come as detail.
        const ja = /[^\x00-\x7f]/.test(it.error || '');
        box.querySelector('.goods').replaceChildren(ja
          ? el('p', { class: 'bad' }, it.error)
          : el('p', { class: 'bad' }, 'この商品は制作できませんでした。お手数ですが、内容を変えてもう一度ご注文ください。',
            it.error && el('small', { class: 'detail', lang: 'en' }, it.error)));
      }
      if (o.erased_at) {
        box.querySelector('.goods').replaceChildren(el('p', { class: 'small' }, '個人情報の削除にともない、仕上がりのファイルも削除しました。'));
        const note = box.querySelector('.item-warnings');
        if (note) note.remove();
        continue;
      }
      if (done.includes(it.status) && !shown[it.id]) {
        shown[it.id] = true;
        showWarnings(it, box);
        showGoods(o, it, box.querySelector('.goods'));
      }
    }
  }

  // drawShipment shows the carrier, the tracking number and a link to the
  // carrier's tracking page once the printed goods shipped.
  function drawShipment(o) {
    const sh = o.shipment;
    document.getElementById('shipment').hidden = !sh;
    if (!sh) return;
    document.getElementById('shipment-carrier').textContent = sh.carrier_name || sh.carrier;
    // 12 digits read as the carriers print them: 1234-5678-9012.
    document.getElementById('shipment-number').textContent = /^\d{12}$/.test(sh.tracking_number)
      ? sh.tracking_number.replace(/^(\d{4})(\d{4})(\d{4})$/, '$1-$2-$3') : sh.tracking_number;
    document.getElementById('shipment-date').textContent = date(sh.shipped_at);
    const link = document.getElementById('shipment-link');
    link.hidden = !sh.tracking_url;
    if (sh.tracking_url && /^https:\/\//.test(sh.tracking_url)) link.href = sh.tracking_url;
  }

  // showWarnings puts a ready item's warnings beside it under 「ご注意」: what
  // the fan was told when ordering (a soft photo, a shrunk name) and what the
  // render added, in a fan's words (jaWarning); a warning no rule knows is
  // shown as the server wrote it. Text only, never HTML.
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

  // ---- payment -------------------------------------------------------------
  const payLabels = { pending: 'お支払い待ち', paid: 'お支払い済み', expired: '期限切れ', cancelled: 'キャンセル' };
  function drawPayment(o, pay) {
    const box = document.getElementById('payment');
    box.hidden = !pay.mode || pay.mode === 'none';
    root.dataset.payment = pay.status || '';
    if (box.hidden) return;
    const pill = document.getElementById('payment-status');
    pill.textContent = payLabels[pay.status] || pay.status;
    pill.className = `pill pay-${pay.status}`;
    const lead = document.getElementById('payment-lead');
    const bank = document.getElementById('bank');
    const card = document.getElementById('card-pay');
    bank.hidden = true;
    card.hidden = true;
    switch (pay.status) {
      case 'pending':
        if (pay.mode === 'bank_transfer') {
          lead.textContent = '下の口座に、期限までにお振り込みください。';
          if (pay.bank) {
            const b = pay.bank;
            for (const [k, v] of [['bank', b.bank], ['branch', b.branch], ['type', b.account_type], ['number', b.number], ['holder', b.holder]]) {
              document.getElementById('bank-' + k).textContent = v || '';
            }
            document.getElementById('bank-amount').textContent = yen(pay.amount);
            document.getElementById('bank-due').textContent = pay.due_at ? `${jst(pay.due_at)}まで` : '';
            bank.hidden = false;
          }
        } else if (pay.mode === 'stripe') {
          lead.textContent = fromPayment
            ? 'お支払いの完了を確認しています。このままお待ちください（自動で更新されます）。'
            : '「お支払いへ進む」から、お支払いページでお支払いください。';
          document.getElementById('card-due').textContent = pay.due_at ? `お支払い期限：${jst(pay.due_at)}まで` : '';
          card.hidden = false;
        }
        break;
      case 'paid':
        lead.textContent = `お支払いを確認しました${pay.paid_at ? `（${date(pay.paid_at)}）` : ''}。ありがとうございます！`;
        break;
      case 'expired':
        lead.textContent = 'お支払いの期限を過ぎたため、このご注文はキャンセルになりました。';
        break;
      case 'cancelled':
        lead.textContent = 'お支払いの前に、このご注文はキャンセルされました。';
        break;
      default:
        lead.textContent = '';
    }
  }
  const payButton = document.getElementById('pay-button');
  const payProblem = document.getElementById('pay-problem');
  payButton.addEventListener('click', async () => {
    payButton.disabled = true;
    payProblem.hidden = true;
    try {
      const c = await (await call('POST', `/v1/orders/${encodeURIComponent(id)}/checkout`, { headers: auth })).json();
      saveToken(id, token);
      location.assign(c.checkout_url);
    } catch (err) {
      payProblem.textContent = err.status === 409
        ? 'このご注文は、いまはお支払いできません（期限切れ、またはお支払い済み）。ページを再読み込みしてください。'
        : ja(err).text;
      payProblem.hidden = false;
      payButton.disabled = false;
    }
  });

  // drawMoney shows the totals and, to the holder of the token, where the
  // goods go.
  function drawMoney(o) {
    const t = o.totals;
    const money = document.getElementById('order-money');
    money.hidden = !t || !t.total;
    if (!money.hidden) {
      const physical = o.items.some(it => it.kind !== 'voice');
      document.getElementById('o-items').textContent = yen(t.items);
      document.getElementById('o-method').textContent = methods[o.shipping_method] ? `（${methods[o.shipping_method]}）` : '';
      document.getElementById('o-shipping').textContent = !physical ? 'なし（ダウンロード）' : t.shipping === 0 ? '送料無料' : yen(t.shipping);
      document.getElementById('o-total').textContent = yen(t.total);
      document.getElementById('o-tax').textContent = yen(t.tax);
    }
    const a = o.shipping_address;
    const ship = document.getElementById('ship-to');
    ship.hidden = !a;
    if (a) {
      document.getElementById('ship-address').replaceChildren(
        `〒${a.postal_code}`, el('br'),
        `${a.prefecture}${a.city}${a.line1}`, el('br'),
        ...(a.line2 ? [a.line2, el('br')] : []),
        `${a.name} さま`, el('br'),
        `電話 ${tel(a.phone)}`);
    }
  }

  // tel writes a mobile number as it is read aloud: 090-1234-5678; other
  // numbers (whose area codes vary in length) as stored.
  function tel(p) {
    return /^0[789]0\d{8}$/.test(p) ? `${p.slice(0, 3)}-${p.slice(3, 7)}-${p.slice(7)}` : p;
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
          // Named by what they are for, not by their format: the light
          // file (MP3) for phones, the full one (WAV) beside it.
          const light = outs.some(f => f.content_type === 'audio/mpeg');
          for (const f of outs) {
            const u = f === wav ? url : await fileURL(o, it, f);
            const what = f.content_type === 'audio/mpeg' ? 'スマホ向け（軽いファイル）を' : light ? '高音質版を' : '';
            links.append(el('a', { class: 'button download', href: u, download: f.name }, `${what}ダウンロード（${kb(f.size)}）`));
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
