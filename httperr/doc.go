// Package httperr is the one mapping from oshigoods error codes to HTTP: the
// status of each code and the JSON body {"error":{"code","message","field"}}
// every error answer of the API and the storefront carries, including the
// answers the standard library would give in plain text (no route, wrong
// method, a cross-site request).
package httperr
