package orders

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a random id with the given prefix, e.g. "ord_k3j…".
func NewID(prefix string) string {
	b := make([]byte, 10)
	rand.Read(b)
	return prefix + "_" + idEncoding.EncodeToString(b)
}

// NewSecret returns a random URL-safe secret of 32 bytes.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash returns the hex SHA-256 of a token or key, which is all that is stored.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// HashEqual compares a presented secret with a stored hash in constant time.
func HashEqual(secret, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(Hash(secret)), []byte(hash)) == 1
}

// OrderToken returns the fan's token for an order: an HMAC of the order id
// under the server secret. It is not stored (only its hash is), yet an
// idempotent replay of the order request can hand it out again.
func OrderToken(serverSecret []byte, orderID string) string {
	m := hmac.New(sha256.New, serverSecret)
	m.Write([]byte("oshigoods order token\x00" + orderID))
	return "otk_" + strings.TrimRight(base64.RawURLEncoding.EncodeToString(m.Sum(nil)), "=")
}
