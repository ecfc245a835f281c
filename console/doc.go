// Package console is the operator's web console at /admin: sign in with an
// operator key, find orders, retry or cancel failed and stuck items, mark
// bank transfers paid, and open the queue dashboard (asynqmon) at
// /admin/queues.
//
// The page is server-rendered with html/template; a little plain
// JavaScript, served as files under a strict Content-Security-Policy,
// keeps the pasted key in the tab's sessionStorage and sends it to the
// admin API (/v1/admin/…) as "Authorization: Bearer …": never in a cookie
// or a URL. The queue dashboard is a browser app whose page loads cannot
// carry that header, so signing in also asks POST /admin/session for a
// short-lived signed cookie (HttpOnly, SameSite=Strict, Path=/admin,
// Secure over https) that admits the browser to /admin/queues only.
package console
