package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestShopKeysCommands: the operator creates keys for what shops make
// (refused without kinds or templates, or with ones the catalogue lacks),
// lists them with their open orders, rotates and revokes them, and reads
// the audit log, as lines or JSON.
func TestShopKeysCommands(t *testing.T) {
	env := map[string]string{"OSHIGOODS_DATA_DIR": t.TempDir()}
	oshigoods := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, getenvFrom(env), &out, &errb)
		return out.String(), errb.String(), err
	}
	refusals := []struct {
		scenario string
		args     []string
		want     string
	}{
		{"no kinds and no templates", []string{"--name", "A"}, "say what the shop makes"},
		{"a voice kind", []string{"--name", "A", "--kinds", "voice"}, "digital"},
		{"an unknown kind", []string{"--name", "A", "--kinds", "mug"}, `unknown kind "mug"`},
		{"an unknown template", []string{"--name", "A", "--templates", "card-nope"}, `no template "card-nope"`},
		{"a voice template", []string{"--name", "A", "--templates", "voice-alarm-morning"}, "digital"},
	}
	for _, tc := range refusals {
		t.Run(tc.scenario, func(t *testing.T) {
			_, _, err := oshigoods(append([]string{"shop-keys", "create"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("create: %v, want an error saying %q", err, tc.want)
			}
		})
	}
	key, msg, err := oshigoods("shop-keys", "create", "--name", "さくら印刷", "--kinds", "card", "--templates", "photo-2shot-l")
	if err != nil || !strings.HasPrefix(key, "shk_") {
		t.Fatalf("create: %q %q %v", key, msg, err)
	}
	id := strings.Fields(strings.TrimPrefix(msg, "created print-shop key "))[0]
	list, _, err := oshigoods("shop-keys", "list")
	if err != nil || !strings.Contains(list, id+" ") || !strings.Contains(list, "active") ||
		!strings.Contains(list, "photo-2shot-l") || !strings.Contains(list, "0 orders wait") {
		t.Fatalf("list: %v\n%s", err, list)
	}
	newKey, _, err := oshigoods("shop-keys", "rotate", id)
	if err != nil || !strings.HasPrefix(newKey, "shk_") || newKey == key {
		t.Fatalf("rotate: %q %v", newKey, err)
	}
	if _, _, err := oshigoods("shop-keys", "revoke", id); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, _, err := oshigoods("shop-keys", "revoke", "key_nope"); err == nil {
		t.Fatal("revoking a missing key worked")
	}
	if list, _, _ := oshigoods("shop-keys", "list"); !strings.Contains(list, "revoked") {
		t.Fatalf("list after revoke:\n%s", list)
	}
	lines, _, err := oshigoods("audit", "--since", "1h")
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"key.create", "key.rotate", "key.revoke"} {
		if !strings.Contains(lines, "operator "+action+" "+id) {
			t.Errorf("audit lacks %s:\n%s", action, lines)
		}
	}
	js, _, err := oshigoods("audit", "--json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(js), "\n") {
		var e struct{ Actor, Action, Subject string }
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Subject != id {
			t.Fatalf("audit --json line %q: %v", line, err)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("audit --json: %d lines, want 3:\n%s", n, js)
	}
}
