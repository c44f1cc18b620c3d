package store

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkPasswordStorm checks a wrong password 64 times at once, through
// the hashing bound the server uses (GOMAXPROCS) and through a bound of 64
// (no bound, as before issue 12), and reports the peak heap in use while
// they run, sampled every millisecond. Each argon2id check holds 19 MiB.
//
//	go test ./store -run '^$' -bench PasswordStorm -benchtime 3x
func BenchmarkPasswordStorm(b *testing.B) {
	const attempts = 64
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	for _, bound := range []int{runtime.GOMAXPROCS(0), attempts} {
		b.Run(fmt.Sprintf("bound=%d", bound), func(b *testing.B) {
			p, err := newPasswords(bound, nil, PasswordCost{})
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			var peak uint64
			stop, done := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(done)
				var m runtime.MemStats
				for {
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapInuse)
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
					}
				}
			}()
			for b.Loop() {
				var wg sync.WaitGroup
				for range attempts {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, _ = p.Check(context.Background(), hash, "wrong password!")
					}()
				}
				wg.Wait()
			}
			close(stop)
			<-done
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
