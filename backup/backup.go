// Package backup copies a whole Consultorio installation — the database and
// the files of the data directory (SSH host key, configuration) — into a
// backup directory while it keeps working, and builds a fresh data
// directory from such a backup, optionally replaying archived WAL up to a
// chosen instant (point-in-time recovery).
//
// A backup directory holds:
//
//	manifest.json  what the backup is; written last, so a backup without it is incomplete
//	pg/            a pg_basebackup of the cluster (plain format, WAL included, verified)
//	files/         the data directory's own files (host key, configuration)
package backup

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"consultorio/pgcluster"
)

// Format names the layout of a backup directory; FormatVersion changes when
// it does.
const (
	Format        = "consultorio-backup"
	FormatVersion = 1
)

// Manifest describes a backup; it is manifest.json.
type Manifest struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	BinaryVersion string    `json:"binary_version"`
	Source        string    `json:"source"` // "private" (the private cluster) or "database_url"
	CreatedAt     time.Time `json:"created_at"`
	// StartedAt is when the database copy began (pg_basebackup's START TIME):
	// every transaction acknowledged before it is in the backup.
	StartedAt time.Time `json:"started_at"`
	// FinishedAt is when the copy ended: the backup restores to a state
	// between StartedAt and FinishedAt.
	FinishedAt      time.Time `json:"finished_at"`
	StartWAL        string    `json:"start_wal"`
	PostgresVersion string    `json:"postgres_version"`
	// WALArchive is where the cluster archived its WAL when the backup was
	// taken ("" when archiving was off): restore --to reads it from there.
	WALArchive string `json:"wal_archive"`
	Files      []File `json:"files"`
	SizeBytes  int64  `json:"size_bytes"`
}

// File is one file of the data directory kept in the backup.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Source is what to back up.
type Source struct {
	DataDir string             // its files (host key, configuration) are copied
	Cluster *pgcluster.Cluster // the private cluster; nil with URL
	URL     string             // DATABASE_URL's server (needs replication rights)
}

// ErrExists: the destination of a backup or a restore already holds something.
var ErrExists = errors.New("already exists and is not empty")

// skipped are data-directory entries that are not the installation's own
// files: the cluster (copied by pg_basebackup) and its lock.
var skipped = map[string]bool{"pg": true, "pg.lock": true}

// Create takes a backup of src into dest, a directory that must not exist or
// be empty. Clinics keep working meanwhile.
func Create(ctx context.Context, src Source, dest, binaryVersion string) (Manifest, error) {
	if err := emptyOrAbsent(dest); err != nil {
		return Manifest{}, err
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return Manifest{}, fmt.Errorf("create backup directory: %w", err)
	}
	m := Manifest{Format: Format, FormatVersion: FormatVersion, BinaryVersion: binaryVersion, CreatedAt: time.Now().UTC()}
	label := "consultorio " + m.CreatedAt.Format(time.RFC3339)
	pgDest := filepath.Join(dest, "pg")
	var err error
	if src.Cluster != nil {
		m.Source = "private"
		if err := src.Cluster.Start(ctx); err != nil {
			return Manifest{}, err
		}
		if m.WALArchive, err = src.Cluster.WALArchive(ctx); err != nil {
			return Manifest{}, err
		}
		err = src.Cluster.BaseBackup(ctx, pgDest, label)
	} else {
		m.Source = "database_url"
		err = pgcluster.BaseBackup(ctx, src.URL, pgDest, label)
	}
	if err != nil {
		return Manifest{}, err
	}
	m.FinishedAt = time.Now().UTC()
	if m.StartWAL, m.StartedAt, err = readBackupLabel(filepath.Join(pgDest, "backup_label")); err != nil {
		return Manifest{}, err
	}
	if b, err := os.ReadFile(filepath.Join(pgDest, "PG_VERSION")); err == nil {
		m.PostgresVersion = strings.TrimSpace(string(b))
	}
	if m.Files, err = copyDataFiles(src.DataDir, filepath.Join(dest, "files")); err != nil {
		return Manifest{}, err
	}
	if m.SizeBytes, err = dirSize(dest); err != nil {
		return Manifest{}, err
	}
	if err := writeManifest(dest, m); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// readBackupLabel reads where and when pg_basebackup started.
func readBackupLabel(path string) (wal string, started time.Time, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("read backup label: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		switch k {
		case "START WAL LOCATION":
			wal, _, _ = strings.Cut(v, " ")
		case "START TIME":
			// "2026-12-05 01:50:00 UTC": the server writes it in its log time
			// zone, which the private cluster sets to UTC.
			if t, perr := time.Parse("2006-01-02 15:04:05 MST", v); perr == nil {
				started = t.UTC()
			}
		}
	}
	if started.IsZero() {
		return "", time.Time{}, fmt.Errorf("backup label %s has no START TIME", path)
	}
	return wal, started, sc.Err()
}

