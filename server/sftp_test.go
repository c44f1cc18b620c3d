package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"consultorio/store"
	"consultorio/store/storetest"
)

// sftpClinic is a clinic with an admin and a receptionist who have keys,
// and one patient.
type sftpClinic struct {
	clinic
	adminKey, deskKey gossh.Signer
	patient           int64
}

func newSFTPClinic(t *testing.T, db *store.DB, schema string) sftpClinic {
	t.Helper()
	ctx := context.Background()
	c := sftpClinic{clinic: newClinic(t, db, schema)}
	var line string
	c.adminKey, line = newKey(t)
	c.addKey(t, c.admin.ID, line)
	desk, _, err := c.tn.CreateUser(ctx, c.admin.Actor("test"), store.NewUser{Email: "desk@" + schema + ".test", Name: "Desk", Role: store.RoleReception, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	c.deskKey, line = newKey(t)
	c.addKey(t, desk.ID, line)
	p, err := c.tn.CreatePatient(ctx, c.admin.Actor("test"), store.PatientInput{FirstName: "Ana", Surname: "Núñez", BirthDate: time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	c.patient = p.ID
	return c
}

func sftpClient(t *testing.T, addr, user string, key gossh.Signer) *sftp.Client {
	t.Helper()
	c, _ := sftpClientStderr(t, addr, user, key)
	return c
}

// sftpClientStderr is an SFTP client whose session's stderr (where the
// server writes each refusal in words) is kept.
func sftpClientStderr(t *testing.T, addr, user string, key gossh.Signer) (*sftp.Client, *syncBuffer) {
	t.Helper()
	conn := mustDial(t, addr, user, keyAuth(key))
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	// RequestSubsystem starts nothing: the stderr pipe is read by hand.
	errPipe, err := sess.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(stderr, errPipe)
	if err := sess.RequestSubsystem("sftp"); err != nil {
		t.Fatal(err)
	}
	w, _ := sess.StdinPipe()
	r, _ := sess.StdoutPipe()
	c, err := sftp.NewClientPipe(r, w)
	if err != nil {
		t.Fatalf("sftp %s: %v", user, err)
	}
	t.Cleanup(func() { c.Close() })
	return c, stderr
}

func statusMsg(err error) string {
	var se *sftp.StatusError
	if errors.As(err, &se) {
		return se.Error()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func auditCount(t *testing.T, tn *store.Tenant, action string) int {
	t.Helper()
	list, err := tn.AuditLog(context.Background(), store.System, store.AuditFilter{Entity: "attachment", Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// The SFTP door end to end with pkg/sftp's client over x/crypto/ssh: a
// 5 MB round trip with checksum, listings, the reception's limits, the size
// limit, paths outside the tree, another clinic's files, the audit rows.
func TestSFTPAttachments(t *testing.T) {
	t.Parallel()
	db := storetest.NewDBWith(t, store.Options{AttachmentMaxBytes: 6 << 20})
	a := newSFTPClinic(t, db, "clinic-a")
	b := newSFTPClinic(t, db, "clinic-b")
	srv := startServer(t, db)
	admin := sftpClient(t, srv.addr, "clinic-a", a.adminKey)

	data := make([]byte, 5<<20)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	dst := "/patients/" + itoa(a.patient) + "/lab/hemograma.pdf"
	f, err := admin.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close upload: %v", err)
	}
	r, err := admin.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("download: %v, %d bytes, same checksum %v", err, len(got), sha256.Sum256(got) == sha256.Sum256(data))
	}
	fi, err := admin.Stat(dst)
	if err != nil || fi.Size() != int64(len(data)) || fi.IsDir() {
		t.Errorf("stat: %v %v", fi, err)
	}
	names := func(c *sftp.Client, dir string) []string {
		t.Helper()
		list, err := c.ReadDir(dir)
		if err != nil {
			t.Fatalf("ls %s: %v", dir, err)
		}
		var out []string
		for _, e := range list {
			out = append(out, e.Name())
		}
		return out
	}
	if got := strings.Join(names(admin, "/patients"), ","); got != itoa(a.patient) {
		t.Errorf("ls /patients = %q", got)
	}
	if got := strings.Join(names(admin, "/patients/"+itoa(a.patient)), ","); got != "consent,admin,photo,referral,lab,clinical" {
		t.Errorf("admin's folders: %q", got)
	}
	if got := strings.Join(names(admin, "/patients/"+itoa(a.patient)+"/lab"), ","); got != "hemograma.pdf" {
		t.Errorf("ls lab: %q", got)
	}

	// Reception: administrative folders only; a clinical file is refused
	// with words, both ways.
	desk, deskErr := sftpClientStderr(t, srv.addr, "clinic-a", a.deskKey)
	if got := strings.Join(names(desk, "/patients/"+itoa(a.patient)), ","); got != "consent,admin" {
		t.Errorf("reception's folders: %q", got)
	}
	if _, err := desk.Open(dst); !errors.Is(err, os.ErrPermission) {
		t.Errorf("reception opened a lab result: %v", err)
	}
	if _, err := desk.Create("/patients/" + itoa(a.patient) + "/referral/carta.pdf"); !errors.Is(err, os.ErrPermission) {
		t.Errorf("reception created a referral: %v", err)
	}
	const refusal = "Your role does not allow clinical files (photo, referral, lab, clinical); administrative ones are: consent, admin."
	waitUntil(t, "the refusal in words on stderr", func() bool { return strings.Count(deskErr.String(), refusal) == 1 })
	if _, err := desk.ReadDir("/patients/" + itoa(a.patient) + "/lab"); err == nil {
		t.Errorf("reception listed lab results")
	}
	consent := "/patients/" + itoa(a.patient) + "/consent/consentimiento.pdf"
	w, err := desk.Create(consent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("firmado")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("reception uploads a consent form: %v", err)
	}

	// Too large: refused while it arrives, with the limit in words.
	big, err := admin.Create("/patients/" + itoa(a.patient) + "/photo/huge.jpg")
	if err != nil {
		t.Fatal(err)
	}
	_, err = big.ReadFrom(bytes.NewReader(make([]byte, 7<<20)))
	if err == nil {
		err = big.Close()
	} else {
		big.Close()
	}
	if !strings.Contains(statusMsg(err), "El archivo supera el límite de 6.0 MiB.") {
		t.Errorf("7 MiB over a 6 MiB limit: %v", err)
	}
	if _, err := admin.Stat("/patients/" + itoa(a.patient) + "/photo/huge.jpg"); err == nil {
		t.Errorf("the refused file was stored")
	}
	// Overwriting is refused: files are records.
	if _, err := admin.Create(dst); !strings.Contains(statusMsg(err), "ya está en uso") {
		t.Errorf("overwrite: %v", err)
	}

	// Paths outside the tree and other clinics' patients.
	bw, err := sftpClient(t, srv.addr, "clinic-b", b.adminKey).Create("/patients/" + itoa(b.patient) + "/lab/secreto.pdf")
	if err != nil {
		t.Fatal(err)
	}
	bw.Write([]byte("de la clínica B"))
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"/../../etc/passwd", "/patients/../../clinic-b/patients/" + itoa(b.patient) + "/lab/secreto.pdf",
		"/patients/" + itoa(a.patient) + "/lab/../../../etc/passwd", "/patients/0" + itoa(a.patient) + "/lab/hemograma.pdf",
		"/patients/" + itoa(a.patient+1000) + "/lab/secreto.pdf", "/clinic-b/patients/1/lab/secreto.pdf",
		"/patients/" + itoa(a.patient) + "/secret/hemograma.pdf",
	} {
		if f, err := admin.Open(p); err == nil {
			f.Close()
			t.Errorf("opened %s", p)
		}
	}
	// clinic-b's patient has the same id as clinic-a's: the path reaches
	// clinic-a's patient, never clinic-b's file.
	if _, err := admin.Open("/patients/" + itoa(b.patient) + "/lab/secreto.pdf"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("clinic-b's file from clinic-a: %v", err)
	}
	if err := admin.Mkdir("/patients/" + itoa(a.patient) + "/mine"); err == nil {
		t.Errorf("mkdir accepted")
	}
	if err := admin.Rename(dst, dst+".bak"); err == nil {
		t.Errorf("rename accepted")
	}

	// Audit: one row per write and per read.
	if n := auditCount(t, a.tn, "create"); n != 2 {
		t.Errorf("create audit rows = %d, want 2", n)
	}
	if n := auditCount(t, a.tn, "read"); n != 1 {
		t.Errorf("read audit rows = %d, want 1", n)
	}
	if n := auditCount(t, b.tn, "create"); n != 1 {
		t.Errorf("clinic-b create audit rows = %d, want 1", n)
	}
}

// A key-less client, a suspended clinic and an ended session: SFTP stops
// as every other session does.
func TestSFTPSessionRules(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	a := newSFTPClinic(t, db, "clinic-a")
	srv := startServer(t, db)

	conn := mustDial(t, srv.addr, "clinic-a", noKeyAuth())
	if c, err := sftp.NewClient(conn); err == nil {
		_, err = c.ReadDir("/patients")
		c.Close()
		if err == nil {
			t.Errorf("key-less SFTP listed files")
		}
	}

	c := sftpClient(t, srv.addr, "clinic-a", a.adminKey)
	if _, err := c.ReadDir("/patients/" + itoa(a.patient)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SuspendTenant(context.Background(), store.CLI, "clinic-a"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the SFTP session ends on suspension", func() bool {
		_, err := c.ReadDir("/patients/" + itoa(a.patient))
		return err != nil
	})
	if conn, err := dial(t, srv.addr, "clinic-a", keyAuth(a.adminKey)); err == nil {
		defer conn.Close()
		if c, err := sftp.NewClient(conn); err == nil {
			c.Close()
			t.Errorf("a suspended clinic opened SFTP")
		}
	}
}

// The real OpenSSH sftp and scp binaries (scp speaks SFTP since OpenSSH
// 9.0).
func TestOpenSSHSFTPAndSCP(t *testing.T) {
	t.Parallel()
	sftpBin, scpBin := openSSHBin(t, "sftp"), openSSHBin(t, "scp")
	db := storetest.NewDB(t)
	dir := t.TempDir()
	keyFile, pub := clientKeyFile(t, dir, "id_ed25519")
	prov, err := db.CreateTenant(context.Background(), store.CLI, store.NewTenant{
		Schema: "demo", Name: "Clínica Demo", AdminEmail: "admin@demo.test", AdminName: "Ana Admin",
		AdminKey: pub,
	})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := db.Tenant(context.Background(), prov.Tenant.Schema)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tn.CreatePatient(context.Background(), store.System, store.PatientInput{FirstName: "Ana", Surname: "Núñez", BirthDate: time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, db)
	_, port, _ := net.SplitHostPort(srv.addr)
	opts := append(openSSHOpts(keyFile), "-P", port)
	runBin := func(bin string, stdin string, args ...string) (string, int) {
		return runBinStdin(t, bin, opts, stdin, args...)
	}
	local := filepath.Join(dir, "informe.pdf")
	content := bytes.Repeat([]byte("resultado ñandú "), 70000)
	if err := os.WriteFile(local, content, 0o600); err != nil {
		t.Fatal(err)
	}
	folder := "/patients/" + itoa(p.ID) + "/lab"
	batch := "put " + local + " " + folder + "/informe.pdf\nls -l " + folder + "\n"
	out, code := runBin(sftpBin, batch, "-b", "-", "demo@127.0.0.1")
	if code != 0 || !strings.Contains(out, "informe.pdf") {
		t.Fatalf("sftp put/ls: exit %d\n%s", code, out)
	}
	back := filepath.Join(dir, "back.pdf")
	if out, code := runBin(scpBin, "", "demo@127.0.0.1:"+folder+"/informe.pdf", back); code != 0 {
		t.Fatalf("scp download: exit %d\n%s", code, out)
	}
	if got, err := os.ReadFile(back); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("scp brought back different bytes (%v)", err)
	}
	if out, code := runBin(scpBin, "", local, "demo@127.0.0.1:/patients/"+itoa(p.ID)+"/consent/firmado.pdf"); code != 0 || strings.TrimSpace(out) != "" {
		t.Fatalf("scp upload: exit %d\n%s", code, out)
	}
	if n := auditCount(t, tn, "create"); n != 2 {
		t.Errorf("create audit rows = %d, want 2", n)
	}
}

func runBinStdin(t *testing.T, bin string, opts []string, stdin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, bin, append(append([]string{}, opts...), args...)...)
	c.Stdin = strings.NewReader(stdin)
	out, err := c.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return string(out), 0
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
