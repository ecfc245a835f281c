// Package storefront is the fans' web page: a catalogue of the templates, a
// page per template to personalise a good with a live preview and order it,
// and an order page that follows the order until its goods are ready.
//
// Pages are server-rendered with html/template; a little plain JavaScript,
// served as files (the Content-Security-Policy forbids inline scripts), talks
// to the JSON API under /v1/ for uploads, previews, orders and status.
//
// The copy reads as a Japanese fan expects: lines break between phrases,
// never inside a word (every text node gets a <wbr> between its phrases,
// internal/phrase, and the scripts split the text they add with the same
// model, served as /static/phrase-model.js); a field's error shows once the
// fan has typed in it and left it, or pressed the order button, never on
// first load; sizes, resolutions and file formats are said in a fan's words
// (the print shop's figures stay in the claim manifests).
package storefront
