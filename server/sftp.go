package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"charm.land/ssh"
	"github.com/pkg/sftp"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// The SFTP door: a clinic's patient files as a virtual tree,
//
//	/patients/<id>/<kind>/<name>
//
// served on the same SSH server, after the same routing, key check,
// registration and second-factor gate as a scripted command (the subsystem
// handler is wrapped in sessionMiddleware), so a suspended clinic, an ended
// login or a deactivated user ends it like any other session. Every
// operation is a store call with the verified actor: the store decides, the
// tree only translates paths and errors. (OpenSSH's scp speaks SFTP since
// 9.0, so `scp` works through this door too.)

// sftpHandler serves one SFTP session.
func (s *Server) sftpHandler(sess ssh.Session) {
	ls := s.liveOf(sess)
	lang := sessionLang(sess, ls.tgt)
	if ls.tgt.panel || ls.tgt.tenant == nil || ls.tgt.user == nil {
		// Key-less clients log in through the TUI (and register the key);
		// the panel has no files.
		if !ls.tgt.panel {
			s.limiter.fail(addrIP(sess.RemoteAddr()))
		}
		fmt.Fprintln(sess.Stderr(), i18n.For(lang).Files.NeedsKey)
		ls.setOutcome("refused: sftp without a registered key")
		_ = sess.Exit(1)
		return
	}
	if msg, refused := s.secondFactorGate(ls); refused {
		fmt.Fprintln(sess.Stderr(), msg)
		ls.setOutcome("refused: second factor required")
		_ = sess.Exit(1)
		return
	}
	tn := ls.tgt.tenant
	cfs := &clinicFS{
		ctx:    ls.ctx,
		tenant: tn,
		actor:  ls.tgt.user.Actor(ls.tgt.remote),
		loc:    i18n.NewLocale(lang, tn.Info.Currency, tn.Info.Location()),
		s:      s,
		now:    time.Now,
		stderr: sess.Stderr(),
	}
	rs := sftp.NewRequestServer(sess, sftp.Handlers{FileGet: cfs, FilePut: cfs, FileCmd: cfs, FileList: cfs})
	stop := context.AfterFunc(ls.ctx, func() {
		// Ended by the server (suspension, ended login, shutdown): say why
		// and close the channel under the client.
		if reason := ls.endReason(); reason != "" {
			fmt.Fprintln(sess.Stderr(), endText(lang, reason))
		}
		_ = rs.Close()
	})
	defer stop()
	ls.setOutcome("sftp")
	err := rs.Serve()
	if reason := ls.endReason(); reason != "" {
		ls.setOutcome("ended: " + reason)
		_ = sess.Exit(1)
		return
	}
	if err != nil && !errors.Is(err, io.EOF) {
		s.log.Info("sftp session", "tenant", tn.Info.Schema, "remote", ls.tgt.remote, "err", err)
	}
	_ = sess.Exit(0)
}

// clinicFS is one session's view of its clinic's files.
type clinicFS struct {
	ctx    context.Context
	tenant *store.Tenant
	actor  store.Actor
	loc    *i18n.Locale
	s      *Server
	now    func() time.Time
	// stderr carries each refusal's words too: OpenSSH's sftp shows the
	// server's stderr but only a status code's generic text.
	stderr io.Writer

	mu      sync.Mutex
	lastMsg string
}

// node is a parsed path of the tree.
type node struct {
	depth   int // 0 "/", 1 "/patients", 2 "/patients/<id>", 3 ".../<kind>", 4 ".../<name>"
	patient int64
	kind    store.AttachmentKind
	name    string
}

// errNoPath: a path outside the tree (anything but the shapes above).
var errNoPath = os.ErrNotExist

