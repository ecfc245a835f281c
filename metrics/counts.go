package metrics

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"oshigoods/orders"
)

// The series counted at scrape time.
var (
	ordersDesc = prometheus.NewDesc("oshigoods_orders",
		"Orders by status, as the database holds them (every process reports the same).", []string{"status"}, nil)
	itemsDesc = prometheus.NewDesc("oshigoods_items",
		"Items by status, as the database holds them (every process reports the same).", []string{"status"}, nil)
	itemAgeDesc = prometheus.NewDesc("oshigoods_items_oldest_age_seconds",
		"How long the item that changed least recently in each waiting status has been unchanged; 0 when the status is empty.", []string{"status"}, nil)
	deliveriesDesc = prometheus.NewDesc("oshigoods_webhook_deliveries",
		"Webhook deliveries still owed (pending) or given up (failed).", []string{"state"}, nil)
	webhookLagDesc = prometheus.NewDesc("oshigoods_webhook_lag_seconds",
		"Age of the oldest webhook delivery still pending; 0 when none is.", nil, nil)
	mailsDesc = prometheus.NewDesc("oshigoods_mail_outbox",
		"Fans' e-mails still to send (pending) or given up (failed).", []string{"state"}, nil)
	mailLagDesc = prometheus.NewDesc("oshigoods_mail_lag_seconds",
		"How long the pending e-mail due first has been due; 0 when none is overdue.", nil, nil)
	queueTasksDesc = prometheus.NewDesc("oshigoods_queue_tasks",
		"Tasks in each asynq queue by state: pending, active, scheduled, retry, archived, completed, aggregating.", []string{"queue", "state"}, nil)
	queueLatencyDesc = prometheus.NewDesc("oshigoods_queue_latency_seconds",
		"Age of the oldest pending task of each asynq queue; 0 when none is pending.", []string{"queue"}, nil)
)

// waitingStatuses are the item statuses whose age oshigoods_items_oldest_age_seconds reports.
var waitingStatuses = []orders.Status{orders.StatusAwaitingPayment, orders.StatusReceived, orders.StatusQueued, orders.StatusRendering}

// counts collects what is counted at scrape time, the store's Census and
// asynq's queues, reusing one count for CacheFor. A source whose count
// fails is left out of that scrape and counted in
// oshigoods_metrics_errors_total.
type counts struct {
	cfg  Config
	errs *prometheus.CounterVec

	mu   sync.Mutex // held while counting: scrapes at once wait for one count
	at   time.Time
	snap snapshot
}

// snapshot is one count; a nil part failed.
type snapshot struct {
	census *orders.Census
	queues map[string]*asynq.QueueInfo
}

func newCounts(cfg Config) *counts {
	return &counts{cfg: cfg, errs: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "oshigoods_metrics_errors_total",
		Help: "Counts at scrape time that failed, by source (database, queues); their series are missing from that scrape.",
	}, []string{"source"})}
}

func (c *counts) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{ordersDesc, itemsDesc, itemAgeDesc, deliveriesDesc, webhookLagDesc, mailsDesc, mailLagDesc} {
		ch <- d
	}
	if c.cfg.Queues != nil {
		ch <- queueTasksDesc
		ch <- queueLatencyDesc
	}
	c.errs.Describe(ch)
}

func (c *counts) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	now := c.now()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	age := func(since time.Time) float64 {
		if since.IsZero() || since.After(now) {
			return 0
		}
		return now.Sub(since).Seconds()
	}
	if cs := s.census; cs != nil {
		for _, st := range orders.Statuses {
			gauge(ordersDesc, float64(cs.Orders[st]), string(st))
			gauge(itemsDesc, float64(cs.Items[st]), string(st))
		}
		for _, st := range waitingStatuses {
			gauge(itemAgeDesc, age(cs.OldestItem[st]), string(st))
		}
		for _, st := range []string{orders.DeliveryPending, orders.DeliveryFailed} {
			gauge(deliveriesDesc, float64(cs.Deliveries[st]), st)
		}
		gauge(webhookLagDesc, age(cs.OldestPendingDelivery))
		for _, st := range []orders.MailStatus{orders.MailPending, orders.MailFailed} {
			gauge(mailsDesc, float64(cs.Mails[st]), string(st))
		}
		gauge(mailLagDesc, age(cs.OldestDueMail))
	}
	for q, info := range s.queues {
		for _, st := range []struct {
			state string
			n     int
		}{{"pending", info.Pending}, {"active", info.Active}, {"scheduled", info.Scheduled}, {"retry", info.Retry},
			{"archived", info.Archived}, {"completed", info.Completed}, {"aggregating", info.Aggregating}} {
			gauge(queueTasksDesc, float64(st.n), q, st.state)
		}
		gauge(queueLatencyDesc, info.Latency.Seconds(), q)
	}
	c.errs.Collect(ch)
}

