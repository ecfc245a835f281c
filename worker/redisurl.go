package worker

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"
)

// RedisURLForms says which forms ParseRedisURL takes, for error messages.
const RedisURLForms = "give redis://[:password@]host:port/db, rediss://…, " +
	"redis-sentinel://[:password@]host:port[,host:port…][/db]?master=NAME or " +
	"redis-cluster://[:password@]host:port[,host:port…]"

// ParseRedisURL returns the asynq connection of a Redis URL in one of three
// forms:
//
//	redis://[user:password@]host:port[/db]       one server (rediss:// with TLS)
//	redis-sentinel://[user:password@]host:port[,host:port…][/db]?master=NAME[&sentinel_password=…]
//	                                             the master NAME that the listed Sentinels watch;
//	                                             asynq follows a failover to the new master
//	redis-cluster://[user:password@]host:port[,host:port…]
//	                                             a Redis Cluster, the listed nodes as seeds
//
// The user and password are those of the Redis servers (the Sentinel form's
// master and replicas); Sentinels that ask for a password of their own take
// sentinel_password. This differs from asynq.ParseRedisURI, which gives the
// Sentinel form's password to the Sentinels alone, so a master with a
// password could not be reached. Every host needs its port. The Sentinel and
// Cluster forms have no TLS; a cluster has only database 0. Errors say what
// is wrong without the password.
func ParseRedisURL(raw string) (asynq.RedisConnOpt, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return nil, errors.New("is not a URL")
	}
	switch scheme {
	case "redis", "rediss":
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, errors.New("is not a URL")
		}
		opt, err := asynq.ParseRedisURI(raw)
		if err != nil {
			return nil, fmt.Errorf("is not a Redis URL (%s)", strings.TrimPrefix(err.Error(), "asynq: "))
		}
		o := opt.(asynq.RedisClientOpt)
		o.Username = u.User.Username()
		return o, nil
	case "redis-sentinel", "redis-cluster":
	default:
		return nil, fmt.Errorf("has scheme %s://", scheme)
	}

	// host,host… does not parse as a URL when a host is [IPv6]:port.
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	var user, password string
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		info := authority[:i]
		authority = authority[i+1:]
		u, err := url.Parse("redis://" + info + "@localhost")
		if err != nil {
			return nil, errors.New("has a user or password that is not URL-encoded")
		}
		user = u.User.Username()
		password, _ = u.User.Password()
	}
	var addrs []string
	for h := range strings.SplitSeq(authority, ",") {
		host, port, err := net.SplitHostPort(h)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || host == "" || n < 1 || n > 65535 {
			return nil, fmt.Errorf("has %q where host:port belongs", h)
		}
		addrs = append(addrs, net.JoinHostPort(host, port))
	}
	u, err := url.Parse("redis://localhost" + tail)
	if err != nil || u.Fragment != "" {
		return nil, errors.New("has a path or query that does not parse")
	}
	db := 0
	if p := strings.Trim(u.Path, "/"); p != "" {
		if db, err = strconv.Atoi(p); err != nil || db < 0 {
			return nil, fmt.Errorf("has path /%s where a database number belongs", p)
		}
	}
	q := u.Query()
	allowed := map[string]bool{}
	if scheme == "redis-sentinel" {
		allowed["master"], allowed["sentinel_password"] = true, true
	}
	for k := range q {
		if !allowed[k] {
			return nil, fmt.Errorf("has the unknown parameter %s", k)
		}
	}

	if scheme == "redis-cluster" {
		if db != 0 {
			return nil, fmt.Errorf("names database %d; a cluster has only database 0", db)
		}
		return asynq.RedisClusterClientOpt{Addrs: addrs, Username: user, Password: password}, nil
	}
	master := q.Get("master")
	if master == "" {
		return nil, errors.New("names no master; add ?master=NAME, the name the Sentinels monitor")
	}
	return asynq.RedisFailoverClientOpt{MasterName: master, SentinelAddrs: addrs, SentinelPassword: q.Get("sentinel_password"),
		Username: user, Password: password, DB: db}, nil
}
