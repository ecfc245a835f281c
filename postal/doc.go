// Package postal fills in the prefecture, city and town for a Japanese
// postal code (〒) on our own server, so that no fan's browser calls an
// outside service.
//
// Normalize turns what a fan typed ("〒１２３－４５６７") into the 7 digits,
// and Prefectures lists the 47 prefectures in JIS X 0401 order.
package postal
