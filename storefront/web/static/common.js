'use strict';
// Helpers shared by the storefront's pages: JSON API calls, API errors in
// Japanese, dates in Japanese.
(function () {
  // Each rule turns a known API message into Japanese. The API's messages
  // are English and name the field; a message no rule knows is shown as a
  // Japanese summary by its code with the server's message as detail.
  const rules = [
    [/postal_code must be 7 digits/, () => '郵便番号は7桁の数字で入れてください（例：100-0001）。'],
    [/prefecture must be one of the 47 prefectures/, () => '都道府県をえらんでください。'],
    [/phone must be a Japanese phone number/, () => '電話番号は0からはじまる10桁か11桁で入れてください（例：090-1234-5678）。'],
    [/terms_accepted must be true/, () => 'ご注文には、内容をご確認のうえ同意のチェックが必要です。'],
    [/takes at most (\d+) pieces in one parcel; the order has (\d+)/, m => `この配送方法は${m[1]}点までです（いま${m[2]}点）。ほかの配送方法をえらんでください。`],
    [/an order takes at most (\d+) items; got (\d+)/, m => `一度に注文できるのは${m[1]}点（${m[1]}種類）までです（いま${m[2]}）。`],
    [/shipping_method must be one of/, () => '配送方法をえらび直してください。'],
    [/^shipping_address is required/, () => 'お届け先を入力してください。'],
    [/^(shipping_address\.)?\w+ is at most (\d+) characters; got (\d+)/, m => `${m[2]}文字以内で入れてください（いま${m[3]}文字）。`],
    [/is (\d+) characters; the limit is (\d+) \((\d+) too many\)/, m => `${m[2]}文字までです（いま${m[1]}文字、${m[3]}文字オーバー）。`],
    [/is at most (\d+) characters/, m => `${m[1]}文字以内で入力してください。`],
    [/contains a control character/, () => '使えない記号（制御文字）が入っています。'],
    [/contains characters this card cannot print: (.*)\.$/, m => `このカードでは印刷できない文字が入っています：${m[1]}`],
    [/contains "(.+)" \(U\+[0-9A-F]+\), which this design's font cannot print/, m => `「${m[1]}」はこのデザインの文字では印刷できません。別の文字にしてください。`],
    [/does not fit on the card: (\d+) characters too many/, m => `カードに入りきりません。あと${m[1]}文字ほど短くしてください。`],
    [/is too long for this card's letter/, () => '長すぎてカードに入りません。短くしてください。'],
    [/is too wide for its box/, () => '長すぎて枠に入りません。短くするか、幅のせまい文字にしてください。'],
    [/the clip would be [\d.]+ s long even without repeats, [\d.]+ s over the (\d+) s limit/, m => `セリフが長すぎて${m[1]}秒に収まりません。セリフを減らしてください。`],
    [/the clip would be ([\d.]+) s long, [\d.]+ s over the (\d+) s limit.*at most (\d+) repeats/, m => `このままだと${Math.round(+m[1])}秒になり、${m[2]}秒をこえます。くり返しを${m[3]}回以下にするか、セリフを減らしてください。`],
    [/takes (\d+) to (\d+) values; got (\d+)/, m => `${m[1]}〜${m[2]}個えらんでください（いま${m[3]}個）。`],
    [/must be between (\d+) and (\d+)/, m => `${m[1]}〜${m[2]}の数を入れてください。`],
    [/must be a whole number/, () => '数字（整数）で入れてください。'],
    [/must be one of|unknown value/, () => '一覧からえらんでください。'],
    [/not an email address/, () => 'メールアドレスの形式になっていません（例：hanako@example.com）。'],
    [/^photo is required|is required: (give the id of an upload|upload)/, () => '写真をえらんでください。'],
    [/is required/, () => '入力してください。'],
    [/no upload with id/, () => '写真がみつかりません。もう一度えらび直してください。'],
    [/larger than (\d+) MiB/, m => `ファイルが大きすぎます（${m[1]}MBまで）。`],
    [/not a JPEG, PNG, WebP or HEIC|could not be read|is a \w+ image: upload/, () => 'この写真は読みこめませんでした。スマホやカメラで撮った写真（JPEG・PNG・HEIC・WebP）をえらんでください。'],
    [/damaged or truncated/, () => '写真のファイルが壊れているようです。別の写真をえらんでください。'],
    [/the image is (\d+)×(\d+) pixels; the limit/, () => '写真が大きすぎて読みこめません。スマホで撮った写真か、小さく保存しなおした写真をえらんでください。'],
    [/is empty/, () => 'ファイルが空です。別の写真をえらんでください。'],
    [/(dpi|resolution|pixels per inch)/i, () => 'この写真は小さすぎて、きれいに印刷できません。もっと大きい写真をえらんでください。'],
  ];
  const byCode = {
    unprocessable: '入力内容をご確認ください。',
    invalid: '送信内容を読みとれませんでした。ページを再読み込みしてください。',
    too_large: 'サイズが大きすぎます。',
    not_found: '見つかりませんでした。',
    conflict: '同じ注文がすでに送られています。ページを再読み込みしてください。',
    unavailable: 'ただいま混み合っています。少し待ってからもう一度お試しください。',
    internal: 'エラーが起きました。少し待ってからもう一度お試しください。',
    network: '通信できませんでした。電波のよい所でもう一度お試しください。',
  };

  // ja returns {text, detail} for an API error {code, message, field}:
  // text is Japanese; detail is the server's message when no rule knew it.
  function ja(err) {
    const msg = (err && err.message) || '';
    for (const [re, f] of rules) {
      const m = msg.match(re);
      if (m) return { text: f(m), detail: '' };
    }
    return { text: byCode[err && err.code] || byCode.internal, detail: msg };
  }

  // Warnings are said in a fan's words; the server's own (which name
  // sizes in points and resolutions in dpi, for the print shop) are not
  // shown when a rule knows them.
  const warningRules = [
    [/set at [\d.]+ pt instead of/, () => '枠に収まるよう、文字を少し小さめにしました。'],
    [/mp3 was not made/i, () => 'スマホ向けの軽いファイルは作れませんでした。ダウンロードできるファイルをそのままお使いください。'],
    [/(dpi|resolution|pixels per inch)/i, () => '写真が少し小さめなので、印刷すると少しぼやけるかもしれません。もう少し大きい写真だとよりきれいです。'],
  ];
  function jaWarning(w) {
    for (const [re, f] of warningRules) {
      if (re.test(w)) return { text: f(), detail: '' };
    }
    return { text: w, detail: '' };
  }

  // yen writes an amount as a price tag: ￥1,980.
  function yen(n) {
    return '￥' + Number(n || 0).toLocaleString('ja-JP');
  }

  // jst writes a moment in Japan time as a deadline reads: 2026年12月13日（日）23:59.
  const jstFmt = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  function jst(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return '';
    const p = {};
    for (const part of jstFmt.formatToParts(d)) p[part.type] = part.value;
    return `${p.year}年${+p.month}月${+p.day}日（${p.weekday}）${p.hour}:${p.minute}`;
  }

  // newKey returns a fresh idempotency key.
  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
  }

  // Order tokens are kept in this tab's sessionStorage, keyed by order id,
  // so the order page can follow an order when it is opened without the
  // token in its fragment: the payment page's return address carries none.
  function saveToken(id, token) {
    try { sessionStorage.setItem('oshigoods.order.' + id, token); } catch (e) { /* private mode */ }
  }
  function loadToken(id) {
    try { return sessionStorage.getItem('oshigoods.order.' + id) || ''; } catch (e) { return ''; }
  }

  // apiField maps an API error field to the page's field name:
  // "items[0].fields.message" and "fields.message" → "message",
  // "items[0].quantity" → "quantity", "customer.email" stays.
  function apiField(field) {
    return (field || '').replace(/^items\[\d+\]\./, '').replace(/^fields\./, '');
  }

  // call sends a JSON API request and resolves to the Response; it throws
  // {code, message, field, status} for an error answer or a network failure.
  async function call(method, url, opts) {
    opts = opts || {};
    const headers = Object.assign({}, opts.headers || {});
    let body = opts.body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(url, { method, headers, body, cache: 'no-store', credentials: 'omit', signal: opts.signal });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw { code: 'network', message: String(e), field: '' };
    }
    if (!resp.ok) {
      let err = { code: resp.status >= 500 ? 'internal' : 'invalid', message: '', field: '' };
      try {
        const j = await resp.json();
        if (j && j.error) err = j.error;
      } catch (e) { /* not JSON */ }
      err.status = resp.status;
      throw err;
    }
    return resp;
  }

  // date writes a moment in Japan time, as the shop's e-mails and slips
  // do, whatever the browser's own time zone: 2026年12月7日 7:06.
  const dateFmt = new Intl.DateTimeFormat('ja-JP', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Asia/Tokyo' });
  function date(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : dateFmt.format(d);
  }

  // el makes an element with text content (never HTML) and attributes.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === 'class') e.className = v; else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }

  // showFieldError shows err in Japanese in the field's error box
  // (#err-<name>), marks the field and its input invalid, and reports
  // whether the page has such a box.
  function showFieldError(name, err) {
    const box = document.getElementById('err-' + name);
    if (!box) return false;
    const t = ja(err);
    box.replaceChildren(...[el('span', {}, t.text), t.detail && el('small', { class: 'detail', lang: 'en' }, t.detail)].filter(Boolean));
    box.hidden = false;
    const field = box.closest('.field');
    if (field) field.classList.add('has-error');
    const input = field && field.querySelector('input:not([type=radio]):not([type=hidden]), select, textarea');
    if (input) input.setAttribute('aria-invalid', 'true');
    return true;
  }

  // ---- phrases ------------------------------------------------------------
  // Japanese breaks between phrases, never inside a word. The server puts a
  // <wbr> between the phrases of the page it sends (internal/phrase); text
  // the scripts add gets the same here, split by the same model
  // (phrase-model.js, served from the server's copy) and the same rules,
  // so a message or a title reads the same wherever it comes from.
  const model = window.oshiPhraseModel;
  const windows = [['UW1', -3, -2], ['UW2', -2, -1], ['UW3', -1, 0], ['UW4', 0, 1], ['UW5', 1, 2], ['UW6', 2, 3],
    ['BW1', -2, 0], ['BW2', -1, 1], ['BW3', 0, 2], ['TW1', -3, 0], ['TW2', -2, 1], ['TW3', -1, 2], ['TW4', 0, 3]];
  const weights = [];
  let base = 0; // doubled, as the server keeps it: 2·score = -Σ all + 2·Σ matched
  if (model) {
    for (const [name] of windows) {
      const m = new Map(Object.entries(model[name] || {}));
      for (const v of m.values()) base -= v;
      weights.push(m);
    }
  }
  const japanese = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;
  const space = /^\s$/u;
  const asciiAlnum = /^[A-Za-z0-9]$/;
  const closers = '、。，．・：；！？!?,.:;…‥ーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々ゝゞヽヾ゛゜';
  const noLineStart = c => /^[\p{Pe}\p{Pf}"']$/u.test(c) || closers.includes(c);
  const separators = '、。，．・：；！？';
  const noLineEnd = c => /^[\p{Ps}\p{Pi}"']$/u.test(c);
  const attached = '♡♥♪';

  const words = (window.oshiPhraseWords || []).map(w => Array.from(w));
  const shortText = 6;
  // inWord: gap i of r is inside one of the words kept whole.
  function inWord(r, i) {
    return words.some(w => {
      for (let s = Math.max(0, i - w.length + 1); s < i && s + w.length <= r.length; s++) {
        if (w.every((c, k) => r[s + k] === c)) return true;
      }
      return false;
    });
  }

  // phrases splits text into its phrases; joined, they are the text.
  function phrases(text) {
    if (!text) return [];
    if (!model || !japanese.test(text)) return [text];
    const r = Array.from(text);
    if (r.length <= shortText && !r.some(c => space.test(c) || separators.includes(c))) return [text];
    const out = [];
    let start = 0;
    for (let i = 1; i < r.length; i++) {
      const a = r[i - 1], b = r[i];
      let cut;
      if (space.test(a) && !space.test(b)) {
        cut = true; // a phrase ends with the spaces after it
      } else if ((asciiAlnum.test(a) && asciiAlnum.test(b)) || space.test(a) || space.test(b) || noLineEnd(a) || noLineStart(b)) {
        cut = false;
      } else if (separators.includes(a)) {
        cut = true; // a list item or a clause ends at its mark
      } else {
        let score = base;
        windows.forEach(([, from, to], k) => {
          if (i + from < 0 || i + to > r.length) return;
          score += 2 * (weights[k].get(r.slice(i + from, i + to).join('')) || 0);
        });
        cut = score > 0 && !inWord(r, i);
      }
      if (cut) { out.push(r.slice(start, i).join('')); start = i; }
    }
    out.push(r.slice(start).join(''));
    // A heart or a note, and the spaces before it, join the phrase before.
    const joined = [];
    for (const p of out) {
      const t = p.trimStart();
      if (joined.length && t && attached.includes(Array.from(t)[0])) joined[joined.length - 1] += p;
      else joined.push(p);
    }
    return joined;
  }

  // phraseNodes returns text as nodes: the phrases, a <wbr> between two
  // unless a space is there already, and a phrase with its ♡ in a
  // <span class="nobr">.
  function phraseNodes(text) {
    const out = [];
    text = text.replace(/([0-9]) ([A-Za-z])/g, '$1\u00a0$2'); // a number keeps its unit
    let prev = '';
    for (const p of phrases(text)) {
      if (prev && !/\s$/u.test(prev) && !/^\s/u.test(p)) out.push(document.createElement('wbr'));
      const lead = p.length - p.trimStart().length;
      const core = p.slice(lead).trimEnd();
      const tail = p.slice(lead + core.length);
      if (Array.from(attached).some(c => core.includes(c))) {
        if (lead) out.push(document.createTextNode(p.slice(0, lead)));
        const span = document.createElement('span');
        span.className = 'nobr';
        span.textContent = core;
        out.push(span);
        if (tail) out.push(document.createTextNode(tail));
      } else {
        out.push(document.createTextNode(p));
      }
      prev = p;
    }
    return out;
  }

  // Every text node a script adds is split as it is added, before the page
  // is drawn again (a MutationObserver's records arrive before then).
  const skip = 'script, style, textarea, title, option, .nobr';
  const done = new WeakSet();
  function phraseText(node) {
    if (done.has(node) || !node.parentNode || node.parentElement && node.parentElement.closest(skip)) return;
    const text = node.data;
    if (!japanese.test(text) && !Array.from(attached).some(c => text.includes(c))) return;
    const nodes = phraseNodes(text);
    if (nodes.length === 1 && nodes[0].nodeType === Node.TEXT_NODE) { done.add(node); return; }
    for (const n of nodes) {
      if (n.nodeType === Node.TEXT_NODE) done.add(n);
      else if (n.firstChild) done.add(n.firstChild);
    }
    node.replaceWith(...nodes);
  }
  function phraseTree(root) {
    if (root.nodeType === Node.TEXT_NODE) { phraseText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE || root.closest(skip)) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const texts = [];
    while (walker.nextNode()) texts.push(walker.currentNode);
    texts.forEach(phraseText);
  }
  if (model && document.body) {
    new MutationObserver(records => {
      for (const r of records) r.addedNodes.forEach(phraseTree);
    }).observe(document.body, { childList: true, subtree: true });
  }

  window.oshi = { ja, jaWarning, apiField, call, date, el, yen, jst, newKey, saveToken, loadToken, showFieldError, phrases };
})();
