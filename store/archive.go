package store

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/klauspost/compress/zstd"
)

// A clinic archive (`consultorio tenants export SLUG > clinic.tar.zst`) is a
// zstd-compressed tar:
//
//	manifest.json            what follows: the clinic, its schema version, per table the
//	                         columns, row count and SHA-256 of the table's file
//	tables/<table>.copy      every row of the table, PostgreSQL COPY text format, in
//	                         primary-key order (so the same rows give the same bytes)
//
// Tables are listed parents first (foreign keys), so an import loads them in
// that order. Attachments are rows (attachments, attachment_chunks) like
// everything else; an import also re-checks each file's SHA-256 against its
// chunks. The checksums detect corruption and edits of the data files; they
// do not authenticate the archive (whoever can rewrite the data can rewrite
// the manifest): an archive is as trustworthy as the place it was kept.

// ArchiveFormat is the version of the archive layout this binary writes and
// reads.
const ArchiveFormat = 1

const archiveManifest = "manifest.json"

// ArchiveManifest describes an archive.
type ArchiveManifest struct {
	Format        int            `json:"format"`
	Schema        string         `json:"schema"`
	Tenant        TenantInfo     `json:"tenant"`
	TenantVersion int            `json:"tenant_version"`
	CreatedAt     time.Time      `json:"created_at"`
	Tables        []ArchiveTable `json:"tables"`
	Attachments   int64          `json:"attachments"`
	// AttachmentBytes is the total size of the files.
	AttachmentBytes int64 `json:"attachment_bytes"`
}

// ArchiveTable is one table of an archive.
type ArchiveTable struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Rows    int64    `json:"rows"`
	SHA256  string   `json:"sha256"`
}

func (t ArchiveTable) file() string { return "tables/" + t.Name + ".copy" }

// ArchiveError: an archive that cannot be imported as it is (damaged,
// edited, from another format or schema version).
type ArchiveError struct {
	Reason string // "format", "version", "checksum", "rows", "layout", "attachment"
	Detail string
}

func (e *ArchiveError) Error() string {
	return "the archive cannot be imported (" + e.Reason + "): " + e.Detail
}

// Code is CodeInvalid: the input (the archive) is wrong.
func (e *ArchiveError) Code() Code { return CodeInvalid }

func archiveErr(reason, format string, args ...any) error {
	return &ArchiveError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// ExportTenant writes the clinic with that schema name as an archive to w,
// from one consistent snapshot. It is the operators' (CLI, panel); a clinic
// admin uses Tenant.Export.
func (db *DB) ExportTenant(ctx context.Context, actor OperatorActor, schema string, w io.Writer) (ArchiveManifest, error) {
	tn, err := db.Tenant(ctx, schema)
	if err != nil {
		return ArchiveManifest{}, err
	}
	if err := db.publicTx(ctx, func(tx pgx.Tx) error {
		return operatorAudit(ctx, tx, actor, "tenant.export", schema, nil, nil)
	}); err != nil {
		return ArchiveManifest{}, err
	}
	return db.exportSchema(ctx, tn.Info, w)
}

// Export writes the actor's own clinic as an archive (admins). The export
// is in the clinic's audit log, and so in the archive itself.
func (t *Tenant) Export(ctx context.Context, actor Actor, w io.Writer) (ArchiveManifest, error) {
	if !actor.MayExportClinic() {
		return ArchiveManifest{}, forbidden("exporting the clinic")
	}
	if err := t.tx(ctx, func(tx pgx.Tx) error {
		return audit(ctx, tx, actor, "export", "clinic", 0, nil)
	}); err != nil {
		return ArchiveManifest{}, clinicErr("export", err)
	}
	return t.db.exportSchema(ctx, t.Info, w)
}

// exportSchema spools each table's COPY output to a temporary file (its
// size must precede it in the tar, and the manifest, which precedes them
// all, needs every checksum), then writes manifest and tables.
func (db *DB) exportSchema(ctx context.Context, ti TenantInfo, w io.Writer) (ArchiveManifest, error) {
	m := ArchiveManifest{Format: ArchiveFormat, Schema: ti.Schema, Tenant: ti, CreatedAt: db.now().UTC()}
	spool, err := os.CreateTemp("", "consultorio-export-*")
	if err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	var offsets []int64
	// As the owner: the clinic's every table, the audit chain head and the
	// runtime role's public rows alike, in one read-only snapshot.
	err = db.withAdminConn(ctx, func(conn *pgx.Conn) error {
		return pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			return exportTables(ctx, tx, ti, &m, spool, &offsets)
		})
	})
	if err != nil {
		return m, fmt.Errorf("export %s: %w", ti.Schema, err)
	}
	end, _ := spool.Seek(0, io.SeekCurrent)
	offsets = append(offsets, end)
	return m, writeArchive(w, m, spool, offsets)
}

