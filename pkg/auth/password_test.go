package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// fast keeps the tests quick; DefaultParams is checked separately.
var fast = Params{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashAndVerify(t *testing.T) {
	ctx := context.Background()
	h, err := HashPassword(ctx, "correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Fatalf("encoding %q", h)
	}
	if err := VerifyPassword(ctx, "correct horse battery", h); err != nil {
		t.Fatalf("right password: %v", err)
	}
	if err := VerifyPassword(ctx, "correct horse batterY", h); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: %v", err)
	}
	h2, _ := HashPassword(ctx, "correct horse battery", fast)
	if h2 == h {
		t.Fatal("same salt twice")
	}
}

func TestDefaultParamsMeetOWASP(t *testing.T) {
	if DefaultParams.Memory < 19*1024 || DefaultParams.Time < 2 || DefaultParams.Threads < 1 {
		t.Fatalf("params %+v below OWASP minimum", DefaultParams)
	}
	h, err := HashPassword(context.Background(), "a long enough pw", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "$m=19456,t=2,p=1$") {
		t.Fatalf("encoding %q", h)
	}
	if err := VerifyPassword(context.Background(), "a long enough pw", h); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRejectsUnreadableHashes(t *testing.T) {
	good, _ := HashPassword(context.Background(), "correct horse battery", fast)
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"", "plain", "$argon2i$v=19$m=8192,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=18$m=8192,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=8192,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=8192,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=8192,t=1,p=1$" + parts[4] + "$AAAA",
	} {
		err := VerifyPassword(context.Background(), "correct horse battery", h)
		if err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("hash %q: %v, want unreadable", h, err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	if CheckPasswordPolicy("short") == nil || CheckPasswordPolicy("elevenchars") == nil {
		t.Fatal("short password accepted")
	}
	if err := CheckPasswordPolicy("twelve chars"); err != nil {
		t.Fatal(err)
	}
	if CheckPasswordPolicy(strings.Repeat("x", 2000)) == nil {
		t.Fatal("huge password accepted")
	}
}

func TestHashingIsCapped(t *testing.T) {
	// Fill every slot: a hash must then wait, and give up with its context.
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := HashPassword(ctx, "correct horse battery", fast); !errors.Is(err, context.Canceled) {
		t.Fatalf("hash with all slots taken: %v", err)
	}
	for range cap(hashSlots) {
		<-hashSlots
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := HashPassword(context.Background(), "correct horse battery", fast); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret("ampel_op_"), NewSecret("ampel_op_")
	if a == b || !strings.HasPrefix(a, "ampel_op_") || len(a) != len("ampel_op_")+43 {
		t.Fatalf("secrets %q %q", a, b)
	}
}

// BenchmarkHashPassword measures one login's hashing cost at DefaultParams.
func BenchmarkHashPassword(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := HashPassword(ctx, "correct horse battery", DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}