// copyDataFiles copies the regular files at the top of the data directory
// (host key, configuration; not the cluster) into dir.
func copyDataFiles(dataDir, dir string) ([]File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read data directory: %w", err)
	}
	files := []File{}
	for _, e := range entries {
		if skipped[e.Name()] || !e.Type().IsRegular() {
			continue
		}
		f, err := copyHashed(filepath.Join(dataDir, e.Name()), filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func copyHashed(src, dst string) (File, error) {
	in, err := os.Open(src)
	if err != nil {
		return File{}, fmt.Errorf("copy %s: %w", filepath.Base(src), err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return File{}, fmt.Errorf("copy %s: %w", filepath.Base(src), err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("copy %s: %w", filepath.Base(src), err)
	}
	return File{Name: filepath.Base(src), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func writeManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	tmp := filepath.Join(dir, "manifest.json.part")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "manifest.json")); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// ReadManifest reads and checks the manifest of the backup in dir.
func ReadManifest(dir string) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{}, fmt.Errorf("%s is not a complete backup (no manifest.json)", dir)
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	if m.Format != Format {
		return Manifest{}, fmt.Errorf("%s is not a Consultorio backup (format %q)", dir, m.Format)
	}
	if m.FormatVersion > FormatVersion {
		return Manifest{}, fmt.Errorf("backup format %d is newer than this binary reads (%d): restore with the binary that made it (%s)",
			m.FormatVersion, FormatVersion, m.BinaryVersion)
	}
	return m, nil
}

// RestoreOptions says where to restore and how far to replay.
type RestoreOptions struct {
	DataDir string // must not exist or be empty
	// To, when set, replays archived WAL up to this instant (point in time
	// recovery); it must be after the backup finished.
	To time.Time
	// WALArchive overrides the manifest's archive directory.
	WALArchive string
	Cluster    pgcluster.Options
}

// ErrTargetTooEarly: the point-in-time target is before the backup was
// consistent; an earlier backup is needed.
var ErrTargetTooEarly = errors.New("the recovery target is before the backup finished")

// ErrNoArchive: a point-in-time restore was asked for but no WAL archive is known.
var ErrNoArchive = errors.New("no WAL archive to replay")

// Restore builds a fresh data directory from the backup in src and starts
// its cluster.
func Restore(ctx context.Context, src string, o RestoreOptions) (Manifest, *pgcluster.Cluster, error) {
	m, err := ReadManifest(src)
	if err != nil {
		return m, nil, err
	}
	rec := pgcluster.Recovery{}
	if !o.To.IsZero() {
		rec.Target = o.To
		rec.WALArchive = o.WALArchive
		if rec.WALArchive == "" {
			rec.WALArchive = m.WALArchive
		}
		if rec.WALArchive == "" {
			return m, nil, fmt.Errorf("%w: the backup was taken without WAL archiving; name the archive with --wal-archive", ErrNoArchive)
		}
		if !o.To.After(m.FinishedAt) {
			return m, nil, fmt.Errorf("%w (%s UTC): use an older backup", ErrTargetTooEarly, m.FinishedAt.Format("2006-01-02 15:04:05"))
		}
	}
	if err := emptyOrAbsent(o.DataDir); err != nil {
		return m, nil, err
	}
	for _, f := range m.Files {
		if err := checkFile(filepath.Join(src, "files", f.Name), f); err != nil {
			return m, nil, err
		}
	}
	c, err := restoreInto(ctx, src, m, o, rec)
	if err != nil {
		// Leave nothing half-made behind: the next attempt needs an empty
		// data directory.
		if c != nil {
			_ = c.Destroy(context.WithoutCancel(ctx))
		}
		_ = os.RemoveAll(o.DataDir)
		return m, nil, err
	}
	return m, c, nil
}

func restoreInto(ctx context.Context, src string, m Manifest, o RestoreOptions, rec pgcluster.Recovery) (*pgcluster.Cluster, error) {
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	for _, f := range m.Files {
		if _, err := copyHashed(filepath.Join(src, "files", f.Name), filepath.Join(o.DataDir, f.Name)); err != nil {
			return nil, err
		}
	}
	c, err := pgcluster.New(o.DataDir, o.Cluster)
	if err != nil {
		return nil, err
	}
	return c, c.RestoreFrom(ctx, filepath.Join(src, "pg"), rec)
}

func checkFile(path string, f File) error {
	in, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup file %s: %w", f.Name, err)
	}
	defer in.Close()
	h := sha256.New()
	if _, err := io.Copy(h, in); err != nil {
		return fmt.Errorf("backup file %s: %w", f.Name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return fmt.Errorf("backup file %s is damaged (checksum differs from the manifest)", f.Name)
	}
	return nil
}

func emptyOrAbsent(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s %w", dir, ErrExists)
	}
	return nil
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("measure backup: %w", err)
	}
	return n, nil
}
