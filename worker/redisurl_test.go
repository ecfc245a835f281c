package worker

import (
	"crypto/tls"
	"reflect"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
)

func TestParseRedisURL(t *testing.T) {
	cases := []struct {
		scenario string
		url      string
		want     asynq.RedisConnOpt
		err      string
	}{
		{"one server", "redis://127.0.0.1:6379/3", asynq.RedisClientOpt{Addr: "127.0.0.1:6379", DB: 3}, ""},
		{"one server with user and password", "redis://shop:pw@redis:6379", asynq.RedisClientOpt{Addr: "redis:6379", Username: "shop", Password: "pw"}, ""},
		{"one server over TLS", "rediss://:pw@redis.example.jp:6380/0",
			asynq.RedisClientOpt{Addr: "redis.example.jp:6380", Password: "pw", TLSConfig: &tls.Config{ServerName: "redis.example.jp"}}, ""},
		{"sentinels", "redis-sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379/2?master=oshigoods",
			asynq.RedisFailoverClientOpt{MasterName: "oshigoods", SentinelAddrs: []string{"10.0.0.1:26379", "10.0.0.2:26379"}, Password: "pw", DB: 2}, ""},
		{"sentinels of IPv6 hosts with a password of their own", "redis-sentinel://[fd00::1]:26379,[fd00::2]:26379?master=m&sentinel_password=s%40cret",
			asynq.RedisFailoverClientOpt{MasterName: "m", SentinelAddrs: []string{"[fd00::1]:26379", "[fd00::2]:26379"}, SentinelPassword: "s@cret"}, ""},
		{"cluster", "redis-cluster://user:p%2Fw@redis-1:7000,redis-2:7000,redis-3:7000/",
			asynq.RedisClusterClientOpt{Addrs: []string{"redis-1:7000", "redis-2:7000", "redis-3:7000"}, Username: "user", Password: "p/w"}, ""},
		{"cluster of one seed", "redis-cluster://127.0.0.1:7000", asynq.RedisClusterClientOpt{Addrs: []string{"127.0.0.1:7000"}}, ""},

		{"no scheme", "localhost:6379", nil, "is not a URL"},
		{"another scheme", "http://redis:6379", nil, "has scheme http://"},
		{"database not a number", "redis://redis:6379/first", nil, "is not a Redis URL (could not parse redis uri: database number"},
		{"sentinel without master", "redis-sentinel://10.0.0.1:26379", nil, "names no master"},
		{"sentinel host without port", "redis-sentinel://10.0.0.1:26379,10.0.0.2?master=m", nil, `has "10.0.0.2" where host:port belongs`},
		{"sentinel with an empty host", "redis-sentinel://10.0.0.1:26379,?master=m", nil, `has "" where host:port belongs`},
		{"sentinel port out of range", "redis-sentinel://10.0.0.1:99999?master=m", nil, `has "10.0.0.1:99999" where host:port belongs`},
		{"sentinel with go-redis's parameter name", "redis-sentinel://10.0.0.1:26379?master_name=m", nil, "has the unknown parameter master_name"},
		{"sentinel database not a number", "redis-sentinel://10.0.0.1:26379/x?master=m", nil, "has path /x where a database number belongs"},
		{"cluster with a database", "redis-cluster://redis-1:7000/1", nil, "names database 1; a cluster has only database 0"},
		{"cluster with a master", "redis-cluster://redis-1:7000?master=m", nil, "has the unknown parameter master"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := ParseRedisURL(tc.url)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("got %+v, %v; want an error beginning %q", got, err, tc.err)
				}
				if strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "cret") {
					t.Fatalf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}
