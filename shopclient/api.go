package shopclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"oshigoods"
)

// apiError is an error answer of the API.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("the server answered %d: %s", e.status, e.message)
}

// call makes an API request with the shop key and decodes the JSON answer.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	data, err := c.request(ctx, method, path, rd, body != nil)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("the server at %s answered something that is not the oshigoods API: %v", c.cfg.Server, err)
		}
	}
	return nil
}

// get fetches a document of the API (a PDF, a CSV) with the shop key.
func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	return c.request(ctx, http.MethodGet, path, nil, false)
}

// request makes an API request with the shop key and returns the answer's
// body, at most 64 MiB; an error answer is an *apiError (ErrUnauthorized
// for a 401).
func (c *Client) request(ctx context.Context, method, path string, rd io.Reader, isJSON bool) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.Server+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Key)
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w at %s: %v", ErrUnreachable, c.cfg.Server, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrUnreachable, c.cfg.Server, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(data, &e)
		if e.Error.Message == "" {
			e.Error.Message = http.StatusText(resp.StatusCode)
		}
		if resp.StatusCode == http.StatusUnauthorized {
			return nil, fmt.Errorf("%w: %s", ErrUnauthorized, e.Error.Message)
		}
		return nil, &apiError{resp.StatusCode, e.Error.Code, e.Error.Message}
	}
	return data, nil
}

// errorMessage is a domain error's public message, or the error's text.
func errorMessage(err error) string {
	var e *oshigoods.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
