/* ping.c: the guest of tests/nodes/run.sh, run as node A's root (tagged
 * role=root; B and C role=worker). It waits until the cluster has 3
 * nodes, looks the workers up by tag, spawns `pong` on each (its module
 * travels by hash: those nodes never had it) and prints what each one
 * sent back. */
#include <stdio.h>
#include <string.h>

#include "sdk/lunatic.h"

/* On the remote node: send a line naming this node to (node, pid). */
__attribute__((export_name("pong"))) void pong(int64_t node, int64_t pid)
{
    char line[64];
    int n = snprintf(line, sizeof line, "pong from node %016llx",
                     (unsigned long long)lunatic_distributed_node_id());
    lunatic_message_create_data(7, n);
    lunatic_message_write_data((int32_t)line, n);
    lunatic_distributed_send(node, pid);
}

/* The nodes tagged as query says, into ids (up to max): how many. */
static uint64_t lookup(const char *query, uint64_t *ids, uint64_t max)
{
    uint64_t qid = 0, count = 0, err = 0;
    if (lunatic_distributed_exec_lookup_nodes((int32_t)query,
                                              (int32_t)strlen(query),
                                              (int32_t)&qid, (int32_t)&count,
                                              (int32_t)&err) != 0)
        return 0;
    if (count > max)
        count = max;
    lunatic_distributed_copy_lookup_nodes_results((int64_t)qid, (int32_t)ids,
                                                  (int32_t)count,
                                                  (int32_t)&err);
    return count;
}

int main(void)
{
    uint64_t ids[8];
    int32_t n = 0;
    for (int tries = 0; tries < 200 && n < 3; tries++) {
        n = lunatic_distributed_get_nodes((int32_t)ids, 8);
        if (n < 3)
            lunatic_process_sleep_ms(50);
    }
    if (n < 3) {
        printf("only %d nodes\n", (int)n);
        return 1;
    }
    uint64_t self = (uint64_t)lunatic_distributed_node_id(), id;
    uint64_t roots = lookup("role=root", ids, 8);
    printf("role=root: %d node(s)%s\n", (int)roots,
           roots == 1 && ids[0] == self ? ", this one" : "");
    n = (int32_t)lookup("role=worker", ids, 8);
    printf("role=worker: %d node(s)\n", (int)n);
    int asked = 0;
    for (int32_t i = 0; i < n; i++) {
        if (ids[i] == self)
            continue;
        uint8_t params[2 * LUN_PARAM_SIZE];
        size_t plen = 0;
        lun_param_i64(params, &plen, (int64_t)self);
        lun_param_i64(params, &plen, (int64_t)lun_self());
        int32_t rc = lunatic_distributed_spawn(
            (int64_t)ids[i], -1, lunatic_distributed_module_id(),
            (int32_t)"pong", 4, (int32_t)params, (int32_t)plen, (int32_t)&id);
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
