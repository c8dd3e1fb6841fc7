//go:build durability

// This test restarts the shared MariaDB server, so it must not run beside
// other packages' tests: `make test` runs it alone after the main run
// (go test -tags durability -run Durability ./origin/).

package origin_test

import (
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"
)

func mariaDBUp() bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:3306", 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func waitMariaDB(up bool, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if mariaDBUp() == up {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// startMariaDB starts the server again the way the machine does. A
// mariadbd still finishing its shutdown makes start-stop-daemon --oknodo
// do nothing, so it tries again until the port answers.
func startMariaDB(t *testing.T) {
	deadline := time.Now().Add(90 * time.Second)
	for !mariaDBUp() {
		if time.Now().After(deadline) {
			t.Errorf("mariadb did not come back on 127.0.0.1:3306")
			return
		}
		out, err := exec.Command("start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd").CombinedOutput()
		if err != nil {
			t.Errorf("start mariadbd: %v %s", err, out)
		}
		waitMariaDB(true, 5*time.Second)
	}
}

func TestDurabilityProgressSurvivesMariaDBRestart(t *testing.T) {
	e := newEnv(t)
	// Registered after newEnv's cleanups, so it runs first: the server is
	// up again before the test database is dropped, whatever happens.
	t.Cleanup(func() { startMariaDB(t) })
	e.publishMovie("film", 1)
	v := e.newViewer("standard")
	st, sess := e.start(v, "film")
	if st != 201 {
		t.Fatalf("start %d %v", st, sess)
	}
	sid := sess["session_id"].(string)
	beat := func(pos int) int {
		resp, _ := e.postJSON("/v1/playback/"+sid+"/heartbeat", v.token, fmt.Sprintf(`{"position_s":%d}`, pos))
		return resp.StatusCode
	}
	if st := beat(123); st != 200 {
		t.Fatalf("heartbeat %d", st)
	}
	if out, err := exec.Command("mariadb-admin", "-uroot", "-h127.0.0.1", "shutdown").CombinedOutput(); err != nil {
		t.Fatalf("shutdown: %v %s", err, out)
	}
	if !waitMariaDB(false, 60*time.Second) {
		t.Fatal("mariadb did not stop")
	}
	// While the database is down a heartbeat is not acknowledged.
	if st := beat(200); st == 200 {
		t.Fatal("heartbeat acknowledged with the database down")
	}
	startMariaDB(t)
	var pos int
	var err error
	for range 50 { // the pool reconnects
		if err = e.db.QueryRow("SELECT position_s FROM watch_progress WHERE profile_id = ? AND title_id = 'film'", v.profile).Scan(&pos); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || pos != 123 {
		t.Fatalf("after restart position %d, %v", pos, err)
	}
	if st := beat(150); st != 200 {
		t.Fatalf("heartbeat after restart %d", st)
	}
}
