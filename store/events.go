package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Live updates. A change to a clinic's sessions, payments, expenses or
// notifications is announced with NOTIFY on the clinic's channel inside the
// changing transaction (Tenant.notifyChange), so PostgreSQL delivers it only
// if the change commits, to every server instance, whoever made the change
// (another instance, a scripted command). Each server instance holds ONE
// listening connection (Listener) and fans the notifications out to its
// open screens; it LISTENs only to the clinics that have open screens.

// changeChannelPrefix + tenant id is a clinic's change channel. Tenant ids,
// not schema names: a schema name may be too long for a channel name.
const changeChannelPrefix = "consultorio_changes_"

// ChangeChannel is the NOTIFY channel of the changes of the clinic with this
// tenant id (the same as Tenant.ChangeChannel).
func ChangeChannel(tenantID int64) string {
	return changeChannelPrefix + strconv.FormatInt(tenantID, 10)
}

// ChangeResync is the Entity of a Change the Listener makes up itself: "you
// may have missed changes, reload". A subscriber receives one as soon as its
// clinic's channel is being listened to (so nothing between its first load
// and the LISTEN is lost), after every reconnection, and in place of the
// changes dropped while it was not reading.
const ChangeResync = "resync"

const (
	changeBuffer = 32 // per subscriber; then changes coalesce into a resync
	statusBuffer = 64
	// healthInterval: a wait this long with no notification checks the
	// connection (a dead peer behind a load balancer may never say so).
	healthInterval = 30 * time.Second
	minBackoff     = 100 * time.Millisecond
	maxBackoff     = 5 * time.Second
	// listenerAppName lets operators (and tests) find the listening backend.
	listenerAppName = "consultorio-listener"
)

// Listener delivers the clinics' change notifications and the clinic status
// channel to subscribers in this process, over one dedicated connection.
// Subscribe any time; Run keeps the connection (and reconnects). A slow
// subscriber never blocks the others: its buffered channel coalesces.
type Listener struct {
	db     *DB
	logger *slog.Logger

	mu        sync.Mutex
	tenants   map[int64]map[*changeSub]struct{}
	statuses  map[*statusSub]struct{}
	listening map[string]bool    // channels LISTENed on the current connection
	dirty     bool               // subscriptions changed since the last sync
	interrupt context.CancelFunc // ends Run's current wait, to sync
	running   bool
}

// changeSub receives on ch (Subscribe) or through fn (SubscribeFunc).
type changeSub struct {
	ch chan Change
	fn func(Change)
}

// deliver passes c on without blocking; a full channel gets resync first.
func (s *changeSub) deliver(c Change) {
	if s.fn != nil {
		s.fn(c)
		return
	}
	offer(s.ch, c, Change{Entity: ChangeResync})
}

type statusSub struct{ ch chan string }

// NewListener makes a listener on db's database; nothing happens until Run.
// logger may be nil.
func NewListener(db *DB, logger *slog.Logger) *Listener {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Listener{
		db:        db,
		logger:    logger,
		tenants:   map[int64]map[*changeSub]struct{}{},
		statuses:  map[*statusSub]struct{}{},
		listening: map[string]bool{},
	}
}

// Subscribe returns a channel of the clinic's changes and the function that
// ends the subscription (and closes the channel; call it once done, it is
// safe to call twice). The first value is a ChangeResync once the clinic's
// channel is listened to. The channel is buffered: when the subscriber falls
// behind, what is pending collapses into a ChangeResync followed by the
// latest change, so the latest change always arrives.
func (l *Listener) Subscribe(tenantID int64) (<-chan Change, func()) {
	sub := &changeSub{ch: make(chan Change, changeBuffer)}
	return sub.ch, l.subscribe(tenantID, sub)
}

// SubscribeFunc calls fn with each of the clinic's changes, starting with a
// ChangeResync once its channel is listened to, until the returned function
// (safe to call twice) ends the subscription; once it returns, fn is not
// called again. fn runs on the listener's goroutine with its lock held: it
// must return at once and not call the listener. Unlike Subscribe, it costs
// the subscriber no goroutine to wait on a channel: a terminal session
// subscribes this way (server.forwardChanges).
func (l *Listener) SubscribeFunc(tenantID int64, fn func(Change)) func() {
	return l.subscribe(tenantID, &changeSub{fn: fn})
}

func (l *Listener) subscribe(tenantID int64, sub *changeSub) func() {
	l.mu.Lock()
	set := l.tenants[tenantID]
	if set == nil {
		set = map[*changeSub]struct{}{}
		l.tenants[tenantID] = set
	}
	set[sub] = struct{}{}
	if l.listening[ChangeChannel(tenantID)] {
		sub.deliver(Change{Entity: ChangeResync})
	} else {
		l.wakeLocked()
	}
	l.mu.Unlock()
	return sync.OnceFunc(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if set := l.tenants[tenantID]; set != nil {
			delete(set, sub)
			if len(set) == 0 {
				delete(l.tenants, tenantID)
				l.wakeLocked()
			}
		}
		if sub.ch != nil {
			close(sub.ch)
		}
	})
}

// SubscribeTenantStatus returns a channel of the schema names announced on
// TenantStatusChannel (a clinic was suspended, activated, archived or
// restored) and the function that ends the subscription. An empty name means
// "statuses may have changed unseen (connection lost, or this subscriber fell
// behind): recheck every clinic"; one is sent when listening starts.
func (l *Listener) SubscribeTenantStatus() (<-chan string, func()) {
	sub := &statusSub{ch: make(chan string, statusBuffer)}
	l.mu.Lock()
	l.statuses[sub] = struct{}{}
	if l.listening[TenantStatusChannel] {
		offer(sub.ch, "", "")
	} else {
		l.wakeLocked()
	}
	l.mu.Unlock()
	return sub.ch, sync.OnceFunc(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.statuses, sub)
		if len(l.statuses) == 0 {
			l.wakeLocked()
		}
		close(sub.ch)
	})
}

