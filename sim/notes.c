/*
 * notes.c - notes on a valid scenario that probably does not do what its
 * author meant (notes.h). The lines of keys come from the one INI reader.
 */
#include "notes.h"

#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "inifile.h"
#include "textfile.h"

/* A fault: something that makes the peer or the path go silent or lossy. */
static bool is_fault(const struct sc_event *ev)
{
	switch (ev->action) {
	case ACT_UNPLUG:
	case ACT_CRASH:
	case ACT_REBOOT:
	case ACT_CONGEST:
	case ACT_LINK_DOWN:
	case ACT_PARTITION:
	case ACT_NAT_FLUSH:
	case ACT_NAT_REBOOT:
	case ACT_LB_FLUSH:
	case ACT_LB_REBOOT:
		return true;
	case ACT_UNREACHABLE:
		return ev->arg != UINT64_MAX; /* "off" ends it */
	case ACT_LINK_LOSS:
		return ev->p > 0;
	default:
		return false;
	}
}

static const char *fault_name(const struct sc_event *ev)
{
	switch (ev->action) {
	case ACT_UNPLUG: return "unplug";
	case ACT_CRASH: return "crash";
	case ACT_REBOOT: return "reboot";
	case ACT_CONGEST: return "congest";
	case ACT_LINK_DOWN: return "link down";
	case ACT_PARTITION: return "partition";
	case ACT_NAT_FLUSH: return "nat flush";
	case ACT_NAT_REBOOT: return "nat reboot";
	case ACT_LB_FLUSH: return "lb flush";
	case ACT_LB_REBOOT: return "lb reboot";
	case ACT_UNREACHABLE: return "unreachable";
	default: return "link loss";
	}
}

/* The handshake is complete when A's ACK reaches B: SYN, SYN-ACK, ACK, each
 * at most its direction's delay + jitter. */
static ks_time_t handshake_end(const struct scenario *sc)
{
	const struct link_dir *ab = &sc->link.dir[HOST_A], *ba = &sc->link.dir[HOST_B];
	return 2 * (ab->delay + ab->jitter) + ba->delay + ba->jitter;
}

static void fault_notes(const struct scenario *sc, const char *file, struct diag *d)
{
	ks_time_t end = handshake_end(sc);
	char at[32], hs[32];
	for (size_t i = 0; i < sc->nevents; i++) {
		const struct sc_event *ev = &sc->events[i];
		if (ev->at >= end && ev->at > 0)
			continue;
		if (!is_fault(ev))
			continue;
		struct diag_loc loc = {.file = file, .line = ev->line};
		format_secs(at, sizeof at, ev->at);
		format_secs(hs, sizeof hs, end);
		diag_at(d, &loc, "note: the %s at %s comes before the handshake is complete (%s): an event runs "
			"before anything else at its time, so one at 0 even precedes A's SYN; this tests a "
			"failed connect, not keepalive (to test keepalive, put the fault after the handshake)",
			fault_name(ev), at, hs);
	}
}

struct ut_find {
	int line[NHOSTS];
	bool bare[NHOSTS];       /* written as a bare number (no unit) */
	int *cur;
};

static bool bare_number(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

static int ut_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ut_find *f = user;
	if (!strcmp(name, "tcp_user_timeout") && (!strcmp(section, "A") || !strcmp(section, "B"))) {
		f->line[section[0] == 'A' ? HOST_A : HOST_B] = *f->cur;
		f->bare[section[0] == 'A' ? HOST_A : HOST_B] = bare_number(value);
	}
	return 1;
}

/* tcp_user_timeout written as a bare number of 1..999 (ms) with keepalive on:
 * probably meant seconds. */
static void ut_notes(const struct scenario *sc, const char *file, const char *text, const char *const *sets,
		     size_t nsets, struct diag *d)
{
	int cur = 0;
	struct ut_find f = {.cur = &cur};
	bool looked = false;
	for (int h = 0; h < NHOSTS; h++) {
		const struct ep_config *ep = &sc->ep[h];
		uint32_t ut = ep->tcp_user_timeout;
		if (!ut || ut >= 1000 || !ep->so_keepalive)
			continue;
		if (!looked && text) {
			struct ini_parse p = {.text = text, .line = &cur, .on_entry = ut_entry, .user = &f};
			ini_parse_text(&p);
			looked = true;
		}
		struct diag_loc loc = {.file = file, .line = f.line[h]};
		bool bare = f.bare[h];
		char prefix[3] = {host_letter(h), '.', '\0'};
		for (size_t i = 0; i < nsets; i++) /* the last --set of it wins */
			if (!strncmp(sets[i], prefix, 2) && !strncmp(sets[i] + 2, "tcp_user_timeout=", 17)) {
				loc.set = sets[i];
				bare = bare_number(sets[i] + 19);
			}
		if (!bare)
			continue; /* written with a unit: meant as it is */
		diag_at(d, &loc, "note: tcp_user_timeout = %u means %u ms, as setsockopt(TCP_USER_TIMEOUT) takes it, "
			"while the keepalive intervals are in seconds (write %us for %u seconds)",
			(unsigned)ut, (unsigned)ut, (unsigned)ut, (unsigned)ut);
	}
}

void scenario_notes(const struct scenario *sc, const char *file, const char *text, const char *const *sets,
		    size_t nsets, struct diag *d)
{
	fault_notes(sc, file, d);
	ut_notes(sc, file, text, sets, nsets, d);
}

void scenario_notes_print(const struct scenario *sc, const char *file, const char *const *sets, size_t nsets,
			  FILE *f)
{
	struct diag d = {0};
	char *text = textfile_read(file, NULL, &d); /* read already: cannot fail but by a race */
	diag_free(&d);
	d = (struct diag){0};
	scenario_notes(sc, file, text, sets, nsets, &d);
	if (diag_count(&d))
		diag_print(&d, file, f);
	diag_free(&d);
	free(text);
}
