package mock

import (
	"net/http"
	"time"
)

// The named points. The reference behaviour (handler.go, auth.go,
// routes.go, compute.go, detach.go, errors.go) asks m.dev at a few named
// points whether a deviation changes what happens there; with no deviation
// on, each point gives back the reference's own outcome. A deviation's row
// in deviationTable carries its hooks: a function for each point it
// changes.
//
// When several deviations hook one point, their hooks run in table order;
// at a point that decides something (an answer, an id, a delay, a fate),
// the first hook that decides otherwise than the reference ends the point.
// Observing points (responseWritten, nicShown, lockAction, detachTarget,
// nicDetached) run every hook.

// hooks is one deviation's behaviour: a function for each named point it
// changes, nil where it keeps the reference.
type hooks struct {
	// The request, before any operation (Mock.mu not held: a hook that
	// touches the world takes it).

	// authFailed (auth checked): the request's credentials are missing
	// (none) or were refused; true lets the request through.
	authFailed func(none bool) bool
	// methodNotAllowed: the route does not serve the request's method; an
	// endpoint serves it anyway (as the endpoint's method), nil answers 405.
	methodNotAllowed func(r *request) *endpoint
	// projectForeign: the path's project id is well-formed but not the
	// caller's; true accepts it as the caller's.
	projectForeign func(m *Mock, r *request) bool
	// projectSegment: the path's project segment (one the path names, not
	// a project-less route's) is about to be checked; ok decides: a nil
	// error serves the request as the project-less route (the caller's
	// project), an error answers it.
	projectSegment func(m *Mock, r *request, seg segment) (aerr *apiError, ok bool)
	// pathIDMalformed: a server or port id in the path is not a UUID; ok
	// decides: with the id to use, or with the error to answer.
	pathIDMalformed func(seg segment, name string) (id string, aerr *apiError, ok bool)

	// The response (Mock.mu not held).

	// responseWritten: a response's status is about to be written with
	// these headers (the request ids set); the hook may change them.
	responseWritten func(h http.Header, status int)
	// errorWritten: an error answer is about to be written in the
	// configured shape; true when the hook has written it its own way.
	errorWritten func(m *Mock, w http.ResponseWriter, e *apiError) bool
	// acceptedWritten: the 202 of an accepted detach is about to be
	// written; true when the hook has answered its own way.
	acceptedWritten func(w http.ResponseWriter) bool
	// nicShown: a NIC is about to be shown in a response.
	nicShown func(iface Interface) Interface

	// The world (Mock.mu held).

	// nicNotFound: a GET names a NIC the server does not have; ok shows
	// iface instead of the 404.
	nicNotFound func(m *Mock, s *serverRec, portID string) (iface Interface, ok bool)
	// lockAction: a lock (lock true) or an unlock of s is about to change
	// its lock state.
	lockAction func(m *Mock, s *serverRec, lock bool)
	// attachStarting: an attach to the known, unlocked server s is about
	// to be decided; an error refuses it.
	attachStarting func(m *Mock, s *serverRec) *apiError
	// portAttach: the existing port p is about to be attached (by
	// port_id); an error refuses the attach.
	portAttach func(m *Mock, p *portRec) *apiError

	// The detach's decisions, in the order detach.go takes them. An answer
	// is an error, or nil for 202; a hook returns the answer it was given
	// to keep it.

	// detachTarget: the server a DELETE names was looked up (d.s, nil when
	// unknown); the hook may point the detach at another server.
	detachTarget func(m *Mock, d *detachRequest)
	// serverUnknown: no server has the id (404).
	serverUnknown answerHook
	// serverLocked: the server is locked (409).
	serverLocked answerHook
	// serverUnlocked (nil in): the server is known and unlocked; an error
	// refuses the detach.
	serverUnlocked answerHook
	// notAttached: the server has no such NIC (huawei 404, nova 202 that
	// does nothing).
	notAttached answerHook
	// primaryNIC: the NIC is the server's primary (huawei 403).
	primaryNIC answerHook
	// inFlight: the NIC's detach was accepted already (202 again, nothing
	// more happens).
	inFlight answerHook
	// detachAccepted (nil in): the detach is accepted and is about to
	// start; an error refuses it instead (nothing starts). The hook may
	// set d.n to start another NIC's detach instead.
	detachAccepted answerHook

	// The detach's course.

	// detachDelay: a detach starts; the hook returns how long it takes
	// instead of the configured delay (0: it completes before the answer;
	// never: it never completes).
	detachDelay func(delay time.Duration) time.Duration
	// detachCompletes: an accepted detach's delay is over; true when the
	// hook has completed it its own way (else the NIC leaves).
	detachCompletes func(m *Mock, s *serverRec, n *nic) bool
	// portFate: a detached NIC's port meets its fate (fateUnbind for a
	// port attached by port_id, fateDelete for one a net_id attach made).
	portFate func(m *Mock, n *nic, p *portRec, fate portFate) portFate
	// nicDetached: NIC n has left server s and its port met its fate;
	// shown is the NIC as it was shown, p its port's record (gone from the
	// world when the fate deleted it).
	nicDetached func(m *Mock, s *serverRec, n *nic, shown Interface, p *portRec)

	// What the world may look like (CheckInvariants).

	// losesPrimary: a server may lose its primary NIC.
	losesPrimary bool
	// leavesPortBound: a detached port may keep its device_id.
	leavesPortBound bool
}

