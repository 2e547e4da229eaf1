/* cert_cli.h: `lunatic cert`, making a cluster CA and node certificates
 * (net/cert.h) from the command line. Used by tools/lunatic.c only. */
#ifndef LUN_CERT_CLI_H
#define LUN_CERT_CLI_H

/* Run `lunatic cert` with the arguments after "cert"; returns the exit
 * status: 0, 1 on an error, 2 on a bad command line. */
int cert_cli(int argc, char **argv);

#endif
