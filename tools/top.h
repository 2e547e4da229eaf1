/* top.h: `lunatic top HOST:PORT` (top.c). */
#ifndef LUN_TOOLS_TOP_H
#define LUN_TOOLS_TOP_H

/* argv: what follows "top". Returns the exit status. */
int top_cli(int argc, char **argv);

#endif
