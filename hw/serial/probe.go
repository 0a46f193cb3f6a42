package serial

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Protocol names a serial UPS protocol that the probe recognises.
type Protocol string

const (
	Megatec  Protocol = "megatec"  // Megatec/Q1: blazer_ser, nutdrv_qx
	APCSmart Protocol = "apcsmart" // APC Smart (UPS-Link): apcsmart
)

// Result is what one port said.
type Result struct {
	Port     string   `json:"port"`
	Protocol Protocol `json:"protocol,omitempty"`
	Maker    string   `json:"maker,omitempty"`
	Model    string   `json:"model,omitempty"`
	Version  string   `json:"version,omitempty"`
	// Reply is the reply that identified the protocol (the Q1 status line,
	// or "SM").
	Reply string `json:"reply,omitempty"`
	// Sent lists what was written, step by step, with control bytes escaped.
	Sent []string `json:"sent,omitempty"`
	// Answered is true when bytes came back that matched no protocol (an
	// echo, a modem, noise).
	Answered bool   `json:"answered,omitempty"`
	InUse    bool   `json:"in_use,omitempty"`
	Error    string `json:"error,omitempty"`
	Elapsed  string `json:"elapsed"`
}

// The bytes, their order, and why each is safe.
//
// A port's protocol is unknown until it answers, and the two protocols act
// on different units: an APC Smart unit acts on every single byte (S, U, W,
// A, @, K, Z, D start shutdowns, tests or calibration; + and - change
// settings; ^N turns the load on; two '1's a few seconds apart enter its
// programming mode), while a Megatec unit acts on whole lines ending in CR
// (T… tests, S… shuts down, C… cancels, a bare Q toggles the beeper). So
// the probe sends, in this order:
//
//  1. "Y" — APC: "enter smart mode", answered "SM"; it changes nothing and
//     is the first byte every APC driver sends. Megatec: one byte into the
//     line buffer, no CR yet, nothing happens.
//     On "SM" the port is APC Smart, and only APC reads follow: ^A (0x01,
//     model name). No Megatec bytes are sent to it.
//  2. CR, "Q1", CR — sent only when "Y" got no "SM" in its window. Megatec:
//     the first CR ends the line "Y" (not a command: ignored or echoed),
//     then "Q1" is the status query. An APC unit that did not answer "Y" is
//     not talking smart protocol, but even so: CR is no APC command, "Q" is
//     its read-only status query, and a single "1" does nothing (the
//     programming mode needs two, seconds apart, and this probe sends at
//     most one "1" per port per run).
//     On a reply "(…" in Q1 format the port is Megatec, and only the
//     Megatec read "I" CR (maker, model, version) follows.
//
// Never sent, to any port: S U W A @ K Z D C T R + - ^N, a bare "Q" line,
// or any other byte. The tests record every byte a simulated UPS receives
// and check these rules.
const (
	apcEnterSmart = "Y"
	apcModel      = "\x01"
	megatecStatus = "\rQ1\r"
	megatecInfo   = "I\r"
)

// q1Status matches a Megatec Q1 reply: "(" then input, fault, output
// voltage, load %, frequency, battery voltage, temperature and 8 status bits.
var q1Status = regexp.MustCompile(`^\(\d{1,3}\.\d \d{1,3}\.\d \d{1,3}\.\d \d{1,3} \d{1,2}\.\d \d{1,2}\.\d{1,2} (\d{1,2}\.\d|--\.-) [01]{8}$`)