// answerHook is a hook on one of the detach's decisions: it gets the
// decision's answer so far (an error, or nil for 202) and returns the answer
// to give.
type answerHook func(m *Mock, d *detachRequest, answer *apiError) *apiError

// never is a detach delay that never ends.
const never time.Duration = -1

// deviationHooks are the hooks of a mock's deviations, in table order.
type deviationHooks []*hooks

// until asks the hooks in table order until one decides (f returns true),
// and reports whether one did.
func (hs deviationHooks) until(f func(h *hooks) bool) bool {
	for _, h := range hs {
		if f(h) {
			return true
		}
	}
	return false
}

// each runs f on every deviation's hooks, in table order.
func (hs deviationHooks) each(f func(h *hooks)) {
	hs.until(func(h *hooks) bool { f(h); return false })
}

func (hs deviationHooks) authFailed(none bool) bool {
	return hs.until(func(h *hooks) bool { return h.authFailed != nil && h.authFailed(none) })
}

func (hs deviationHooks) responseWritten(hdr http.Header, status int) {
	hs.each(func(h *hooks) {
		if h.responseWritten != nil {
			h.responseWritten(hdr, status)
		}
	})
}

func (hs deviationHooks) errorWritten(m *Mock, w http.ResponseWriter, e *apiError) bool {
	return hs.until(func(h *hooks) bool { return h.errorWritten != nil && h.errorWritten(m, w, e) })
}

func (hs deviationHooks) methodNotAllowed(r *request) (e *endpoint) {
	hs.until(func(h *hooks) bool {
		if h.methodNotAllowed != nil {
			e = h.methodNotAllowed(r)
		}
		return e != nil
	})
	return e
}

func (hs deviationHooks) projectForeign(m *Mock, r *request) bool {
	return hs.until(func(h *hooks) bool { return h.projectForeign != nil && h.projectForeign(m, r) })
}

func (hs deviationHooks) projectSegment(m *Mock, r *request, seg segment) (aerr *apiError, ok bool) {
	ok = hs.until(func(h *hooks) bool {
		if h.projectSegment != nil {
			aerr, ok = h.projectSegment(m, r, seg)
		}
		return ok
	})
	return aerr, ok
}

func (hs deviationHooks) pathIDMalformed(seg segment, name string) (id string, aerr *apiError, ok bool) {
	ok = hs.until(func(h *hooks) bool {
		if h.pathIDMalformed != nil {
			id, aerr, ok = h.pathIDMalformed(seg, name)
		}
		return ok
	})
	return id, aerr, ok
}

func (hs deviationHooks) nicShown(iface Interface) Interface {
	hs.each(func(h *hooks) {
		if h.nicShown != nil {
			iface = h.nicShown(iface)
		}
	})
	return iface
}

func (hs deviationHooks) nicNotFound(m *Mock, s *serverRec, portID string) (iface Interface, ok bool) {
	ok = hs.until(func(h *hooks) bool {
		if h.nicNotFound != nil {
			iface, ok = h.nicNotFound(m, s, portID)
		}
		return ok
	})
	return iface, ok
}

func (hs deviationHooks) lockAction(m *Mock, s *serverRec, lock bool) {
	hs.each(func(h *hooks) {
		if h.lockAction != nil {
			h.lockAction(m, s, lock)
		}
	})
}

