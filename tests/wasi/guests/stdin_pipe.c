/* stdin_pipe.c: reads stdin to the end (the driver pipes in text, some of
 * it late, so reads block) and prints the line count and bytes. */
#include <unistd.h>

#include "check.h"

int main(void)
{
    char buf[4096];
    long bytes = 0, lines = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        bytes += n;
        for (ssize_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
    }
    CHECK(n == 0);
    printf("stdin: %ld lines, %ld bytes\n", lines, bytes);
    return 0;
}
