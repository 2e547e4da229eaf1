/* ping.c: the guest of tests/nodes/run.sh, run as node A's root (tagged
 * role=root; B and C role=worker). It waits until the cluster has 3
 * nodes, looks the workers up by tag, spawns `pong` on one and pong_fn
 * on the other (the module travels by hash: those nodes never had it)
 * and prints what each one sent back. */
#include <stdio.h>
#include <string.h>

#include "sdk/lunatic.h"

/* On the remote node: send a line naming this node to (node, pid). */
__attribute__((export_name("pong"))) void pong(int64_t node, int64_t pid)
{
    char line[64];
    int n = snprintf(line, sizeof line, "pong from node %016llx",
                     (unsigned long long)lun_node_self());
    lun_node_send((uint64_t)node, (uint64_t)pid, 7, line, (size_t)n);
}

/* The same spawned by function pointer (lun_node_spawn): its one
 * argument is the pid; the node is found by its tag. */
static void pong_fn(int64_t pid)
{
    uint64_t root = 0;
    if (lun_nodes_tagged("role=root", &root, 1) == 1)
        pong((int64_t)root, pid);
}

int main(void)
{
    uint64_t ids[8];
    uint32_t n = 0;
    for (int tries = 0; tries < 200 && n < 3; tries++) {
        n = lun_nodes(ids, 8);
        if (n < 3)
            lunatic_process_sleep_ms(50);
    }
    if (n < 3) {
        printf("only %d nodes\n", (int)n);
        return 1;
    }
    uint64_t self = lun_node_self(), id = 0;
    uint32_t roots = lun_nodes_tagged("role=root", ids, 8);
    printf("role=root: %d node(s)%s\n", (int)roots,
           roots == 1 && ids[0] == self ? ", this one" : "");
    n = lun_nodes_tagged("role=worker", ids, 8);
    printf("role=worker: %d node(s)\n", (int)n);
    int asked = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (ids[i] == self)
            continue;
        uint8_t params[2 * LUN_PARAM_SIZE];
        size_t plen = 0;
        lun_param_i64(params, &plen, (int64_t)self);
        lun_param_i64(params, &plen, (int64_t)lun_self());
        int32_t rc = 0;
        if (asked == 0)
            id = lun_node_spawn_export(ids[i], "pong", params, plen, -1, &rc);
        else if (!(id = lun_node_spawn(ids[i], pong_fn, (int64_t)lun_self())))
            rc = -1;
        printf("spawn on a peer: rc %d\n", (int)rc);
        asked += rc == 0;
    }
    for (int i = 0; i < asked; i++) {
        char buf[64];
        size_t len = 0;
        int64_t tag = 7;
        if (lun_recv(&tag, 1, 5000, buf, sizeof buf - 1, &len) == LUN_TIMEOUT) {
            printf("timeout\n");
            return 1;
        }
        buf[len < sizeof buf ? len : sizeof buf - 1] = 0;
        printf("got: %s\n", buf);
    }
    return 0;
}
