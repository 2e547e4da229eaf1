// schedbench.go: the scheduling benchmarks of schedbench.c in Go, for
// bench/sched/run.py. Run: schedbench WHAT A B
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
)

func arg(i int, def int) int {
	if len(os.Args) > i {
		if v, err := strconv.Atoi(os.Args[i]); err == nil {
			return v
		}
	}
	return def
}

func skynet(num, size int, out chan<- int) {
	if size == 1 {
		out <- num
		return
	}
	c := make(chan int, 10)
	sub := size / 10
	for i := 0; i < 10; i++ {
		go skynet(num+i*sub, sub, c)
	}
	sum := 0
	for i := 0; i < 10; i++ {
		sum += <-c
	}
	out <- sum
}

var sink int64

func main() {
	what := ""
	if len(os.Args) > 1 {
		what = os.Args[1]
	}
	switch what {
	case "spawn":
		n := arg(2, 100000)
		var wg sync.WaitGroup
		t0 := time.Now()
		wg.Add(n)
		for i := 0; i < n; i++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
		fmt.Printf("RESULT spawn %.3f us\n", float64(time.Since(t0).Nanoseconds())/1000/float64(n))
	case "idle":
		n := arg(2, 100000)
		fmt.Println("READY0")
		time.Sleep(300 * time.Millisecond)
		chans := make([]chan int, n)
		for i := range chans {
			chans[i] = make(chan int)
			go func(c chan int) { <-c }(chans[i])
		}
		time.Sleep(200 * time.Millisecond)
		fmt.Printf("READY1 %d\n", n)
		time.Sleep(1500 * time.Millisecond)
	case "ring":
		n, hops := arg(2, 1000), arg(3, 1000000)
		first := make(chan int)
		in := first
		for i := 0; i < n; i++ {
			out := make(chan int)
			go func(in, out chan int) {
				for t := range in {
					out <- t - 1
					if t <= 1 {
						return
					}
				}
			}(in, out)
			in = out
		}
		t0 := time.Now()
		first <- hops
		for t := range in {
			if t <= 0 {
				break
			}
			first <- t - 1
			if t-1 <= 0 {
				break
			}
		}
		fmt.Printf("RESULT ring %.1f ns\n", float64(time.Since(t0).Nanoseconds())/float64(hops))
	case "pingpong":
		m := arg(2, 1000000)
		ping, pong := make(chan int), make(chan int)
		go func() {
			for v := range ping {
				pong <- v
			}
		}()
		t0 := time.Now()
		for i := 0; i < m; i++ {
			ping <- i
			<-pong
		}
		fmt.Printf("RESULT pingpong %.1f ns\n", float64(time.Since(t0).Nanoseconds())/float64(m))
	case "skynet":
		leaves := arg(2, 1000000)
		t0 := time.Now()
		c := make(chan int)
		go skynet(0, leaves, c)
		sum := <-c
		fmt.Printf("RESULT skynet %.1f ms sum=%d\n", float64(time.Since(t0).Nanoseconds())/1e6, sum)
	case "lateness":
		k, b := arg(2, 1000), arg(3, 4)
		for i := 0; i < b; i++ {
			go func() {
				for {
					sink++
				}
			}()
		}
		late := make([]int64, k)
		for i := range late {
			t0 := time.Now()
			time.Sleep(time.Millisecond)
			d := time.Since(t0).Nanoseconds() - 1000000
			if d < 0 {
				d = 0
			}
			late[i] = d
		}
		sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
		fmt.Printf("RESULT lateness %.3f ms p50=%.3f\n", float64(late[k*99/100])/1e6, float64(late[k/2])/1e6)
	default:
		fmt.Println("unknown benchmark")
		os.Exit(2)
	}
}
