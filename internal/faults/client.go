package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sync/atomic"
	"time"
)

// client is a fan's side of the API, retrying as a careful client does:
// an order is re-sent with the same Idempotency-Key and body while the
// server cannot be reached or answers 5xx or 429.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string) *client {
	return &client{base: base, hc: &http.Client{Timeout: 30 * time.Second}}
}

// fan is one order a fan places: what it sends, and what the API
// acknowledged.
type fan struct {
	n      int
	key    string // Idempotency-Key, the same on every retry
	email  string // unique per fan: finds duplicates of its order
	body   []byte
	poison bool

	id, token string
	acked     time.Time // when a 201 (or a replayed 200) answered; zero if never
	attempts  int
	replayed  bool        // acknowledged by a 200 replay: an earlier attempt had created it
	err       string      // why it was never acknowledged
	done      atomic.Bool // set once acknowledged, for watching a burst while it is placed
}

// Kinds of order in a batch, in turn: a photo, a card, a voice clip alone
// (a download: delivered once the fan reads its order), and one of each.
const (
	mixPhoto = iota
	mixCard
	mixVoice
	mixAll
	mixKinds
)

func address() map[string]string {
	return map[string]string{"postal_code": "100-0001", "prefecture": "東京都", "city": "千代田区",
		"line1": "千代田1-1", "line2": "推しマンション101", "name": "山田 花子", "phone": "090-1234-5678"}
}

// newFan makes fan n of a scenario's batch. photo is an upload id.
func newFan(scenario string, n, kind int, photo, run string) *fan {
	photoItem := map[string]any{"template": "photo-2shot-l", "quantity": 1,
		"fields": map[string]string{"photo": photo, "name": fmt.Sprintf("ファン%d", n)}}
	card := map[string]any{"template": "card-letter-tate", "quantity": 1, "fields": map[string]string{"to": "さくら"}}
	cardYoko := map[string]any{"template": "card-letter-yoko", "quantity": 2, "fields": map[string]string{"to": "ゆい"}}
	voice := map[string]any{"template": "voice-alarm-morning", "quantity": 1,
		"fields": map[string]string{"name": "sakura", "lines": "ohayou,okite", "repeat": "1", "preset": "phone"}}
	var items []map[string]any
	switch kind {
	case mixPhoto:
		items = []map[string]any{photoItem}
	case mixCard:
		items = []map[string]any{card}
	case mixVoice:
		items = []map[string]any{voice}
	default:
		items = []map[string]any{photoItem, cardYoko, voice}
	}
	email := fmt.Sprintf("fan-%s-%d-%s@example.com", scenario, n, run)
	body := map[string]any{
		"customer":       map[string]string{"name": fmt.Sprintf("ファン %d", n), "email": email},
		"items":          items,
		"terms_accepted": true,
	}
	if kind != mixVoice {
		body["shipping_address"] = address()
	}
	b, _ := json.Marshal(body)
	return &fan{n: n, key: fmt.Sprintf("faults-%s-%d-%s", scenario, n, run), email: email, body: b}
}

// retryable reports whether a careful client sends the same request again.
func retryable(code int) bool { return code >= 500 || code == 429 }

// place sends f's order until the API acknowledges it (201, or 200 for a
// replay of an order an earlier attempt created) or until deadline.
func (c *client) place(ctx context.Context, f *fan, deadline time.Time) {
	for ctx.Err() == nil && time.Now().Before(deadline) {
		f.attempts++
		req, _ := http.NewRequestWithContext(ctx, "POST", c.base+"/v1/orders", bytes.NewReader(f.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", f.key)
		resp, err := c.hc.Do(req)
		if err != nil {
			f.err = err.Error()
			time.Sleep(250 * time.Millisecond)
			continue
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 201 || resp.StatusCode == 200 {
			var o struct{ ID, Token string }
			if err := json.Unmarshal(data, &o); err == nil && o.ID != "" {
				f.id, f.token, f.acked, f.err = o.ID, o.Token, time.Now(), ""
				f.replayed = resp.StatusCode == 200
				f.done.Store(true)
				return
			}
		}
		f.err = fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(data))
		if !retryable(resp.StatusCode) {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// upload posts a photo and returns its upload id.
func (c *client) upload(ctx context.Context, name string, data []byte) (string, error) {
	var last string
	for range 20 {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequestWithContext(ctx, "POST", c.base+"/v1/uploads", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := c.hc.Do(req)
		if err != nil {
			last = err.Error()
			time.Sleep(time.Second)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 201 {
			var u struct{ ID string }
			json.Unmarshal(b, &u)
			return u.ID, nil
		}
		last = fmt.Sprintf("%d %s", resp.StatusCode, b)
		if !retryable(resp.StatusCode) {
			break
		}
		time.Sleep(time.Second)
	}
	return "", fmt.Errorf("upload %s: %s", name, last)
}

// orderView is the part of GET /v1/orders/{id} the campaign checks.
type orderView struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Items  []struct {
		ID       string `json:"id"`
		Template string `json:"template"`
		Status   string `json:"status"`
		Error    string `json:"error"`
		Files    []struct {
			Name   string `json:"name"`
			Role   string `json:"role"`
			URL    string `json:"url"`
			Size   int64  `json:"size"`
			SHA256 string `json:"sha256"`
		} `json:"files"`
	} `json:"items"`
}

// view reads f's order as the fan's page does (which delivers a voice
// clip), retrying while the API is unreachable or answers 5xx. It returns
// the HTTP status.
func (c *client) view(ctx context.Context, f *fan) (*orderView, int, error) {
	var last error
	for range 30 {
		req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/v1/orders/"+f.id, nil)
		req.Header.Set("Authorization", "Bearer "+f.token)
		resp, err := c.hc.Do(req)
		if err != nil {
			last = err
			time.Sleep(time.Second)
			continue
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if retryable(resp.StatusCode) {
			last = fmt.Errorf("%d %s", resp.StatusCode, data)
			time.Sleep(time.Second)
			continue
		}
		if resp.StatusCode != 200 {
			return nil, resp.StatusCode, fmt.Errorf("%d %s", resp.StatusCode, data)
		}
		var o orderView
		if err := json.Unmarshal(data, &o); err != nil {
			return nil, resp.StatusCode, err
		}
		return &o, 200, nil
	}
	return nil, 0, last
}

// download fetches a presigned URL.
func (c *client) download(ctx context.Context, url string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return data, nil
}
