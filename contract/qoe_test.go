package contract

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func decodeQoE(t *testing.T, b []byte) QoEReport {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r QoEReport
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return r
}

// TestQoEReportJSON: AppendJSON writes what encoding/json reads back as
// the same report, every member included.
func TestQoEReportJSON(t *testing.T) {
	startup := 1234
	for _, r := range []QoEReport{
		{},
		{Seq: 1, StartupMS: &startup, WatchMS: 60_000, AvgBitrateKbps: 2400, Switches: 2},
		{Seq: 7, Final: true, FnVersion: "3", ExitBeforeStart: true, StartFailed: true, RebufferCount: 4, RebufferMS: 900,
			DroppedFrames: 12, Errors: 1, LastError: "MEDIA_ERR \"decode\" \\ \x01\n é"},
	} {
		b := r.AppendJSON(nil)
		if got := decodeQoE(t, b); !reflect.DeepEqual(got, r) {
			t.Errorf("%s\n got %+v\nwant %+v", b, got, r)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		if len(m) != reflect.TypeOf(r).NumField() {
			t.Errorf("%s: %d members, the type has %d fields", b, len(m), reflect.TypeOf(r).NumField())
		}
	}
}

func FuzzQoEReportJSON(f *testing.F) {
	f.Add(1, "3", "boom", int64(10), true)
	f.Add(0, "", "\x00\"\\", int64(-1), false)
	f.Fuzz(func(t *testing.T, seq int, fn, last string, watch int64, final bool) {
		if !utf8Valid(fn) || !utf8Valid(last) {
			t.Skip("JSON strings are UTF-8")
		}
		r := QoEReport{Seq: seq, FnVersion: fn, LastError: last, WatchMS: watch, Final: final}
		if got := decodeQoE(t, r.AppendJSON(nil)); !reflect.DeepEqual(got, r) {
			t.Fatalf("got %+v, want %+v", got, r)
		}
	})
}

func utf8Valid(s string) bool { return bytes.Equal([]byte(s), []byte(string([]rune(s)))) }