func (hs deviationHooks) attachStarting(m *Mock, s *serverRec) (aerr *apiError) {
	hs.until(func(h *hooks) bool {
		if h.attachStarting != nil {
			aerr = h.attachStarting(m, s)
		}
		return aerr != nil
	})
	return aerr
}

func (hs deviationHooks) portAttach(m *Mock, p *portRec) (aerr *apiError) {
	hs.until(func(h *hooks) bool {
		if h.portAttach != nil {
			aerr = h.portAttach(m, p)
		}
		return aerr != nil
	})
	return aerr
}

func (hs deviationHooks) detachTarget(m *Mock, d *detachRequest) {
	hs.each(func(h *hooks) {
		if h.detachTarget != nil {
			h.detachTarget(m, d)
		}
	})
}

// decide runs the answer hooks of one of the detach's decisions (pick
// selects them) until one answers otherwise, and returns the answer.
func (hs deviationHooks) decide(m *Mock, d *detachRequest, answer *apiError, pick func(*hooks) answerHook) *apiError {
	out := answer
	hs.until(func(h *hooks) bool {
		if f := pick(h); f != nil {
			out = f(m, d, answer)
		}
		return out != answer
	})
	return out
}

func (hs deviationHooks) serverUnknown(m *Mock, d *detachRequest, answer *apiError) *apiError {
	return hs.decide(m, d, answer, func(h *hooks) answerHook { return h.serverUnknown })
}

func (hs deviationHooks) serverLocked(m *Mock, d *detachRequest, answer *apiError) *apiError {
	return hs.decide(m, d, answer, func(h *hooks) answerHook { return h.serverLocked })
}

func (hs deviationHooks) serverUnlocked(m *Mock, d *detachRequest) *apiError {
	return hs.decide(m, d, nil, func(h *hooks) answerHook { return h.serverUnlocked })
}

func (hs deviationHooks) notAttached(m *Mock, d *detachRequest, answer *apiError) *apiError {
	return hs.decide(m, d, answer, func(h *hooks) answerHook { return h.notAttached })
}

func (hs deviationHooks) primaryNIC(m *Mock, d *detachRequest, answer *apiError) *apiError {
	return hs.decide(m, d, answer, func(h *hooks) answerHook { return h.primaryNIC })
}

func (hs deviationHooks) inFlight(m *Mock, d *detachRequest, answer *apiError) *apiError {
	return hs.decide(m, d, answer, func(h *hooks) answerHook { return h.inFlight })
}

func (hs deviationHooks) detachAccepted(m *Mock, d *detachRequest) *apiError {
	return hs.decide(m, d, nil, func(h *hooks) answerHook { return h.detachAccepted })
}

func (hs deviationHooks) acceptedWritten(w http.ResponseWriter) bool {
	return hs.until(func(h *hooks) bool { return h.acceptedWritten != nil && h.acceptedWritten(w) })
}

func (hs deviationHooks) detachDelay(delay time.Duration) time.Duration {
	out := delay
	hs.until(func(h *hooks) bool {
		if h.detachDelay != nil {
			out = h.detachDelay(delay)
		}
		return out != delay
	})
	return out
}

func (hs deviationHooks) detachCompletes(m *Mock, s *serverRec, n *nic) bool {
	return hs.until(func(h *hooks) bool { return h.detachCompletes != nil && h.detachCompletes(m, s, n) })
}

func (hs deviationHooks) portFate(m *Mock, n *nic, p *portRec, fate portFate) portFate {
	out := fate
	hs.until(func(h *hooks) bool {
		if h.portFate != nil {
			out = h.portFate(m, n, p, fate)
		}
		return out != fate
	})
	return out
}

func (hs deviationHooks) nicDetached(m *Mock, s *serverRec, n *nic, shown Interface, p *portRec) {
	hs.each(func(h *hooks) {
		if h.nicDetached != nil {
			h.nicDetached(m, s, n, shown, p)
		}
	})
}

// losesPrimary reports whether a deviation lets a server lose its primary
// NIC.
func (hs deviationHooks) losesPrimary() bool {
	return hs.until(func(h *hooks) bool { return h.losesPrimary })
}

// leavesPortBound reports whether a deviation lets a detached port keep
// its binding.
func (hs deviationHooks) leavesPortBound() bool {
	return hs.until(func(h *hooks) bool { return h.leavesPortBound })
}
