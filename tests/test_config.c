/*
 * test_config.c - run.json's "config" is the effective configuration of
 * every key of the scenario key table (scenario.h): each key of each section
 * is looked up by iterating the table, never a hand-written list, so a key
 * added to the table and forgotten by the writer fails here.
 */
#include <jansson.h>

#include "binrun.h"
#include "scenario.h"

/* A scenario that sets every section (and a NAT, an LB and a proxy, so
 * [nat], [lb] and [proxy] are not null). */
static const char ini[] =
	"[scenario]\nname = cfg\nduration = 1h\ntimer = linux\nhz = 1000\njiffies = 5\n"
	"jiffies_phase = 250us\n"
	"[A]\nso_keepalive = on\ntcp_keepidle = 60\nos = freebsd\n"
	"[B]\nos = lwip\n"
	"[link]\ndelay = 10ms\ndelay.b_to_a = 20ms\nloss = 0.25\n"
	"[nat]\npreset = aws-nat-gateway\nbg_interval = 10s, 5m\n"
	"[lb]\npreset = aws-nlb\n"
	"[proxy]\npreset = aws-alb\nserver.tcp_keepidle = 30\n";

/* kasim -o DIR on ini; the parsed run.json. */
static json_t *run_json(void)
{
	char *d = make_tmpdir(), path[512], out[512];
	SNP(path, "%s/cfg.ini", d);
	SNP(out, "%s/out", d);
	write_file(path, ini);
	struct cmd r = KASIM("-q", "--no-plot", "-o", out, path);
	cr_assert_eq(r.status, 0, "kasim failed: %s", r.err);
	cmd_free(&r);
	SNP(path, "%s/run.json", out);
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	cr_assert_not_null(j, "run.json: %s at line %d", e.text, e.line);
	free(d);
	return j;
}

/* The object where key k of section sec is written. */
static json_t *key_home(json_t *section, size_t sec, size_t k, const char **name, char *buf,
			size_t n)
{
	const char *full = scenario_key_name(sec, k);
	const char *dot;

	*name = full;
	switch (scenario_key_dir(sec, k)) {
	case CFG_DIR_AB:
	case CFG_DIR_BA:
		/* delay.a_to_b is written as a_to_b.delay */
		dot = strrchr(full, '.');
		cr_assert_not_null(dot);
		snprintf(buf, n, "%.*s", (int)(dot - full), full);
		*name = buf;
		return json_object_get(section, dot + 1);
	case CFG_DIR_BOTH:
		return json_object_get(section, "a_to_b");
	default:
		return section;
	}
}

Test(config, every_key_of_the_table_is_in_run_json)
{
	json_t *j = run_json(), *cfg = json_object_get(j, "config");
	size_t nkeys = 0;

	cr_assert(json_is_object(cfg));
	for (size_t sec = 0; sec < scenario_nsections(); sec++) {
		const char *sname = scenario_section_name(sec);
		json_t *s = json_object_get(cfg, sname);
		if (!scenario_nkeys(sec)) {
			cr_expect(json_is_array(s), "[%s] has no keys: its entries are a list", sname);
			continue;
		}
		cr_assert(json_is_object(s), "config has no section %s", sname);
		for (size_t k = 0; k < scenario_nkeys(sec); k++) {
			char buf[64];
			const char *name;
			json_t *home = key_home(s, sec, k, &name, buf, sizeof buf);
			cr_expect(json_is_object(home) && json_object_get(home, name),
				  "run.json config misses %s.%s", sname, scenario_key_name(sec, k));
			if (scenario_key_dir(sec, k) == CFG_DIR_BOTH)
				cr_expect(json_object_get(json_object_get(s, "b_to_a"), name),
					  "run.json config misses link.b_to_a.%s", name);
			nkeys++;
		}
	}
	cr_expect_eq(nkeys, 8 + 2 * 32 + 19 + 16 + 16 + 19, "the key table has %zu keys", nkeys);
	json_decref(j);
}

/* The keys run.json used to miss, with their values. */
Test(config, timer_and_os_keys_have_their_values)
{
	json_t *j = run_json(), *cfg = json_object_get(j, "config");
	json_t *sc = json_object_get(cfg, "scenario"), *link = json_object_get(cfg, "link");

	cr_expect_str_eq(json_string_value(json_object_get(sc, "timer")), "linux");
	cr_expect_eq(json_integer_value(json_object_get(sc, "hz")), 1000);
	cr_expect_eq(json_integer_value(json_object_get(sc, "jiffies")), 5);
	cr_expect_float_eq(json_real_value(json_object_get(sc, "jiffies_phase")), 0.00025, 1e-12);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(cfg, "A"), "os")), "freebsd");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(cfg, "B"), "os")), "lwip");
	cr_expect_float_eq(json_real_value(json_object_get(json_object_get(link, "a_to_b"), "delay")),
			   0.01, 1e-12);
	cr_expect_float_eq(json_real_value(json_object_get(json_object_get(link, "b_to_a"), "delay")),
			   0.02, 1e-12);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(cfg, "nat"), "preset")),
			 "aws-nat-gateway");
	json_decref(j);
}