// parsePath reads a cleaned absolute path (pkg/sftp has resolved "." and
// ".." against "/" already: nothing climbs out of the tree). A patient id
// must be written canonically (no sign, no leading zeros), so one file has
// one path.
func parsePath(p string) (node, error) {
	p = path.Clean("/" + p)
	if p == "/" {
		return node{depth: 0}, nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if parts[0] != "patients" || len(parts) > 4 {
		return node{}, errNoPath
	}
	n := node{depth: len(parts)}
	if len(parts) >= 2 {
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || id <= 0 || strconv.FormatInt(id, 10) != parts[1] {
			return node{}, errNoPath
		}
		n.patient = id
	}
	if len(parts) >= 3 {
		n.kind = store.AttachmentKind(parts[2])
		if !n.kind.Valid() {
			return node{}, errNoPath
		}
	}
	if len(parts) == 4 {
		n.name = parts[3]
	}
	return n, nil
}

func (n node) ref() store.AttachmentRef {
	return store.AttachmentRef{PatientID: n.patient, Kind: n.kind, Name: n.name}
}

// sftpError is what the client sees: words in the user's language, and
// the SFTP status code of the failure (pkg/sftp reads it by errors.As).
type sftpError struct {
	msg  string
	code error
}

func (e *sftpError) Error() string { return e.msg }
func (e *sftpError) Unwrap() error { return e.code }

// fail turns a store error into what the client sees. Errors meant for
// users become their words; anything else is logged with a reference and
// shown as an internal error (no SQL, driver or path reaches the client).
func (c *clinicFS) fail(err error) error {
	se := c.failure(err)
	if !errors.Is(se.code, sftp.ErrSSHFxNoSuchFile) && !errors.Is(se.code, sftp.ErrSSHFxConnectionLost) {
		// Once per refusal in a row: a client's stat-then-open of the
		// same file would otherwise print it twice.
		c.mu.Lock()
		if se.msg != c.lastMsg {
			c.lastMsg = se.msg
			fmt.Fprintln(c.stderr, se.msg)
		}
		c.mu.Unlock()
	}
	return se
}

func (c *clinicFS) failure(err error) *sftpError {
	l := c.loc
	if errors.Is(err, errNoPath) {
		return &sftpError{msg: l.M.Errors.NotFound, code: sftp.ErrSSHFxNoSuchFile}
	}
	if errors.Is(err, context.Canceled) {
		return &sftpError{msg: l.M.Errors.Cancelled, code: sftp.ErrSSHFxConnectionLost}
	}
	// The catalogue words every error (an internal one as a reference,
	// logged with the error); the SFTP status code follows its kind.
	msg := l.Error(c.s.log, err)
	switch store.CodeOf(store.Classify(err)) {
	case store.CodeNotFound:
		return &sftpError{msg: msg, code: sftp.ErrSSHFxNoSuchFile}
	case store.CodeForbidden:
		if c.actor.Role == store.RoleReception {
			msg = fmt.Sprintf(l.M.Files.ClinicalRefused, c.kindWords(true), c.kindWords(false))
		}
		return &sftpError{msg: msg, code: sftp.ErrSSHFxPermissionDenied}
	}
	return &sftpError{msg: msg, code: sftp.ErrSSHFxFailure}
}

// kindWords lists the clinical (or administrative) kinds as folder names.
func (c *clinicFS) kindWords(clinical bool) string {
	var out []string
	for _, k := range store.AttachmentKinds() {
		if k.Clinical() == clinical {
			out = append(out, string(k))
		}
	}
	return strings.Join(out, ", ")
}

// Fileread opens a file for download: the store reads it whole (bounded by
// the size limit), checks its checksum and audits the read.
func (c *clinicFS) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	n, err := parsePath(r.Filepath)
	if err != nil || n.depth != 4 {
		return nil, c.fail(errNoPath)
	}
	_, data, err := c.tenant.ReadAttachment(c.ctx, c.actor, n.ref())
	if err != nil {
		return nil, c.fail(err)
	}
	return bytes.NewReader(data), nil
}

// Filewrite opens a new file for upload. The rights and the name are
// checked now, before any byte travels; the bytes are kept in memory up to
// the size limit (a write past it fails at once) and stored by Close in
// one transaction with its audit row.
func (c *clinicFS) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	n, err := parsePath(r.Filepath)
	if err != nil {
		return nil, c.fail(err)
	}
	if n.depth != 4 {
		return nil, &sftpError{msg: c.loc.M.Files.FixedTree, code: sftp.ErrSSHFxPermissionDenied}
	}
	if err := c.tenant.CheckAttachmentWrite(c.ctx, c.actor, n.ref()); err != nil {
		return nil, c.fail(err)
	}
	return &upload{fs: c, ref: n.ref()}, nil
}

// upload collects one file's bytes.
type upload struct {
	fs  *clinicFS
	ref store.AttachmentRef

	mu     sync.Mutex
	buf    []byte
	failed error
	closed bool
}

func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed != nil {
		return 0, u.failed
	}
	end := off + int64(len(p))
	if off < 0 || end < off {
		return 0, u.fs.fail(errNoPath)
	}
	if err := u.fs.tenant.DB().CheckAttachmentSize(end); err != nil {
		u.failed = u.fs.fail(err)
		u.buf = nil
		return 0, u.failed
	}
	if end > int64(len(u.buf)) {
		if end > int64(cap(u.buf)) {
			grown := make([]byte, end, max(end, 2*int64(cap(u.buf))))
			copy(grown, u.buf)
			u.buf = grown
		} else {
			u.buf = u.buf[:end]
		}
	}
	copy(u.buf[off:], p)
	return len(p), nil
}

