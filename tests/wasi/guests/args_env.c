/* args_env.c: argv and the environment reach the guest untouched; the
 * exit status is what the guest asks for (argv[1] as a number). */
#include "check.h"

int main(int argc, char **argv)
{
    CHECK(argc == 5);
    CHECK(strcmp(argv[2], "-x") == 0);
    CHECK(strcmp(argv[3], "--dir") == 0);
    CHECK(strcmp(argv[4], "with space") == 0);
    CHECK(getenv("LUN_TEST_A") && strcmp(getenv("LUN_TEST_A"), "1=2") == 0);
    CHECK(getenv("LUN_TEST_EMPTY") && *getenv("LUN_TEST_EMPTY") == '\0');
    CHECK(getenv("LUN_TEST_UNSET") == NULL);
    puts("args_env ok");
    return atoi(argv[1]);
}