// exportTables copies every table of the clinic into spool, noting each
// one's start offset, row count and checksum in m.
func exportTables(ctx context.Context, tx pgx.Tx, ti TenantInfo, m *ArchiveManifest, spool *os.File, offsets *[]int64) error {
	if err := tx.QueryRow(ctx, `select version from public.schema_versions where schema_name = $1`, ti.Schema).Scan(&m.TenantVersion); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	tables, err := schemaTables(ctx, tx, ti.Schema)
	if err != nil {
		return err
	}
	for _, tbl := range tables {
		q := pgx.Identifier{ti.Schema, tbl.Name}.Sanitize()
		cols := identList(tbl.Columns)
		order, err := orderColumns(ctx, tx, q, tbl.Columns)
		if err != nil {
			return err
		}
		start, _ := spool.Seek(0, io.SeekCurrent)
		*offsets = append(*offsets, start)
		h := sha256.New()
		tag, err := tx.Conn().PgConn().CopyTo(ctx, io.MultiWriter(spool, h),
			fmt.Sprintf(`COPY (SELECT %s FROM %s ORDER BY %s) TO STDOUT`, cols, q, order))
		if err != nil {
			return fmt.Errorf("export %s: %w", tbl.Name, err)
		}
		tbl.Rows = tag.RowsAffected()
		tbl.SHA256 = hex.EncodeToString(h.Sum(nil))
		m.Tables = append(m.Tables, tbl)
	}
	return tx.QueryRow(ctx, fmt.Sprintf(`select count(*), coalesce(sum(size), 0)::bigint from %s`,
		pgx.Identifier{ti.Schema, "attachments"}.Sanitize())).Scan(&m.Attachments, &m.AttachmentBytes)
}

// writeArchive writes the manifest and the spooled tables as tar.zst.
func writeArchive(w io.Writer, m ArchiveManifest, spool *os.File, offsets []int64) error {
	zw, err := zstd.NewWriter(w)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	tw := tar.NewWriter(zw)
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeTarFile(tw, archiveManifest, m.CreatedAt, int64(len(manifest)), strings.NewReader(string(manifest))); err != nil {
		return err
	}
	for i, tbl := range m.Tables {
		size := offsets[i+1] - offsets[i]
		if err := writeTarFile(tw, tbl.file(), m.CreatedAt, size, io.NewSectionReader(spool, offsets[i], size)); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func writeTarFile(tw *tar.Writer, name string, mod time.Time, size int64, r io.Reader) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: mod, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	if _, err := io.Copy(tw, r); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	return nil
}

func identList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = pgx.Identifier{c}.Sanitize()
	}
	return strings.Join(q, ", ")
}

