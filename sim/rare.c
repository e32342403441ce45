/*
 * rare.c - the exact false-abort probability of keepalive on a lossy path
 * (rare.h). A dynamic program over one probing episode gives, for each
 * state of the two directions' Gilbert-Elliott chains at its start, the
 * probability of the abort and the distribution of the states at the start
 * of the next episode; the long-run per-episode hazard is the abort
 * probability under the quasi-stationary distribution of that chain (power
 * iteration). With Bernoulli loss only the good-good state has mass and the
 * result is the product q^M.
 */
#include "rare.h"

#include <math.h>
#include <string.h>

#include "keepalive.h"
#include "profile.h"

enum { NS = 4 }; /* (probe direction bad?) * 2 + (reply direction bad?) */

/* P(a segment is lost) in state bad, and P(bad next) after it (link_lose()). */
static double dir_loss(const struct rare_dir *d, int bad) { return bad ? d->ge_loss : d->loss; }
static double dir_next_bad(const struct rare_dir *d, int bad) { return bad ? 1 - d->ge_r : d->ge_p; }

/* One probe from the state distribution v: the mass answered goes to ok[],
 * the mass unanswered to fail[] (both by the states after it). */
static void probe_step(const struct rare_chain *c, const double v[NS], double ok[NS], double fail[NS])
{
	memset(ok, 0, NS * sizeof(double));
	memset(fail, 0, NS * sizeof(double));
	for (int s = 0; s < NS; s++) {
		if (v[s] == 0)
			continue;
		int pb = s >> 1, rb = s & 1;
		double lp = dir_loss(&c->probe, pb), np = dir_next_bad(&c->probe, pb);
		double lr = dir_loss(&c->reply, rb), nr = dir_next_bad(&c->reply, rb);
		for (int pb2 = 0; pb2 < 2; pb2++) {
			double tp = pb2 ? np : 1 - np;
			if (tp == 0)
				continue;
			/* the probe is lost: the reply direction carries nothing */
			fail[pb2 << 1 | rb] += v[s] * lp * tp;
			/* delivered: the peer's ACK, tcp_ack() clears probes_out when it arrives */
			for (int rb2 = 0; rb2 < 2; rb2++) {
				double tr = rb2 ? nr : 1 - nr;
				ok[pb2 << 1 | rb2] += v[s] * (1 - lp) * tp * (1 - lr) * tr;
				fail[pb2 << 1 | rb2] += v[s] * (1 - lp) * tp * lr * tr;
			}
		}
	}
}

/* One episode started in state s: next[] the states of the next episode's
 * start (answered), *abort its abort probability, *len the expected length of
 * an answered episode times its probability. */
static void episode(const struct rare_chain *c, int s, double next[NS], double *abort, double *len)
{
	double v[NS] = { 0 }, ok[NS], fail[NS];

	v[s] = 1;
	memset(next, 0, NS * sizeof(double));
	*len = 0;
	for (unsigned j = 0; j < c->probes; j++) {
		probe_step(c, v, ok, fail);
		double pj = 0;
		for (int t = 0; t < NS; t++) {
			next[t] += ok[t];
			pj += ok[t];
		}
		/* answered by probe j + 1: sent keepidle + j keepintvl after the last answer */
		*len += pj * (c->idle_s + j * c->intvl_s + c->rtt_s);
		memcpy(v, fail, sizeof v);
	}
	*abort = 0;
	for (int t = 0; t < NS; t++)
		*abort += v[t];
}

void rare_false_abort(const struct rare_chain *c, struct false_abort *out)
{
	double T[NS][NS], a[NS], len[NS], pi[NS] = { 1, 0, 0, 0 };

	for (int s = 0; s < NS; s++)
		episode(c, s, T[s], &a[s], &len[s]);
	/* quasi-stationary start distribution: pi T = rho pi (rows of T sum to
	 * 1 - a[s] < 1), by power iteration from good-good */
	for (int it = 0; it < 10000; it++) {
		double nx[NS] = { 0 }, sum = 0, diff = 0;
		for (int s = 0; s < NS; s++)
			for (int t = 0; t < NS; t++)
				nx[t] += pi[s] * T[s][t];
		for (int t = 0; t < NS; t++)
			sum += nx[t];
		if (sum <= 0)
			break;
		for (int t = 0; t < NS; t++) {
			nx[t] /= sum;
			diff += fabs(nx[t] - pi[t]);
			pi[t] = nx[t];
		}
		if (diff < 1e-15)
			break;
	}
	double h = 0, ok = 0, l = 0;
	for (int s = 0; s < NS; s++) {
		h += pi[s] * a[s];
		ok += pi[s] * (1 - a[s]);
		l += pi[s] * len[s];
	}
	out->per_episode = h;
	out->mean_cycle_s = ok > 0 ? l / ok : c->idle_s + c->rtt_s;
	double n = 86400.0 / out->mean_cycle_s;
	out->per_day = -expm1(n * log1p(-h));
	out->per_year = -expm1(365 * n * log1p(-h));
}

static void rare_dir_of(const struct link_dir *d, struct rare_dir *r)
{
	r->loss = d->loss;
	r->ge_p = d->ge_p;
	r->ge_r = d->ge_r;
	r->ge_loss = d->ge_loss;
}

bool rare_chain_of(const struct scenario *sc, int h, struct rare_chain *c, const char **why)
{
	const struct ep_config *ep = &sc->ep[h], *peer = &sc->ep[!h];
	struct ka_settings ka = keepalive_settings(ep);
	ks_time_t rtt = sc->link.dir[HOST_A].delay + sc->link.dir[HOST_B].delay;

	*why = NULL;
	if (!ep->so_keepalive)
		*why = "keepalive off";
	else if (profile_get(ep->os)->algo != KA_ALGO_LINUX)
		*why = "not Linux's keepalive";
	else if (peer->so_keepalive || profile_get(peer->os)->always_keepalive)
		*why = "both ends probe";
	else if (sc->nevents)
		*why = "the scenario has events";
	else if (ep->hb.preset[0] || peer->hb.preset[0])
		*why = "application heartbeats";
	else if (sc->link.dir[HOST_A].jitter || sc->link.dir[HOST_B].jitter)
		*why = "jitter";
	else if (rtt >= (ks_time_t)ka.intvl * KS_SEC)
		*why = "round trip >= keepintvl";
	if (*why)
		return false;
	rare_dir_of(&sc->link.dir[h], &c->probe);
	rare_dir_of(&sc->link.dir[!h], &c->reply);
	c->idle_s = ka.time;
	c->intvl_s = ka.intvl;
	c->rtt_s = (double)rtt / KS_SEC;
	c->probes = ka.probes;
	if (ep->tcp_user_timeout) {
		/* tcp_keepalive_timer(): the firing at keepidle + k keepintvl aborts
		 * when that is >= the user timeout and a probe is out (k >= 1) */
		uint64_t ut = ep->tcp_user_timeout, idle = ka.time * 1000ULL, v = ka.intvl * 1000ULL; /* ms */
		uint64_t k = ut > idle ? (ut - idle + v - 1) / v : 1;
		c->probes = (unsigned)(k ? k : 1);
	}
	return true;
}
