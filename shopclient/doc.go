// Package shopclient is the print shop's hot-folder client: it claims ready
// orders from an oshigoods server, downloads and verifies their files into
// a folder, writes the claim's manifest (and optionally an imposition), and
// acks the orders, resuming an interrupted claim without downloading twice.
package shopclient
