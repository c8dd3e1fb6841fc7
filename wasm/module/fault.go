//go:build wasip1 && edgeflix_fault

package main

import (
	"bytes"
	"time"

	"github.com/edgeflix/edgeflix/wasm/gate"
)

// fault names the deliberate defect of a test build, set with
// -ldflags=-X main.fault=NAME (internal/wasmbuild.EdgeFault):
//
//	deny_all       every request is denied (a version the self-test refuses)
//	trap_segments  the gate traps on segments other than seg_00001 (a
//	               version the corpus passes and traffic shows broken)
//	mark_masters   every rewritten master ends with the comment line
//	               markLine (a version whose rewrite can be told apart)
//	trap_masters   the rewrite traps on masters it would rewrite unless
//	               they declare #EXT-X-INDEPENDENT-SEGMENTS (the corpus's
//	               master does): a version the corpus passes and traffic
//	               shows broken at the origin-request trigger only
//	slow_masters   every rewrite takes slowRewrite longer (a version whose
//	               origin-request trigger alone is slow)
var fault string

// slowRewrite is the time slow_masters adds to every rewrite.
const slowRewrite = 100 * time.Millisecond

// markLine is what mark_masters appends to a rewritten master.
const markLine = "# rewritten by the mark_masters fault\n"

func init() {
	faultHook = func(path []byte, r gate.Result) gate.Result {
		switch fault {
		case "deny_all":
			return gate.Result{Status: gate.Deny, Reason: "injected_fault"}
		case "trap_segments":
			if bytes.Contains(path, []byte("/seg_")) && !bytes.Contains(path, []byte("/seg_00001.")) {
				panic("injected fault")
			}
		}
		return r
	}
	switch fault {
	case "mark_masters":
		rewriteFaultHook = func(res []byte) []byte {
			if !bytes.HasPrefix(res, []byte("ok\n")) {
				return res
			}
			if !bytes.HasSuffix(res, []byte("\n")) {
				res = append(res, '\n')
			}
			return append(res, markLine...)
		}
	case "trap_masters":
		rewriteFaultHook = func(res []byte) []byte {
			if bytes.HasPrefix(res, []byte("ok\n")) && !bytes.Contains(res, []byte("#EXT-X-INDEPENDENT-SEGMENTS")) {
				panic("injected fault")
			}
			return res
		}
	case "slow_masters":
		rewriteFaultHook = func(res []byte) []byte {
			time.Sleep(slowRewrite)
			return res
		}
	}
}
