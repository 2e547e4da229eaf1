/* chat.c: a telnet chat server (like Lunatic's demo): a room process,
 * and per client a reader process (socket -> room) and a writer process
 * (room -> socket) sharing the connection (clone_tcp_stream). Commands:
 * /nick NAME, /list, /quit. A client is greeted with how to use it on
 * connect; a line longer than LINE bytes is cut there, and its sender
 * told so. A client that vanishes is dropped when its read fails.
 * Usage: lunatic chat.wasm [PORT]   (default 2323) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

enum { T_STREAM = 1, T_JOIN, T_LEAVE, T_SAY, T_NICK, T_LIST, T_LINE };
#define MAXC 1024
#define LINE 512
#define STR(x) #x
#define XSTR(x) STR(x)

static const char greeting[] =
    "* Welcome to the chat. Type a line and press Enter to say it to "
    "everyone here.\r\n"
    "* Commands: /nick NAME (change your name), /list (who is here), "
    "/quit (leave).\r\n"
    "* Lines longer than " XSTR(LINE) " bytes are cut.\r\n";
static const char too_long[] =
    "* Your line was longer than " XSTR(LINE) " bytes: only its first "
    XSTR(LINE) " were sent.\r\n";

/* Each process is a fresh instance: the room's pid reaches a client
 * process as its spawn argument. */
static uint64_t room_pid;

typedef struct member {
    uint64_t reader, writer;
    char nick[32];
} member_t;

/* Messages to the room: [reader pid u64][writer pid u64][text]. */
static void to_room(int64_t tag, uint64_t writer, const char *text, size_t n)
{
    char m[16 + LINE];
    uint64_t me = lun_self();
    if (n > LINE)
        n = LINE;
    memcpy(m, &me, 8);
    memcpy(m + 8, &writer, 8);
    memcpy(m + 16, text, n);
    lun_send(room_pid, tag, m, 16 + n);
}

static void line_to(uint64_t writer, const char *s)
{
    lun_send(writer, T_LINE, s, strlen(s));
}

static member_t *find(member_t *ms, int n, uint64_t reader)
{
    for (int i = 0; i < n; i++)
        if (ms[i].reader == reader)
            return &ms[i];
    return NULL;
}

static void broadcast(member_t *ms, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        line_to(ms[i].writer, s);
}

/* The room: who is here, and everything said goes to everyone. */
static void room(int64_t arg)
{
    static member_t ms[MAXC];
    static char m[16 + LINE + 1], out[LINE + 64];
    int n = 0;
    (void)arg;
    for (;;) {
        size_t len;
        if (lun_recv(NULL, 0, LUN_FOREVER, m, sizeof m - 1, &len) != 0)
            continue;
        int64_t tag = lunatic_message_get_tag();
        uint64_t reader, writer;
        if (len < 16)
            continue;
        memcpy(&reader, m, 8);
        memcpy(&writer, m + 8, 8);
        m[len < sizeof m ? len : sizeof m - 1] = '\0';
        const char *text = m + 16;
        member_t *me = find(ms, n, reader);
        if (tag == T_JOIN && !me && n < MAXC) {
            me = &ms[n++];
            me->reader = reader;
            me->writer = writer;
            snprintf(me->nick, sizeof me->nick, "user%llu",
                     (unsigned long long)reader);
            snprintf(out, sizeof out, "* %s joined\r\n", me->nick);
            broadcast(ms, n, out);
        } else if (tag == T_LEAVE && me) {
            snprintf(out, sizeof out, "* %s left\r\n", me->nick);
            lunatic_process_kill((int64_t)me->writer);
            *me = ms[--n];
            broadcast(ms, n, out);
        } else if (tag == T_SAY && me) {
            snprintf(out, sizeof out, "%s: %s\r\n", me->nick, text);
            broadcast(ms, n, out);
        } else if (tag == T_NICK && me) {
            snprintf(out, sizeof out, "* %s is now %.31s\r\n", me->nick, text);
            snprintf(me->nick, sizeof me->nick, "%.31s", text);
            broadcast(ms, n, out);
        } else if (tag == T_LIST && me) {
            size_t o = (size_t)snprintf(out, sizeof out, "* here:");
            for (int i = 0; i < n && o < sizeof out - 40; i++)
                o += (size_t)snprintf(out + o, sizeof out - o, " %s",
                                      ms[i].nick);
            snprintf(out + o, sizeof out - o, "\r\n");
            line_to(me->writer, out);
        }
    }
}

