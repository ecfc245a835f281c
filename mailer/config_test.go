package mailer_test

import (
	"strings"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/mailer"
)

func TestConfigValidate(t *testing.T) {
	// Every URL with credentials uses this password, which no error may
	// show.
	const password = "hunter2"
	for _, tc := range []struct {
		scenario string
		config   mailer.Config
		field    string // "" for a valid config
		problem  string
	}{
		{"STARTTLS with credentials", mailer.Config{URL: "smtp://shop:hunter2@mail.example.jp:587"}, "", ""},
		{"STARTTLS on the default port", mailer.Config{URL: "smtp://shop:hunter2@mail.example.jp"}, "", ""},
		{"implicit TLS", mailer.Config{URL: "smtps://shop:hunter2@mail.example.jp:465"}, "", ""},
		{"percent-encoded password", mailer.Config{URL: "smtps://shop:hun%2Fter%40%3F2@mail.example.jp"}, "", ""},
		{"no TLS, no credentials, loopback", mailer.Config{URL: "smtp://127.0.0.1:1025?tls=none"}, "", ""},
		{"no TLS, no credentials, another host", mailer.Config{URL: "smtp://relay.internal.example:25?tls=none"}, "", ""},
		{"no TLS, credentials, 127.0.0.1", mailer.Config{URL: "smtp://shop:hunter2@127.0.0.1:1025?tls=none"}, "", ""},
		{"no TLS, credentials, 127.0.0.2", mailer.Config{URL: "smtp://shop:hunter2@127.0.0.2:1025?tls=none"}, "", ""},
		{"no TLS, credentials, ::1", mailer.Config{URL: "smtp://shop:hunter2@[::1]:1025?tls=none"}, "", ""},
		{"no TLS, credentials, localhost", mailer.Config{URL: "smtp://shop:hunter2@localhost:1025?tls=none"}, "", ""},
		{"From with a Japanese name", mailer.Config{URL: "smtp://127.0.0.1:1025?tls=none", From: "ひかりグッズ <bounce@example.jp>"}, "", ""},
		{"timeout at its bounds", mailer.Config{URL: "smtp://127.0.0.1:1025?tls=none", Timeout: time.Hour}, "", ""},

		{"no URL", mailer.Config{}, "URL", "is empty"},
		{"bad scheme", mailer.Config{URL: "http://shop:hunter2@mail.example.jp"}, "URL", `has scheme "http"`},
		{"no scheme", mailer.Config{URL: "mail.example.jp:587"}, "URL", "has scheme"},
		{"missing host", mailer.Config{URL: "smtp://shop:hunter2@:587"}, "URL", "has no host"},
		{"port out of range", mailer.Config{URL: "smtp://shop:hunter2@mail.example.jp:99999"}, "URL", `has port "99999"`},
		{"password in clear to a host not loopback", mailer.Config{URL: "smtp://shop:hunter2@mail.example.jp:25?tls=none"}, "URL", "in clear"},
		{"password in clear to a private address", mailer.Config{URL: "smtp://shop:hunter2@192.0.2.10:25?tls=none"}, "URL", "in clear"},
		{"tls=none with smtps", mailer.Config{URL: "smtps://mail.example.jp?tls=none"}, "URL", "always TLS"},
		{"another tls value", mailer.Config{URL: "smtp://mail.example.jp?tls=starttls"}, "URL", `tls="starttls"`},
		{"unknown query parameter", mailer.Config{URL: "smtp://mail.example.jp?auth=plain"}, "URL", `parameter "auth"`},
		{"user without password", mailer.Config{URL: "smtp://shop@mail.example.jp"}, "URL", "no password"},
		{"password without user", mailer.Config{URL: "smtp://:hunter2@mail.example.jp"}, "URL", "no user"},
		{"a path", mailer.Config{URL: "smtp://shop:hunter2@mail.example.jp/inbox"}, "URL", "has a path"},
		{"unencoded slash in the password", mailer.Config{URL: "smtp://shop:12/hunter2@mail.example.jp"}, "URL", "percent-encode"},
		{"unencoded hash in the password", mailer.Config{URL: "smtp://shop:x#hunter2@mail.example.jp"}, "URL", "percent-encode"},
		{"not a URL", mailer.Config{URL: "smtp://shop:hunter2@mail example.jp"}, "URL", "percent-encode"},
		{"From not an address", mailer.Config{URL: "smtp://127.0.0.1:1025?tls=none", From: "shop"}, "From", "not an e-mail address"},
		{"From with a line break", mailer.Config{URL: "smtp://127.0.0.1:1025?tls=none", From: "shop@example.jp\r\nBcc: x@example.jp"}, "From", "line break"},
		{"negative timeout", mailer.Config{URL: "smtp://127.0.0.1:1025?tls=none", Timeout: -time.Second}, "Timeout", "out of range"},
		{"timeout too long", mailer.Config{URL: "smtp://127.0.0.1:1025?tls=none", Timeout: 2 * time.Hour}, "Timeout", "out of range"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			err := tc.config.Validate()
			_, newErr := mailer.NewSMTP(tc.config)
			if tc.field == "" {
				if err != nil || newErr != nil {
					t.Fatalf("Validate = %v, NewSMTP = %v; want no error", err, newErr)
				}
				return
			}
			if err == nil || newErr == nil {
				t.Fatalf("Validate = %v, NewSMTP = %v; want an error on %s", err, newErr, tc.field)
			}
			if strings.Contains(err.Error(), password) || strings.Contains(newErr.Error(), password) {
				t.Errorf("the error shows the password: %v", err)
			}
			ces := oshigoods.ConfigErrors(err)
			if len(ces) != 1 {
				t.Fatalf("%d config errors, want 1: %v", len(ces), err)
			}
			if ces[0].Field != tc.field || !strings.Contains(ces[0].Error(), tc.problem) {
				t.Errorf("error %q on %s, want %s and %q", ces[0], ces[0].Field, tc.field, tc.problem)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	if got := mailer.DefaultConfig().Timeout; got != 30*time.Second {
		t.Errorf("default Timeout %v, want 30s", got)
	}
	if got := (mailer.Config{}).WithDefaults().Timeout; got != 30*time.Second {
		t.Errorf("a zero Timeout becomes %v, want 30s", got)
	}
}
