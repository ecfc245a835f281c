package budget_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/budget"
)

func newBudget(t *testing.T, c budget.Config) *budget.Budget {
	t.Helper()
	b, err := budget.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBudget(t *testing.T) {
	ctx := context.Background()
	t.Run("decodes beyond the budget wait, then get EUNAVAILABLE", func(t *testing.T) {
		b := newBudget(t, budget.Config{Bytes: budget.MinBytes, Wait: 20 * time.Millisecond})
		if err := b.Acquire(ctx, budget.MinBytes*3/4); err != nil {
			t.Fatal(err)
		}
		err := b.Acquire(ctx, budget.MinBytes/2)
		if oshigoods.ErrorCode(err) != oshigoods.EUNAVAILABLE {
			t.Fatalf("over budget: err = %v, want EUNAVAILABLE", err)
		}
		if got := b.Held(); got != budget.MinBytes*3/4 {
			t.Errorf("held %d after a refused acquire, want %d", got, budget.MinBytes*3/4)
		}
		if err := b.Acquire(ctx, budget.MinBytes/4); err != nil {
			t.Fatalf("what still fits: %v", err)
		}
		b.Release(budget.MinBytes * 3 / 4)
		b.Release(budget.MinBytes / 4)
		if b.Held() != 0 {
			t.Errorf("held %d after releasing all", b.Held())
		}
	})
	t.Run("a waiting decode runs when another releases", func(t *testing.T) {
		b := newBudget(t, budget.Config{Bytes: budget.MinBytes, Wait: time.Minute})
		if err := b.Acquire(ctx, budget.MinBytes); err != nil {
			t.Fatal(err)
		}
		done := make(chan error)
		go func() { done <- b.Acquire(ctx, budget.MinBytes) }()
		b.Release(budget.MinBytes)
		if err := <-done; err != nil {
			t.Fatalf("waiting acquire: %v", err)
		}
	})
	t.Run("larger than the whole budget", func(t *testing.T) {
		b := newBudget(t, budget.Config{Bytes: budget.MinBytes})
		err := b.Acquire(ctx, budget.MinBytes+1)
		if oshigoods.ErrorCode(err) != oshigoods.EUNPROCESSABLE {
			t.Fatalf("err = %v, want EUNPROCESSABLE", err)
		}
	})
	t.Run("the caller gives up first", func(t *testing.T) {
		b := newBudget(t, budget.Config{Bytes: budget.MinBytes, Wait: time.Minute})
		if err := b.Acquire(ctx, budget.MinBytes); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := b.Acquire(cctx, 1); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		if b := newBudget(t, budget.Config{}); b.Size() != budget.DefaultBytes {
			t.Errorf("Size = %d, want %d", b.Size(), budget.DefaultBytes)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		scenario string
		c        budget.Config
		bad      []string
	}{
		{scenario: "zero is the default", c: budget.Config{}},
		{scenario: "in range", c: budget.Config{Bytes: 1 << 30, Wait: 5 * time.Second}},
		{scenario: "too small", c: budget.Config{Bytes: 1 << 20}, bad: []string{"Bytes"}},
		{scenario: "negative wait", c: budget.Config{Wait: -time.Second}, bad: []string{"Wait"}},
		{scenario: "both", c: budget.Config{Bytes: budget.MaxBytes + 1, Wait: time.Hour}, bad: []string{"Bytes", "Wait"}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			found := oshigoods.ConfigErrors(tc.c.Validate())
			if len(found) != len(tc.bad) {
				t.Fatalf("problems %v, want fields %v", found, tc.bad)
			}
			for i, e := range found {
				if e.Field != tc.bad[i] {
					t.Errorf("problem %d on %s, want %s", i, e.Field, tc.bad[i])
				}
			}
		})
	}
}