// schemaTables lists the schema's tables with their stored columns
// (generated ones are computed again on import), parents before children.
func schemaTables(ctx context.Context, tx pgx.Tx, schema string) ([]ArchiveTable, error) {
	rows, err := tx.Query(ctx, `select c.relname, array_agg(a.attname::text order by a.attnum)
		from pg_class c join pg_namespace n on n.oid = c.relnamespace
		join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
		where n.nspname = $1 and c.relkind = 'r'
		group by c.relname order by c.relname`, schema)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ArchiveTable, error) {
		var t ArchiveTable
		err := r.Scan(&t.Name, &t.Columns)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	rows, err = tx.Query(ctx, `select distinct ch.relname, pa.relname
		from pg_constraint co join pg_class ch on ch.oid = co.conrelid join pg_class pa on pa.oid = co.confrelid
		join pg_namespace n on n.oid = ch.relnamespace
		where co.contype = 'f' and n.nspname = $1 and pa.relnamespace = ch.relnamespace and ch.oid <> pa.oid`, schema)
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	parents := map[string][]string{}
	var child, parent string
	if _, err := pgx.ForEachRow(rows, []any{&child, &parent}, func() error {
		parents[child] = append(parents[child], parent)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	// Depth-first topological order; tables are visited by name so the
	// order is stable.
	byName := map[string]ArchiveTable{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	var out []ArchiveTable
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(name string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("foreign keys form a cycle through %s", name)
		case 2:
			return nil
		}
		state[name] = 1
		ps := parents[name]
		slices.Sort(ps)
		for _, p := range ps {
			if err := visit(p); err != nil {
				return err
			}
		}
		state[name] = 2
		out = append(out, byName[name])
		return nil
	}
	for _, t := range tables {
		if err := visit(t.Name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// orderColumns is the ORDER BY of a table's rows: its primary key, else
// every column.
func orderColumns(ctx context.Context, tx pgx.Tx, table string, cols []string) (string, error) {
	var pk []string
	err := tx.QueryRow(ctx, `select coalesce(array_agg(a.attname::text order by array_position(i.indkey::int2[], a.attnum)), '{}')
		from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[])
		where i.indrelid = $1::regclass and i.indisprimary`, table).Scan(&pk)
	if err != nil {
		return "", fmt.Errorf("primary key of %s: %w", table, err)
	}
	if len(pk) == 0 {
		pk = cols
	}
	return identList(pk), nil
}

// ImportTenant provisions a clinic from an archive read from r: under its
// own schema name, or under as when given (then without its domains, which
// stay the original's). Everything happens in one transaction: the
// tenant, its role and schema, every row, the key routes of its staff; a
// checksum, row count or file that does not match rolls all of it back.
// The archive must come from the same schema version as this
// installation's tenants (`consultorio migrate` the older side first).
func (db *DB) ImportTenant(ctx context.Context, actor OperatorActor, r io.Reader, as string) (TenantInfo, ArchiveManifest, error) {
	zr, err := zstd.NewReader(r)
	if err != nil {
		return TenantInfo{}, ArchiveManifest{}, archiveErr("format", "not a zstd stream")
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var m ArchiveManifest
	hdr, err := tr.Next()
	if err != nil && !errors.Is(err, io.EOF) {
		return TenantInfo{}, m, archiveErr("checksum", "damaged at its start: %v", err)
	}
	if err != nil || hdr.Name != archiveManifest {
		return TenantInfo{}, m, archiveErr("layout", "the archive does not start with %s", archiveManifest)
	}
	if err := json.NewDecoder(io.LimitReader(tr, 16<<20)).Decode(&m); err != nil {
		return TenantInfo{}, m, archiveErr("checksum", "unreadable manifest: %v", err)
	}
	if m.Format != ArchiveFormat {
		return TenantInfo{}, m, archiveErr("format", "archive format %d, this version reads %d", m.Format, ArchiveFormat)
	}
	if m.TenantVersion != db.LatestTenantVersion() {
		return TenantInfo{}, m, archiveErr("version", "the clinic's schema is at version %d and this installation's at %d; migrate the older one first",
			m.TenantVersion, db.LatestTenantVersion())
	}
	ti := m.Tenant
	nt := NewTenant{Schema: m.Schema, Name: ti.Name, AdminEmail: ti.AdminEmail, AdminName: ti.AdminName,
		Domains: ti.Domains, SpecialistsLimit: ti.SpecialistsLimit, PatientsLimit: ti.PatientsLimit, UsersLimit: ti.UsersLimit,
		MonthlyFee: ti.MonthlyFee, Timezone: ti.Timezone, Currency: ti.Currency, Lang: ti.Lang}
	if as != "" && as != m.Schema {
		nt.Schema, nt.Domains = as, nil
	}
	fill := func(ctx context.Context, tx pgx.Tx, tenantID int64, schema, role string) error {
		if err := db.loadArchive(ctx, tx, tr, m, schema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`insert into public.key_routes (fingerprint, tenant_id)
			select distinct fingerprint, $1::bigint from %s on conflict do nothing`, pgx.Identifier{schema, "user_keys"}.Sanitize()), tenantID); err != nil {
			return fmt.Errorf("key routes: %w", err)
		}
		return operatorAudit(ctx, tx, actor, "tenant.import", schema, nil, map[string]any{
			"from_schema": m.Schema, "created_at": m.CreatedAt, "tables": len(m.Tables), "attachments": m.Attachments})
	}
	prov, err := db.provision(ctx, actor, nt, nil, fill)
	if err != nil {
		return TenantInfo{}, m, err
	}
	fresh, err := db.GetTenant(ctx, prov.Tenant.Schema)
	return fresh, m, err
}

// loadArchive replaces the rows of the new schema with the archive's,
// checking each table's checksum and row count as it streams in.
func (db *DB) loadArchive(ctx context.Context, tx pgx.Tx, tr *tar.Reader, m ArchiveManifest, schema string) error {
	have, err := schemaTables(ctx, tx, schema)
	if err != nil {
		return err
	}
	if len(have) != len(m.Tables) {
		return archiveErr("layout", "the archive has %d tables, the schema %d", len(m.Tables), len(have))
	}
	cols := map[string][]string{}
	var names []string
	for _, t := range have {
		cols[t.Name] = t.Columns
		q := pgx.Identifier{schema, t.Name}.Sanitize()
		names = append(names, q)
	}
	// The new schema's own first rows (settings, first admin, chain head)
	// give way to the archive's; user triggers (the audit chain) must not
	// rewrite the archived rows' chain columns.
	if _, err := tx.Exec(ctx, `TRUNCATE `+strings.Join(names, ", ")); err != nil {
		return fmt.Errorf("empty new schema: %w", err)
	}
	for _, q := range names {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+q+` DISABLE TRIGGER USER`); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	for _, t := range m.Tables {
		want, ok := cols[t.Name]
		if !ok || !slices.Equal(want, t.Columns) {
			return archiveErr("layout", "table %s does not match this installation's schema", t.Name)
		}
		hdr, err := tr.Next()
		if err != nil && !errors.Is(err, io.EOF) {
			// The compressed stream or the tar is damaged.
			return archiveErr("checksum", "damaged before %s: %v", t.file(), err)
		}
		if err != nil || hdr.Name != t.file() {
			return archiveErr("layout", "expected %s next", t.file())
		}
		h := sha256.New()
		q := pgx.Identifier{schema, t.Name}.Sanitize()
		tag, err := tx.Conn().PgConn().CopyFrom(ctx, io.TeeReader(tr, h), fmt.Sprintf(`COPY %s (%s) FROM STDIN`, q, identList(t.Columns)))
		if err != nil {
			var pe *pgconn.PgError
			if h := hex.EncodeToString(h.Sum(nil)); h != t.SHA256 || !errors.As(err, &pe) {
				// Edited rows, or a stream that broke while being read.
				return archiveErr("checksum", "%s does not match its checksum: %v", t.file(), err)
			}
			return archiveErr("layout", "%s: rows do not load: %v", t.file(), err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != t.SHA256 {
			return archiveErr("checksum", "%s does not match its checksum", t.file())
		}
		if tag.RowsAffected() != t.Rows {
			return archiveErr("rows", "%s has %d rows, the manifest says %d", t.Name, tag.RowsAffected(), t.Rows)
		}
	}
	if _, err := tr.Next(); err == nil {
		return archiveErr("layout", "unexpected content after the last table")
	} else if !errors.Is(err, io.EOF) {
		return archiveErr("checksum", "damaged after the last table: %v", err)
	}
	for _, q := range names {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+q+` ENABLE TRIGGER USER`); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	// Identity and serial columns continue after the archived rows.
	if _, err := tx.Exec(ctx, `do $$ declare r record; begin
		for r in select c.oid::regclass::text as tbl, a.attname, pg_get_serial_sequence(c.oid::regclass::text, a.attname) as seq
			from pg_class c join pg_namespace n on n.oid = c.relnamespace
			join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
			where n.nspname = `+quoteLiteral(schema)+` and c.relkind = 'r'
			  and pg_get_serial_sequence(c.oid::regclass::text, a.attname) is not null loop
			execute format('select setval(%L, coalesce((select max(%I) from %s), 0) + 1, false)', r.seq, r.attname, r.tbl);
		end loop; end $$`); err != nil {
		return fmt.Errorf("import: sequences: %w", err)
	}
	// Every file still matches its checksum once reassembled.
	var bad []string
	rows, err := tx.Query(ctx, fmt.Sprintf(`select a.name from %s a
		where a.sha256 <> sha256(coalesce((select string_agg(c.data, ''::bytea order by c.seq) from %s c where c.attachment_id = a.id), ''::bytea))
		   or a.size <> coalesce((select sum(length(c.data)) from %s c where c.attachment_id = a.id), 0)`,
		pgx.Identifier{schema, "attachments"}.Sanitize(), pgx.Identifier{schema, "attachment_chunks"}.Sanitize(),
		pgx.Identifier{schema, "attachment_chunks"}.Sanitize()))
	if err != nil {
		return fmt.Errorf("import: check files: %w", err)
	}
	if bad, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return fmt.Errorf("import: check files: %w", err)
	}
	if len(bad) > 0 {
		return archiveErr("attachment", "%d file(s) do not match their checksum (%s)", len(bad), path.Base(bad[0]))
	}
	return nil
}

// quoteLiteral quotes a string as an SQL literal (schema names are
// validated already; this is for the DO block, which takes no parameters).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
