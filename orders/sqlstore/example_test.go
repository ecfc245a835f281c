package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"oshigoods/orders/sqlstore"
)

// A path opens SQLite, creating the file and its folder; a postgres:// URL
// opens PostgreSQL. Either way the schema is brought up to date.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "oshigoods")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s, err := sqlstore.Open(context.Background(), filepath.Join(dir, "data", "orders.db"))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	fmt.Println(s.Dialect())
	// Output: sqlite
}
