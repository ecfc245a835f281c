'use strict';
// The product page: personalise a template with a live preview (rendered by
// the server through POST /v1/previews), upload a photo, and put the item
// in the cart (cart.js) with a small picture of its preview.
(function () {
  const { ja, jaWarning, apiField, call, el } = window.oshi;
  const cart = window.oshiCart;
  const form = document.getElementById('order-form');
  if (!form) return;
  const template = form.dataset.template;
  const kind = form.dataset.kind;
  const personalise = form.querySelector('.personalise');
  const status = document.getElementById('preview-status');
  const img = document.getElementById('preview-img');
  const audio = document.getElementById('preview-audio');
  const warningsList = document.getElementById('preview-warnings');
  const formError = document.getElementById('err-form');
  const added = document.getElementById('added');

  // ---- field errors ----------------------------------------------------
  // An error shows beside its field only once the fan has touched the
  // field (typed, then left it) or pressed 「カートに入れる」: never on
  // first load, where the live preview already asks the server about
  // every empty required field. Until then the preview says what to fill
  // in, and the error waits (pending) for the fan to leave the field.
  const touched = new Set();
  let attempted = false;
  const pending = {}; // field name → the API error not shown yet
  function errorBox(name) { return document.getElementById('err-' + name); }
  const showError = window.oshi.showFieldError;
  function clearErrors(scope) {
    scope.querySelectorAll('.error').forEach(b => { b.hidden = true; b.replaceChildren(); });
    scope.querySelectorAll('.has-error').forEach(f => f.classList.remove('has-error'));
    scope.querySelectorAll('[aria-invalid]').forEach(i => i.removeAttribute('aria-invalid'));
    if (scope === form) { formError.hidden = true; formError.replaceChildren(); }
  }
  function showFormError(err) {
    const t = ja(err);
    formError.replaceChildren(...[el('span', {}, t.text), t.detail && el('small', { class: 'detail', lang: 'en' }, t.detail)].filter(Boolean));
    formError.hidden = false;
  }
  // showAPIError puts an API error beside its field, or at the top; an
  // error of a field the fan has not touched is kept pending instead
  // (unless shown is true). It returns the field's name and whether the
  // error is now shown.
  function showAPIError(err, shown) {
    let name = apiField(err.field);
    if (name === 'file') name = imageFieldName();
    if (name && errorBox(name) && !shown && !attempted && !touched.has(name)) {
      pending[name] = err;
      return { name, shown: false };
    }
    if (!name || !showError(name, err)) showFormError(err);
    return { name, shown: true };
  }
  function labelOf(name) {
    const f = personalise.querySelector(`[data-field="${CSS.escape(name)}"]`);
    const l = f && f.querySelector('label, legend');
    if (!l) return '';
    const c = l.cloneNode(true);
    c.querySelectorAll('.req, .opt').forEach(x => x.remove());
    return c.textContent.replace(/（[^）]*）|\([^)]*\)/g, '').trim();
  }
  // touch marks a field touched and shows its pending error.
  function touch(name) {
    touched.add(name);
    if (pending[name]) {
      showError(name, pending[name]);
      delete pending[name];
      setStatus('入力を直すと、プレビューが更新されます。');
    }
  }
  // A field the fan typed in and left is touched; so is one whose value
  // the fan set in one go — a photo, a choice, the list of lines.
  personalise.addEventListener('focusout', e => {
    const f = e.target.closest('[data-field]');
    if (f && f.dataset.typed && !e.target.classList.contains('filter-input')) touch(f.dataset.field);
  });
  personalise.addEventListener('change', e => {
    const f = e.target.closest('[data-field]');
    if (f && (e.target.type === 'file' || e.target.type === 'radio')) touch(f.dataset.field);
  });
  function imageFieldName() {
    const f = personalise.querySelector('[data-type=image]');
    return f ? f.dataset.field : '';
  }

  // ---- values ----------------------------------------------------------
  function fields() {
    const out = {};
    personalise.querySelectorAll('[data-field]').forEach(f => {
      const name = f.dataset.field;
      let v = '';
      switch (f.dataset.type) {
        case 'choice': {
          const c = f.querySelector('input[type=radio]:checked');
          v = c ? c.value : '';
          break;
        }
        case 'image': case 'list':
          v = f.querySelector('input[type=hidden]').value;
          break;
        default:
          v = f.querySelector('input, textarea').value;
      }
      if (f.dataset.type !== 'text') v = v.trim();
      if (v !== '') out[name] = v;
    });
    return out;
  }

  // ---- text counters ---------------------------------------------------
  personalise.querySelectorAll('[data-type=text]').forEach(f => {
    const input = f.querySelector('input, textarea');
    const count = f.querySelector('.count');
    if (!count) return;
    const max = +count.dataset.max;
    const update = () => {
      const n = Array.from(input.value).length;
      count.textContent = `${n} / ${max} 文字`;
      count.classList.toggle('over', n > max);
    };
    input.addEventListener('input', update);
    update();
  });

  // ---- long choice lists: narrow by typing --------------------------------
  // A choice of many (a voice's name calls) gets a search box: 「ゆ」 keeps
  // the choices whose label has ゆ or ユ in it, those that start with it
  // first. Without the script every choice is simply listed.
  const fold = s => s.normalize('NFKC').toLowerCase()
    .replace(/[\u30a1-\u30f6\u30fd\u30fe]/g, c => String.fromCharCode(c.charCodeAt(0) - 0x60));
  personalise.querySelectorAll('.filterable[data-type=choice]').forEach(f => {
    const box = f.querySelector('.filter');
    const input = box.querySelector('input');
    const count = f.querySelector('.filter-count');
    const current = f.querySelector('.filter-current');
    const none = f.querySelector('.filter-none');
    const chips = Array.from(f.querySelectorAll('label.chip'));
    // A choice is found by its label or its reading (結衣ちゃん by ゆ).
    const keys = chips.map(c => [c.textContent.trim(), c.dataset.reading || ''].filter(Boolean).map(fold));
    const legend = f.querySelector('legend').cloneNode(true);
    legend.querySelectorAll('.opt').forEach(x => x.remove());
    const label = legend.textContent.trim();
    box.hidden = false;
    f.querySelectorAll('.js-only').forEach(x => { x.hidden = false; });
    function matches() {
      const q = fold(input.value.trim());
      return chips.map((c, i) => !q ? 1 : keys[i].some(k => k.startsWith(q)) ? 0 : keys[i].some(k => k.includes(q)) ? 1 : -1);
    }
    function apply() {
      const m = matches();
      const n = m.filter(x => x >= 0).length;
      chips.forEach((c, i) => {
        c.hidden = m[i] < 0;
        c.style.order = String(Math.max(m[i], 0));
      });
      const q = input.value.trim();
      count.textContent = q && n ? `${n}件あります。` : '';
      none.hidden = !q || n > 0;
    }
    function showCurrent() {
      const r = f.querySelector('input[type=radio]:checked');
      current.textContent = r ? `えらんでいる${label}：${r.closest('label').textContent.trim()}` : '';
    }
    input.addEventListener('input', apply);
    // Enter picks the first choice shown, rather than adding to the cart.
    input.addEventListener('keydown', e => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const m = matches();
      const best = chips.map((c, i) => [m[i], i]).filter(([x]) => x >= 0).sort((a, b) => a[0] - b[0] || a[1] - b[1])[0];
      if (!best) return;
      const radio = chips[best[1]].querySelector('input');
      radio.checked = true;
      radio.dispatchEvent(new Event('change', { bubbles: true }));
      radio.focus();
    });
    f.addEventListener('change', e => { if (e.target.type === 'radio') showCurrent(); });
    showCurrent();
  });

  // ---- ordered list picker ----------------------------------------------
  personalise.querySelectorAll('[data-type=list]').forEach(f => {
    const name = f.dataset.field;
    const hidden = f.querySelector('input[type=hidden]');
    const picked = f.querySelector('.picked');
    const live = document.getElementById('live-' + name);
    const max = +f.dataset.max || Infinity;
    const labels = {};
    const adders = Array.from(f.querySelectorAll('button.add'));
    adders.forEach(b => { labels[b.dataset.value] = b.dataset.label; });
    let values = hidden.value ? hidden.value.split(',').filter(v => labels[v]) : [];

    function commit(message, focusIndex, focusAction) {
      touch(name);
      hidden.value = values.join(',');
      draw();
      if (message) live.textContent = message;
      if (focusIndex !== undefined) {
        const li = picked.children[Math.min(focusIndex, values.length - 1)];
        const b = li && (li.querySelector(`[data-action=${focusAction}]:not([disabled])`) || li.querySelector('button:not([disabled])'));
        if (b) b.focus(); else if (adders[0]) adders[0].focus();
      }
      schedulePreview();
    }
    function draw() {
      picked.replaceChildren(...values.map((v, i) => {
        const label = labels[v];
        return el('li', {},
          el('span', { class: 'pos', 'aria-hidden': 'true' }, String(i + 1)),
          el('span', { class: 'label' }, label),
          el('span', { class: 'tools' },
            el('button', { type: 'button', class: 'icon', 'data-action': 'up', 'aria-label': `「${label}」を前へ`, disabled: i === 0 }, '↑'),
            el('button', { type: 'button', class: 'icon', 'data-action': 'down', 'aria-label': `「${label}」を後ろへ`, disabled: i === values.length - 1 }, '↓'),
            el('button', { type: 'button', class: 'icon remove', 'data-action': 'remove', 'aria-label': `「${label}」を外す` }, '×')));
      }));
      if (values.length === 0) picked.append(el('li', { class: 'empty' }, 'まだえらんでいません'));
      const full = values.length >= max;
      adders.forEach(b => { b.disabled = full; });
      f.classList.toggle('full', full);
    }
    picked.addEventListener('click', e => {
      const b = e.target.closest('button[data-action]');
      if (!b) return;
      const i = Array.prototype.indexOf.call(picked.children, b.closest('li'));
      const label = labels[values[i]];
      if (b.dataset.action === 'up' && i > 0) {
        [values[i - 1], values[i]] = [values[i], values[i - 1]];
        commit(`「${label}」を${i}番目にしました`, i - 1, 'up');
      } else if (b.dataset.action === 'down' && i < values.length - 1) {
        [values[i + 1], values[i]] = [values[i], values[i + 1]];
        commit(`「${label}」を${i + 2}番目にしました`, i + 1, 'down');
      } else if (b.dataset.action === 'remove') {
        values.splice(i, 1);
        commit(`「${label}」を外しました`, i, 'remove');
      }
    });
    adders.forEach(b => b.addEventListener('click', () => {
      if (values.length >= max) return;
      values.push(b.dataset.value);
      commit(`「${labels[b.dataset.value]}」を${values.length}番目に追加しました`);
    }));
    draw();
  });

  // ---- photo upload ----------------------------------------------------
  personalise.querySelectorAll('[data-type=image]').forEach(f => {
    const name = f.dataset.field;
    const file = f.querySelector('input[type=file]');
    const hidden = f.querySelector('input[type=hidden]');
    const info = document.getElementById('info-' + name);
    file.addEventListener('change', async () => {
      clearErrors(f);
      hidden.value = '';
      info.replaceChildren();
      document.getElementById('filename-' + name).textContent = file.files.length ? file.files[0].name : 'まだ選ばれていません';
      if (!file.files.length) { schedulePreview(); return; }
      info.replaceChildren(el('p', { class: 'busy' }, '写真をアップロードしています…'));
      const data = new FormData();
      data.append('file', file.files[0]);
      try {
        const resp = await call('POST', '/v1/uploads', { body: data });
        const up = await resp.json();
        hidden.value = up.id;
        info.replaceChildren(...uploadInfo(up, name));
        schedulePreview(0);
      } catch (err) {
        info.replaceChildren();
        showError(name, err);
        schedulePreview();
      }
    });
  });

  // uploadInfo says an upload arrived and, where the API rates it for
  // this template's slots, how well it will print: in a fan's words, never
  // in pixels or dpi (those are the print shop's).
  function uploadInfo(up, field) {
    const out = [el('p', { class: 'ok' }, '✓ 写真を受けとりました。')];
    for (const s of slotsOf(up)) {
      if (s.template && s.template !== template) continue;
      const slotField = s.field || s.slot;
      if (slotField && slotField !== field && s.template) continue;
      const dpi = Math.round(s.effective_dpi || s.dpi || s.ppi || 0);
      if (!dpi) continue;
      const min = s.min_dpi || 150;
      const good = s.good_dpi || s.ok_dpi || 300;
      const level = s.verdict || s.level || s.status || '';
      const cls = /^ok|good|fine/.test(level) ? 'ok' : /refus|error|fail/.test(level) ? 'bad' : /warn/.test(level) ? 'warn'
        : dpi < min ? 'bad' : dpi < good ? 'warn' : 'ok';
      const text = {
        ok: 'きれいに印刷できます。',
        warn: '少し小さめの写真です。印刷すると少しぼやけるかもしれません。もう少し大きい写真だとよりきれいです。',
        bad: 'この写真は小さすぎて、きれいに印刷できません。もっと大きい写真をえらんでください。',
      }[cls];
      out.push(el('p', { class: cls + ' quality', 'data-quality': cls }, text));
    }
    return out;
  }
  // slotsOf finds the effective-resolution ratings in an upload response,
  // as a list of {template?, field, effective_dpi, verdict} or as lists
  // keyed by template id.
  function slotsOf(up) {
    for (const k of ['slots', 'ratings', 'effective_dpi', 'fits', 'templates']) {
      const v = up[k];
      if (Array.isArray(v)) return v;
      if (v && typeof v === 'object') {
        const out = [];
        for (const [tpl, list] of Object.entries(v)) {
          for (const r of (Array.isArray(list) ? list : [list])) out.push(Object.assign({ template: tpl }, r));
        }
        return out;
      }
    }
    return [];
  }

  // ---- live preview ----------------------------------------------------
  let timer = 0, inflight = null, seq = 0, objectURL = '';
  // last is the latest finished preview: the values it was made of,
  // whether the server accepted them, and its picture.
  let last = { key: '', ok: false, blob: null };
  let running = null; // the promise of the preview being made
  function schedulePreview(delay) {
    form.dataset.preview = 'pending';
    clearTimeout(timer);
    timer = setTimeout(preview, delay === undefined ? 450 : delay);
  }
  function setStatus(text, busy) {
    status.textContent = text;
    status.hidden = !text;
    document.getElementById('preview').classList.toggle('busy', !!busy);
  }
  function preview() {
    running = makePreview();
    return running;
  }
  async function makePreview() {
    const values = fields();
    const key = JSON.stringify(values);
    const missing = Array.from(personalise.querySelectorAll('[data-type=image]')).filter(f => !values[f.dataset.field]);
    if (missing.length) {
      if (inflight) inflight.abort();
      img.hidden = true;
      setStatus('写真をえらぶと、ここに仕上がりが表示されます。');
      form.dataset.preview = 'idle';
      last = { key, ok: false, blob: null };
      return;
    }
    if (inflight) inflight.abort();
    const ctl = new AbortController();
    inflight = ctl;
    const mine = ++seq;
    setStatus('プレビューを作成中…', true);
    try {
      const resp = await call('POST', '/v1/previews', { body: { template, fields: values }, signal: ctl.signal });
      const blob = await resp.blob();
      if (mine !== seq) return;
      clearErrors(personalise);
      if (objectURL) URL.revokeObjectURL(objectURL);
      objectURL = URL.createObjectURL(blob);
      if (kind === 'voice') {
        audio.src = objectURL;
        audio.hidden = false;
      } else {
        img.src = objectURL;
        img.hidden = false;
      }
      setStatus('');
      showWarnings(resp.headers.get('X-Oshigoods-Warning'));
      last = { key, ok: true, blob };
      form.dataset.preview = 'idle';
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      if (mine !== seq) return;
      clearErrors(personalise);
      for (const k of Object.keys(pending)) delete pending[k];
      const { name, shown } = showAPIError(err);
      if (name && errorBox(name) && !shown) {
        const label = labelOf(name);
        setStatus(!values[name] && /is required/.test(err.message || '')
          ? `${label}を${errorBox(name).closest('[data-type=choice],[data-type=list],[data-type=image]') ? 'えらぶ' : '入れる'}と、ここに仕上がりが表示されます。`
          : `${label}の内容をご確認ください。`);
      } else {
        setStatus(name && errorBox(name) ? '入力を直すと、プレビューが更新されます。' : 'プレビューを作れませんでした。');
      }
      last = { key, ok: false, blob: null };
      form.dataset.preview = 'idle';
    } finally {
      if (inflight === ctl) inflight = null;
    }
  }
  function showWarnings(header) {
    const list = (header || '').split(/,\s*/).filter(Boolean).map(w => {
      try { return decodeURIComponent(w.replace(/\+/g, ' ')); } catch (e) { return w; }
    });
    warningsList.replaceChildren(...list.map(w => {
      const t = jaWarning(w);
      return el('li', {}, t.text);
    }));
    warningsList.hidden = list.length === 0;
  }
  personalise.addEventListener('input', e => {
    const f = e.target.closest('[data-field]');
    if (f) f.dataset.typed = 'true';
    if (e.target.type !== 'file' && !e.target.classList.contains('filter-input')) schedulePreview();
  });
  personalise.addEventListener('change', e => {
    if (e.target.type === 'radio' || e.target.type === 'number') schedulePreview(0);
  });

  // ---- cart -----------------------------------------------------------
  // Adding checks the item as the server will: the preview of exactly
  // these values must have been accepted (it is made again if it is stale
  // or failed, so its errors show beside their fields).
  form.addEventListener('submit', async e => {
    e.preventDefault();
    attempted = true;
    added.hidden = true;
    clearErrors(form);
    const values = fields();
    let missing = false;
    const imageField = personalise.querySelector('[data-type=image]');
    if (imageField && !values[imageField.dataset.field]) { showError(imageField.dataset.field, { code: 'unprocessable', message: 'photo is required' }); missing = true; }
    const q = form.querySelector('#f-quantity');
    const max = +form.dataset.maxQuantity || 100;
    const quantity = q ? parseInt(q.value, 10) : 1;
    if (q && !(quantity >= 1 && quantity <= max)) { showError('quantity', { code: 'unprocessable', message: `must be between 1 and ${max}` }); missing = true; }
    if (missing) { focusFirstError(); return; }
    const button = document.getElementById('submit');
    button.disabled = true;
    button.classList.add('busy');
    try {
      const key = JSON.stringify(values);
      if (running) await running;
      if (last.key !== key || !last.ok) {
        clearTimeout(timer);
        await preview();
      }
      if (last.key !== key || !last.ok) { focusFirstError(); return; }
      const thumb = kind === 'voice' ? '' : await thumbnail(last.blob);
      const r = cart.add({ template, fields: values, quantity }, +form.dataset.maxItems || cart.MAX_LINES);
      if (r !== 'ok') {
        showFormError({ code: 'invalid', message: '' });
        formError.replaceChildren(el('span', {}, r === 'full'
          ? `一度に注文できるのは${+form.dataset.maxItems || cart.MAX_LINES}点までです。先にカートのご注文を済ませてください。`
          : 'このブラウザではカートを保存できません（プライベートブラウズや保存の制限をご確認ください）。'));
        formError.scrollIntoView({ block: 'center' });
        return;
      }
      // The picture is added after the line: a cart without pictures
      // still works (the cart page makes them again).
      if (thumb) {
        const lines = cart.load();
        const mine = lines[lines.length - 1];
        if (mine) cart.update(mine.id, { thumb });
      }
      added.hidden = false;
      added.focus();
    } finally {
      button.disabled = false;
      button.classList.remove('busy');
    }
  });

  // thumbnail returns a small JPEG of a preview as a data: URL, or '' when
  // the browser cannot make one.
  async function thumbnail(blob) {
    if (!blob) return '';
    try {
      const bmp = await createImageBitmap(blob);
      const scale = Math.min(1, 320 / Math.max(bmp.width, bmp.height));
      const c = document.createElement('canvas');
      c.width = Math.max(1, Math.round(bmp.width * scale));
      c.height = Math.max(1, Math.round(bmp.height * scale));
      const g = c.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, c.width, c.height);
      g.drawImage(bmp, 0, 0, c.width, c.height);
      return c.toDataURL('image/jpeg', 0.82);
    } catch (e) {
      return '';
    }
  }
  function focusFirstError() {
    const box = form.querySelector('.error:not([hidden]), .form-error:not([hidden])');
    if (!box) return;
    const field = box.closest('.field');
    const input = field && field.querySelector('input:not([type=hidden]), textarea, button');
    box.scrollIntoView({ block: 'center' });
    if (input) input.focus({ preventScroll: true });
  }

  schedulePreview(0);
})();
