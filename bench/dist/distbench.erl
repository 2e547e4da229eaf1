%% distbench.erl: the measures of distbench.c over Erlang distribution,
%% for bench/dist/run.py. Node B is a bare node with this module on its
%% code path; node A runs
%%   erl -sname a@localhost ... -s distbench main b@localhost WHAT N [W]
%% and prints "RESULT name value unit" like distbench.c.
-module(distbench).
-export([main/1, echo/1, sink/2, started/1, spawner/3, streamer/2]).

-define(BIG, 65536).

now_ns() -> erlang:monotonic_time(nanosecond).

main([Peer, What | Args]) ->
    Ns = [list_to_integer(atom_to_list(A)) || A <- Args],
    wait_peer(Peer, 400),
    run(atom_to_list(What), Peer, Ns),
    halt(0).

wait_peer(Peer, 0) -> io:format("no peer node ~p~n", [Peer]), halt(1);
wait_peer(Peer, K) ->
    case net_adm:ping(Peer) of
        pong -> ok;
        pang -> timer:sleep(25), wait_peer(Peer, K - 1)
    end.

%% {===== processes spawned on B

echo(To) ->
    receive
        stop -> ok;
        {ping, From, T} -> From ! {ping, T}, echo(To);
        M -> To ! M, echo(To)
    end.

%% Count N messages (N =< 0: until stop), then say done with the count.
sink(To, N) -> sink(To, N, 0).
sink(To, N, Got) when N > 0, Got >= N -> To ! {done, Got};
sink(To, N, Got) ->
    receive
        stop -> To ! {done, Got};
        _ -> sink(To, N, Got + 1)
    end.

started(To) -> To ! started.

%% }=====

%% Up to N round trips to E, for at most MaxS seconds: the sorted times.
%% A pinger process makes them and reports each, since a send to a busy
%% distribution port suspends the sender; a round trip not back (or not
%% even sent) 1 s after the deadline counts as the time waited (a lower bound,
%% reported with ">") and ends the series.
round_trips(E, N, MaxS) ->
    Self = self(),
    End = now_ns() + round(MaxS * 1.0e9),
    P = spawn(fun() -> pinger(Self, E, max(N, 1), End) end),
    collect(P, End, none, []).

%% The first round trip is made whatever the time; later ones until End.
pinger(Main, E, N, End) ->
    T0 = now_ns(),
    Main ! {self(), sending, T0},
    E ! {ping, self(), T0},
    receive {ping, _} -> Main ! {self(), took, now_ns() - T0} end,
    case N =< 1 orelse now_ns() >= End of
        true -> Main ! {self(), over};
        false -> pinger(Main, E, N - 1, End)
    end.

collect(P, End, Out, Acc) ->
    Wait = max(0, (End - now_ns()) div 1000000) + 1000,
    receive
        {P, sending, T0} -> collect(P, End, T0, Acc);
        {P, took, Dt} -> collect(P, End, none, [Dt | Acc]);
        {P, over} -> {lists:sort(Acc), false}
    after Wait ->
        exit(P, kill),
        Late = case Out of none -> []; T0 -> [now_ns() - T0] end,
        {lists:sort(Late ++ Acc), true}
    end.

%% The element at P% of the sorted L of length N, as distbench.c picks it
nth(L, N, P) -> lists:nth(min(N, N * P div 100 + 1), L).

run("rtt", Peer, [N]) ->
    E = spawn(Peer, ?MODULE, echo, [self()]),
    round_trips(E, min(N, 1000), 10),
    {T, _} = round_trips(E, N, 60),
    K = length(T),
    io:format("RESULT rtt ~.2f us p99=~.2f~n",
              [nth(T, K, 50) / 1.0e3, nth(T, K, 99) / 1.0e3]),
    E ! stop;
run("msgs", Peer, [N]) ->
    S = one_way(Peer, N, <<0:128>>),
    io:format("RESULT msgs ~.1f msg/s~n", [N / S]);
run("mbps", Peer, [N]) ->
    S = one_way(Peer, N, binary:copy(<<0>>, ?BIG)),
    io:format("RESULT mbps ~.1f MB/s~n", [N * ?BIG / 1.0e6 / S]);
run("spawn", Peer, [N, W]) ->
    Self = self(),
    spawn(Peer, ?MODULE, started, [Self]),
    receive started -> ok end,
    T0 = now_ns(),
    [spawn(?MODULE, spawner, [Self, N div W, Peer]) || _ <- lists:seq(1, W)],
    [receive done -> ok end || _ <- lists:seq(1, W)],
    S = (now_ns() - T0) / 1.0e9,
    io:format("RESULT spawn ~.1f /s (~p spawners)~n", [(N div W) * W / S, W]);
run("stream", Peer, [N]) ->
    Self = self(),
    E = spawn(Peer, ?MODULE, echo, [Self]),
    Sk = spawn(Peer, ?MODULE, sink, [Self, 0]),
    spawn(?MODULE, streamer, [Sk, binary:copy(<<1>>, ?BIG)]),
    timer:sleep(200),
    {T, Capped} = round_trips(E, N, 20), % a stalled link ends it early
    K = length(T),
    %% printed before anything else is sent: a send to B may now wait
    %% behind the stream (busy distribution port); halt ends it all
    io:format("RESULT stream ~s~.3f ms p50=~.3f n=~p~n",
              [case Capped of true -> ">"; false -> "" end,
               nth(T, K, 99) / 1.0e6, nth(T, K, 50) / 1.0e6, K]);
run("dead", Peer, [Cap]) ->
    monitor_node(Peer, true),
    Tick = net_kernel:get_net_ticktime(),
    io:format("READY net_ticktime=~p~n", [Tick]),
    receive {nodedown, Peer} -> io:format("DOWN~n")
    after Cap * 1000 -> io:format("CAPPED~n")
    end.

one_way(Peer, N, Msg) ->
    Sk = spawn(Peer, ?MODULE, sink, [self(), N]),
    T0 = now_ns(),
    send_n(Sk, Msg, N),
    receive {done, _} -> (now_ns() - T0) / 1.0e9 end.

send_n(_, _, 0) -> ok;
send_n(P, M, N) -> P ! M, send_n(P, M, N - 1).

%% One of W local spawners: Count remote spawns, each awaited.
spawner(Main, Count, Peer) ->
    Self = self(),
    [begin spawn(Peer, ?MODULE, started, [Self]),
           receive started -> ok end
     end || _ <- lists:seq(1, Count)],
    Main ! done.

%% Stream Msg to Sink until stop.
streamer(Sink, Msg) ->
    receive stop -> ok
    after 0 -> Sink ! Msg, streamer(Sink, Msg)
    end.
