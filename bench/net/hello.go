// hello.go: the Go net/http "hello" server that make bench-net runs
// beside examples/http under wrk. Usage: hello PORT
package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("Hello, world!"))
	})
	http.ListenAndServe("127.0.0.1:"+os.Args[1], nil)
}