// snapshot returns the last count if it is younger than CacheFor, or
// counts anew.
func (c *counts) snapshot() snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.at.IsZero() && now.Sub(c.at) < orDefault(c.cfg.CacheFor, DefaultCacheFor) {
		return c.snap
	}
	ctx, cancel := context.WithTimeout(context.Background(), orDefault(c.cfg.Timeout, DefaultTimeout))
	defer cancel()
	var s snapshot
	census, err := c.cfg.Census.Census(ctx)
	if err != nil {
		c.failed("database", err)
	} else {
		s.census = census
	}
	if c.cfg.Queues != nil {
		if s.queues, err = c.queues(); err != nil {
			c.failed("queues", err)
		}
	}
	c.at, c.snap = now, s
	return s
}

// queues reads every queue asynq knows and the KnownQueues, which are
// zeros until Redis holds them.
func (c *counts) queues() (map[string]*asynq.QueueInfo, error) {
	names, err := c.cfg.Queues.Queues()
	if err != nil {
		return nil, err
	}
	out := map[string]*asynq.QueueInfo{}
	for _, q := range c.cfg.KnownQueues {
		out[q] = &asynq.QueueInfo{Queue: q}
	}
	for _, q := range names {
		info, err := c.cfg.Queues.GetQueueInfo(q)
		if err != nil {
			return nil, err
		}
		out[q] = info
	}
	return out, nil
}

func (c *counts) failed(source string, err error) {
	c.errs.WithLabelValues(source).Inc()
	if c.cfg.Logger != nil {
		c.cfg.Logger.Warn("count for metrics", "source", source, "err", err)
	}
}

func (c *counts) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}

// poolCollector reports the database pool (sql.DBStats) at scrape time.
type poolCollector struct {
	stats                            func() sql.DBStats
	conns, maxConns, waits, waitTime *prometheus.Desc
	closed                           *prometheus.Desc
}

func newPoolCollector(stats func() sql.DBStats) *poolCollector {
	return &poolCollector{
		stats: stats,
		conns: prometheus.NewDesc("oshigoods_db_connections",
			"Database sessions this process holds, by state: in_use or idle.", []string{"state"}, nil),
		maxConns: prometheus.NewDesc("oshigoods_db_max_connections",
			"The most database sessions this process may hold (OSHIGOODS_DB_MAX_CONNS).", nil, nil),
		waits: prometheus.NewDesc("oshigoods_db_waits_total",
			"Queries that waited for a free session.", nil, nil),
		waitTime: prometheus.NewDesc("oshigoods_db_wait_seconds_total",
			"Time queries spent waiting for a free session.", nil, nil),
		closed: prometheus.NewDesc("oshigoods_db_closed_total",
			"Sessions the pool closed, by reason: max_idle (more idle than kept), max_idle_time, max_lifetime. A fast rise is churn.", []string{"reason"}, nil),
	}
}

func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{p.conns, p.maxConns, p.waits, p.waitTime, p.closed} {
		ch <- d
	}
}

func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := p.stats()
	ch <- prometheus.MustNewConstMetric(p.conns, prometheus.GaugeValue, float64(s.InUse), "in_use")
	ch <- prometheus.MustNewConstMetric(p.conns, prometheus.GaugeValue, float64(s.Idle), "idle")
	ch <- prometheus.MustNewConstMetric(p.maxConns, prometheus.GaugeValue, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(p.waits, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(p.waitTime, prometheus.CounterValue, s.WaitDuration.Seconds())
	for _, c := range []struct {
		reason string
		n      int64
	}{{"max_idle", s.MaxIdleClosed}, {"max_idle_time", s.MaxIdleTimeClosed}, {"max_lifetime", s.MaxLifetimeClosed}} {
		ch <- prometheus.MustNewConstMetric(p.closed, prometheus.CounterValue, float64(c.n), c.reason)
	}
}