// Close stores the file (pkg/sftp calls it when the client closes the
// handle; its error is the answer to that close).
func (u *upload) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return nil
	}
	u.closed = true
	if u.failed != nil {
		return u.failed
	}
	data := u.buf
	u.buf = nil
	if _, err := u.fs.tenant.PutAttachment(u.fs.ctx, u.fs.actor, u.ref, data); err != nil {
		return u.fs.fail(err)
	}
	return nil
}

// Filecmd: removing a file is the store's delete (admins); setting times
// or modes is accepted and ignored (clients send it after an upload);
// the folders are fixed.
func (c *clinicFS) Filecmd(r *sftp.Request) error {
	n, err := parsePath(r.Filepath)
	if err != nil {
		return c.fail(err)
	}
	switch r.Method {
	case "Setstat":
		// Nothing to set (times and modes are the store's); clients send
		// it on an upload's handle too, before the file is stored.
		return nil
	case "Remove":
		if n.depth != 4 {
			return &sftpError{msg: c.loc.M.Files.FixedTree, code: sftp.ErrSSHFxPermissionDenied}
		}
		if err := c.tenant.DeleteAttachment(c.ctx, c.actor, n.ref()); err != nil {
			return c.fail(err)
		}
		return nil
	}
	return &sftpError{msg: c.loc.M.Files.FixedTree, code: sftp.ErrSSHFxPermissionDenied}
}

// Filelist answers List and Stat (Lstat and Readlink come here too).
func (c *clinicFS) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	n, err := parsePath(r.Filepath)
	if err != nil {
		return nil, c.fail(err)
	}
	switch r.Method {
	case "List":
		list, err := c.list(n)
		if err != nil {
			return nil, c.fail(err)
		}
		return lister(list), nil
	case "Stat":
		fi, err := c.stat(n)
		if err != nil {
			return nil, c.fail(err)
		}
		return lister{fi}, nil
	}
	return nil, &sftpError{msg: c.loc.M.Files.FixedTree, code: sftp.ErrSSHFxOpUnsupported}
}

func (c *clinicFS) dir(name string) fs.FileInfo {
	return fileInfo{name: name, mode: fs.ModeDir | 0o755, mod: c.now()}
}

func (c *clinicFS) stat(n node) (fs.FileInfo, error) {
	switch n.depth {
	case 0:
		return c.dir("/"), nil
	case 1:
		return c.dir("patients"), nil
	case 2:
		if _, err := c.tenant.AttachmentFolders(c.ctx, c.actor, n.patient); err != nil {
			return nil, err
		}
		return c.dir(strconv.FormatInt(n.patient, 10)), nil
	case 3:
		kinds, err := c.tenant.AttachmentFolders(c.ctx, c.actor, n.patient)
		if err != nil {
			return nil, err
		}
		for _, k := range kinds {
			if k == n.kind {
				return c.dir(string(k)), nil
			}
		}
		// Some folders of the patient are the actor's, not this one.
		return nil, &store.ForbiddenError{Action: "reading clinical files"}
	}
	a, err := c.tenant.StatAttachment(c.ctx, c.actor, n.ref())
	if err != nil {
		return nil, err
	}
	return attachmentInfo(a), nil
}

func (c *clinicFS) list(n node) ([]fs.FileInfo, error) {
	switch n.depth {
	case 0:
		return []fs.FileInfo{c.dir("patients")}, nil
	case 1:
		ids, err := c.tenant.AttachmentPatients(c.ctx, c.actor)
		if err != nil {
			return nil, err
		}
		out := make([]fs.FileInfo, len(ids))
		for i, id := range ids {
			out[i] = c.dir(strconv.FormatInt(id, 10))
		}
		return out, nil
	case 2:
		kinds, err := c.tenant.AttachmentFolders(c.ctx, c.actor, n.patient)
		if err != nil {
			return nil, err
		}
		out := make([]fs.FileInfo, len(kinds))
		for i, k := range kinds {
			out[i] = c.dir(string(k))
		}
		return out, nil
	case 3:
		files, err := c.tenant.Attachments(c.ctx, c.actor, n.patient, n.kind)
		if err != nil {
			return nil, err
		}
		out := make([]fs.FileInfo, len(files))
		for i, a := range files {
			out[i] = attachmentInfo(a)
		}
		return out, nil
	}
	fi, err := c.stat(n)
	if err != nil {
		return nil, err
	}
	return []fs.FileInfo{fi}, nil
}

func attachmentInfo(a store.Attachment) fs.FileInfo {
	return fileInfo{name: a.Name, size: a.Size, mode: 0o444, mod: a.CreatedAt}
}

type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
}

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) Size() int64        { return f.size }
func (f fileInfo) Mode() fs.FileMode  { return f.mode }
func (f fileInfo) ModTime() time.Time { return f.mod }
func (f fileInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fileInfo) Sys() any           { return nil }

// lister serves a listing in the pieces the client asks for.
type lister []fs.FileInfo

func (l lister) ListAt(out []fs.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}