// offer sends v without blocking. A full channel is drained and gets
// resync, then v: the subscriber learns it missed something and still sees
// the latest value. Called with l.mu held, the only sender, so the two
// sends after draining always fit (buffers hold at least two).
func offer[T any](ch chan T, v, resync T) {
	select {
	case ch <- v:
		return
	default:
	}
drain:
	for {
		select {
		case <-ch:
		default:
			break drain
		}
	}
	ch <- resync
	ch <- v
}

// wakeLocked asks Run to bring its LISTENs in line with the subscriptions.
func (l *Listener) wakeLocked() {
	l.dirty = true
	if l.interrupt != nil {
		l.interrupt()
	}
}

// Run holds the listening connection until ctx is cancelled, then returns
// nil. A lost connection is logged and replaced (with backoff); every
// channel is listened to again and every subscriber gets a resync. Only one
// Run at a time.
func (l *Listener) Run(ctx context.Context) error {
	l.mu.Lock()
	if l.running {
		l.mu.Unlock()
		return errors.New("listener: already running")
	}
	l.running = true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.running = false
		l.listening = map[string]bool{}
		l.interrupt = nil
		l.mu.Unlock()
	}()

	backoff := minBackoff
	for {
		conn, err := l.connect(ctx)
		if err == nil {
			backoff = minBackoff
			err = l.serve(ctx, conn)
			closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			_ = conn.Close(closeCtx)
			cancel()
		}
		if ctx.Err() != nil {
			return nil
		}
		l.logger.Warn("live updates: listening connection lost; reconnecting", "err", err, "in", backoff)
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (l *Listener) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := l.db.runtimeConnConfig()
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["application_name"] = listenerAppName
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}

// serve listens on conn until ctx ends or the connection fails.
func (l *Listener) serve(ctx context.Context, conn *pgx.Conn) error {
	l.mu.Lock()
	l.listening = map[string]bool{}
	l.dirty = true
	l.mu.Unlock()
	for {
		if err := l.sync(ctx, conn); err != nil {
			return err
		}
		l.mu.Lock()
		if l.dirty {
			l.mu.Unlock()
			continue
		}
		waitCtx, cancel := context.WithTimeout(ctx, healthInterval)
		l.interrupt = cancel
		l.mu.Unlock()

		n, err := conn.WaitForNotification(waitCtx)
		l.mu.Lock()
		l.interrupt = nil
		l.mu.Unlock()
		timedOut := errors.Is(waitCtx.Err(), context.DeadlineExceeded)
		cancel()
		if n != nil {
			l.dispatch(n)
		}
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return ctx.Err()
		case conn.IsClosed():
			return fmt.Errorf("wait for notification: %w", err)
		case timedOut:
			pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil {
				return fmt.Errorf("health check: %w", err)
			}
		default:
			// Interrupted by a subscription change (a deadline interruption
			// leaves the connection usable): sync and wait again.
		}
	}
}

// sync issues the LISTEN and UNLISTEN commands that make the connection's
// channels those of the current subscriptions, and sends a resync to the
// subscribers of every newly listened channel.
func (l *Listener) sync(ctx context.Context, conn *pgx.Conn) error {
	l.mu.Lock()
	l.dirty = false
	want := map[string]bool{}
	for id := range l.tenants {
		want[ChangeChannel(id)] = true
	}
	if len(l.statuses) > 0 {
		want[TenantStatusChannel] = true
	}
	var listen, unlisten []string
	for ch := range want {
		if !l.listening[ch] {
			listen = append(listen, ch)
		}
	}
	for ch := range l.listening {
		if !want[ch] {
			unlisten = append(unlisten, ch)
		}
	}
	l.mu.Unlock()
	if len(listen)+len(unlisten) == 0 {
		return nil
	}

	var sql strings.Builder
	for _, ch := range listen {
		sql.WriteString("listen " + pgx.Identifier{ch}.Sanitize() + ";")
	}
	for _, ch := range unlisten {
		sql.WriteString("unlisten " + pgx.Identifier{ch}.Sanitize() + ";")
	}
	// No arguments: pgx sends it with the simple protocol, all in one trip.
	if _, err := conn.Exec(ctx, sql.String()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ch := range unlisten {
		delete(l.listening, ch)
	}
	for _, ch := range listen {
		l.listening[ch] = true
		if ch == TenantStatusChannel {
			for s := range l.statuses {
				offer(s.ch, "", "")
			}
		} else if id, ok := tenantOfChannel(ch); ok {
			for s := range l.tenants[id] {
				s.deliver(Change{Entity: ChangeResync})
			}
		}
	}
	l.logger.Debug("live updates: listening", "listen", len(listen), "unlisten", len(unlisten), "channels", len(l.listening))
	return nil
}

func tenantOfChannel(ch string) (int64, bool) {
	rest, ok := strings.CutPrefix(ch, changeChannelPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// dispatch fans one notification out to its subscribers, without blocking.
func (l *Listener) dispatch(n *pgconn.Notification) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n.Channel == TenantStatusChannel {
		for s := range l.statuses {
			offer(s.ch, n.Payload, "")
		}
		return
	}
	id, ok := tenantOfChannel(n.Channel)
	if !ok {
		return
	}
	var c Change
	if err := json.Unmarshal([]byte(n.Payload), &c); err != nil {
		// Still a change of this clinic: reload everything.
		c = Change{Entity: ChangeResync}
	}
	for s := range l.tenants[id] {
		s.deliver(c)
	}
}
