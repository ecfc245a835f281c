// Package guard bounds what one client may ask of the HTTP server: how
// many uploads, previews and orders it sends a minute, how often it may fail
// to authenticate (a wrong print-shop key, a wrong order token), and how
// long it may take to send a request or read an answer. Over a limit, the
// answer is 429 with the JSON of oshigoods.ETOOMANY and Retry-After.
package guard
