// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * orient.c - client/server decision, strongest evidence first: the side that
 * sent a SYN-ACK is the server; the side that sent a SYN (and the other did
 * not) is the client; a configured or locally listening port is the server;
 * exactly one ephemeral port (>= 32768) is the client; else the sender of the
 * flow's first packet is the client. This is the reference's order without
 * DeepFlow's cross-flow service-score table (see README).
 */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include "orient.h"

static void set_bit(unsigned char *bits, unsigned int port)
{
	bits[port / 8] |= 1 << (port % 8);
}

static bool test_bit(const unsigned char *bits, unsigned int port)
{
	return bits[port / 8] & (1 << (port % 8));
}

/* want_state: TCP LISTEN (0x0A); for UDP any socket bound with no peer. */
static void load_proc(const char *path, unsigned char *bits, bool tcp)
{
	char line[512], rem[64];
	unsigned int lport, state;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) { /* header */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %63[0-9A-Fa-f:] %x", &lport, rem,
			   &state) != 3)
			continue;
		if (tcp ? state == 0x0A : strspn(rem, "0:") == strlen(rem))
			set_bit(bits, lport);
	}
	fclose(f);
}

void kf_listeners_load(struct kf_listeners *l)
{
	memset(l, 0, sizeof(*l));
	load_proc("/proc/net/tcp", l->tcp, true);
	load_proc("/proc/net/tcp6", l->tcp, true);
	load_proc("/proc/net/udp", l->udp, false);
	load_proc("/proc/net/udp6", l->udp, false);
}

static bool is_server_port(__u16 port, __u8 proto, const struct kf_opts *o,
			   const struct kf_listeners *l)
{
	for (int i = 0; i < o->n_server_ports; i++)
		if (o->server_ports[i] == port)
			return true;
	if (proto == IPPROTO_TCP)
		return test_bit(l->tcp, port);
	if (proto == IPPROTO_UDP)
		return test_bit(l->udp, port);
	return false;
}

void kf_orient(struct kf_flow *f, const struct kf_opts *o, const struct kf_listeners *l)
{
	struct flow_life *life = &f->life;
	__u16 port[2] = { f->key.port_a, f->key.port_b };
	bool srv[2];
	int client;

	if ((life->flags & KF_LIFE_ORIENTED) && life->direction_score == KF_SCORE_SYNACK)
		return;
	if (!!life->synack[0] != !!life->synack[1]) {
		life->client = life->synack[0] ? KF_DIR_BA : KF_DIR_AB;
		life->direction_score = KF_SCORE_SYNACK;
		goto done;
	}
	if (!!life->syn[0] != !!life->syn[1]) {
		life->client = life->syn[0] ? KF_DIR_AB : KF_DIR_BA;
		life->direction_score = KF_SCORE_SYN;
		goto done;
	}
	if (f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP) {
		srv[0] = is_server_port(port[0], f->key.proto, o, l);
		srv[1] = is_server_port(port[1], f->key.proto, o, l);
		if (srv[0] != srv[1]) {
			life->client = srv[0] ? KF_DIR_BA : KF_DIR_AB;
			life->direction_score = KF_SCORE_SERVER_PORT;
			goto done;
		}
		if ((port[0] >= 32768) != (port[1] >= 32768)) {
			life->client = port[0] >= 32768 ? KF_DIR_AB : KF_DIR_BA;
			life->direction_score = KF_SCORE_EPHEMERAL;
			goto done;
		}
	}
	/* A previous, stronger-or-equal decision stands. */
	if (life->flags & KF_LIFE_ORIENTED)
		return;
	client = life->first_dir == KF_DIR_AB ? KF_DIR_AB : KF_DIR_BA;
	life->client = client;
	life->direction_score = KF_SCORE_FIRST_PACKET;
done:
	life->flags |= KF_LIFE_ORIENTED;
}
