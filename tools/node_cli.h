/* node_cli.h: `lunatic node`'s own flags (the cluster: name, addresses,
 * certificates, tags), turned into a running dist_cluster_t. The run
 * options and the app that follow are tools/lunatic.c's. */
#ifndef LUN_NODE_CLI_H
#define LUN_NODE_CLI_H

#include "dist/cluster.h"

/* Parse the node flags in argv[i..] (up to the first argument that is
 * not one) and start the cluster into *out. Returns the index of that
 * argument (argc: none). A bad flag exits with status 2, a node that
 * cannot start (unreadable files, wrong certificates, an address that
 * does not bind) with status 1, each with one line on stderr. */
int node_cli_start(int argc, char **argv, int i, dist_cluster_t **out);

#endif
