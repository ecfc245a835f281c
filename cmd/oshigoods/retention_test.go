package main

import (
	"testing"
	"time"
)

// TestRetentionConfig: OSHIGOODS_UPLOAD_TTL and OSHIGOODS_RETENTION reach
// the service's orders.Retention, default to 24 h and 90 days, and a value
// out of range stops the start naming the variable.
func TestRetentionConfig(t *testing.T) {
	cfg, err := parseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.retention(); r.UploadTTL != 24*time.Hour || r.OrderRetention != 90*24*time.Hour {
		t.Errorf("default retention = %+v", r)
	}
	cfg, err = parseConfig(map[string]string{"OSHIGOODS_UPLOAD_TTL": "2h"}, "--retention", "720h")
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.retention(); r.UploadTTL != 2*time.Hour || r.OrderRetention != 30*24*time.Hour {
		t.Errorf("retention = %+v", r)
	}
	for _, tc := range []struct {
		scenario string
		env      map[string]string
		want     string
	}{
		{"upload TTL too short", map[string]string{"OSHIGOODS_UPLOAD_TTL": "10s"},
			`OSHIGOODS_UPLOAD_TTL (--upload-ttl): "10s" is out of range; give 1m–720h (30 days)`},
		{"retention without a unit", map[string]string{"OSHIGOODS_RETENTION": "90"},
			`OSHIGOODS_RETENTION (--retention): "90" needs a unit, e.g. 90s`},
		{"retention negative", map[string]string{"OSHIGOODS_RETENTION": "-1h"},
			`OSHIGOODS_RETENTION (--retention): "-1h" is out of range; give 1h–87600h (10 years)`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := parseConfig(tc.env)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("validate: %v\nwant: %s", err, tc.want)
			}
		})
	}
}
