// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* main.c - kflow: in-kernel flow accounting agent. Subcommand dispatch. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"
#include "client.h"
#include "log.h"
#include "opts.h"
#include "pinned.h"
#include "replay.h"

int main(int argc, char **argv)
{
	struct kf_opts o;
	int err;

	/* The client has options of its own. */
	if (argc > 1 && !strcmp(argv[1], "stream"))
		return kf_stream_client(argc, argv);
	err = kf_opts_parse(&o, argc, argv);
	if (err)
		return err > 0 ? EXIT_SUCCESS : 2;
	kf_log_setup_libbpf();
	signal(SIGPIPE, SIG_IGN); /* a gone reader is a counted write error */

	switch (o.cmd) {
	case KF_CMD_RUN:
		err = kf_run(&o);
		break;
	case KF_CMD_DUMP:
		err = kf_dump(&o);
		break;
	case KF_CMD_CLEANUP:
		err = kf_cleanup(&o);
		break;
	case KF_CMD_REPLAY:
		err = kf_replay(&o);
		break;
	case KF_CMD_STREAM:
		return kf_stream_client(argc, argv);
	}
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
