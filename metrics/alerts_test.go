package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"go.yaml.in/yaml/v2"

	"oshigoods/internal/testenv"
	"oshigoods/metrics"
	"oshigoods/orders"
)

// ruleFile is the shape of a Prometheus rules file.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

var (
	// seriesRe finds a series name with its selector, if any.
	seriesRe = regexp.MustCompile(`\b(oshigoods_[a-z_]+)\s*(\{[^}]*\})?`)
	// matcherRe finds one label matcher of a selector.
	matcherRe = regexp.MustCompile(`(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	// byRe finds the labels of a by (…) clause.
	byRe = regexp.MustCompile(`by\s*\(([^)]*)\)`)
)

// TestAlertRules reads alerts.yml as Prometheus would (strict YAML, the
// rules file's fields) and checks each rule against a scrape in which
// every series has been fed: every series it names exists, every label it
// matches or groups by exists, and = and =~ matchers match a value the
// series takes. promtool is not here; this catches the typos that would
// leave an alert silently never firing.
func TestAlertRules(t *testing.T) {
	data, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.UnmarshalStrict(data, &rf); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	s := fedScrape(t)
	var alerts []string
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Fatalf("group %q: want a name and rules", g.Name)
		}
		for _, r := range g.Rules {
			t.Run(r.Alert, func(t *testing.T) {
				if r.Alert == "" || slices.Contains(alerts, r.Alert) {
					t.Fatalf("alert name %q missing or repeated", r.Alert)
				}
				alerts = append(alerts, r.Alert)
				if sev := r.Labels["severity"]; sev != "page" && sev != "warning" {
					t.Errorf("severity %q, want page or warning", sev)
				}
				if r.Annotations["summary"] == "" {
					t.Error("no summary")
				}
				if r.For != "" {
					if _, err := time.ParseDuration(r.For); err != nil {
						t.Errorf("for %q: %v", r.For, err)
					}
				}
				checkExpr(t, r.Expr, s)
			})
		}
	}
	for _, want := range []string{"OshigoodsItemStuckRendering", "OshigoodsTasksArchived", "OshigoodsWebhookOutboxLag", "OshigoodsMailOutboxLag"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("no alert %s", want)
		}
	}
}

// checkExpr checks the series and labels expr names against s.
func checkExpr(t *testing.T, expr string, s testenv.Samples) {
	t.Helper()
	found := seriesRe.FindAllStringSubmatch(expr, -1)
	if len(found) == 0 {
		t.Fatalf("expr %q names no oshigoods_ series", expr)
	}
	labels := map[string]bool{"instance": true, "job": true} // Prometheus adds these
	for _, m := range found {
		name, selector := m[1], m[2]
		series := s.Match(name)
		if len(series) == 0 {
			t.Errorf("%s: no such series; there are %v", name, names(s))
			continue
		}
		for _, x := range series {
			for l := range x.Labels {
				labels[l] = true
			}
		}
		for _, mm := range matcherRe.FindAllStringSubmatch(selector, -1) {
			label, op, value := mm[1], mm[2], mm[3]
			re := regexp.MustCompile("^(?:" + value + ")$")
			matched := slices.ContainsFunc(series, func(x testenv.Sample) bool {
				v, ok := x.Labels[label]
				return ok && (op == "=" && v == value || op == "=~" && re.MatchString(v) || op == "!=" || op == "!~")
			})
			if !matched {
				t.Errorf("%s{%s%s%q}: no series has such a %s", name, label, op, value, label)
			}
		}
	}
	for _, m := range byRe.FindAllStringSubmatch(expr, -1) {
		for l := range strings.SplitSeq(m[1], ",") {
			if l = strings.TrimSpace(l); !labels[l] {
				t.Errorf("by (%s): no series of the expression has the label %s", m[1], l)
			}
		}
	}
}

// fedScrape scrapes metrics whose every series has a value: a census of
// every status, two queues, a pool, renders of each outcome, webhook
// attempts, a reconciler action and HTTP requests answered 201 and 500.
func fedScrape(t *testing.T) testenv.Samples {
	t.Helper()
	c := orders.Census{Orders: map[orders.Status]int{}, Items: map[orders.Status]int{}, OldestItem: map[orders.Status]time.Time{},
		Deliveries: map[string]int{orders.DeliveryPending: 1, orders.DeliveryFailed: 1}, OldestPendingDelivery: time.Now(),
		Mails: map[orders.MailStatus]int{orders.MailPending: 1, orders.MailFailed: 1}, OldestDueMail: time.Now()}
	for _, st := range orders.Statuses {
		c.Orders[st], c.Items[st], c.OldestItem[st] = 1, 1, time.Now()
	}
	queues := &inspector{queues: map[string]*asynq.QueueInfo{"render": {Pending: 1}, "webhooks": {Archived: 1}}}
	m, scrape := newMetrics(t, metrics.Config{Census: &census{c: c}, Queues: queues, Pool: func() sql.DBStats { return sql.DBStats{} }})
	for _, err := range []error{nil, errors.New("S3 unreachable"), asynq.SkipRetry} {
		task := asynq.NewTask("render:card", nil)
		m.RenderMiddleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return err })).ProcessTask(context.Background(), task)
		m.DeliveryMiddleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return err })).ProcessTask(context.Background(), task)
	}
	m.Record("requeued")
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/orders", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("GET /v1/orders/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	srv := httptest.NewServer(m.HTTP(metrics.Route(mux)))
	defer srv.Close()
	http.Post(srv.URL+"/v1/orders", "application/json", nil)
	http.Get(srv.URL + "/v1/orders/ord_1")
	// The counter of failed counts appears once a count failed.
	_, failing := newMetrics(t, metrics.Config{Census: &census{err: errors.New("connection refused")}})
	return append(scrape(), failing().Match("oshigoods_metrics_errors_total")...)
}
