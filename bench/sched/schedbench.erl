%% schedbench.erl: the scheduling benchmarks of schedbench.c in Erlang,
%% for bench/sched/run.py. Run: erl -noshell -s schedbench main WHAT A B
-module(schedbench).
-export([main/1]).

now_ns() -> erlang:monotonic_time(nanosecond).

main([What | Args]) ->
    Ns = [list_to_integer(atom_to_list(A)) || A <- Args],
    run(atom_to_list(What), Ns),
    halt(0).

run("spawn", [N]) ->
    Self = self(),
    T0 = now_ns(),
    spawn_n(N, fun() -> Self ! done end),
    wait_n(N),
    io:format("RESULT spawn ~.3f us~n", [(now_ns() - T0) / 1000 / N]);
run("idle", [N]) ->
    io:format("READY0~n"),
    timer:sleep(300),
    spawn_n(N, fun() -> receive _ -> ok end end),
    timer:sleep(200),
    io:format("READY1 ~p~n", [N]),
    timer:sleep(1500);
run("ring", [N, Hops]) ->
    Self = self(),
    First = lists:foldl(fun(_, Next) -> spawn(fun() -> member(Next) end) end,
                        Self, lists:seq(1, N)),
    T0 = now_ns(),
    First ! Hops,
    root_ring(First),
    io:format("RESULT ring ~.1f ns~n", [(now_ns() - T0) / Hops]);
run("pingpong", [M]) ->
    Self = self(),
    P = spawn(fun() -> ponger(Self) end),
    T0 = now_ns(),
    ping(P, M),
    io:format("RESULT pingpong ~.1f ns~n", [(now_ns() - T0) / M]),
    P ! stop;
run("skynet", [Leaves]) ->
    Self = self(),
    T0 = now_ns(),
    spawn(fun() -> skynet(0, Leaves, Self) end),
    receive Sum -> io:format("RESULT skynet ~.1f ms sum=~p~n",
                             [(now_ns() - T0) / 1.0e6, Sum]) end;
run("lateness", [K, B]) ->
    Busy = [spawn(fun busy/0) || _ <- lists:seq(1, B)],
    Late = lists:sort([begin T0 = now_ns(), timer:sleep(1),
                             max(0, now_ns() - T0 - 1000000) end
                       || _ <- lists:seq(1, K)]),
    P99 = lists:nth(max(1, K * 99 div 100), Late),
    P50 = lists:nth(max(1, K div 2), Late),
    io:format("RESULT lateness ~.3f ms p50=~.3f~n", [P99 / 1.0e6, P50 / 1.0e6]),
    [exit(P, kill) || P <- Busy].

spawn_n(0, _) -> ok;
spawn_n(N, F) -> spawn(F), spawn_n(N - 1, F).
wait_n(0) -> ok;
wait_n(N) -> receive done -> wait_n(N - 1) end.

member(Next) -> receive T when T =< 0 -> Next ! T;
                        T -> Next ! T - 1, member(Next) end.
root_ring(First) -> receive T when T =< 0 -> ok;
                            T -> First ! T - 1, root_ring(First) end.

ponger(P) -> receive stop -> ok; N -> P ! N, ponger(P) end.
ping(_, 0) -> ok;
ping(P, M) -> P ! M, receive _ -> ping(P, M - 1) end.

skynet(Num, 1, Parent) -> Parent ! Num;
skynet(Num, Size, Parent) ->
    Self = self(), Sub = Size div 10,
    [spawn(fun() -> skynet(Num + I * Sub, Sub, Self) end) || I <- lists:seq(0, 9)],
    Parent ! lists:sum([receive V -> V end || _ <- lists:seq(1, 10)]).

busy() -> busy().