/* The writer: lines from the room go to the socket. */
static void writer(int64_t arg)
{
    static char buf[LINE + 64];
    int64_t s = lun_recv_tcp(T_STREAM, 5000);
    (void)arg;
    if (s < 0)
        return;
    for (;;) {
        size_t len;
        int64_t tag = T_LINE;
        if (lun_recv(&tag, 1, LUN_FOREVER, buf, sizeof buf, &len) != 0)
            continue;
        if (len > sizeof buf)
            len = sizeof buf;
        if (lun_tcp_write_all((uint64_t)s, buf, len) < 0)
            return;
    }
}

/* Strip the line end (telnet sends \r\n). */
static void chomp(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
}

/* One whole line from the client; false on /quit. */
static int handle_line(uint64_t w, char *line)
{
    chomp(line);
    if (strncmp(line, "/nick ", 6) == 0 && line[6])
        to_room(T_NICK, w, line + 6, strlen(line + 6));
    else if (strcmp(line, "/list") == 0)
        to_room(T_LIST, w, "", 0);
    else if (strcmp(line, "/quit") == 0)
        return 0;
    else if (line[0])
        to_room(T_SAY, w, line, strlen(line));
    return 1;
}

/* Drops buf's bytes up to and including the first newline; false if
 * there is none (all of it dropped: the line goes on). */
static bool skip_to_line_end(char *buf, size_t *len)
{
    char *nl = memchr(buf, '\n', *len);
    if (!nl) {
        *len = 0;
        return false;
    }
    size_t k = (size_t)(nl - buf) + 1;
    memmove(buf, buf + k, *len - k);
    *len -= k;
    return true;
}

/* The reader: lines from the socket go to the room. */
static void client(int64_t arg)
{
    static char buf[LINE + 1];
    size_t len = 0;
    bool skipping = false; /* the rest of a line cut at LINE bytes */
    int64_t s = lun_recv_tcp(T_STREAM, 5000);
    room_pid = (uint64_t)arg;
    if (s < 0)
        return;
    uint64_t w = lun_spawn(writer, 0);
    lun_send_tcp(w, T_STREAM, (uint64_t)lunatic_networking_clone_tcp_stream(s));
    /* Sent before the join: it reaches the writer ahead of "joined". */
    line_to(w, greeting);
    to_room(T_JOIN, w, "", 0);
    for (int live = 1; live;) {
        int64_t n = lun_tcp_read((uint64_t)s, buf + len, LINE - len);
        if (n <= 0)
            break; /* EOF or an abrupt reset: leave the room */
        len += (size_t)n;
        if (skipping && !skip_to_line_end(buf, &len))
            continue;
        skipping = false;
        char *nl;
        while (live && (nl = memchr(buf, '\n', len)) != NULL) {
            size_t k = (size_t)(nl - buf) + 1;
            char line[LINE + 1];
            memcpy(line, buf, k);
            line[k] = '\0';
            memmove(buf, buf + k, len - k);
            len -= k;
            live = handle_line(w, line);
        }
        if (live && len == LINE) { /* an over-long line: say its start */
            buf[LINE] = '\0';
            live = handle_line(w, buf);
            line_to(w, too_long);
            len = 0;
            skipping = true;
        }
    }
    to_room(T_LEAVE, w, "", 0);
    lun_tcp_close((uint64_t)s);
}

int main(int argc, char **argv)
{
    static const uint8_t ip[4] = {127, 0, 0, 1};
    int port = argc > 1 ? atoi(argv[1]) : 2323;
    int64_t l = lun_tcp_listen(ip, (uint16_t)port);
    if (l < 0) {
        fprintf(stderr, "chat: cannot listen on port %d\n", port);
        return 1;
    }
    room_pid = lun_spawn(room, 0);
    printf("chat: listening on 127.0.0.1:%d\n", port);
    fflush(stdout);
    for (;;) {
        int64_t s = lun_tcp_accept((uint64_t)l);
        if (s < 0)
            continue;
        uint64_t pid = lun_spawn(client, (int64_t)room_pid);
        if (pid)
            lun_send_tcp(pid, T_STREAM, (uint64_t)s);
        else
            lun_tcp_close((uint64_t)s);
    }
}