// Probe asks one port, within timeout (and ctx), whether an APC Smart or a
// Megatec UPS is there. It never fails: problems are in Result.Error.
func Probe(ctx context.Context, path string, timeout time.Duration) (res Result) {
	start := time.Now()
	res = Result{Port: path}
	defer func() {
		res.Elapsed = time.Since(start).Round(time.Millisecond).String()
		if res.Protocol != "" {
			res.Answered = false // it answered in its protocol
		}
	}()
	f, err := openPort(path)
	if err != nil {
		res.InUse = errors.Is(err, ErrInUse)
		res.Error = err.Error()
		return res
	}
	defer f.Close()
	end := start.Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(end) {
		end = d
	}
	// Cancelling ctx ends any read at once.
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	c := &conv{f: f, res: &res}
	phase := func(frac float64) time.Time { return start.Add(time.Duration(float64(end.Sub(start)) * frac)) }

	// Step 1: APC Smart.
	if !c.send(apcEnterSmart) {
		return res
	}
	if _, ok := c.expect(phase(0.4), func(l string) bool { return l == "SM" }); ok {
		res.Protocol, res.Reply, res.Maker, res.Answered = APCSmart, "SM", "APC", false
		if c.send(apcModel) {
			if m, ok := c.expect(end, func(l string) bool { return l != "" && l != "SM" && l != "NA" }); ok {
				res.Model = m
			}
		}
		return res
	}
	if ctx.Err() != nil {
		res.Error = ctx.Err().Error()
		return res
	}
	// Step 2: Megatec.
	if !c.send(megatecStatus) {
		return res
	}
	if l, ok := c.expect(phase(0.8), q1Status.MatchString); ok {
		res.Protocol, res.Reply, res.Answered = Megatec, l, false
		if c.send(megatecInfo) {
			if l, ok := c.expect(end, func(l string) bool { return strings.HasPrefix(l, "#") }); ok {
				res.Maker, res.Model, res.Version = parseMegatecInfo(l)
			}
		}
	}
	if ctx.Err() != nil && res.Protocol == "" {
		res.Error = ctx.Err().Error()
	}
	return res
}

// parseMegatecInfo splits "#Company_Name___ UPS_Model_ Version___": '#',
// 15 characters maker, space, 10 model, space, 10 version. Units that do
// not pad are split on spaces.
func parseMegatecInfo(l string) (maker, model, version string) {
	l = strings.TrimPrefix(l, "#")
	if len(l) >= 28 && l[15] == ' ' && l[26] == ' ' {
		return strings.TrimSpace(l[:15]), strings.TrimSpace(l[16:26]), strings.TrimSpace(l[27:])
	}
	f := strings.Fields(l)
	switch len(f) {
	case 0:
		return "", "", ""
	case 1:
		return f[0], "", ""
	case 2:
		return f[0], f[1], ""
	}
	return f[0], strings.Join(f[1:len(f)-1], " "), f[len(f)-1]
}

// conv is one conversation on an open port: writes, and line reads with
// deadlines. Lines end at CR or LF.
type conv struct {
	f   *os.File
	res *Result
	buf []byte
}

func (c *conv) send(s string) bool {
	c.res.Sent = append(c.res.Sent, escape(s))
	if _, err := c.f.Write([]byte(s)); err != nil {
		c.res.Error = "write: " + err.Error()
		return false
	}
	return true
}

// maxLine bounds a line, so a port that spews bytes without line ends
// cannot grow memory.
const maxLine = 512

// expect reads lines until one satisfies ok or the deadline passes.
func (c *conv) expect(deadline time.Time, ok func(string) bool) (string, bool) {
	if err := c.f.SetReadDeadline(deadline); err != nil {
		return "", false
	}
	chunk := make([]byte, 256)
	for {
		for {
			i := strings.IndexAny(string(c.buf), "\r\n")
			if i < 0 {
				if len(c.buf) > maxLine {
					c.buf = c.buf[:0]
				}
				break
			}
			line := strings.TrimSpace(string(c.buf[:i]))
			c.buf = c.buf[i+1:]
			if line == "" {
				continue
			}
			if ok(line) {
				return line, true
			}
			c.res.Answered = true
		}
		n, err := c.f.Read(chunk)
		if n > 0 {
			c.res.Answered = true
			c.buf = append(c.buf, chunk[:n]...)
		}
		if err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) && c.res.Error == "" {
				c.res.Error = "read: " + err.Error()
			}
			return "", false
		}
	}
}

func escape(s string) string {
	r := strings.NewReplacer("\r", `\r`, "\n", `\n`, "\x01", `^A`)
	return r.Replace(s)
}

// ProbeAll probes every port in parallel; the whole takes as long as the
// slowest port (at most timeout), not the sum. Results are in input order.
func ProbeAll(ctx context.Context, paths []string, timeout time.Duration) []Result {
	out := make([]Result, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = Probe(ctx, p, timeout)
		}()
	}
	wg.Wait()
	return out
}
