'use strict';
// The cart, kept in this browser's localStorage and nowhere else: the goods
// the fan designed (template, the values typed for it — upload ids for
// photos —, quantity) and a small picture of each. No name, address or
// e-mail is stored here; those are typed at checkout and sent only with the
// order. The header's cart count is drawn from it on every page.
(function () {
  const KEY = 'oshigoods.cart';
  const VERSION = 1;
  // Bounds: a cart larger than this is refused, so one site's storage
  // (about 5 MB in browsers) is never filled by it.
  const MAX_LINES = 50;
  const MAX_BYTES = 1536 * 1024;
  const MAX_THUMB_BYTES = 120 * 1024;
  const listeners = [];

  function clean(it) {
    if (!it || typeof it !== 'object' || typeof it.template !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(it.template)) return null;
    const fields = {};
    if (it.fields && typeof it.fields === 'object') {
      for (const [k, v] of Object.entries(it.fields)) {
        if (typeof k === 'string' && typeof v === 'string' && k.length <= 64 && v.length <= 4000) fields[k] = v;
      }
    }
    const q = Math.floor(+it.quantity);
    return {
      id: typeof it.id === 'string' && /^[a-z0-9]{1,40}$/.test(it.id) ? it.id : newID(),
      template: it.template,
      fields,
      quantity: q >= 1 && q <= 1000 ? q : 1,
      thumb: typeof it.thumb === 'string' && it.thumb.startsWith('data:image/') && it.thumb.length <= MAX_THUMB_BYTES ? it.thumb : '',
      added: typeof it.added === 'string' ? it.added : new Date().toISOString(),
    };
  }
  function newID() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  // load returns the cart's lines; a cart of another version or that does
  // not parse is dropped.
  function load() {
    let raw = null;
    try { raw = localStorage.getItem(KEY); } catch (e) { return []; }
    if (!raw) return [];
    try {
      const c = JSON.parse(raw);
      if (!c || c.v !== VERSION || !Array.isArray(c.items)) throw new Error('cart version');
      return c.items.map(clean).filter(Boolean).slice(0, MAX_LINES);
    } catch (e) {
      try { localStorage.removeItem(KEY); } catch (e2) { /* ignore */ }
      return [];
    }
  }

  // save stores lines, dropping the pictures of the oldest lines when the
  // cart would be too large (the cart page makes them again). It returns
  // false when the cart cannot be stored at all.
  function save(lines) {
    lines = lines.slice(0, MAX_LINES);
    for (let i = 0; ; i++) {
      const text = JSON.stringify({ v: VERSION, items: lines });
      if (text.length <= MAX_BYTES) {
        try {
          localStorage.setItem(KEY, text);
          changed();
          return true;
        } catch (e) { /* quota: drop a picture and try again */ }
      }
      const withThumb = lines.findIndex(l => l.thumb);
      if (withThumb < 0) return false;
      lines[withThumb] = Object.assign({}, lines[withThumb], { thumb: '' });
    }
  }

  // add puts an item in the cart; it returns 'ok', 'full' (maxLines
  // reached) or 'storage' (the browser keeps no storage for the site).
  function add(item, maxLines) {
    const lines = load();
    if (lines.length >= Math.min(maxLines || MAX_LINES, MAX_LINES)) return 'full';
    const line = clean(Object.assign({}, item, { id: newID(), added: new Date().toISOString() }));
    if (!line) return 'storage';
    lines.push(line);
    return save(lines) ? 'ok' : 'storage';
  }
  function update(id, changes) {
    const lines = load().map(l => l.id === id ? clean(Object.assign({}, l, changes)) : l).filter(Boolean);
    return save(lines);
  }
  function remove(id) { return save(load().filter(l => l.id !== id)); }
  function clear() {
    try { localStorage.removeItem(KEY); } catch (e) { /* ignore */ }
    changed();
  }
  function pieces(lines) { return (lines || load()).reduce((n, l) => n + l.quantity, 0); }

  function changed() { listeners.forEach(f => f()); }
  function onChange(f) { listeners.push(f); }

  // The header's count, kept up to date across tabs too.
  function drawCount() {
    const badge = document.getElementById('cart-count');
    const link = document.getElementById('cart-link');
    if (!badge || !link) return;
    const n = pieces();
    badge.textContent = String(n);
    badge.hidden = n === 0;
    link.setAttribute('aria-label', n ? `カート（${n}点）` : 'カート（空）');
  }
  onChange(drawCount);
  window.addEventListener('storage', e => { if (e.key === KEY || e.key === null) changed(); });
  window.addEventListener('pageshow', drawCount);
  drawCount();

  window.oshiCart = { load, save, add, update, remove, clear, pieces, onChange, MAX_LINES };
})();
