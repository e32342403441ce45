/*
 * heartbeat_preset.c - the application heartbeats of real protocols and
 * libraries ([A]/[B] heartbeat = PRESET), each number with its source. The
 * sources (URLs) and the reasoning are in docs/heartbeats.md's preset table;
 * a value no source gives is marked ASSUMPTION here and there. A preset only
 * fills in defaults: every heartbeat_* key of the same section (or --set)
 * overrides it, whatever the order.
 */
#include <string.h>

#include "scenario.h"

#define S KS_SEC

const char *const hb_preset_names[] = {
	"off", "custom", "grpc", "http2", "websocket", "ssh-client", "ssh-server", "redis",
	"postgres", "amqp",
};
const size_t hb_npresets = sizeof(hb_preset_names) / sizeof(hb_preset_names[0]);

static const struct hb_preset {
	const char *name;
	struct hb_config cfg;   /* without .preset */
	struct hb_words words;
} presets[] = {
	{ "custom",
	  { .timeout = 10 * S, .count = 1, .size = 1, .reply_size = 1, .without_calls = true },
	  { "heartbeat", "reply", "connection closed", "connection aborted",
	    "a custom heartbeat has no default interval" } },
	/* gRPC core doc/keepalive.md: KEEPALIVE_TIME client INT_MAX (off), server
	 * 2 h; KEEPALIVE_TIMEOUT 20 s; PERMIT_WITHOUT_CALLS 0. grpc-java: the time
	 * is "without read activity". A PING frame: 9-byte header + 8 bytes
	 * (RFC 9113 6.7), its ACK the same. */
	{ "grpc",
	  { .timeout = 20 * S, .count = 1, .size = 17, .reply_size = 17, .idle_only = true },
	  { "gRPC keepalive", "PING ACK", "transport closed", "transport aborted",
	    "gRPC clients send no keepalive pings by default (GRPC_ARG_KEEPALIVE_TIME_MS = "
	    "INT_MAX; servers: 2h)" } },
	/* Go x/net/http2 Transport: ReadIdleTimeout (no default: off) then a
	 * PING; PingTimeout default 15 s. Frame sizes as gRPC's. */
	{ "http2",
	  { .timeout = 15 * S, .count = 1, .size = 17, .reply_size = 17, .idle_only = true,
	    .without_calls = true },
	  { "HTTP/2 PING", "PING ACK", "connection closed", "connection aborted",
	    "Go's http2.Transport ReadIdleTimeout has no default (0 = no health checks)" } },
	/* Python websockets: ping_interval 20 s, ping_timeout 20 s, a ping every
	 * interval; close code 1011 on timeout. RFC 6455 5.2: the client's ping is
	 * 2 + 4 (mask) + 4 (payload) bytes, the server's pong 2 + 4. */
	{ "websocket",
	  { .interval = 20 * S, .timeout = 20 * S, .count = 1, .size = 10, .reply_size = 6,
	    .without_calls = true },
	  { "WebSocket ping", "pong", "connection closed (1011)", "connection aborted", NULL } },
	/* ssh_config(5): ServerAliveInterval default 0 (off), ServerAliveCountMax 3,
	 * sent when no data was received for the interval. The miss is counted at
	 * the next interval (timeout 0 = the interval). keepalive@openssh.com with
	 * chacha20-poly1305 (RFC 4253 6, PROTOCOL.chacha20poly1305): 52 bytes,
	 * the failure reply 28. */
	{ "ssh-client",
	  { .count = 3, .size = 52, .reply_size = 28, .idle_only = true, .without_calls = true },
	  { "ssh ServerAlive", "reply", "ssh disconnected", "ssh aborted",
	    "ServerAliveInterval defaults to 0 (off)" } },
	/* sshd_config(5): ClientAliveInterval default 0, ClientAliveCountMax 3. */
	{ "ssh-server",
	  { .count = 3, .size = 52, .reply_size = 28, .idle_only = true, .without_calls = true },
	  { "sshd ClientAlive", "reply", "sshd disconnected", "sshd aborted",
	    "ClientAliveInterval defaults to 0 (off)" } },
	/* Redis Sentinel: a PING every second; down-after-milliseconds 30000
	 * (sentinel.conf). RESP "*1\r\n$4\r\nPING\r\n" 14 bytes, "+PONG\r\n" 7. */
	{ "redis",
	  { .interval = 1 * S, .timeout = 30 * S, .count = 1, .size = 14, .reply_size = 7,
	    .without_calls = true },
	  { "Redis Sentinel PING", "PONG", "instance down, link closed", "link aborted", NULL } },
	/* PostgreSQL walsender: wal_sender_timeout 60 s; a keepalive asking for a
	 * reply after half of it without a message from the standby. 'k' message
	 * 1 + 4 + 1 + 8 + 8 + 1 = 23 bytes, the standby's 'r' reply 39. */
	{ "postgres",
	  { .interval = 30 * S, .timeout = 30 * S, .count = 1, .size = 23, .reply_size = 39,
	    .idle_only = true, .without_calls = true },
	  { "PostgreSQL walsender keepalive", "standby reply", "walsender terminated",
	    "walsender aborted", NULL } },
	/* RabbitMQ: heartbeat timeout 60 s, frames every 30 s, the peer is
	 * unreachable after 2 missed (no traffic for 60 s). Both sides send
	 * heartbeats and nobody replies: 8-byte frame (AMQP 0-9-1 4.2.7). */
	{ "amqp",
	  { .interval = 30 * S, .timeout = 30 * S, .count = 1, .size = 8, .reply_size = 0,
	    .idle_only = true, .without_calls = true },
	  { "AMQP heartbeat", "traffic", "connection closed", "connection aborted", NULL } },
};
#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

static const struct hb_preset *find(const char *name)
{
	for (size_t i = 0; i < NPRESETS; i++)
		if (!strcmp(presets[i].name, name))
			return &presets[i];
	return NULL;
}

bool hb_preset_fill(const char *name, struct hb_config *out)
{
	const struct hb_preset *p = find(name);
	if (!strcmp(name, "off")) {
		memset(out, 0, sizeof(*out));
		return true;
	}
	if (!p)
		return false;
	*out = p->cfg;
	strcpy(out->preset, p->name);
	return true;
}

const struct hb_words *hb_preset_words(const char *name)
{
	const struct hb_preset *p = find(name);
	return p ? &p->words : &presets[0].words;
}
