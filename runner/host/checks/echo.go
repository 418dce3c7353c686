package checks

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// An unanswered echo request is followed by the next after echoInterval,
// doubled after each one unanswered up to echoMaxInterval: a congested
// path is not flooded by the checks that probe it.
const (
	echoInterval    = 100 * time.Millisecond
	echoMaxInterval = 800 * time.Millisecond
)

// echoResult is what a ping check saw.
type echoResult struct {
	sent, received int
	rtt            time.Duration // of the last reply
	err            error         // the last error sending, if any
}

func (r echoResult) String(p pingRun) string {
	s := fmt.Sprintf("%d packets transmitted, %d received (%d-byte payload", r.sent, r.received, p.size)
	if p.df {
		s += ", don't fragment"
	}
	s += ")"
	if r.received > 0 {
		s += fmt.Sprintf(", rtt %s", r.rtt.Round(time.Microsecond))
	}
	if r.received < p.count {
		s += fmt.Sprintf("; wanted %d replies within %s", p.count, p.budget)
	}
	if r.err != nil {
		s += "; " + r.err.Error()
	}
	return s
}

// echo sends ICMP echo requests to dst (at least one; see echoInterval),
// until p.count distinct ones were answered or deadline; a request too big for
// the path (with p.df) ends it at once. Replies are matched by source,
// identifier and sequence number: a raw socket sees every echo reply the
// host receives.
func echo(dst net.IP, p pingRun, deadline time.Time) echoResult {
	var r echoResult
	fd, err := echoSocket(p)
	if err != nil {
		r.err = err
		return r
	}
	defer syscall.Close(fd)
	var idb [2]byte
	rand.Read(idb[:])
	id := binary.BigEndian.Uint16(idb[:])
	sentAt := map[uint16]time.Time{}
	answered := map[uint16]bool{}
	to := &syscall.SockaddrInet4{}
	copy(to.Addr[:], dst)
	buf := make([]byte, 65536)
	interval := echoInterval
	for seq := uint16(1); r.received < p.count && (seq == 1 || time.Now().Before(deadline)); seq++ {
		if err := syscall.Sendto(fd, echoRequest(id, seq, p.size), 0, to); err != nil {
			r.err = fmt.Errorf("sending to %s: %w", dst, err)
			if errors.Is(err, syscall.EMSGSIZE) {
				r.err = fmt.Errorf("local error: message too long (%d-byte payload, don't fragment)", p.size)
				return r
			}
		} else {
			r.sent++
			sentAt[seq] = time.Now()
		}
		next := time.Now().Add(interval)
		if next.After(deadline) {
			next = deadline
		}
		before := r.received
		r.receive(fd, buf, dst, id, sentAt, answered, next)
		if r.received == before {
			interval = min(2*interval, echoMaxInterval)
		}
	}
	return r
}

// receive reads replies until next, counting each answered sequence
// number once.
func (r *echoResult) receive(fd int, buf []byte, dst net.IP, id uint16, sentAt map[uint16]time.Time, answered map[uint16]bool, next time.Time) {
	for {
		wait := time.Until(next)
		if wait <= 0 {
			return
		}
		tv := syscall.NsecToTimeval(max(wait, time.Millisecond).Nanoseconds())
		if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
			return
		}
		n, from, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return // EAGAIN: the wait is over
		}
		src, ok := from.(*syscall.SockaddrInet4)
		if !ok || !net.IP(src.Addr[:]).Equal(dst) {
			continue
		}
		seq, ok := echoReplySeq(buf[:n], id)
		if t, sent := sentAt[seq]; ok && sent && !answered[seq] {
			answered[seq] = true
			r.received++
			r.rtt = time.Since(t)
			if r.received >= len(sentAt) {
				return // all answered: send the next at once
			}
		}
	}
}

// echoSocket opens a raw ICMP socket that receives only echo replies, with
// the don't-fragment bit and bound to an interface as p asks.
func echoSocket(p pingRun) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.IPPROTO_ICMP)
	if err != nil {
		return -1, fmt.Errorf("raw ICMP socket: %w", err)
	}
	const icmpFilter = 1                                             // ICMP_FILTER on SOL_RAW: a mask of the types to drop
	err = syscall.SetsockoptInt(fd, syscall.SOL_RAW, icmpFilter, ^1) // all but echo reply (0)
	if err == nil && p.df {
		err = syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, syscall.IP_PMTUDISC_DO)
	}
	if err == nil && p.iface != "" {
		if err = syscall.BindToDevice(fd, p.iface); err != nil {
			err = fmt.Errorf("interface %s: %w", p.iface, err)
		}
	}
	if err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// echoRequest is an ICMP echo request with size payload bytes.
func echoRequest(id, seq uint16, size int) []byte {
	b := make([]byte, 8+size)
	b[0] = 8 // echo request
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	for i := 8; i < len(b); i++ {
		b[i] = byte(i)
	}
	binary.BigEndian.PutUint16(b[2:], icmpChecksum(b))
	return b
}

// echoReplySeq returns the sequence number of an echo reply with
// identifier id, from a packet read on a raw socket (IPv4 header first).
func echoReplySeq(pkt []byte, id uint16) (uint16, bool) {
	if len(pkt) < 20 {
		return 0, false
	}
	ihl := int(pkt[0]&0x0f) * 4
	if len(pkt) < ihl+8 {
		return 0, false
	}
	icmp := pkt[ihl:]
	if icmp[0] != 0 || icmp[1] != 0 || binary.BigEndian.Uint16(icmp[4:]) != id {
		return 0, false
	}
	return binary.BigEndian.Uint16(icmp[6:]), true
}

func icmpChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
