// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* iface_filter.c - which interface names --iface and --exclude-iface let in. */
#include "iface.h"
#include "test_progs.h"

static const struct {
	const char *name, *list, *exclude, *iface;
	bool wanted;
} cases[] = {
	{ "all_by_default", NULL, NULL, "eth0", true },
	{ "literal", "eth0,eth1", NULL, "eth1", true },
	{ "literal_other", "eth0,eth1", NULL, "eth2", false },
	{ "glob", "veth*,cali*", NULL, "cali12ab", true },
	{ "glob_no_match", "veth*", NULL, "eth0", false },
	{ "exclude_glob", NULL, "docker*,virbr?", "docker0", false },
	{ "exclude_class", NULL, "eth[01]", "eth1", false },
	{ "exclude_wins", "veth*", "veth9*", "veth9ab", false },
	{ "exclude_other", "veth*", "veth9*", "veth1ab", true },
};

void test_iface_filter(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest(cases[i].name))
			continue;
		ASSERT_EQ(kf_iface_wanted(cases[i].list, cases[i].exclude, cases[i].iface),
			  cases[i].wanted, "wanted");
	}
}
