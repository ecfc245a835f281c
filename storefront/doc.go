// Package storefront is the fans' web page: a catalogue of the templates, a
// page per template to personalise a good with a live preview and order it,
// and an order page that follows the order until its goods are ready.
//
// Pages are server-rendered with html/template; a little plain JavaScript,
// served as files (the Content-Security-Policy forbids inline scripts), talks
// to the JSON API under /v1/ for uploads, previews, orders and status.
package storefront
