// Package mailer sends e-mails to fans: it turns a Message (Japanese
// subject, display names and bodies) into the bytes of an RFC 5322 message
// and hands them to a Sender, either an SMTP server (SMTP) or a folder of
// .eml files (Dir, the default when no SMTP server is configured).
//
// It is only the transport and the message format: what to write and when
// to retry is the caller's. Permanent tells a failure that sending the same
// message again cannot fix (a bad address, a refused recipient) from one
// that may pass later (a network error, a 4xx reply).
package mailer
